"""Bounded ranking (search/backends/bounded.py), with small limits so that a few pages suffice.

A query that matches more pages than the limit ranks only the newest matches plus the newest
title matches, and the page says "more than N results"; anything under the limit is ranked and
counted in full. Only the site search is bounded.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend

from news.models import NewsArticlePage
from search.backends import bounded
from tests.conftest import run_in_pass

LIMIT = 5
TITLE_LIMIT = 2


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setattr(bounded, "CANDIDATE_LIMIT", LIMIT)
    monkeypatch.setattr(bounded, "TITLE_CANDIDATE_LIMIT", TITLE_LIMIT)
    monkeypatch.setattr(bounded, "SUGGESTION_CANDIDATE_LIMIT", LIMIT)


def publish_article(news, title, day, body_word="alpaca", campaigns=()):
    article = NewsArticlePage(
        title=title,
        summary=f"Herders count every {body_word} in the highlands.",
        date=datetime.date(2020, 1, 1) + datetime.timedelta(days=day),
    )
    news.add_child(instance=article)
    if campaigns:
        article.campaigns.set(campaigns)
        article.save_revision().publish()
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
    assert f"More than {LIMIT} results for" in html
    assert "only the 5 most recently published, and older pages with these words" in html


@pytest.mark.django_db
def test_under_the_limit_everything_is_ranked_and_counted(client, herd):
    response = search(client, q="census")
    assert result_ids(response) == [herd["old_title_match"].pk]
    assert response.context["capped"] is False
    assert "1 result for" in response.content.decode()
    assert "most recently published" not in response.content.decode()


@pytest.mark.django_db
def test_newest_first_sorts_the_newest_matches(client, herd):
    ids, response = all_result_ids(client, q="alpaca", sort="newest")
    assert ids == [a.pk for a in reversed(herd["articles"])][:LIMIT]
    assert response.context["capped"] is True
    html = response.content.decode()
    assert "only the 5 most recently published are listed" in html


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
def test_other_searches_are_not_bounded(herd):
    assert Page.objects.live().search("alpaca").count() == 13
    assert get_search_backend().search("alpaca", NewsArticlePage).count() == 13


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


@pytest.mark.django_db
def test_candidates_are_ranked_as_an_unbounded_search_ranks_them(client, herd):
    ids, _response = all_result_ids(client, q="alpaca")
    unbounded = Page.objects.live().public().filter(pk__in=ids).search("alpaca", operator="and")
    assert ids == [page.pk for page in unbounded]


@pytest.mark.django_db
@pytest.mark.parametrize("walk", [True, False], ids=["walk newest pages", "collect matches"])
@pytest.mark.parametrize("query", ["alpaca", "the alpaca", "herders alpaca", "alpaca census"])
def test_both_ways_of_listing_the_newest_matches_agree(client, herd, monkeypatch, walk, query):
    """PostgreSQL walks the newest pages for a common query and collects the matches through
    the index for a rarer one: either way the same pages, ranked the same."""
    run_in_pass("postgresql", "PostgreSQL chooses between the two ways; SQLite has one")
    from search.backends import postgres

    # A small index: the matches are collected.
    expected = all_result_ids(client, q=query)[0]
    expected_newest = all_result_ids(client, q=query, sort="newest")[0]
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_walk_pays", lambda *args: walk)
    assert all_result_ids(client, q=query)[0] == expected
    assert all_result_ids(client, q=query, sort="newest")[0] == expected_newest
    assert expected and expected_newest


@pytest.mark.django_db
def test_suggestions_are_the_same_when_the_newest_pages_are_walked(client, herd, monkeypatch):
    run_in_pass("postgresql", "PostgreSQL chooses between the two ways; SQLite has one")
    from search.backends import postgres

    expected = client.get("/search/suggest/", {"q": "highl"}).json()["results"]
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_walk_pays", lambda *args: True)
    assert client.get("/search/suggest/", {"q": "highl"}).json()["results"] == expected
    assert len(expected) == LIMIT


@pytest.mark.django_db
@pytest.mark.parametrize("window", [3, 100], ids=["rare in the window", "common in the window"])
def test_suggestions_walk_a_window_of_the_newest_pages_first(client, herd, monkeypatch, window):
    run_in_pass("postgresql", "PostgreSQL walks a window of the newest pages for suggestions")
    from search.backends import postgres

    expected = client.get("/search/suggest/", {"q": "highl"}).json()["results"]
    monkeypatch.setattr(postgres, "SMALL_INDEX", 0)
    monkeypatch.setattr(postgres.AutocompleteQueryCompiler, "WALK_WINDOW", window)
    assert client.get("/search/suggest/", {"q": "highl"}).json()["results"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("window", [2, 4, 100])
@pytest.mark.parametrize("query", ["alpaca", "herders alpaca", "alpaca census"])
def test_a_large_index_lists_the_same_newest_matches(client, herd, monkeypatch, window, query):
    """With a large index, PostgreSQL asks the planner (one word) or walks a window of the
    newest pages first (several words): the results are the same as collecting them all."""
    run_in_pass("postgresql", "PostgreSQL chooses between the two ways; SQLite has one")
    from search.backends import postgres

    expected = all_result_ids(client, q=query)[0]
    expected_newest = all_result_ids(client, q=query, sort="newest")[0]
    monkeypatch.setattr(postgres, "SMALL_INDEX", 0)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "WALK_WINDOW", window)
    # Every word common enough that the window decides.
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_rarest_word_matches", lambda *args: None)
    assert all_result_ids(client, q=query)[0] == expected
    assert all_result_ids(client, q=query, sort="newest")[0] == expected_newest


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rarest", "walks"),
    [(75_000, 2), (37_500, 1)],
    ids=["a common rarest word", "a less common rarest word"],
)
@pytest.mark.parametrize("query", ["alpaca", "herders alpaca"])
def test_postgres_sizes_the_first_window_by_the_rarest_word(
    client, herd, monkeypatch, rarest, walks, query
):
    """The first window of newest pages holds enough pages to find the limit if every page
    with the rarest word matched: when the words do come together, one walk finds them all
    (the limit of 6 is found in a window of 20 pages; a window of 10, which the site's own
    newer pages share with the articles, holds fewer, and the walk goes on beyond it)."""
    run_in_pass("postgresql", "PostgreSQL walks a window of the newest pages for several words")
    from search.backends import postgres

    expected = all_result_ids(client, q=query)[0]
    expected_newest = all_result_ids(client, q=query, sort="newest")[0]
    monkeypatch.setattr(postgres, "SMALL_INDEX", 0)
    monkeypatch.setattr(postgres, "estimated_entry_count", lambda connection: 100_000)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_estimate_says_walk", lambda *args: False)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_estimate_trusted", lambda *args: False)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_rarest_word_matches", lambda *args: rarest)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "WALK_WINDOW", 2)
    # A limit of 6 (5 shown + 1) in 100,000 entries: 1.25 * 6 * 100,000 / 37,500 = 20 pages.
    # (Newest first: no title matches are looked for, which would walk too.)
    with CaptureQueriesContext(connection) as captured:
        assert search(client, q=query, sort="newest").status_code == 200
        statements = [query["sql"] for query in captured.captured_queries]
    assert sum("walked_pages" in sql for sql in statements) == walks
    assert all_result_ids(client, q=query)[0] == expected
    assert all_result_ids(client, q=query, sort="newest")[0] == expected_newest


@pytest.mark.django_db
@pytest.mark.parametrize("rarest", [3, 10**9], ids=["a rare word", "only common words"])
@pytest.mark.parametrize("query", ["herders alpaca", "alpaca census", "alpaca xylophone"])
@pytest.mark.parametrize("hashed", [False, True], ids=["joined", "hashed"])
def test_postgres_collects_at_once_when_one_of_several_words_is_rare(
    client, herd, monkeypatch, rarest, query, hashed
):
    """No page has all the words that lacks the rarest one: when the planner says that word is
    rare, the matches are listed without walking the newest pages first (collected, or
    hashed and the pages walked against them when the planner's estimate says that reads
    fewer pages)."""
    run_in_pass("postgresql", "PostgreSQL chooses how to list the newest matches from the planner")
    from search.backends import postgres

    expected = all_result_ids(client, q=query)[0]
    expected_newest = all_result_ids(client, q=query, sort="newest")[0]
    monkeypatch.setattr(postgres, "SMALL_INDEX", 0)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_estimate_says_walk", lambda *args: False)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_rarest_word_matches", lambda *args: rarest)
    monkeypatch.setattr(postgres, "estimated_entry_count", lambda connection: 100_000)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_hash_walk_pays", lambda *args: hashed)
    with CaptureQueriesContext(connection) as captured:
        assert all_result_ids(client, q=query)[0] == expected
        assert all_result_ids(client, q=query, sort="newest")[0] == expected_newest
    # Collecting reads the pages whose ids are among the matches, a hash walk looks each page
    # up among them; a walk tests every page against its entry.
    statements = [query["sql"] for query in captured.captured_queries]
    collected = ['"wagtailcore_page"."id" = ANY(ARRAY(SELECT' in sql for sql in statements]
    hash_walked = ['COALESCE(("wagtailcore_page"."id" IN (SELECT' in sql for sql in statements]
    walked = [
        "walked_pages" in sql and not (among or hashed_ids)
        for sql, among, hashed_ids in zip(statements, collected, hash_walked, strict=True)
    ]
    assert any(walked) == (rarest > 3)
    if rarest <= 3:
        assert any(hash_walked) == hashed
        assert any(collected) == (not hashed)


@pytest.mark.django_db
def test_postgres_rarest_word_estimate_leaves_out_stop_words(herd, monkeypatch):
    run_in_pass("postgresql", "PostgreSQL chooses how to list the newest matches from the planner")
    from modelsearch.query import PlainText

    from search.backends import postgres

    # The planner's statistics of this test's index entries (without them it estimates one
    # row for any word, whatever the table holds).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {postgres.postgres.IndexEntry._meta.db_table}")

    def estimate(query):
        compiler = postgres.SearchQueryCompiler(Page.objects.live(), PlainText(query))
        return compiler._rarest_word_matches(compiler.get_config(get_search_backend()))

    assert estimate("alpaca") > 1
    # "the" has no lexeme (the planner says one row): it bounds nothing.
    assert estimate("the") is None
    assert estimate("the alpaca") == estimate("alpaca")


def sqlite_only():
    run_in_pass("sqlite", "SQLite walks the newest pages a window at a time, asking FTS5 by row id")


SQLITE_WAYS = {
    # A test site's words are rare: their matches are collected at once.
    "collected at once": {},
    # Or they are not (RARE_MATCHES): the pages are walked, a window at a time.
    "one window": {"RARE_MATCHES": 1},
    # "alpaca" is in 13 pages and one title: the pages are walked, the titles collected.
    "walked, titles collected": {"RARE_MATCHES": 2},
    "windows of one page": {
        "RARE_MATCHES": 1,
        "MIN_WINDOW": 1,
        "MAX_WINDOW": 1,
        "COLLECT_COST": float("inf"),
    },
    "windows of three pages": {
        "RARE_MATCHES": 1,
        "MIN_WINDOW": 3,
        "MAX_WINDOW": 3,
        "COLLECT_COST": float("inf"),
    },
    # The first rows read say that walking would cost more than collecting.
    "collected by the first rows' share": {"RARE_MATCHES": 1, "COLLECT_COST": 0},
    # When the newest page does not match, what is left looks costlier to walk than to collect.
    "collected after one page": {"RARE_MATCHES": 1, "MIN_WINDOW": 1, "MAX_WINDOW": 1},
    "a range for each row id": {
        "RARE_MATCHES": 1,
        "RUN_GAP": 0,
        "MAX_RUNS": 1000,
        "RANK_RUN_GAP": 0,
    },
    "ranges merged": {
        "RARE_MATCHES": 1,
        "MIN_WINDOW": 4,
        "MAX_WINDOW": 4,
        "RUN_GAP": 0,
        "MAX_RUNS": 2,
        "RANK_RUN_GAP": 0,
    },
}


def sqlite_way(monkeypatch, way):
    from search.backends import sqlite

    for name, value in SQLITE_WAYS[way].items():
        monkeypatch.setattr(sqlite, name, value)


@pytest.mark.django_db
@pytest.mark.parametrize("way", list(SQLITE_WAYS))
@pytest.mark.parametrize("query", ["alpaca", "herders alpaca", "alpaca census", "highland report"])
def test_sqlite_lists_the_same_newest_matches_whichever_way_it_reads(
    client, herd, monkeypatch, way, query
):
    sqlite_only()
    expected = all_result_ids(client, q=query)[0]
    expected_newest = all_result_ids(client, q=query, sort="newest")[0]
    expected_truth = all_result_ids(client, q=query, campaign="truth-commission")[0]
    assert expected
    sqlite_way(monkeypatch, way)
    assert all_result_ids(client, q=query)[0] == expected
    assert all_result_ids(client, q=query, sort="newest")[0] == expected_newest
    assert all_result_ids(client, q=query, campaign="truth-commission")[0] == expected_truth


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("way", "windows"),
    [("collected by the first rows' share", 0), ("collected after one page", 1), ("one window", 1)],
)
def test_sqlite_walks_only_while_walking_costs_less_than_collecting(
    client, herd, monkeypatch, way, windows
):
    """Before a window of pages is read, the share of matches among the first rows says
    whether walking would read more pages than there are matches to collect; after each
    window, the share found so far says it. ("alpaca census": one old page, the newest
    page does not match.)"""
    sqlite_only()
    from search.backends import sqlite

    query = "alpaca census"
    expected = all_result_ids(client, q=query, sort="newest")[0]
    assert expected == [herd["old_title_match"].pk]
    sqlite_way(monkeypatch, way)
    # (The index's size is read once in a while: not one left over from another test.)
    monkeypatch.setattr(sqlite, "index_size", lambda: 1000)
    read = []
    matching_rowids = sqlite.RankedSearchQueryCompiler.matching_rowids

    def counted(self, match, rowids):
        read.append(len(rowids))
        return matching_rowids(self, match, rowids)

    monkeypatch.setattr(sqlite.RankedSearchQueryCompiler, "matching_rowids", counted)
    assert result_ids(search(client, q=query, sort="newest")) == expected
    assert len(read) == windows


@pytest.mark.django_db
@pytest.mark.parametrize("way", list(SQLITE_WAYS))
def test_sqlite_finds_the_newest_pages_when_index_order_is_not_publication_order(
    client, herd, monkeypatch, way
):
    """Index entries are numbered in the order pages were indexed, which need not be the order
    they were published in (an import of old items, a rebuild): the walk follows publication."""
    sqlite_only()
    sqlite_way(monkeypatch, way)
    articles = herd["articles"]
    start = timezone.make_aware(datetime.datetime(2021, 1, 1, 9))
    for age, article in enumerate(articles):
        # The first indexed is now the most recently published.
        published = start - datetime.timedelta(days=age)
        Page.objects.filter(pk=article.pk).update(first_published_at=published)
    newest = {article.pk for article in articles[:LIMIT]}
    ids, response = all_result_ids(client, q="alpaca", sort="newest")
    assert set(ids) == newest and response.context["capped"] is True
    ids, _response = all_result_ids(client, q="alpaca")
    assert set(ids) == newest | {herd["old_title_match"].pk}


@pytest.mark.django_db
@pytest.mark.parametrize("way", list(SQLITE_WAYS))
def test_sqlite_suggestions_are_the_same_whichever_way_it_reads(client, herd, monkeypatch, way):
    sqlite_only()
    expected = client.get("/search/suggest/", {"q": "highl"}).json()["results"]
    sqlite_way(monkeypatch, way)
    assert client.get("/search/suggest/", {"q": "highl"}).json()["results"] == expected
    assert len(expected) == LIMIT


def test_row_ids_are_grouped_into_ranges_split_at_the_widest_gaps():
    sqlite_only()  # the module is imported only on SQLite
    from search.backends.sqlite import rowid_runs

    assert rowid_runs([]) == []
    assert rowid_runs([5]) == [(5, 5)]
    assert rowid_runs([1, 2, 3, 10, 11, 500, 900], gap=64) == [(1, 11), (500, 500), (900, 900)]
    # At most two ranges: split at the widest gap only.
    assert rowid_runs([1, 2, 3, 10, 11, 500, 900], gap=0, most=2) == [(1, 11), (500, 900)]
    assert rowid_runs([1, 2, 3], gap=0, most=1) == [(1, 3)]


@pytest.mark.django_db
def test_sqlite_rebuild_merges_the_full_text_index(herd):
    sqlite_only()
    from django.core.management import call_command

    with CaptureQueriesContext(connection) as captured:
        call_command("update_index", verbosity=0)
    assert any("VALUES ('optimize')" in query["sql"] for query in captured.captured_queries)
    assert Page.objects.live().search("alpaca").count() == 13


@pytest.mark.django_db
@pytest.mark.parametrize("way", ["collect", "hash walk"])
@pytest.mark.parametrize(
    "params",
    [
        {"q": "alpaca"},
        {"q": "alpaca", "sort": "newest"},
        {"q": "alpaca", "type": "news", "campaign": "truth-commission"},
        {"q": "census"},
    ],
    ids=["relevance", "newest first", "campaign", "under the limit"],
)
def test_postgres_lists_the_same_matches_through_a_hash_of_their_ids(
    client, herd, monkeypatch, way, params
):
    """For one word that the planner finds neither common enough to walk nor rare enough to
    join, PostgreSQL lists the matches' ids once and walks the pages newest first against
    them: the same pages as joining every match to its page."""
    run_in_pass("postgresql", "PostgreSQL chooses how to list the newest matches from the planner")
    from search.backends import postgres

    expected = all_result_ids(client, **params)[0]
    assert expected
    monkeypatch.setattr(postgres, "SMALL_INDEX", 0)
    monkeypatch.setattr(postgres.BoundedMatchMixin, "_estimate_says_walk", lambda *args: False)
    monkeypatch.setattr(
        postgres.BoundedMatchMixin, "_hash_walk_pays", lambda *args: way == "hash walk"
    )
    with CaptureQueriesContext(connection) as captured:
        response = search(client, **params)
        # The matches' ids are looked up inside COALESCE (a hashed subplan, not a join).
        hashed = any(
            'COALESCE(("wagtailcore_page"."id" IN (SELECT' in query["sql"]
            for query in captured.captured_queries
        )
    assert hashed == (way == "hash walk")
    assert result_ids(response) == expected[: len(result_ids(response))]
    assert all_result_ids(client, **params)[0] == expected


@pytest.mark.django_db
def test_postgres_weighs_a_hash_walk_by_how_many_pages_it_would_read(herd, monkeypatch):
    run_in_pass("postgresql", "PostgreSQL chooses how to list the newest matches from the planner")
    from search.backends import postgres

    compiler = postgres.SearchQueryCompiler(Page.objects.live(), "alpaca")
    monkeypatch.setattr(postgres, "estimated_entry_count", lambda connection: 100_000)
    monkeypatch.setattr(postgres, "planned_rows", lambda queryset: 100_000)
    # 8,000 matches in 100,000 pages: 501 matches are found within about 6,300 pages.
    compiler._estimated_matches = 8_000
    assert compiler._hash_walk_pays(501)
    # 100 matches: the walk would read every page; joining them costs less.
    compiler._estimated_matches = 100
    assert not compiler._hash_walk_pays(501)
    # A filter that keeps 1% of the pages: 8,000 matches are too few to walk for.
    monkeypatch.setattr(postgres, "planned_rows", lambda queryset: 1_000)
    compiler._estimated_matches = 8_000
    assert not compiler._hash_walk_pays(501)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["highland", "highland report", "alpaca"])
@pytest.mark.parametrize("walk", [False, True], ids=["collected", "walked"])
def test_postgres_takes_title_candidates_from_the_candidates_when_enough_have_the_words(
    client, herd, monkeypatch, query, walk
):
    """The newest title matches are the newest matches whose title has the words: when the
    candidates hold enough of them ("highland": every newest match is a "Highland report"),
    they are not looked for again; when they do not ("alpaca": one old title), they are."""
    run_in_pass("postgresql", "PostgreSQL notes which candidates have the words in their title")
    from search.backends import postgres

    monkeypatch.setattr(postgres.BoundedMatchMixin, "_walk_pays", lambda *args: walk)

    def run(reuse):
        monkeypatch.setattr(postgres.BoundedMatchMixin, "REUSE_TITLE_HITS", reuse)
        search(client, q=query)  # warm caches
        with CaptureQueriesContext(connection) as captured:
            response = search(client, q=query)
        count = len(captured.captured_queries)  # before the next request empties the log
        return all_result_ids(client, q=query)[0], response.context["capped"], count

    ids, capped, queries = run(reuse=True)
    expected, expected_capped, looked_again = run(reuse=False)
    assert ids == expected and capped == expected_capped is True
    if query == "alpaca":
        assert herd["old_title_match"].pk in ids
        assert queries == looked_again
    else:
        assert queries < looked_again
