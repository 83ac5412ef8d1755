"""Search statistics: the editors' report of search terms and the public popular searches.

- Every logged search counts in Wagtail's query report (Reports > Search terms).
- Only a search that found something counts towards the public "Popular searches", and once
  a day per visitor (search.models.SearchVisit). Queries editors hid (HiddenSearch) never show.
- A search never fails because its statistics cannot be written (a read-only or locked
  database): the writes share one savepoint, an error is logged at most once a minute and the
  visitor still gets the results.
"""

import datetime
import hashlib
import logging
import threading
import time

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits
from wagtail.search.utils import normalise_query_string

from psg.middleware import client_ip

from .models import HiddenSearch, SearchVisit

logger = logging.getLogger(__name__)

POPULAR_SEARCHES_COUNT = 8
POPULAR_SEARCHES_DAYS = 30
QUERY_ID_KEY = "psg:search:query-id:{}"
# A failure to write the statistics is logged at most this often (seconds), per process.
FAILURE_LOG_INTERVAL = 60

_failures = {"logged_at": None, "unlogged": 0}
_failures_lock = threading.Lock()
# The day this process last deleted the visits that fell out of the window.
_pruned = {"date": None}


def popular_searches():
    """The queries the most visitors found something for in the last POPULAR_SEARCHES_DAYS
    days, most visitors first (one query), without those editors hid."""
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
    """Who searched, as far as counting goes: a keyed hash (HMAC with SECRET_KEY) of the day,
    the client's address and its user agent. Neither can be read back from it, and the same
    visitor gets another digest the next day."""
    value = "\n".join(
        [date.isoformat(), client_ip(request), request.META.get("HTTP_USER_AGENT", "")]
    )
    return salted_hmac("search.stats.visitor", value, algorithm="sha256").hexdigest()[:32]


def record_search(request, text, found):
    """Count a search (its first page) in the statistics; never raises a database error.

    ``found``: the search found something, so it counts towards the popular searches.
    """
    query_string = normalise_query_string(text)
    today = timezone.now().date()
    key = QUERY_ID_KEY.format(hashlib.sha256(query_string.encode()).hexdigest())
    try:
        with transaction.atomic():
            query_id = _log_query(query_string, key, today)
            if found:
                SearchVisit.objects.bulk_create(
                    [
                        SearchVisit(
                            query_string=query_string,
                            visitor=visitor_digest(request, today),
                            date=today,
                        )
                    ],
                    ignore_conflicts=True,
                )
            if _pruned["date"] != today:
                prune_visits(today)
    except DatabaseError:
        _log_failure()
        return
    _pruned["date"] = today
    cache.set(key, query_id, 24 * 60 * 60)


def prune_visits(today):
    """Delete the visits older than the popular searches' window in one statement on the
    date index (no row is loaded: nothing listens for these rows being deleted)."""
    since = today - datetime.timedelta(days=POPULAR_SEARCHES_DAYS)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(SearchVisit._meta.db_table)} WHERE {quote('date')} < %s",  # noqa: S608
            [since],
        )


def _log_query(query_string, key, today):
    """Count the query in the editors' report; return the id of its row.

    Wagtail's `Query.get(text).add_hit()` takes three queries or more. Here the id of the
    query's row is kept in the cache and today's counter is counted up, or started at one, by
    one statement (count_hit). A query searched for the first time, or whose row was removed
    since (search terms can be cleared), gets its row through Wagtail's `Query.get` first.
    """
    query_id = cache.get(key)
    if query_id is not None and count_hit(query_id, today):
        return query_id
    query_id = Query.get(query_string).pk
    count_hit(query_id, today)
    return query_id


def count_hit(query_id, date):
    """One more hit for the query on `date`, in one statement on SQLite (3.24 or newer) and
    PostgreSQL: the day's row is inserted with one hit, or its count goes up if it exists.
    Taken from the query's own row, so nothing is counted (and False returned) if that row is
    gone."""
    quote = connection.ops.quote_name
    hits = quote(QueryDailyHits._meta.db_table)
    queries = quote(Query._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # Only table and column names from the models are put in; values are parameters.
            f"INSERT INTO {hits} ({quote('query_id')}, {quote('date')}, {quote('hits')}) "  # noqa: S608
            f"SELECT {quote('id')}, %s, 1 FROM {queries} WHERE {quote('id')} = %s "
            f"ON CONFLICT ({quote('query_id')}, {quote('date')}) "
            f"DO UPDATE SET {quote('hits')} = {hits}.{quote('hits')} + 1",
            [date, query_id],
        )
        return cursor.rowcount > 0


def _log_failure():
    """Log that the statistics could not be written: with the error, once a minute at most
    (the number of failures left unlogged in between is given with the next line)."""
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
