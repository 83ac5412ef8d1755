"""Who counts as another visitor for the popular searches: the day, the address and the browser
together (a keyed hash of the three)."""

import pytest

from search.models import SearchVisit
from tests.factories import add_article
from tests.search_helpers import SEARCH_URL, forget_statistics_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process_state(monkeypatch):
    forget_statistics_state(monkeypatch)


def test_a_browser_that_gives_no_name_is_the_same_as_one_giving_an_empty_name(client, site_tree):
    add_article(site_tree["news"], "Alpaca census in Puno")
    client.get(SEARCH_URL, {"q": "alpaca"}, REMOTE_ADDR="192.0.2.1")  # no User-Agent header
    client.get(SEARCH_URL, {"q": "alpaca"}, REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="")
    assert SearchVisit.objects.filter(query_string="alpaca").count() == 1
    client.get(SEARCH_URL, {"q": "alpaca"}, REMOTE_ADDR="192.0.2.1", HTTP_USER_AGENT="None")
    assert SearchVisit.objects.filter(query_string="alpaca").count() == 2
