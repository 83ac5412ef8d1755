"""Become a member, as the visitor meets it: the join page type, the accessible form, what a
valid or invalid submission stores and mails, repeats within the duplicate window, and the
editor's preview.

The staff side (the membership admin and its exports) is in test_membership_admin.py, spam
controls and rate limits in test_membership_spam.py, simultaneous sends in
test_membership_submit.py, the export's formula escaping in test_membership_export.py,
retention in test_retention.py.
"""

import logging
import re
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Page
from wagtail_modeladmin.helpers import AdminURLHelper

from membership import spam
from membership.models import JoinPage, MembershipApplication
from psg.models import SiteSettings
from tests.factories import JOIN_URL, STARTED_TOKEN_RE, add_join_page
from tests.factories import join_form_data as form_data
from tests.factories import send_join_form as post

THANK_YOU_URL = "/join/thank-you/"
OFFICER_ADDRESS = "officers@psg.example"

pytestmark = pytest.mark.django_db


@pytest.fixture
def join_page(home_page):
    return add_join_page(
        home_page,
        intro="<p>Membership is open to anyone who shares our aims.</p>",
        reasons=[
            ("reason", {"heading": "Keep informed", "text": "Receive our briefings."}),
            ("reason", {"heading": "Support the campaigns", "text": ""}),
        ],
        thank_you_text="<p>We will write to you about paying the fee.</p>",
        notification_emails=OFFICER_ADDRESS,
    )


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
    assert re.search(STARTED_TOKEN_RE, html)
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
