"""The join form's spam controls: honeypot, fill-time token, rate limits, the sender's address.

The form itself is in test_membership_join.py, the admin and the exports in
test_membership_admin.py and test_membership_export.py.
"""

import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from membership import spam
from membership.models import JoinPage, MembershipApplication
from tests.factories import JOIN_URL, STARTED_TOKEN_RE
from tests.factories import join_form_data as form_data
from tests.factories import send_join_form as post

pytestmark = pytest.mark.django_db


@pytest.fixture
def join_page(home_page):
    return home_page.add_child(instance=JoinPage(title="Become a member", slug="join"))


# The honeypot and the fill-time token ---------------------------------------------------------


def test_honeypot_is_refused_with_a_clear_message(client, join_page):
    response = post(client, form_data(website="http://spam.example"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "a field meant to stay empty was filled in" in html
    # The form comes back with the details but an empty honeypot, so a person can resend it.
    assert 'value="Ana Quispe"' in html
    honeypot = re.search(r"<input[^>]*name=\"website\"[^>]*>", html).group(0)
    assert 'value=""' in honeypot and "spam.example" not in honeypot
    assert not MembershipApplication.objects.exists()
    assert mail.outbox == []


def test_form_sent_too_fast_is_refused_then_accepted_when_resent(client, join_page):
    shown_at = time.time()
    token = spam.issue_started_token(at=shown_at)
    response = post(client, form_data(started=token))
    assert response.status_code == 400
    html = response.content.decode()
    assert "more quickly than we expected" in html
    assert 'value="Ana Quispe"' in html
    assert not MembershipApplication.objects.exists()
    # The re-shown form keeps the original time, so resending a moment later succeeds.
    assert re.search(STARTED_TOKEN_RE, html).group(1) == token
    with mock.patch.object(spam.time, "time", return_value=shown_at + 5):
        response = post(client, form_data(started=token))
    assert response.status_code == 302
    assert MembershipApplication.objects.count() == 1


def test_minimum_fill_time_is_configurable(client, join_page, settings):
    settings.MEMBERSHIP_MIN_FILL_SECONDS = 30
    response = post(client, form_data())  # shown ten seconds ago
    assert response.status_code == 400
    settings.MEMBERSHIP_MIN_FILL_SECONDS = 5
    assert post(client, form_data()).status_code == 302


@pytest.mark.parametrize(
    "started",
    ["", "not-a-signed-value", "forged:" + "a" * 40],
    ids=["missing", "garbage", "forged"],
)
def test_missing_or_forged_time_token_is_refused(client, join_page, started):
    response = post(client, form_data(started=started))
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not be checked" in html
    assert 'value="Ana Quispe"' in html
    # A fresh token comes with the re-shown form.
    assert spam.read_started_token(re.search(STARTED_TOKEN_RE, html).group(1)) is not None
    assert not MembershipApplication.objects.exists()


def test_expired_time_token_is_refused(client, join_page):
    old = spam.issue_started_token(at=time.time() - 2 * 24 * 60 * 60)
    with mock.patch.object(spam.time, "time", return_value=time.time() + 2 * 24 * 60 * 60):
        response = post(client, form_data(started=old))
    assert response.status_code == 400
    assert not MembershipApplication.objects.exists()


def test_how_long_a_shown_form_stays_valid_is_configurable(client, join_page, settings):
    settings.MEMBERSHIP_FORM_MAX_AGE_SECONDS = 600
    token = spam.issue_started_token()
    now = time.time()
    with mock.patch.object(spam.time, "time", return_value=now + 590):
        assert (
            post(client, form_data(email="in-time@example.org", started=token)).status_code == 302
        )
    with mock.patch.object(spam.time, "time", return_value=now + 610):
        response = post(client, form_data(email="too-late@example.org", started=token))
    assert response.status_code == 400
    assert "could not be checked" in response.content.decode()
    assert list(MembershipApplication.objects.values_list("email", flat=True)) == [
        "in-time@example.org"
    ]


def test_without_settings_a_form_needs_three_seconds_and_stays_valid_a_day(
    client, join_page, settings
):
    del settings.MEMBERSHIP_MIN_FILL_SECONDS
    del settings.MEMBERSHIP_FORM_MAX_AGE_SECONDS
    day = 24 * 60 * 60
    now = time.time()
    # Three seconds and a half after the form was shown: sent by a person.
    quick = spam.issue_started_token(at=now - 3.5)
    assert post(client, form_data(email="quick@example.org", started=quick)).status_code == 302
    # Two seconds: too fast.
    hasty = spam.issue_started_token(at=now - 2)
    assert post(client, form_data(email="hasty@example.org", started=hasty)).status_code == 400
    # A form left open for most of a day still goes through; one shown over a day ago does not.
    token = spam.issue_started_token()
    with mock.patch.object(spam.time, "time", return_value=now + day - 60):
        assert post(client, form_data(email="slow@example.org", started=token)).status_code == 302
    with mock.patch.object(spam.time, "time", return_value=now + day + 60):
        stale = post(client, form_data(email="stale@example.org", started=token))
    assert stale.status_code == 400
    assert set(MembershipApplication.objects.values_list("email", flat=True)) == {
        "quick@example.org",
        "slow@example.org",
    }


# Rate limits ---------------------------------------------------------------------------------


def test_rate_limit_per_address_answers_429_and_keeps_the_form(client, join_page):
    for number in range(5):
        response = post(client, form_data(email=f"person{number}@example.org"))
        assert response.status_code == 302
    response = post(client, form_data(name="Sixth Person", email="sixth@example.org"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "sent this form several times in a short while" in html
    assert 'value="Sixth Person"' in html and 'value="sixth@example.org"' in html
    assert MembershipApplication.objects.count() == 5
    # Another address is not affected.
    response = post(client, form_data(email="sixth@example.org"), ip="198.51.100.7")
    assert response.status_code == 302


def test_trapped_spam_counts_towards_the_address_limit(client, join_page):
    for _ in range(5):
        assert post(client, form_data(website="spam")).status_code == 400
    assert post(client, form_data()).status_code == 429
    assert not MembershipApplication.objects.exists()


def test_rate_limit_per_email_address_across_senders(client, join_page):
    for number in range(5):
        response = post(client, form_data(), ip=f"198.51.100.{number + 1}")
        assert response.status_code == 302
    response = post(client, form_data(email="ANA@example.org"), ip="198.51.100.99")
    assert response.status_code == 429
    assert MembershipApplication.objects.count() == 1


def test_rate_limit_window_and_size_are_configurable(client, join_page, settings):
    settings.MEMBERSHIP_RATE_LIMIT = 2
    assert post(client, form_data(email="one@example.org")).status_code == 302
    assert post(client, form_data(email="two@example.org")).status_code == 302
    assert post(client, form_data(email="three@example.org")).status_code == 429


def test_a_sender_may_send_again_when_the_window_ends(client, join_page, settings):
    settings.MEMBERSHIP_RATE_LIMIT = 2
    settings.MEMBERSHIP_RATE_LIMIT_WINDOW_SECONDS = 60
    now = time.time()
    assert post(client, form_data(email="one@example.org")).status_code == 302
    assert post(client, form_data(email="two@example.org")).status_code == 302
    assert post(client, form_data(email="three@example.org")).status_code == 429
    with mock.patch("time.time", return_value=now + 50):
        assert post(client, form_data(email="three@example.org")).status_code == 429
    with mock.patch("time.time", return_value=now + 70):
        assert post(client, form_data(email="three@example.org")).status_code == 302
    assert MembershipApplication.objects.count() == 3


def test_the_first_send_after_a_window_ends_starts_a_full_new_one(client, join_page, settings):
    """A count whose window has ended is not increased: the next send counts as the first of a
    new window, which is as long as any other."""
    settings.MEMBERSHIP_RATE_LIMIT = 2
    settings.MEMBERSHIP_RATE_LIMIT_WINDOW_SECONDS = 60
    now = time.time()
    assert post(client, form_data(email="one@example.org")).status_code == 302
    assert post(client, form_data(email="two@example.org")).status_code == 302
    with mock.patch("time.time", return_value=now + 70):
        assert post(client, form_data(email="three@example.org")).status_code == 302
    with mock.patch("time.time", return_value=now + 120):
        assert post(client, form_data(email="four@example.org")).status_code == 302
        assert post(client, form_data(email="five@example.org")).status_code == 429
    with mock.patch("time.time", return_value=now + 131):
        assert post(client, form_data(email="five@example.org")).status_code == 302
    assert MembershipApplication.objects.count() == 5


def test_a_limit_of_one_refuses_the_second_send_and_zero_turns_limits_off(
    client, join_page, settings
):
    settings.MEMBERSHIP_RATE_LIMIT = 1
    assert post(client, form_data(email="first@example.org")).status_code == 302
    assert post(client, form_data(email="second@example.org")).status_code == 429
    settings.MEMBERSHIP_RATE_LIMIT = 0
    for number in range(7):
        response = post(client, form_data(email=f"p{number}@example.org"), ip="198.51.100.7")
        assert response.status_code == 302
    assert MembershipApplication.objects.count() == 8


def test_without_settings_a_sender_may_send_five_times_an_hour(client, join_page, settings):
    del settings.MEMBERSHIP_RATE_LIMIT
    del settings.MEMBERSHIP_RATE_LIMIT_WINDOW_SECONDS
    now = time.time()
    for number in range(5):
        assert post(client, form_data(email=f"p{number}@example.org")).status_code == 302
    assert post(client, form_data(email="sixth@example.org")).status_code == 429
    with mock.patch("time.time", return_value=now + 59 * 60):
        assert post(client, form_data(email="sixth@example.org")).status_code == 429
    with mock.patch("time.time", return_value=now + 61 * 60):
        assert post(client, form_data(email="sixth@example.org")).status_code == 302


# The sender's address ------------------------------------------------------------------------


def test_client_address_can_come_from_a_trusted_proxy_header(client, join_page, settings):
    settings.MEMBERSHIP_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # Everything arrives from the proxy's address; the last forwarded entry is the client.
    for number in range(5):
        response = client.post(
            JOIN_URL,
            form_data(email=f"p{number}@example.org"),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 192.0.2.{number + 1}",
        )
        assert response.status_code == 302
    application = MembershipApplication.objects.get(email="p0@example.org")
    assert application.ip_hash == spam.fingerprint("ip", "192.0.2.1")


def test_csrf_token_is_required(join_page):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(JOIN_URL, form_data())
    assert response.status_code == 403
    assert not MembershipApplication.objects.exists()


def test_without_the_proxy_header_the_connections_address_is_used(client, join_page, settings):
    settings.MEMBERSHIP_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert post(client, form_data(email="direct@example.org"), ip="192.0.2.50").status_code == 302
    # A header written without spaces after the commas: still the last entry.
    response = client.post(
        JOIN_URL,
        form_data(email="proxied@example.org"),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4,192.0.2.60",
    )
    assert response.status_code == 302
    # No address at all: the sender is counted under an empty address, not refused.
    assert post(client, form_data(email="nowhere@example.org"), ip="").status_code == 302
    hashes = dict(MembershipApplication.objects.values_list("email", "ip_hash"))
    assert hashes == {
        "direct@example.org": spam.fingerprint("ip", "192.0.2.50"),
        "proxied@example.org": spam.fingerprint("ip", "192.0.2.60"),
        "nowhere@example.org": spam.fingerprint("ip", ""),
    }
