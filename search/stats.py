"""Search statistics: Wagtail's search terms report and the public popular searches.

A search never fails because its statistics cannot be written: the error is logged at most
once a minute (docs/search.md).
"""

import datetime
import logging
import threading
import time
from contextlib import nullcontext

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits
from wagtail.search.utils import normalise_query_string

from psg.middleware import client_ip

from .models import HiddenSearch, SearchVisit

logger = logging.getLogger(__name__)

POPULAR_SEARCHES_COUNT = 8
POPULAR_SEARCHES_DAYS = 30
FAILURE_LOG_INTERVAL = 60  # seconds, per process

_failures = {"logged_at": None, "unlogged": 0}
_failures_lock = threading.Lock()
_pruned = {"date": None}  # the day this process last deleted the visits out of the window


def popular_searches():
    """The queries most visitors found something for lately, less those editors hid."""
    since = timezone.now().date() - datetime.timedelta(days=POPULAR_SEARCHES_DAYS)
    rows = (
        SearchVisit.objects.filter(date__gte=since)
        .exclude(query_string__in=HiddenSearch.objects.values("query_string"))
        .values("query_string")
        .annotate(visitors=Count("pk"))
        .order_by("-visitors", "query_string")[:POPULAR_SEARCHES_COUNT]
    )
    return [row["query_string"] for row in rows]


def visitor_digest(request, date):
    """A keyed hash of the day, the client's address and browser: neither can be read back,
    and the same visitor gets another digest the next day."""
    value = f"{date.isoformat()}\n{client_ip(request)}\n{request.META.get('HTTP_USER_AGENT', '')}"
    return salted_hmac("search.stats.visitor", value, algorithm="sha256").hexdigest()[:32]


def record_search(request, text, found):
    """Count a search (``found``: also towards popular searches); never raises."""
    query_string = normalise_query_string(text)
    today = timezone.now().date()
    # The site runs in autocommit, where a refused write spoils nothing else; inside a
    # transaction, a savepoint (on PostgreSQL a failed statement aborts the whole transaction).
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            # Reports > Search terms: today's count, or Wagtail's rows for the day's first search.
            hits = QueryDailyHits.objects.filter(query__query_string=query_string, date=today)
            if not hits.update(hits=F("hits") + 1):
                Query.get(query_string).add_hit(today)
            if found:
                digest = visitor_digest(request, today)
                visit = SearchVisit(query_string=query_string, visitor=digest, date=today)
                SearchVisit.objects.bulk_create([visit], ignore_conflicts=True)
            if _pruned["date"] != today:  # once a day: the visits out of the window
                since = today - datetime.timedelta(days=POPULAR_SEARCHES_DAYS)
                SearchVisit.objects.filter(date__lt=since).delete()
    except DatabaseError:
        _log_failure()
        return
    _pruned["date"] = today


def _log_failure():
    """Log the error, once a minute at most, with the number of failures left unlogged."""
    now = time.monotonic()
    with _failures_lock:
        logged_at = _failures["logged_at"]
        if logged_at is not None and now - logged_at < FAILURE_LOG_INTERVAL:
            _failures["unlogged"] += 1
            return
        unlogged = _failures["unlogged"]
        _failures.update(logged_at=now, unlogged=0)
    logger.error(
        "Search statistics could not be written; the search was answered without them%s",
        f" ({unlogged} more failures since the last such line)" if unlogged else "",
        exc_info=True,
    )
