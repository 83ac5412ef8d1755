"""`/healthz/`: tells a load balancer, container runtime or monitor whether this process can
serve pages, i.e. reach its database and its cache. Pages are still served while the cache is
down (psg/cache.py), but more slowly, so a failing cache answers 503 as well.

Answers 200 with `{"status": "ok", ...}`, or 503 naming what failed (never the error's details,
which belong in the log). Never cached, never served from the page cache.

In production (PSG_SITE_ADDRESS_WARNINGS), a default Site that still says "localhost", or names a
host ALLOWED_HOSTS refuses, adds `"warnings": [...]` (psg/checks.py): still 200, since pages are
served; only their links are wrong.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from psg.checks import site_address_warnings

logger = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache():
    # The site's own backends (psg/cache.py) fail open, answering "miss" while the cache is
    # down; ask them for the real cache instead.
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
        return
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise RuntimeError("the cache did not return what was stored")
    finally:
        cache.delete(key)


CHECKS = {"database": _database, "cache": _cache}


@never_cache
@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure is reported as such, never raised
            logger.exception("Health check failed: %s", name)
            results[name] = "failing"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    body = {"status": "ok" if healthy else "failing", **results}
    if results.get("database") == "ok":
        try:
            warnings = site_address_warnings()
        except Exception:  # a warning must never turn a healthy answer into an error
            logger.exception("Health check warnings failed")
            warnings = []
        if warnings:
            body["warnings"] = warnings
    return JsonResponse(body, status=200 if healthy else 503)
