"""Counters for security limits, kept in the database (psg.models.ThrottleCount).

A limit kept in the cache can be lifted by anyone able to make the cache drop an entry: a
flood of page views evicts it, a restart of Redis loses it. These counters are rows instead,
one per scope and key, each with the start of its fixed window and a count. The key is a
keyed hash (HMAC with SECRET_KEY) of what is counted, so no address or email address is
stored in clear. Rows of a scope whose window has ended are deleted whenever that scope is
counted again, so the table holds only running windows.

Used by the join form's rate limits (membership/spam.py), wrong page passwords and password
reset requests (psg/protections.py). Admin sign-in failures are counted by django-axes, in
its own tables.
"""

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from psg.models import ThrottleCount


@dataclass(frozen=True)
class Window:
    """The count of one key in its running window (count 0: no window runs)."""

    count: int
    started: float
    length: int

    def seconds_left(self):
        """Whole seconds until the window ends (at least 1)."""
        return max(1, math.ceil(self.started + self.length - time.time()))


def digest(scope, value):
    """The stored form of `value`: a keyed hash, different in every scope."""
    return salted_hmac(f"psg.throttle.{scope}", str(value), algorithm="sha256").hexdigest()


def _at(timestamp):
    return datetime.fromtimestamp(timestamp, tz=UTC)


def current(scope, value, window):
    """The count of `value` in the window running now, without counting anything."""
    now = time.time()
    row = (
        ThrottleCount.objects.filter(
            scope=scope, key=digest(scope, value), window_start__gt=_at(now - window)
        )
        .values_list("count", "window_start")
        .first()
    )
    if row is None:
        return Window(0, now, window)
    return Window(row[0], row[1].timestamp(), window)


def hit(scope, value, window):
    """Count one more for `value` and return its window, counted.

    A fixed window of `window` seconds starts at the first count. The row is created if
    missing (INSERT ... ON CONFLICT DO NOTHING) and then increased by one UPDATE, so
    simultaneous requests never lose a count, on SQLite as on PostgreSQL.
    """
    now = time.time()
    key = digest(scope, value)
    rows = ThrottleCount.objects.filter(scope=scope, key=key)
    with transaction.atomic():
        # Ended windows of this scope, this key's included: it starts a new one below.
        ThrottleCount.objects.filter(scope=scope, window_start__lte=_at(now - window)).delete()
        ThrottleCount.objects.bulk_create(
            [ThrottleCount(scope=scope, key=key, window_start=_at(now), count=0)],
            ignore_conflicts=True,
        )
        rows.update(count=F("count") + 1)
        count, started = rows.values_list("count", "window_start").get()
    return Window(count, started.timestamp(), window)


def clear(scope, value):
    """Forget the count of `value` (e.g. after the right password)."""
    ThrottleCount.objects.filter(scope=scope, key=digest(scope, value)).delete()
