"""The public "Popular searches" list on /search/ and the statistics behind it.

A search counts towards the list only if it found something, and once a day per visitor
(address and browser, kept as a keyed hash); editors hide a query in the admin; and a search
answers with its results even when the database refuses to store its statistics.
"""

import datetime
import logging
import re
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, QueryDailyHits

from search import stats
from search.models import HiddenSearch, SearchVisit
from tests.factories import add_article, listing_rows
from tests.search_helpers import (
    SEARCH_URL,
    build_site,
    forget_statistics_state,
    get,
    read_only_database,
)


@pytest.fixture
def site(site_tree):
    return build_site(site_tree)


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process_state(monkeypatch):
    forget_statistics_state(monkeypatch)


@pytest.fixture
def articles(site_tree):
    news = site_tree["news"]
    return {
        "alpaca": add_article(news, "Alpaca census in Puno"),
        "condor": add_article(news, "Condor return to the Colca canyon"),
        "mining": add_article(news, "Mining conflict in Cajamarca"),
    }


def search(client, query, address="192.0.2.1", browser="Firefox"):
    return client.get(SEARCH_URL, {"q": query}, REMOTE_ADDR=address, HTTP_USER_AGENT=browser)


def popular(client):
    response = client.get(SEARCH_URL)
    assert response.status_code == 200
    return response.context["popular_searches"]


def test_searches_that_find_nothing_never_become_popular(client, articles):
    search(client, "mining")
    for number in range(30):
        response = search(client, "buy cheap pills", address=f"198.51.100.{number}")
        assert response.context["total"] == 0
    assert popular(client) == ["mining"]
    assert "cheap pills" not in client.get(SEARCH_URL).content.decode()
    # The editors' report (Reports > Search terms) still counts every search.
    assert Query.objects.get(query_string="buy cheap pills").hits == 30


def test_a_visitor_counts_once_a_day(client, articles):
    for _ in range(30):
        assert search(client, "Alpaca", address="203.0.113.7").context["total"] == 1
    search(client, "condor", address="203.0.113.8")
    search(client, "condor", address="203.0.113.9")
    assert popular(client) == ["condor", "alpaca"]
    assert SearchVisit.objects.filter(query_string="alpaca").count() == 1
    # Another browser at the same address is another visitor.
    search(client, "alpaca", address="203.0.113.7", browser="Safari")
    assert SearchVisit.objects.filter(query_string="alpaca").count() == 2
    # No address or browser is stored, only a digest of them.
    stored = list(SearchVisit.objects.values_list("query_string", "visitor", "date"))
    assert not any("203.0.113" in str(value) or "Firefox" in str(value) for value in stored)
    assert all(len(visitor) == 32 for _query, visitor, _date in stored)

    # The next day the same visitor counts again, once.
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    SearchVisit.objects.update(date=yesterday)
    search(client, "alpaca", address="203.0.113.7")
    search(client, "alpaca", address="203.0.113.7")
    assert SearchVisit.objects.filter(query_string="alpaca").count() == 3
    assert popular(client) == ["alpaca", "condor"]


def test_visits_older_than_the_window_are_forgotten(client, articles, monkeypatch):
    search(client, "condor", address="203.0.113.1")
    search(client, "condor", address="203.0.113.2")
    today = timezone.now().date()
    old = today - datetime.timedelta(days=stats.POPULAR_SEARCHES_DAYS + 1)
    SearchVisit.objects.update(date=old)
    assert popular(client) == []
    # A new day: its first search in this process deletes the rows out of the window.
    monkeypatch.setitem(stats._pruned, "date", today - datetime.timedelta(days=1))
    search(client, "alpaca")
    assert list(SearchVisit.objects.values_list("query_string", flat=True)) == ["alpaca"]


def test_an_editor_hides_a_query_in_the_admin(client, articles, editor):
    for number in range(3):
        search(client, "alpaca", address=f"203.0.113.{number}")
    search(client, "condor")
    assert popular(client) == ["alpaca", "condor"]

    client.force_login(editor)
    # Settings > Hidden searches, next to Promoted search results (the menu is JSON).
    index_url = reverse("hidden_searches:index")
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    settings_menu = dashboard[dashboard.index('"label": "Settings"') :]
    assert '"label": "Hidden searches", "icon_name": "no-view"' in settings_menu
    assert f'"url": "{index_url}"' in settings_menu
    response = client.post(reverse("hidden_searches:add"), {"query_string": "  ALPACA "})
    assert response.status_code == 302
    [[search_cell, _date]] = listing_rows(client.get(index_url).content.decode())
    assert search_cell.split()[0] == "alpaca"  # then its "Edit" and "Delete" actions
    # Hiding it twice is refused, whatever its capitals.
    again = client.post(reverse("hidden_searches:add"), {"query_string": "Alpaca"})
    assert again.status_code == 200
    assert HiddenSearch.objects.count() == 1
    client.logout()

    assert popular(client) == ["condor"]
    search(client, "alpaca", address="203.0.113.99")  # more visitors do not bring it back
    html = client.get(SEARCH_URL).content.decode()
    assert "?q=alpaca" not in html and "?q=condor" in html

    # Shown again once the editor deletes the hidden search.
    client.force_login(editor)
    hidden = HiddenSearch.objects.get()
    response = client.post(reverse("hidden_searches:delete", args=[hidden.pk]))
    assert response.status_code == 302
    client.logout()
    assert popular(client) == ["alpaca", "condor"]


def test_search_answers_when_its_statistics_cannot_be_written(client, articles, caplog):
    caplog.set_level(logging.ERROR, logger="search.stats")
    # A running site: its settings and structure are cached, and "alpaca" was searched for
    # before (its next count is a single UPDATE, outside Django's get_or_create).
    search(client, "alpaca")
    with read_only_database():
        for query in ("alpaca", "alpaca", "condor"):
            response = search(client, query, address="198.51.100.1")
            assert response.status_code == 200
            assert response.context["total"] == 1
            assert query.title() in response.content.decode()
        # Nothing more was stored.
        assert list(Query.objects.values_list("query_string", flat=True)) == ["alpaca"]
        assert list(QueryDailyHits.objects.values_list("hits", flat=True)) == [1]
        assert SearchVisit.objects.count() == 1
        assert popular(client) == ["alpaca"]
    failures = [r for r in caplog.records if r.name == "search.stats"]
    # Logged with its cause, once: not once per search.
    assert len(failures) == 1, [r.getMessage() for r in failures]
    assert "could not be written" in failures[0].getMessage()
    assert failures[0].exc_info is not None

    # Writable again: searches are counted again.
    search(client, "condor", address="198.51.100.1")
    assert Query.objects.get(query_string="condor").hits == 1
    assert popular(client) == ["alpaca", "condor"]


@contextmanager
def writes_refused_in_autocommit():
    """Every statement is its own transaction, as on the running site, and each write is refused."""
    setting = {
        "postgresql": "SET default_transaction_read_only = {}",
        "sqlite": "PRAGMA query_only = {}",
    }
    with connection.cursor() as cursor:
        cursor.execute(setting[connection.vendor].format("on"))
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(setting[connection.vendor].format("off"))


STATISTICS = (
    "wagtailsearchpromotions_query",
    "wagtailsearchpromotions_querydailyhits",
    "search_searchvisit",
)


# Transaction control, which depends on the database and its connection rather than on what the
# site writes: in autocommit, SQLite gets BEGIN IMMEDIATE and COMMIT around Django's own atomic
# blocks (bulk_create's, the search backend's count); a savepoint inside a test's transaction.
TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|END|SAVEPOINT|RELEASE|ROLLBACK)\b", re.I)


def statistics_statements(queries):
    """The first word of each statement on a statistics table (the first table it names),
    leaving out transaction control."""
    words = []
    for sql in (q["sql"] for q in queries.captured_queries):
        if TRANSACTION_CONTROL.match(sql):
            continue
        table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql)
        if table and table[1] in STATISTICS:
            words.append(sql.split()[0])
    return words


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_autocommit_the_statistics_are_two_writes_and_a_refused_one_spoils_nothing(
    client, articles, caplog
):
    """The site runs in autocommit (no ATOMIC_REQUESTS): a search that is counted costs its two
    writes only, whatever transaction control the database connection adds around them.
    (Inside a test's transaction the search page also sends SAVEPOINT and RELEASE around them,
    which tests/test_query_budget.py leaves out of its count.)"""
    assert connection.get_autocommit()
    search(client, "alpaca")
    with CaptureQueriesContext(connection) as queries:
        search(client, "alpaca", address="198.51.100.2")
    assert statistics_statements(queries) == ["UPDATE", "INSERT"]  # today's count, the visitor
    assert Query.objects.get(query_string="alpaca").hits == 2
    assert SearchVisit.objects.count() == 2

    caplog.set_level(logging.ERROR, logger="search.stats")
    with writes_refused_in_autocommit():
        for query in ("alpaca", "condor"):
            response = search(client, query, address="198.51.100.3")
            assert response.status_code == 200
            assert query.title() in response.content.decode()
    assert len([r for r in caplog.records if r.name == "search.stats"]) == 1  # once a minute
    assert Query.objects.get(query_string="alpaca").hits == 2
    assert not Query.objects.filter(query_string="condor").exists()
    search(client, "condor")  # writable again
    assert Query.objects.get(query_string="condor").hits == 1


# --- The editors' report of search terms ---------------------------------------------------


@pytest.mark.django_db
def test_queries_are_logged_for_the_editors_reports(client, site):
    get(client, q="  Fujimori   Extradition ")
    get(client, q="fujimori extradition")
    get(client, q="fujimori extradition", page="2")  # paging on is not a new search
    assert Query.objects.get(query_string="fujimori extradition").hits == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "junk",
    ["", "   ", "a" * 201, "peru\x00drop", "peru\x1b[31m", "peru\u202egnp", "!!!", "*"],
)
def test_junk_queries_are_not_logged(client, site, junk):
    get(client, q=junk)
    assert not Query.objects.exists()


@pytest.mark.django_db
def test_popular_searches_come_from_searches_that_found_something(client, site):
    assert get(client).context["popular_searches"] == []
    Query.get("xylophone").add_hit()  # in the editors' report only
    get(client, q="truth commission")
    assert get(client).context["popular_searches"] == ["truth commission"]


@pytest.mark.django_db
def test_each_search_is_counted_once_in_the_editors_report(client, site):
    from wagtail.contrib.search_promotions.models import QueryDailyHits

    for _ in range(3):
        get(client, q="Truth Commission")
    get(client, q="truth   commission")  # the same query, written differently
    get(client, q="truth commission", page=2)  # a further page is not a new search
    hits = QueryDailyHits.objects.get(query__query_string="truth commission")
    assert hits.hits == 4
    assert Query.get_most_popular().first().query_string == "truth commission"


@pytest.mark.django_db
def test_each_day_has_its_own_count_in_the_editors_report(client, site):
    from wagtail.contrib.search_promotions.models import QueryDailyHits

    get(client, q="mining")
    today = timezone.now().date()
    yesterday = today - datetime.timedelta(days=1)
    QueryDailyHits.objects.update(date=yesterday)  # that search was yesterday's
    get(client, q="mining")
    get(client, q="Mining")
    hits = QueryDailyHits.objects.filter(query__query_string="mining")
    assert sorted((row.date, row.hits) for row in hits) == [(yesterday, 1), (today, 2)]


@pytest.mark.django_db
def test_searching_again_after_the_search_terms_were_cleared_starts_a_new_count(client, site):
    get(client, q="fujimori")
    Query.objects.all().delete()  # an editor clears the report (or old terms are purged)
    response = get(client, q="fujimori")
    assert response.status_code == 200
    assert Query.objects.get(query_string="fujimori").daily_hits.get().hits == 1
