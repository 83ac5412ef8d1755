"""Bounded ranking's edges (search/backends/ranked.py): exactly as many matches as the limit,
pages whose scores are equal, and results read in any order."""

import pytest
from django.test import Client
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from search.backends import ranked
from tests.factories import add_article
from tests.search_helpers import get, result_ids

LIMIT = 3


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(ranked, "CANDIDATES", LIMIT)


@pytest.mark.django_db
def test_exactly_as_many_matches_as_the_limit_are_all_counted_and_not_capped(
    small_limit, site_tree
):
    for n in range(LIMIT):
        add_article(site_tree["news"], f"Guanaco census {n}", summary="Herds.")
    response = get(Client(), q="guanaco")
    assert len(result_ids(response)) == LIMIT
    assert response.context["capped"] is False
    html = response.content.decode()
    assert f"{LIMIT} results for" in html
    assert "More than" not in html and "most recently added" not in html


@pytest.mark.django_db
def test_pages_with_equal_scores_are_listed_last_added_first(client, site_tree):
    # The same words: the same score. The page added last comes first, whatever its date.
    first_added, last_added = (
        add_article(site_tree["news"], "Guanaco census", summary="Herds.", days_ago=days)
        for days in (0, 30)
    )
    assert result_ids(get(client, q="guanaco")) == [last_added.pk, first_added.pk]


@pytest.mark.django_db
def test_results_read_in_any_order_agree(site_tree):
    """Whether the results were capped, a slice's count and the results themselves (with
    their scores) agree whichever is asked first (the site's own search configuration,
    accents folded)."""
    news = site_tree["news"]
    older, newer = (add_article(news, f"Elections in Arequipa {n}") for n in (1, 2))
    first_read = list(Page.objects.live().search("Arequípa").annotate_score("score"))
    assert [page.pk for page in first_read] == [newer.pk, older.pk]
    assert all(isinstance(page.score, float) and page.score > 0 for page in first_read)
    results = Page.objects.live().search("Arequípa")
    assert results.capped is False
    assert results[:1].count() == 1
    assert results[1:].count() == 1
    assert [page.pk for page in results] == [newer.pk, older.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_a_search_for_no_words_finds_nothing_and_does_not_fail(site_tree, sort):
    add_article(site_tree["news"], "Alpaca census")
    backend = get_search_backend()
    pages = Page.objects.live().order_by("-first_published_at")
    for blank in ["", "   "]:
        if sort == "newest":
            results = backend.search(blank, pages, order_by_relevance=False)
        else:
            results = backend.search(blank, Page.objects.live())
        assert results.count() == 0
        assert list(results[:10]) == []
