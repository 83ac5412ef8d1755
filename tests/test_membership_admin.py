"""The membership admin, as staff meet it: what Membership officers may do (list, inspect,
change the status, see the history, export to CSV and Excel) and what every other admin user
and anonymous visitor is refused, down to the site history report."""

import csv
import io
from datetime import UTC

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail_modeladmin.helpers import AdminURLHelper

from membership.models import MembershipApplication
from tests.factories import listing_rows, make_application, make_user

pytestmark = pytest.mark.django_db


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
    user = make_user(f"user-{group_name.lower()}", group_name)
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
    assert [row[:2] for row in listing_rows(history)] == [["Edited", officer.get_full_name()]]


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
    body = b"".join(response.streaming_content).decode("utf-8-sig")
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


def test_site_history_report_hides_application_changes_from_other_admin_users(
    client, officer, editor, admin_access_only_group
):
    application = make_application()
    client.force_login(officer)
    client.post(admin_urls(application)["edit"], {"status": "approved"})
    assert "Existing Person" in client.get("/admin/reports/site-history/").content.decode()

    client.force_login(editor)
    response = client.get("/admin/reports/site-history/")
    assert response.status_code == 200
    assert "Existing Person" not in response.content.decode()
