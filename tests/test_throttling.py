"""Security limits counted in the database, where neither a flood of page views (which makes the
cache evict entries) nor an emptied cache or Redis can lift them: the admin sign-in lockout
(django-axes), wrong page passwords, password reset mails and the join form's rate limits.

The production settings' sign-in tests (429 page, the wait, the proxy) are in test_production_signin.py;
the join form's other rate-limit rules in test_membership_spam.py.
"""

import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from wagtail.models import PageViewRestriction

from membership.models import JoinPage, MembershipApplication
from psg import throttle
from psg.models import ThrottleCount
from tests.conftest import run_in_pass
from tests.factories import PASSWORD, make_user
from tests.factories import join_form_data as form_data
from tests.factories import send_join_form as post

ADDRESS = "203.0.113.7"


def sign_in(client, username, password, address=ADDRESS):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def flood(client, count=60):
    """Anonymous page views, each of another address: the page cache fills and evicts."""
    for number in range(count):
        client.get(f"/?page={number}", REMOTE_ADDR=f"198.51.100.{number % 250 + 1}")
        client.get(f"/no-such-page-{number}/")


@pytest.fixture
def small_cache(settings):
    """A local-memory cache of ten entries that empties itself when full, as a full cache evicts."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttling-tests",
            "OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 1},
        }
    }
    cache.clear()
    yield
    cache.clear()


# Admin sign-in -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_in_lockout_survives_a_flood_of_page_views_and_an_emptied_cache(
    client, home_page, small_cache
):
    make_user("chief.editor", superuser=True)
    for attempt in range(5):
        sign_in(client, "chief.editor", f"wrong-{attempt}")
    assert sign_in(client, "chief.editor", PASSWORD).status_code == 429

    flood(client)
    cache.clear()

    refused = sign_in(client, "chief.editor", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not held up.
    assert sign_in(client, "chief.editor", PASSWORD, "198.51.100.20").status_code == 302


@pytest.mark.django_db
def test_the_default_cache_emptied_does_not_lift_the_lockout(client):
    """The same with the suite's own cache (Redis in the PostgreSQL pass)."""
    make_user("chief.editor", superuser=True)
    for attempt in range(5):
        sign_in(client, "chief.editor", f"wrong-{attempt}")
    cache.clear()
    assert sign_in(client, "chief.editor", PASSWORD).status_code == 429


# Page passwords ----------------------------------------------------------------------------------


@pytest.fixture
def private_home(home_page):
    restriction = PageViewRestriction.objects.create(
        page=home_page, restriction_type=PageViewRestriction.PASSWORD, password="andes-2026"
    )
    return home_page, restriction


def try_page_password(client, restriction, page, password, address=ADDRESS):
    return client.post(
        f"/_util/authenticate_with_password/{restriction.id}/{page.id}/",
        {"password": password, "return_url": "/"},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_page_password_is_refused_with_429_after_five_wrong_ones(client, private_home):
    page, restriction = private_home
    for attempt in range(4):
        response = try_page_password(client, restriction, page, f"guess-{attempt}")
        assert response.status_code == 200, attempt
        assert "not correct" in response.content.decode()
    fifth = try_page_password(client, restriction, page, "guess-4")
    assert fifth.status_code == 429

    cache.clear()
    refused = try_page_password(client, restriction, page, "andes-2026")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many wrong passwords for this page. Please wait 15 minutes" in body
    assert 800 < int(refused["Retry-After"]) <= 900
    assert 'name="password"' in body, "the form is still there for after the wait"
    # The right password was not checked: the page still asks for it.
    assert "You need a password to access this page" in client.get("/").content.decode()
    # Naming another page in the address does not start a new count.
    other_page = page.get_parent()
    assert try_page_password(client, restriction, other_page, "andes-2026").status_code == 429

    # Another address is not held up.
    visitor = Client()
    assert (
        try_page_password(visitor, restriction, page, "andes-2026", "192.0.2.8").status_code == 302
    )
    assert "You need a password" not in visitor.get("/").content.decode()


@pytest.mark.django_db
def test_page_password_form_works_again_when_the_window_ends(client, private_home):
    page, restriction = private_home
    for attempt in range(5):
        try_page_password(client, restriction, page, f"guess-{attempt}")
    later = time.time() + 15 * 60 + 1
    with mock.patch("time.time", return_value=later):
        assert try_page_password(client, restriction, page, "wrong").status_code == 200
        assert try_page_password(client, restriction, page, "andes-2026").status_code == 302
    assert "You need a password" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_right_page_password_clears_the_count(client, private_home):
    page, restriction = private_home
    for attempt in range(4):
        try_page_password(client, restriction, page, f"guess-{attempt}")
    assert try_page_password(client, restriction, page, "andes-2026").status_code == 302
    for attempt in range(4):
        assert try_page_password(client, restriction, page, f"again-{attempt}").status_code == 200


# Password reset ----------------------------------------------------------------------------------


def ask_for_reset(client, email, address=ADDRESS):
    return client.post("/admin/password_reset/", {"email": email}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_password_reset_sends_three_mails_an_hour_per_account(client):
    user = make_user("chief.editor", superuser=True)
    answers = []
    for number in range(5):
        answers.append(ask_for_reset(client, user.email, f"192.0.2.{number + 1}"))
        cache.clear()
    assert len(mail.outbox) == 3
    assert {(r.status_code, r["Location"]) for r in answers} == {
        (302, "/admin/password_reset/done/")
    }
    # The same for an address no account has: never a hint whether the account exists.
    unknown = ask_for_reset(client, "nobody@example.org")
    assert (unknown.status_code, unknown["Location"]) == (302, "/admin/password_reset/done/")
    assert len(mail.outbox) == 3

    # Case and spaces do not make another account.
    ask_for_reset(client, f"  {user.email.upper()} ")
    assert len(mail.outbox) == 3

    with mock.patch("time.time", return_value=time.time() + 60 * 60 + 1):
        ask_for_reset(client, user.email)
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_password_reset_sends_ten_mails_an_hour_per_client(client):
    users = [make_user(f"editor{number}") for number in range(12)]
    for user in users[:11]:
        response = ask_for_reset(client, user.email)
        assert response["Location"] == "/admin/password_reset/done/"
        cache.clear()
    assert len(mail.outbox) == 10
    ask_for_reset(client, users[11].email, "192.0.2.50")
    assert len(mail.outbox) == 11
    assert mail.outbox[-1].to == [users[11].email]


# Join form -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_join_rate_limit_survives_an_emptied_cache(client, home_page):
    home_page.add_child(instance=JoinPage(title="Become a member", slug="join"))
    for number in range(5):
        assert post(client, form_data(email=f"person{number}@example.org")).status_code == 302
        cache.clear()
    assert post(client, form_data(email="sixth@example.org")).status_code == 429
    assert MembershipApplication.objects.count() == 5


# The counters ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_counters_store_keyed_hashes_and_drop_ended_windows():
    throttle.hit("test-scope", "203.0.113.7", 60)
    assert throttle.hit("test-scope", "203.0.113.7", 60).count == 2
    throttle.hit("other-scope", "ana@example.org", 60)
    stored = " ".join(f"{row.scope} {row.key}" for row in ThrottleCount.objects.all())
    assert "203.0.113" not in stored and "example.org" not in stored

    with mock.patch("time.time", return_value=time.time() + 61):
        assert throttle.current("test-scope", "203.0.113.7", 60).count == 0
        assert throttle.hit("test-scope", "192.0.2.1", 60).count == 1
    # The ended window of that scope is gone; the other scope is left until it is counted.
    assert sorted(ThrottleCount.objects.values_list("scope", "count")) == [
        ("other-scope", 1),
        ("test-scope", 1),
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_hits_are_all_counted():
    # A SQLite file queues its writers (BEGIN IMMEDIATE, docs/deployment.md); the in-memory
    # database of the SQLite pass refuses a second writer at once instead. PSG_TEST_SQLITE_FILE
    # runs this test on a file.
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        run_in_pass("postgresql", "concurrent writers need a database file or server")
    threads, errors = 6, []
    barrier = threading.Barrier(threads)

    def hit_five_times():
        try:
            barrier.wait()
            for _ in range(5):
                throttle.hit("race", "203.0.113.7", 60)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=hit_five_times) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert throttle.current("race", "203.0.113.7", 60).count == threads * 5
    assert ThrottleCount.objects.count() == 1


def test_window_seconds_left_counts_from_its_start():
    window = throttle.Window(count=3, started=time.time() - 100, length=900)
    assert 799 <= window.seconds_left() <= 800
