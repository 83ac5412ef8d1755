"""Become a member: the join form, the staff admin and exports.

Spam controls and rate limits are in test_membership_spam.py, the export's formula escaping in
test_membership_export.py, retention (the purge command and its record) in test_retention.py.
"""

import csv
import io
import logging
import re
import smtplib
from datetime import UTC, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Page
from wagtail_modeladmin.helpers import AdminURLHelper

from membership import spam
from membership.models import JoinPage, MembershipApplication
from psg.models import SiteSettings
from tests.factories import join_form_data as form_data
from tests.factories import listing_rows

JOIN_URL = "/join/"
THANK_YOU_URL = "/join/thank-you/"
OFFICER_ADDRESS = "officers@psg.example"
TOKEN_RE = re.compile(r'name="started" value="([^"]+)"')

pytestmark = pytest.mark.django_db


# Fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def join_page(home_page):
    return home_page.add_child(
        instance=JoinPage(
            title="Become a member",
            slug="join",
            intro="<p>Membership is open to anyone who shares our aims.</p>",
            reasons=[
                ("reason", {"heading": "Keep informed", "text": "Receive our briefings."}),
                ("reason", {"heading": "Support the campaigns", "text": ""}),
            ],
            thank_you_heading="Thank you for joining PSG",
            thank_you_text="<p>We will write to you about paying the fee.</p>",
            notification_emails=OFFICER_ADDRESS,
        )
    )


def post(client, data, ip="203.0.113.10"):
    return client.post(JOIN_URL, data, REMOTE_ADDR=ip)


def make_application(**fields):
    values = {
        "name": "Existing Person",
        "email": "existing@example.org",
        "membership_type": MembershipApplication.MembershipType.INDIVIDUAL,
        "country": "Peru",
    }
    values.update(fields)
    return MembershipApplication.objects.create(**values)


# The page type --------------------------------------------------------------------------------


def test_join_page_lives_only_under_the_home_page_once_and_has_no_children(join_page, home_page):
    assert JoinPage.parent_page_types == ["home.HomePage"]
    assert JoinPage.subpage_types == []
    assert JoinPage.max_count == 1
    assert JoinPage in home_page.specific.allowed_subpage_models()
    assert not JoinPage.can_create_at(home_page)  # one exists already


def test_every_editor_field_of_the_join_page_has_help_text():
    for name in ["intro", "reasons", "thank_you_heading", "thank_you_text", "notification_emails"]:
        assert JoinPage._meta.get_field(name).help_text, name


def test_notification_addresses_are_validated(join_page):
    join_page.notification_emails = "officers@psg.example, not an address"
    with pytest.raises(ValidationError) as error:
        join_page.full_clean()
    assert "not an address" in str(error.value)


def test_notification_recipients_fall_back_to_managers(join_page, settings):
    join_page.notification_emails = "a@psg.example, b@psg.example"
    assert join_page.notification_recipients() == ["a@psg.example", "b@psg.example"]
    join_page.notification_emails = ""
    settings.MANAGERS = [("Membership", "managers@psg.example")]
    assert join_page.notification_recipients() == ["managers@psg.example"]
    settings.MANAGERS = []
    assert join_page.notification_recipients() == [settings.DEFAULT_FROM_EMAIL]


def test_page_editor_shows_content_promote_and_settings_tabs(join_page, admin_client):
    response = admin_client.get(f"/admin/pages/{join_page.pk}/edit/")
    assert response.status_code == 200
    html = response.content.decode()
    for tab in ["Content", "Promote", "Settings"]:
        assert f">{tab}<" in html or f"{tab}\n" in html
    assert "Send new applications to" in html


# The form as a visitor sees it -----------------------------------------------------------------


def test_join_page_shows_an_accessible_form(client, join_page, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(JOIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Membership is open to anyone who shares our aims." in html
    assert "Keep informed" in html and "Support the campaigns" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert TOKEN_RE.search(html)
    # Every field has a label.
    for field_id in ["id_name", "id_email", "id_organisation", "id_country", "id_heard_about"]:
        assert f'for="{field_id}"' in html
    # Membership types are radio buttons in a fieldset with a legend.
    assert "<fieldset" in html and "<legend" in html
    for value in ["individual", "concession", "organisation"]:
        assert f'value="{value}"' in html
    # The consent box starts unticked.
    consent = re.search(r"<input[^>]*name=\"consent\"[^>]*>", html).group(0)
    assert 'type="checkbox"' in consent
    assert "checked" not in consent
    assert 'aria-describedby="id_consent_helptext"' in consent
    assert 'id="id_consent_helptext"' in html
    assert '<label for="id_name">Full name</label>' in html
    # The honeypot is hidden from people, screen readers and the keyboard.
    trap = re.search(r'<div class="visually-hidden" aria-hidden="true">.*?</div>', html, re.S)
    assert trap and 'name="website"' in trap.group(0)
    honeypot = re.search(r"<input[^>]*name=\"website\"[^>]*>", html).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot
    # No error summary on a fresh form.
    assert "error-summary" not in html


def test_privacy_note_links_to_the_privacy_page_or_explains_in_words(client, join_page, home_page):
    response = client.get(JOIN_URL)
    html = response.content.decode()
    assert "privacy notice</a>" not in html
    assert "You can ask us at any time to see, correct or delete them" in html

    privacy = home_page.add_child(instance=Page(title="Privacy notice", slug="privacy"))
    site_settings = SiteSettings.load()
    site_settings.privacy_page = privacy
    site_settings.save()
    html = client.get(JOIN_URL).content.decode()
    assert '<a href="/privacy/">privacy notice</a>' in html


# Sending the form ------------------------------------------------------------------------------


def test_valid_submission_is_stored_notified_and_redirects_to_thank_you(client, join_page):
    response = post(client, form_data())
    assert response.status_code == 302
    assert response["Location"] == THANK_YOU_URL

    application = MembershipApplication.objects.get()
    assert application.name == "Ana Quispe"
    assert application.email == "ana@example.org"
    assert application.membership_type == "individual"
    assert application.country == "United Kingdom"
    assert application.heard_about == "event"
    assert application.consent is True
    assert application.status == "new"
    assert application.notified_at is not None
    # The sender's address is kept only as a keyed hash.
    assert application.ip_hash and len(application.ip_hash) == 64
    assert "203.0.113.10" not in application.ip_hash
    assert application.ip_hash == spam.fingerprint("ip", "203.0.113.10")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [OFFICER_ADDRESS]
    assert "Individual" in message.subject
    inspect_path = AdminURLHelper(MembershipApplication).get_action_url("inspect", application.pk)
    assert "http://testserver" + inspect_path in message.body
    # The notification goes to an address editors set, so it carries no personal details.
    assert "Ana" not in message.body + message.subject
    assert "ana@example.org" not in message.body + str(message.reply_to)


def test_post_redirect_get_thank_you_page_is_shown_and_not_indexed(client, join_page):
    response = post(client, form_data())
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thank you for joining PSG" in html
    assert "We will write to you about paying the fee." in html
    assert '<meta name="robots" content="noindex">' in html
    # Reloading the thank-you page sends nothing again.
    client.get(THANK_YOU_URL)
    assert MembershipApplication.objects.count() == 1
    assert len(mail.outbox) == 1


def test_consent_left_unticked_is_stored_as_no(client, join_page):
    post(client, form_data(consent=None))
    assert MembershipApplication.objects.get().consent is False


def test_organisation_membership_needs_an_organisation_name(client, join_page):
    response = post(client, form_data(membership_type="organisation", organisation=""))
    assert response.status_code == 200
    assert "Enter the name of your organisation" in response.content.decode()
    assert not MembershipApplication.objects.exists()

    response = post(
        client, form_data(membership_type="organisation", organisation="Amnesty Group 12")
    )
    assert response.status_code == 302
    assert MembershipApplication.objects.get().organisation == "Amnesty Group 12"


def test_invalid_input_shows_accessible_errors_and_keeps_what_was_typed(client, join_page):
    data = form_data(
        name="",
        email="ana-at-example",
        membership_type="organisation",
        organisation="",
        country="Perú",
        heard_about="friend",
    )
    response = post(client, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error:" in html
    # The summary names every problem and links to its field.
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'role="alert"' in summary
    assert '<a href="#id_name">Enter your full name.</a>' in summary
    assert 'href="#id_email"' in summary and "right format" in summary
    assert 'href="#id_organisation"' in summary
    # Each invalid field says so and points at its message.
    name_input = re.search(r"<input[^>]*name=\"name\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in name_input
    assert 'aria-describedby="id_name_error"' in name_input
    assert 'id="id_name_error"' in html
    email_input = re.search(r"<input[^>]*name=\"email\"[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in email_input
    assert "id_email_error" in email_input and "id_email_helptext" in email_input
    # What the person typed is still there.
    assert 'value="ana-at-example"' in email_input
    assert 'value="Perú"' in html
    assert re.search(r'value="organisation"[^>]*checked|checked[^>]*value="organisation"', html)
    assert re.search(r'<option value="friend" selected>', html)
    consent = re.search(r"<input[^>]*name=\"consent\"[^>]*>", html).group(0)
    assert "checked" in consent
    # Valid fields are not marked invalid.
    country_input = re.search(r"<input[^>]*name=\"country\"[^>]*>", html).group(0)
    assert "aria-invalid" not in country_input
    assert not MembershipApplication.objects.exists()
    assert mail.outbox == []


# Mail failure and duplicates -------------------------------------------------------------------


def test_mail_failure_keeps_the_application_and_thanks_the_applicant(client, join_page, caplog):
    with (
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages",
            side_effect=smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ),
        caplog.at_level(logging.ERROR, logger="membership"),
    ):
        response = post(client, form_data())
    assert response.status_code == 302
    assert response["Location"] == THANK_YOU_URL
    application = MembershipApplication.objects.get()
    assert application.name == "Ana Quispe"
    assert application.notified_at is None
    assert client.get(THANK_YOU_URL).status_code == 200
    # The failure is logged, without the applicant's details.
    assert "notification email failed" in caplog.text
    assert "SMTPServerDisconnected" in caplog.text
    assert "Ana" not in caplog.text and "ana@example.org" not in caplog.text


def test_same_email_within_a_day_makes_no_second_application_or_email(client, join_page):
    assert post(client, form_data()).status_code == 302
    response = post(client, form_data(email="Ana@Example.org"))
    assert response.status_code == 302
    assert response["Location"] == THANK_YOU_URL
    application = MembershipApplication.objects.get()
    assert application.submission_count == 2
    assert application.later_submissions == []  # nothing new to keep
    assert len(mail.outbox) == 1


def test_changed_details_sent_again_are_kept_on_the_first_application(client, join_page):
    post(client, form_data())
    post(client, form_data(name="Ana María Quispe", membership_type="concession"))
    post(client, form_data(name="Ana María Quispe", membership_type="concession"))
    application = MembershipApplication.objects.get()
    assert application.name == "Ana Quispe"  # the original stays as sent
    assert application.submission_count == 3
    assert len(application.later_submissions) == 1
    correction = application.later_submissions[0]
    assert correction["name"] == "Ana María Quispe"
    assert correction["membership_type"] == "concession"
    assert "sent_at" in correction
    assert len(mail.outbox) == 1


def test_same_email_after_the_duplicate_window_is_a_new_application(client, join_page):
    post(client, form_data())
    MembershipApplication.objects.update(created_at=timezone.now() - timedelta(hours=25))
    post(client, form_data(), ip="198.51.100.50")
    assert MembershipApplication.objects.count() == 2
    assert len(mail.outbox) == 2


# The staff admin -------------------------------------------------------------------------------


URLS = AdminURLHelper(MembershipApplication)


def admin_urls(application):
    return {
        "index": URLS.index_url,
        "inspect": URLS.get_action_url("inspect", application.pk),
        "edit": URLS.get_action_url("edit", application.pk),
        "delete": URLS.get_action_url("delete", application.pk),
        "history": URLS.get_action_url("history", application.pk),
        "create": URLS.create_url,
        "export_csv": URLS.index_url + "?export=csv",
        "export_xlsx": URLS.index_url + "?export=xlsx",
    }


def assert_refused(response, url):
    """Refused: 403, or Wagtail's redirect away from the page (to the login or the dashboard)."""
    if response.status_code == 302:
        location = response["Location"]
        assert location == "/admin/" or location.startswith("/admin/login/"), (url, location)
    else:
        assert response.status_code == 403


def user_in(group_name, username):
    user = get_user_model().objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def officer(db):
    return user_in("Membership officers", "officer")


@pytest.fixture
def admin_access_only_group(db):
    group = Group.objects.create(name="Volunteers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    return group


def test_membership_officers_group_has_exactly_the_needed_permissions():
    group = Group.objects.get(name="Membership officers")
    perms = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert perms == {
        ("membership", "view_membershipapplication"),
        ("membership", "change_membershipapplication"),
        ("wagtailadmin", "access_admin"),
    }


def test_officer_can_list_inspect_edit_history_and_export(client, officer):
    application = make_application()
    client.force_login(officer)
    urls = admin_urls(application)
    for name in ["index", "inspect", "edit", "history", "export_csv", "export_xlsx"]:
        assert client.get(urls[name]).status_code == 200, name
    # Officers neither delete nor create applications.
    assert_refused(client.get(urls["delete"]), urls["delete"])
    assert_refused(client.post(urls["delete"]), urls["delete"])
    assert_refused(client.get(urls["create"]), urls["create"])
    assert MembershipApplication.objects.filter(pk=application.pk).exists()


def test_officer_sees_membership_in_the_admin_menu(client, officer):
    client.force_login(officer)
    assert URLS.index_url in client.get("/admin/").content.decode()


@pytest.mark.parametrize("group_name", ["Volunteers", "Editors", "Moderators"])
def test_other_admin_users_are_refused_on_every_membership_url(
    client, admin_access_only_group, group_name
):
    application = make_application()
    user = user_in(group_name, f"user-{group_name.lower()}")
    client.force_login(user)
    assert client.get("/admin/").status_code == 200  # they can use the admin otherwise
    assert URLS.index_url not in client.get("/admin/").content.decode()
    for name, url in admin_urls(application).items():
        response = client.get(url)
        assert_refused(response, url)
        assert b"Existing Person" not in response.content, name
        assert b"existing@example.org" not in response.content, name
    edit_url, delete_url = admin_urls(application)["edit"], admin_urls(application)["delete"]
    assert_refused(client.post(edit_url, {"status": "approved"}), edit_url)
    assert_refused(client.post(delete_url), delete_url)
    application.refresh_from_db()
    assert application.status == "new"


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    application = make_application()
    for name, url in admin_urls(application).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert "/login/" in response["Location"], name


def test_superuser_can_delete_but_nobody_creates_applications(admin_client):
    application = make_application()
    urls = admin_urls(application)
    assert_refused(admin_client.get(urls["create"]), urls["create"])
    assert admin_client.get(urls["delete"]).status_code == 200
    assert admin_client.post(urls["delete"]).status_code == 302
    assert not MembershipApplication.objects.exists()


def test_edit_view_changes_the_status_only(client, officer):
    application = make_application()
    client.force_login(officer)
    response = client.post(
        admin_urls(application)["edit"],
        {"status": "approved", "name": "Changed", "email": "changed@example.org"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    assert application.name == "Existing Person"
    assert application.email == "existing@example.org"
    history = client.get(admin_urls(application)["history"]).content.decode()
    # One entry: the action and who took it (the third column is the date).
    assert [row[:2] for row in listing_rows(history)] == [["Edited", "officer"]]


def test_inspect_view_shows_the_applicants_details(client, officer):
    application = make_application(
        later_submissions=[{"name": "Corrected Name", "sent_at": "2026-01-01T10:00:00"}],
        submission_count=2,
    )
    client.force_login(officer)
    html = client.get(admin_urls(application)["inspect"]).content.decode()
    assert "Existing Person" in html
    assert "existing@example.org" in html
    assert "Peru" in html
    assert "Corrected Name" in html


def test_index_lists_filters_and_searches(client, officer):
    make_application(name="Rosa Mendoza", email="rosa@example.org", status="approved")
    make_application(
        name="Lima Solidarity", email="info@lima.example", membership_type="organisation"
    )
    client.force_login(officer)
    html = client.get(URLS.index_url).content.decode()
    assert "Rosa Mendoza" in html and "Lima Solidarity" in html
    for column in ["Name", "Email", "Membership type", "Status", "Received"]:
        assert column in html
    html = client.get(URLS.index_url, {"status": "approved"}).content.decode()
    assert "Rosa Mendoza" in html and "Lima Solidarity" not in html
    html = client.get(URLS.index_url, {"membership_type": "organisation"}).content.decode()
    assert "Lima Solidarity" in html and "Rosa Mendoza" not in html
    html = client.get(URLS.index_url, {"q": "rosa@"}).content.decode()
    assert "Rosa Mendoza" in html and "Lima Solidarity" not in html


# Exports ---------------------------------------------------------------------------------------


EXPECTED_HEADINGS = [
    "Received",
    "Name",
    "Email",
    "Membership type",
    "Organisation",
    "Country",
    "Heard about PSG through",
    "Agreed to be contacted",
    "Status",
    "Times sent",
]


@pytest.fixture
def two_applications():
    first = make_application(
        name="Rosa Mendoza",
        email="rosa@example.org",
        membership_type="concession",
        heard_about="event",
        consent=True,
        status="approved",
    )
    second = make_application(
        name='=HYPERLINK("http://evil.example")',
        email="org@example.org",
        membership_type="organisation",
        organisation="Lima Solidarity",
        country="",
        consent=False,
    )
    return first, second


def test_csv_export_contents(client, officer, two_applications):
    client.force_login(officer)
    response = client.get(URLS.index_url, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="membership-applications.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == EXPECTED_HEADINGS
    assert len(rows) == 3
    by_email = {row[2]: row for row in rows[1:]}
    rosa = by_email["rosa@example.org"]
    assert rosa[1:] == [
        "Rosa Mendoza",
        "rosa@example.org",
        "Concession (student, unwaged or retired)",
        "",
        "Peru",
        "An event or talk",
        "Yes",
        "Approved",
        "1",
    ]
    org = by_email["org@example.org"]
    # A value a spreadsheet would run as a formula is written as text.
    assert org[1] == '\'=HYPERLINK("http://evil.example")'
    assert org[3:9] == ["Organisation", "Lima Solidarity", "", "", "No", "New"]


def test_csv_export_follows_the_filters(client, officer, two_applications):
    client.force_login(officer)
    response = client.get(URLS.index_url, {"export": "csv", "status": "approved"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[1] for row in rows[1:]] == ["Rosa Mendoza"]


def test_xlsx_export_contents(client, officer, two_applications):
    from openpyxl import load_workbook

    client.force_login(officer)
    response = client.get(URLS.index_url, {"export": "xlsx"})
    assert response.status_code == 200
    assert "membership-applications.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == EXPECTED_HEADINGS
    assert len(rows) == 3
    by_email = {row[2]: row for row in rows[1:]}
    rosa = by_email["rosa@example.org"]
    assert rosa[1] == "Rosa Mendoza"
    assert rosa[3] == "Concession (student, unwaged or retired)"
    assert rosa[7] == "Yes"
    assert rosa[8] == "Approved"
    assert rosa[0].date() == two_applications[0].created_at.astimezone(UTC).date()
    org = by_email["org@example.org"]
    assert org[4] == "Lima Solidarity"
    assert org[7] == "No"
    # Stored as text, not as a formula.
    assert org[1] == '=HYPERLINK("http://evil.example")'
    cell = next(c for c in workbook.active["B"] if c.value == org[1])
    assert cell.data_type == "s"


# Anonymised applications, the editor's preview, the site history ---------------------------------


def test_anonymised_applications_are_not_duplicates(client, join_page):
    post(client, form_data())
    MembershipApplication.objects.get().anonymise()
    post(client, form_data(), ip="198.51.100.60")
    assert MembershipApplication.objects.count() == 2
    assert str(MembershipApplication.objects.filter(anonymised_at__isnull=False).get()).startswith(
        "Anonymised application"
    )


def test_editors_preview_shows_the_form(join_page):
    response = join_page.make_preview_request()
    assert response.status_code == 200
    html = response.render().content.decode()
    assert 'name="email"' in html
    assert "Membership is open to anyone who shares our aims." in html


def test_site_history_report_hides_application_changes_from_other_admin_users(
    client, officer, admin_access_only_group
):
    application = make_application()
    client.force_login(officer)
    client.post(admin_urls(application)["edit"], {"status": "approved"})
    assert "Existing Person" in client.get("/admin/reports/site-history/").content.decode()

    client.force_login(user_in("Editors", "editor"))
    response = client.get("/admin/reports/site-history/")
    assert response.status_code == 200
    assert "Existing Person" not in response.content.decode()
