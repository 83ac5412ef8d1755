"""Sign-in throttling under the production settings (django-axes): five failures lock a
username at an address for fifteen minutes, with a clear answer, behind the proxy too."""

from datetime import timedelta

import pytest

# --- sign-in throttling ---------------------------------------------------------------


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_sign_in_is_refused_with_429_after_five_failures(production, https, admin_user):
    for attempt in range(4):
        response = sign_in(https, "admin", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert (
            b"Your username and password didn" in response.content or b"error" in response.content
        )
    # The fifth failure locks the username at this address, and says so.
    assert "wait 15 minutes" in sign_in(https, "admin", "wrong-4").content.decode()

    refused = sign_in(https, "admin", "password")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many failed sign-in attempts" in body
    assert "wait 15 minutes" in body
    assert 800 < int(refused["Retry-After"]) <= 900
    assert 'name="password"' in body, "the sign-in page itself is shown"
    assert "_auth_user_id" not in https.session, "the right password is not even checked"

    # Another person at another address, and the same address for another username, are not held up.
    assert sign_in(https, "admin", "password", "198.51.100.20").status_code == 302
    https.logout()
    assert sign_in(https, "someone.else", "wrong").status_code == 200


def time_passes(**delta):
    """Move the stored failures back in time (django-axes counts them in the database)."""
    from axes.models import AccessAttempt
    from django.db.models import F

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(**delta))


@pytest.mark.django_db
def test_the_wait_ends_after_fifteen_minutes(production, https, admin_user):
    for attempt in range(5):
        sign_in(https, "admin", f"wrong-{attempt}")
    assert sign_in(https, "admin", "password").status_code == 429

    time_passes(minutes=14)
    # Trying again while refused does not make the wait longer.
    assert sign_in(https, "admin", "wrong-again").status_code == 429
    time_passes(minutes=1, seconds=1)
    assert sign_in(https, "admin", "password").status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_count(production, https, admin_user):
    for attempt in range(4):
        sign_in(https, "Admin", f"wrong-{attempt}")
    assert sign_in(https, "admin", "password").status_code == 302
    https.logout()
    for attempt in range(4):
        assert sign_in(https, "admin", f"again-{attempt}").status_code == 200
    assert sign_in(https, "admin", "password").status_code == 302


@pytest.mark.django_db
def test_sign_in_behind_a_proxy_counts_the_forwarded_address(
    production, https, admin_user, settings
):
    settings.PSG_TRUSTED_PROXY_COUNT = 1
    for attempt in range(5):
        https.post(
            "/admin/login/",
            {"username": "admin", "password": f"wrong-{attempt}"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    held = https.post(
        "/admin/login/",
        {"username": "admin", "password": "password"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert held.status_code == 429
    # A forged entry before the one the proxy appended changes nothing.
    forged = https.post(
        "/admin/login/",
        {"username": "admin", "password": "password"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7",
    )
    assert forged.status_code == 429
    other_visitor = https.post(
        "/admin/login/",
        {"username": "admin", "password": "password"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert other_visitor.status_code == 302
