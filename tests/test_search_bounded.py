"""Bounded ranking (search/backends/ranked.py), with small limits so that a few pages suffice.

A query that matches more pages than the limit ranks only the newest matches plus the newest
title matches, and the page says "more than N results"; anything under the limit is ranked and
counted in full.
"""

import datetime

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend

from news.models import NewsArticlePage
from search.backends import ranked
from tests.factories import add_article

LIMIT = 5
TITLE_LIMIT = 2


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(ranked, "CANDIDATES", LIMIT)
    monkeypatch.setattr(ranked, "TITLE_CANDIDATES", TITLE_LIMIT)
    backend = type(get_search_backend())
    monkeypatch.setattr(backend.autocomplete_query_compiler_class, "candidates", LIMIT)


def publish_article(news, title, day, campaigns=()):
    article = add_article(
        news,
        title,
        campaigns,
        summary="Herders count every alpaca in the highlands.",
        date=datetime.date(2020, 1, 1) + datetime.timedelta(days=day),
    )
    published = timezone.make_aware(datetime.datetime(2020, 1, 1, 9)) + datetime.timedelta(day)
    Page.objects.filter(pk=article.pk).update(first_published_at=published)
    return NewsArticlePage.objects.get(pk=article.pk)


@pytest.fixture
def herd(site_tree):
    news = site_tree["news"]
    # An old article named after the query, then twelve newer ones that mention it in passing.
    old_title_match = publish_article(news, "Alpaca census results", day=0)
    articles = [
        publish_article(news, f"Highland report {day}", day=day, campaigns=[site_tree["truth"]])
        for day in range(1, 13)
    ]
    return {**site_tree, "old_title_match": old_title_match, "articles": articles}


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def result_ids(response):
    return [item["page"].pk for item in response.context["results"]]


def all_result_ids(client, **params):
    ids, page = [], 1
    while True:
        response = search(client, page=str(page), **params)
        ids += result_ids(response)
        if not response.context["results_page"].has_next():
            return ids, response
        page += 1


@pytest.mark.django_db
def test_a_common_word_ranks_the_newest_matches_and_the_newest_title_matches(client, herd):
    ids, response = all_result_ids(client, q="alpaca")
    newest = [a.pk for a in reversed(herd["articles"])][:LIMIT]
    assert set(ids) == set(newest) | {herd["old_title_match"].pk}
    # The title match outranks the passing mentions.
    assert ids[0] == herd["old_title_match"].pk
    assert response.context["capped"] is True
    html = response.content.decode()
    assert f"More than {LIMIT + 1} results for" in html  # the newest five and the title match
    assert "only the most recently added, and older pages with these words" in html


@pytest.mark.django_db
def test_only_the_newest_title_matches_join_a_capped_search(client, site_tree):
    news = site_tree["news"]
    # Three title matches added first, then more passing mentions than the limit.
    titled = [publish_article(news, f"Alpaca census {n}", day=n) for n in range(3)]
    mentions = [publish_article(news, f"Highland report {n}", day=n) for n in range(3, 10)]
    ids, response = all_result_ids(client, q="alpaca")
    assert response.context["capped"] is True
    newest = {page.pk for page in mentions[-LIMIT:]}
    assert set(ids) == newest | {page.pk for page in titled[-TITLE_LIMIT:]}


@pytest.mark.django_db
def test_the_title_matches_are_found_with_accents_and_case_folded_too(client, herd):
    ids, response = all_result_ids(client, q="ALPÁCA")
    assert response.context["capped"] is True
    assert ids[0] == herd["old_title_match"].pk


@pytest.mark.django_db
def test_under_the_limit_everything_is_ranked_and_counted(client, herd):
    response = search(client, q="census")
    assert result_ids(response) == [herd["old_title_match"].pk]
    assert response.context["capped"] is False
    assert "1 result for" in response.content.decode()
    assert "most recently added" not in response.content.decode()


@pytest.mark.django_db
def test_newest_first_sorts_the_newest_matches(client, herd):
    ids, response = all_result_ids(client, q="alpaca", sort="newest")
    assert ids == [a.pk for a in reversed(herd["articles"])][:LIMIT]
    assert response.context["capped"] is True
    html = response.content.decode()
    assert "only the most recently added are listed" in html


@pytest.mark.django_db
def test_filters_apply_before_the_limit(client, herd):
    # Only the old title match is outside the Truth Commission campaign.
    ids, response = all_result_ids(client, q="alpaca", type="news", campaign="fujimori-extradition")
    assert ids == [] and response.context["capped"] is False
    ids, response = all_result_ids(client, q="alpaca", campaign="truth-commission")
    assert len(ids) == LIMIT and response.context["capped"] is True


@pytest.mark.django_db
def test_pages_no_visitor_may_see_take_no_place_among_the_candidates(client, herd):
    newest = herd["articles"][-1]
    PageViewRestriction.objects.create(page=newest, restriction_type="login")
    draft = herd["articles"][-2]
    draft.unpublish()
    ids, _response = all_result_ids(client, q="alpaca")
    assert newest.pk not in ids and draft.pk not in ids
    # The next newest take their places.
    expected = [a.pk for a in reversed(herd["articles"][:-2])][:LIMIT]
    assert set(expected) <= set(ids)


@pytest.mark.django_db
def test_promoted_pages_come_first_and_are_not_repeated(client, herd):
    promoted = herd["articles"][0]  # the oldest passing mention: not otherwise a candidate
    SearchPromotion.objects.create(query=Query.get("alpaca"), page=promoted, sort_order=0)
    response = search(client, q="alpaca")
    assert [p["page_id"] for p in response.context["promoted"]] == [promoted.pk]
    ids, _response = all_result_ids(client, q="alpaca")
    assert promoted.pk not in ids


@pytest.mark.django_db
def test_suggestions_come_from_the_newest_matching_titles(client, herd):
    response = client.get("/search/suggest/", {"q": "highl"})
    titles = [item["title"] for item in response.json()["results"]]
    assert set(titles) == {f"Highland report {day}" for day in range(8, 13)}


@pytest.mark.django_db
def test_other_searches_are_bounded_too_and_searches_on_chosen_fields_are_not(herd):
    # The admin's page search goes through the same backend: a common word stays cheap.
    assert Page.objects.live().search("alpaca").count() == LIMIT + 1
    assert Page.objects.live().search("alpaca", fields=["title"]).count() == 1


@pytest.mark.django_db
def test_a_search_on_chosen_fields_is_sliced_scored_and_folded_like_the_others(herd):
    """Not bounded (modelsearch's own search): the site's configuration still folds accents
    and case, slices still slice and scores are still given."""
    newer = publish_article(herd["news"], "Alpaca prices", day=20)

    def search():  # results not yet read: each slice is its own query
        return Page.objects.live().search("ALPÁCA", fields=["title"]).annotate_score("score")

    first, rest = list(search()[:1]), list(search()[1:])
    assert len(first) == len(rest) == 1
    assert {page.pk for page in first + rest} == {newer.pk, herd["old_title_match"].pk}
    assert all(isinstance(page.score, float) for page in first + rest)
    if connection.vendor == "postgresql":  # SQLite's backend has no fuzzy search
        from modelsearch.query import Fuzzy

        fuzzy = Page.objects.live().search(Fuzzy("alpaka"), fields=["title"])
        assert {page.pk for page in fuzzy} >= {newer.pk, herd["old_title_match"].pk}


def test_the_backends_override_only_what_this_modelsearch_version_has():
    """ranked.py and elasticsearch9.py override private methods of modelsearch's classes: a new
    modelsearch release must be checked against them before this version number changes."""
    from importlib.metadata import version

    from modelsearch.backends.base import BaseSearchResults

    from search.backends import elasticsearch9, ranked

    assert version("modelsearch") == "1.3.2"
    assert {"_do_search", "_do_count"} <= set(vars(BaseSearchResults))
    overriders = [
        ranked.RankedResultsMixin,
        elasticsearch9.ParentLinkFilters,
        elasticsearch9.Elasticsearch9SearchQueryCompiler,
        elasticsearch9.Elasticsearch9SearchResults,
    ]
    stock = [
        elasticsearch9.stock.Elasticsearch9SearchQueryCompiler,
        elasticsearch9.stock.Elasticsearch9SearchResults,
    ]
    private = {
        name
        for cls in overriders
        for name in vars(cls)
        if name.startswith("_") and not name.startswith("__")
    }
    own = {"_config"}  # ranked.py's own helper, not an override
    overridden = {
        "_do_search",
        "_do_count",
        "_get_filters_from_where_node",
        "_compile_plaintext_query",
    }
    assert private - own == overridden
    for name in private - own:
        assert any(callable(getattr(cls, name, None)) for cls in stock), name


def index_reads(client, **params):
    """The statements that read the search index while the search page answers."""
    with CaptureQueriesContext(connection) as captured:
        search(client, **params)
    sql = [q["sql"] for q in captured.captured_queries]
    return [statement for statement in sql if "wagtailsearch_indexentry" in statement]


@pytest.mark.django_db
def test_a_search_reads_its_matches_once_though_it_counts_and_shows_them(client, herd):
    search(client, q="alpaca")  # warm caches
    # The newest matches, then (more matched than are ranked) the newest title matches: each
    # read once, though the page both counts the results and shows a slice of them.
    assert len(index_reads(client, q="alpaca")) == 2


@pytest.mark.django_db
def test_the_index_gives_no_more_matches_than_are_ranked_and_newest_first_no_scores(client, herd):
    search(client, q="alpaca")  # warm caches
    # One more than are ranked: enough to tell that there were more.
    assert f"LIMIT {LIMIT + 1}" in index_reads(client, q="alpaca")[0]
    # Newest first needs no relevance: the database works none out (PostgreSQL would read
    # every chosen page's body for it).
    score = {"sqlite": "bm25(", "postgresql": "ts_rank"}[connection.vendor]
    newest = index_reads(client, q="alpaca", sort="newest")
    assert newest
    assert not [statement for statement in newest if score in statement]


@pytest.mark.django_db
def test_a_page_of_results_loads_only_the_articles_it_shows(client, herd, monkeypatch):
    monkeypatch.setattr("search.views.RESULTS_PER_PAGE", 2)
    loaded = set()

    def seen(sender, instance, **kwargs):
        loaded.add(instance.pk)

    post_init.connect(seen, sender=NewsArticlePage)
    try:
        response = search(client, q="alpaca")
    finally:
        post_init.disconnect(seen, sender=NewsArticlePage)
    assert len(result_ids(response)) == 2
    assert loaded == set(result_ids(response))


@pytest.mark.django_db
def test_a_bounded_search_costs_the_same_queries_however_many_pages_match(client, herd):
    search(client, q="alpaca")  # warm caches

    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            search(client, **params)
        return len(captured.captured_queries)

    before = queries(q="alpaca")
    for day in range(13, 25):
        publish_article(herd["news"], f"Highland report {day}", day=day)
    assert queries(q="alpaca") == before
