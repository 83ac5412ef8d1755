"""Spam controls for the join form: fill-time token, keyed fingerprints and rate limits.

Nothing here stores an address in clear: the sender's IP address and email address become keyed
hashes (HMAC with the project's SECRET_KEY) before they reach the database. The rate limits are
counted in the database (psg/throttle.py), where a full or flushed cache cannot reset them.
"""

import time

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from psg import throttle

STARTED_NAMESPACE = "membership.join.started"


def setting(name, default):
    return getattr(settings, name, default)


def min_fill_seconds():
    return float(setting("MEMBERSHIP_MIN_FILL_SECONDS", 3))


def form_max_age_seconds():
    return int(setting("MEMBERSHIP_FORM_MAX_AGE_SECONDS", 24 * 60 * 60))


# Fill-time token -------------------------------------------------------------------------------


def issue_started_token(at=None):
    """A signed record of when the form was shown; the browser sends it back with the form."""
    return signing.dumps({"t": time.time() if at is None else at}, salt=STARTED_NAMESPACE)


def read_started_token(token):
    """The time the form was shown, or None when the token is missing, forged or too old."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=STARTED_NAMESPACE, max_age=form_max_age_seconds())
        return float(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def seconds_since(started):
    return time.time() - started


# Fingerprints ----------------------------------------------------------------------------------


def client_ip(request):
    """The sender's address: REMOTE_ADDR, or the last entry of a header a trusted proxy sets.

    MEMBERSHIP_CLIENT_IP_HEADER names that header (e.g. HTTP_X_FORWARDED_FOR). Only the last
    entry is used because that is the one the proxy itself appended; earlier ones are whatever
    the client claimed.
    """
    # Unset, empty or missing from this request, the header gives way to REMOTE_ADDR.
    header = setting("MEMBERSHIP_CLIENT_IP_HEADER", None)
    value = request.META.get(header) or request.META.get("REMOTE_ADDR") or ""
    return value.split(",")[-1].strip()


def fingerprint(kind, value):
    return salted_hmac(f"membership.{kind}", value.strip().lower(), algorithm="sha256").hexdigest()


def ip_fingerprint(request):
    return fingerprint("ip", client_ip(request))


def email_fingerprint(email):
    return fingerprint("email", email)


# Rate limits -----------------------------------------------------------------------------------


def rate_limit():
    return int(setting("MEMBERSHIP_RATE_LIMIT", 5))


def rate_window_seconds():
    return int(setting("MEMBERSHIP_RATE_LIMIT_WINDOW_SECONDS", 60 * 60))


def _scope(kind):
    return f"join-{kind}"


def is_limited(kind, digest):
    """True when this sender has used up its submissions for the current window."""
    limit = rate_limit()
    if limit <= 0:
        return False
    return throttle.current(_scope(kind), digest, rate_window_seconds()).count >= limit


def record_hit(kind, digest):
    """Count one submission against this sender (a fixed window that starts at the first)."""
    throttle.hit(_scope(kind), digest, rate_window_seconds())
