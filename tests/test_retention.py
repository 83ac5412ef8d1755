"""Retention of membership applications: the decision date, the purge command and its record.

Time passing is played by moving an application's stored dates (and those of its entries in
Wagtail's log) into the past, as the rows would look after that many days.
"""

import io
import logging
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import F
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail_modeladmin.helpers import AdminURLHelper

from membership.models import MembershipApplication
from tests.factories import listing_rows, make_application, make_user

pytestmark = pytest.mark.django_db

URLS = AdminURLHelper(MembershipApplication)
SITE_HISTORY = "/admin/reports/site-history/"
PURGE = "membership.purge"


def days_pass(application, days):
    """The application's dates and its history, as they will look `days` days from now."""
    ago = timedelta(days=days)
    MembershipApplication.objects.filter(pk=application.pk).update(
        created_at=F("created_at") - ago,
        updated_at=F("updated_at") - ago,
        decided_at=F("decided_at") - ago,
    )
    ModelLogEntry.objects.for_instance(application).update(timestamp=F("timestamp") - ago)
    application.refresh_from_db()


def run_purge(*args):
    out = io.StringIO()
    call_command("purge_membership_applications", *args, stdout=out)
    return out.getvalue()


def purge_entries():
    return ModelLogEntry.objects.filter(action=PURGE).order_by("timestamp", "pk")


@pytest.fixture
def officer(db):
    return make_user("officer", "Membership officers")


def set_status(client, application, status):
    """Change the status as an officer does: the admin's edit form."""
    response = client.post(URLS.get_action_url("edit", application.pk), {"status": status})
    assert response.status_code == 302
    application.refresh_from_db()
    return application


@pytest.fixture
def aged_applications():
    now = timezone.now()
    old_declined = make_application(name="Old Declined", email="od@example.org", status="declined")
    recent_declined = make_application(
        name="Recent Declined", email="rd@example.org", status="declined"
    )
    stale = make_application(name="Stale New", email="sn@example.org")
    old_approved = make_application(name="Old Approved", email="oa@example.org", status="approved")
    current = make_application(name="Current", email="c@example.org")
    MembershipApplication.objects.filter(pk=old_declined.pk).update(
        decided_at=now - timedelta(days=40),
        updated_at=now - timedelta(days=40),
        created_at=now - timedelta(days=50),
    )
    MembershipApplication.objects.filter(pk=recent_declined.pk).update(
        decided_at=now - timedelta(days=5),
        updated_at=now - timedelta(days=5),
        created_at=now - timedelta(days=50),
    )
    for application in [stale, old_approved]:
        days_pass(application, 400)
    days_pass(current, 10)
    return {
        "old_declined": old_declined,
        "recent_declined": recent_declined,
        "stale": stale,
        "old_approved": old_approved,
        "current": current,
    }


# The decision date -----------------------------------------------------------------------------


def test_a_decision_in_the_admin_is_dated_and_later_saves_leave_the_date(officer_client):
    application = make_application()
    assert application.decided_at is None
    set_status(officer_client, application, "declined")
    assert application.decided_at is not None
    days_pass(application, 10)
    declined_at = application.decided_at

    # Saving the form again without changing the status is a change, not a decision.
    set_status(officer_client, application, "declined")
    assert application.decided_at == declined_at
    assert application.updated_at > declined_at + timedelta(days=9)

    # Back to New clears the date; the next decision dates itself afresh.
    set_status(officer_client, application, "new")
    assert application.decided_at is None
    set_status(officer_client, application, "approved")
    assert application.decided_at > declined_at + timedelta(days=9)


def test_any_save_that_changes_the_decision_dates_it_and_other_saves_do_not():
    application = make_application(status="declined")
    assert application.decided_at is not None
    days_pass(application, 10)
    declined_at = application.decided_at

    application.country = "Chile"
    application.save()
    application.refresh_from_db()
    assert application.decided_at == declined_at

    application.status = "approved"
    application.save(update_fields=["status"])
    application.refresh_from_db()
    assert application.decided_at > declined_at + timedelta(days=9)


def test_the_declined_clock_runs_from_the_decision_not_from_the_last_change(officer_client):
    application = make_application()
    set_status(officer_client, application, "declined")
    days_pass(application, 40)
    # An officer opens it today and saves it unchanged: its last change is today.
    set_status(officer_client, application, "declined")
    other = set_status(officer_client, make_application(email="other@example.org"), "declined")
    days_pass(other, 29)

    assert "Anonymised 1 declined and 0 stale" in run_purge()
    application.refresh_from_db()
    assert application.anonymised_at is not None
    assert application.name == "" and application.email == ""
    other.refresh_from_db()
    assert other.anonymised_at is None and other.name == "Existing Person"


def apply_decision_date_migration():
    """Run the data migration on the rows as they are, the way `manage.py migrate` runs it."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration("membership", "0004_date_existing_decisions")
    state = loader.project_state(("membership", "0003_membershipapplication_decided_at"))
    migration.apply(state, connection.schema_editor())


def test_the_data_migration_dates_decisions_from_the_history_else_the_last_change(
    officer_client,
):
    logged = make_application(email="logged@example.org")
    set_status(officer_client, logged, "approved")
    days_pass(logged, 15)
    set_status(officer_client, logged, "declined")
    days_pass(logged, 45)
    set_status(officer_client, logged, "declined")  # saved unchanged today
    unlogged_declined = make_application(email="declined@example.org", status="declined")
    unlogged_approved = make_application(email="approved@example.org", status="approved")
    undecided = make_application(email="new@example.org")
    days_pass(unlogged_declined, 40)
    days_pass(unlogged_approved, 3)
    # As the rows were before the decision date existed.
    MembershipApplication.objects.update(decided_at=None)

    apply_decision_date_migration()

    approval, decline, resave = ModelLogEntry.objects.for_instance(logged).order_by("timestamp")
    assert resave.timestamp > decline.timestamp + timedelta(days=44)
    logged.refresh_from_db()
    assert logged.decided_at == decline.timestamp
    for application in [unlogged_declined, unlogged_approved, undecided]:
        application.refresh_from_db()
    assert unlogged_declined.decided_at == unlogged_declined.updated_at
    assert unlogged_approved.decided_at == unlogged_approved.updated_at
    assert undecided.decided_at is None


# The purge command ----------------------------------------------------------------------------


def test_purge_dry_run_counts_and_changes_nothing(aged_applications):
    output = run_purge("--dry-run")
    assert "would anonymise 1 declined and 2 stale" in output
    assert MembershipApplication.objects.filter(anonymised_at__isnull=False).count() == 0
    assert not purge_entries().exists()


def test_purge_anonymises_declined_and_stale_applications(aged_applications, caplog):
    with caplog.at_level(logging.INFO, logger="membership"):
        output = run_purge()
    assert "Anonymised 1 declined and 2 stale" in output
    for key in ["old_declined", "stale", "old_approved"]:
        application = MembershipApplication.objects.get(pk=aged_applications[key].pk)
        assert application.anonymised_at is not None, key
        assert application.name == "" and application.email == "" and application.ip_hash == ""
        # Statistics survive.
        assert application.membership_type == "individual" and application.country == "Peru"
    for key in ["recent_declined", "current"]:
        application = MembershipApplication.objects.get(pk=aged_applications[key].pk)
        assert application.anonymised_at is None, key
        assert application.name, key
    # Counts only: no names in output or logs.
    for name in ["Old Declined", "Stale New", "od@example.org"]:
        assert name not in output and name not in caplog.text
    # Running again finds nothing more to do.
    assert "Anonymised 0 declined and 0 stale" in run_purge()


def test_purge_days_option_overrides_the_setting(aged_applications):
    output = run_purge("--days", "20", "--declined-days", "100")
    assert "Anonymised 0 declined and 4 stale" in output
    assert MembershipApplication.objects.get(anonymised_at__isnull=True).name == "Current"


def test_purge_periods_come_from_settings(aged_applications, settings):
    settings.MEMBERSHIP_DECLINED_RETENTION_DAYS = 1
    settings.MEMBERSHIP_RETENTION_DAYS = 9
    output = run_purge()
    assert "Anonymised 2 declined and 3 stale" in output
    assert not MembershipApplication.objects.filter(anonymised_at__isnull=True).exists()


def test_purge_delete_option_removes_rows(aged_applications):
    output = run_purge("--delete")
    assert "Deleted 1 declined and 2 stale" in output
    names = set(MembershipApplication.objects.values_list("name", flat=True))
    assert names == {"Recent Declined", "Current"}


def test_delete_also_removes_what_an_earlier_run_anonymised(aged_applications):
    assert "Anonymised 1 declined and 2 stale" in run_purge()
    assert "would delete 0 declined and 0 stale application(s) and 3 anonymised one(s)." in (
        run_purge("--delete", "--dry-run")
    )
    output = run_purge("--delete")
    assert "Deleted 0 declined and 0 stale membership application(s) and 3 anonymised" in output
    names = set(MembershipApplication.objects.values_list("name", flat=True))
    assert names == {"Recent Declined", "Current"}


def test_purge_refuses_an_unknown_user_and_changes_nothing(aged_applications):
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        run_purge("--user", "nobody")
    assert not MembershipApplication.objects.filter(anonymised_at__isnull=False).exists()
    assert not purge_entries().exists()


# The record of each purge ---------------------------------------------------------------------


def test_each_purge_is_recorded_in_the_history_with_counts_and_who_ran_it(
    aged_applications, officer
):
    run_purge()
    run_purge("--delete", "--user", "officer")
    run_purge("--dry-run")  # changes nothing, so records nothing

    entries = purge_entries()
    content_type = ContentType.objects.get_for_model(MembershipApplication)
    assert [(entry.user, entry.content_type) for entry in entries] == [
        (None, content_type),
        (officer, content_type),
    ]
    assert [entry.data for entry in entries] == [
        {
            "command": "purge_membership_applications",
            "removal": "anonymise",
            "declined": 1,
            "stale": 2,
            "days": 365,
            "declined_days": 30,
        },
        {
            "command": "purge_membership_applications",
            "removal": "delete",
            "declined": 0,
            "stale": 0,
            "anonymised_earlier": 3,
            "days": 365,
            "declined_days": 30,
        },
    ]


def test_membership_officers_see_the_purges_and_other_admin_users_do_not(
    aged_applications, client, officer
):
    run_purge()
    run_purge("--delete", "--declined-days", "0", "--user", "officer")
    client.force_login(officer)
    index = client.get(URLS.index_url).content.decode()
    link = f'href="{SITE_HISTORY}?action={PURGE}"'
    assert link in index and "Retention history" in index

    html = client.get(f"{SITE_HISTORY}?action={PURGE}").content.decode()
    rows = [row[:4] for row in listing_rows(html)]
    assert rows == [
        [
            "Membership applications",
            "Membership application",
            "Retention policy applied: 1 declined and 0 stale and 3 earlier anonymised "
            "application(s) deleted (declined 0 days after the decision, others 365 days after "
            "arrival), run by purge_membership_applications",
            "Officer",
        ],
        [
            "Membership applications",
            "Membership application",
            "Retention policy applied: 1 declined and 2 stale application(s) anonymised "
            "(declined 30 days after the decision, others 365 days after arrival), run by "
            "purge_membership_applications",
            "system",
        ],
    ]

    client.force_login(make_user("editor", "Editors"))
    for url in [SITE_HISTORY, f"{SITE_HISTORY}?action={PURGE}"]:
        response = client.get(url)
        assert response.status_code == 200
        assert "Retention policy applied" not in response.content.decode()


def test_the_history_keeps_no_name_or_email_of_a_purged_application(officer_client):
    anonymised = make_application(name="Rosa Mendoza", email="rosa@example.org")
    deleted = make_application(name="Lucho Paz", email="lucho@example.org")
    set_status(officer_client, anonymised, "declined")
    set_status(officer_client, deleted, "declined")
    site_history = officer_client.get(SITE_HISTORY).content.decode()
    assert "Rosa Mendoza" in site_history and "Lucho Paz" in site_history

    days_pass(deleted, 40)
    run_purge("--delete")
    days_pass(anonymised, 40)
    run_purge()

    site_history = officer_client.get(SITE_HISTORY).content.decode()
    history = officer_client.get(URLS.get_action_url("history", anonymised.pk)).content.decode()
    for html in [site_history, history]:
        for detail in ["Rosa", "rosa@example.org", "Lucho", "lucho@example.org"]:
            assert detail not in html
    assert f"Anonymised application #{anonymised.pk}" in site_history
    assert f"Deleted application #{deleted.pk}" in site_history
    assert [row[:2] for row in listing_rows(history)] == [["Edited", "Officer"]]
