"""Search statistics at their edges: the last day of the popular searches' window, the order of
queries with as many visitors, and the error log when the statistics cannot be written for a
while (one line a minute, saying how many failures it stands for)."""

import datetime
import logging

import pytest
from django.db import DatabaseError
from django.utils import timezone

from search import stats
from search.models import SearchVisit
from tests.factories import add_article
from tests.search_helpers import SEARCH_URL, forget_statistics_state, read_only_database

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process_state(monkeypatch):
    forget_statistics_state(monkeypatch)


@pytest.fixture
def articles(site_tree):
    news = site_tree["news"]
    for title in ("Alpaca census in Puno", "Condor return", "Mining conflict in Cajamarca"):
        add_article(news, title)


def search(client, query, address="192.0.2.1"):
    response = client.get(SEARCH_URL, {"q": query}, REMOTE_ADDR=address)
    assert response.status_code == 200
    return response


def popular(client):
    return client.get(SEARCH_URL).context["popular_searches"]


def test_the_window_keeps_its_last_day_when_pruning(client, articles, monkeypatch):
    search(client, "condor")
    search(client, "alpaca")
    today = timezone.now().date()
    last_day = today - datetime.timedelta(days=stats.POPULAR_SEARCHES_DAYS)
    SearchVisit.objects.filter(query_string="condor").update(date=last_day)
    SearchVisit.objects.filter(query_string="alpaca").update(
        date=last_day - datetime.timedelta(days=1)
    )
    assert popular(client) == ["condor"]
    # The first search of a new day deletes what is out of the window, and only that.
    monkeypatch.setitem(stats._pruned, "date", today - datetime.timedelta(days=1))
    search(client, "mining")
    assert sorted(SearchVisit.objects.values_list("query_string", flat=True)) == [
        "condor",
        "mining",
    ]
    assert popular(client) == ["condor", "mining"]


def test_queries_with_as_many_visitors_are_listed_alphabetically(client, articles):
    search(client, "mining", address="192.0.2.1")
    search(client, "condor", address="192.0.2.2")
    search(client, "alpaca", address="192.0.2.3")
    search(client, "mining", address="192.0.2.4")
    assert popular(client) == ["mining", "alpaca", "condor"]


def test_failures_are_logged_once_a_minute_with_the_number_left_unlogged(
    client, articles, monkeypatch, caplog
):
    caplog.set_level(logging.ERROR, logger="search.stats")

    def failures():
        return [r.getMessage() for r in caplog.records if r.name == "search.stats"]

    def a_minute_passes():
        logged_at = stats._failures["logged_at"]
        monkeypatch.setitem(stats._failures, "logged_at", logged_at - stats.FAILURE_LOG_INTERVAL)

    # A running site, where "condor" was searched for before (see test_search_popular.py).
    search(client, "condor")
    with read_only_database():
        for _ in range(3):
            assert search(client, "condor").context["total"] == 1
        # The first line says what failed, with the database's error attached.
        assert failures() == [
            "Search statistics could not be written; the search was answered without them"
        ]
        [record] = [r for r in caplog.records if r.name == "search.stats"]
        assert issubclass(record.exc_info[0], DatabaseError)

        a_minute_passes()
        search(client, "condor")
        assert len(failures()) == 2
        assert failures()[1].endswith("(2 more failures since the last such line)")

        search(client, "condor")
        a_minute_passes()
        search(client, "condor")
        assert len(failures()) == 3
        assert failures()[2].endswith("(1 more failures since the last such line)")
