"""Site search (/search/ and /search/suggest/): suggestions, hostile input, query counts,
the backend and its index, and the text helpers (highlighting, snippets, cleaning).
"""

import json
import re

import pytest
from django.db import connection
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from campaigns.models import CampaignPage
from home.models import StandardPage
from news.models import NewsArticlePage
from search import text as search_text
from search.views import RESULTS_PER_PAGE
from tests.factories import add_article
from tests.search_helpers import (
    SEARCH_URL,
    SUGGEST_URL,
    build_site,
    get,
    result_ids,
)


@pytest.fixture
def site(site_tree):
    return build_site(site_tree)


# --- Suggestions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_suggestions_return_live_public_titles_and_urls(client, site):
    response = client.get(SUGGEST_URL, {"q": "caja"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["results"] == [
        {
            "title": "Mining conflict in Cajamarca",
            "url": "/news/mining-conflict-in-cajamarca/",
            "type": "News",
        }
    ]


@pytest.mark.django_db
def test_suggestions_ignore_accents_and_drafts(client, site):
    draft = NewsArticlePage(title="Perú draft", summary="x", live=False)
    site["news"].add_child(instance=draft)
    titles = [
        r["title"] for r in json.loads(client.get(SUGGEST_URL, {"q": "peru"}).content)["results"]
    ]
    assert "Perú asks Chile for Fujimori's extradition" in titles
    assert "Perú draft" not in titles


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "p", "\x00", "<script>", '"', "*" * 500, "x" * 10_000])
def test_suggestions_answer_junk_with_an_empty_list(client, site, query):
    response = client.get(SUGGEST_URL, {"q": query})
    assert response.status_code == 200
    assert json.loads(response.content)["results"] == []


@pytest.mark.django_db
def test_search_form_works_without_javascript_and_loads_suggestions(client, site):
    html = get(client).content.decode()
    form = re.search(r"<form class=\"search-form\".*?</form>", html, re.S).group(0)
    assert 'method="get"' in form and 'action="/search/"' in form
    assert 'name="q"' in form and 'type="submit"' in form
    assert 'data-suggest-url="/search/suggest/"' in form
    assert "search/suggest.js" in html


# --- Hostile input ------------------------------------------------------------------------------

HOSTILE_QUERIES = [
    '"',
    '"""',
    '"peru',
    "peru\"'",
    "*",
    "peru*",
    "**peru**",
    "NEAR(peru fujimori)",
    "peru NEAR fujimori",
    "NEAR",
    "AND",
    "OR",
    "NOT",
    "NOT peru",
    "-peru",
    "peru -fujimori",
    " AND ".join(["peru"] * 300),
    " OR ".join(["fujimori"] * 300),
    "NOT " * 400,
    "(" * 200 + "peru" + ")" * 200,
    "peru\x00fujimori",
    "\x00" * 50,
    "x" * 10_000,
    "🇵🇪 🦙 peru 🦙",
    "<script>alert('x')</script>",
    "'; DROP TABLE wagtailcore_page; --",
    "title:peru",
    "peru^10",
    "peru~2",
    "{title body}: peru",
    "peru:*",
    "!peru & fujimori | chile",
    "\\",
    "%",
    "_",
    "ﬁ ß Å ǅ",
    "\u0301\u0301",
    "\ud800" if False else "\U0001f600" * 100,
    "a " * 150,
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_hostile_queries_get_a_page_not_an_error(
    client, site, query, django_assert_max_num_queries
):
    # A search that finds little is tried again with corrected spelling: two searches at most.
    with django_assert_max_num_queries(40):
        response = get(client, q=query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert len(response.context["search_query"]) <= search_text.MAX_QUERY_LENGTH
    assert "\x00" not in response.context["search_query"]


@pytest.mark.django_db
def test_overlong_query_is_cut_and_the_page_says_so(client, site):
    response = get(client, q="Cajamarca " + "x" * 500)
    assert response.status_code == 200
    assert response.context["query_truncated"]
    assert "longer than 200 characters" in response.content.decode()


@pytest.mark.django_db
def test_query_syntax_is_treated_as_plain_words(client, site):
    # Boolean words and operators are not exposed: "NOT" does not exclude anything.
    assert site["mining"].pk in result_ids(get(client, q='"Cajamarca"'))
    assert site["mining"].pk in result_ids(get(client, q="Cajamarca*"))
    assert site["mining"].pk in result_ids(get(client, q="Cajamarca -farmers"))
    # "OR" is a word like any other, not an operator: every word must match.
    assert result_ids(get(client, q="(Cajamarca OR xyzzy)")) == []


@pytest.mark.django_db
def test_html_in_the_query_is_escaped(client, site):
    html = get(client, q='<img src=x onerror="alert(1)"> peru').content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; peru" in html


@pytest.mark.django_db
def test_post_is_refused_politely(client, site):
    assert client.post(SEARCH_URL, {"q": "peru"}).status_code == 405


# --- Query counts --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_query_count_does_not_grow_with_results(client, site, django_assert_max_num_queries):
    get(client, q="census")  # warm the content type and site caches
    for i in range(RESULTS_PER_PAGE):
        add_article(site["news"], f"Alpaca census {i}")
    with django_assert_max_num_queries(25) as few:
        get(client, q="alpaca")
    for i in range(RESULTS_PER_PAGE):
        add_article(site["news"], f"Alpaca census extra {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        get(client, q="alpaca")


# --- Backend and index ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_backend_is_configured_to_fold_accents(site):
    backend = get_search_backend()
    if connection.vendor == "postgresql":
        assert backend.config == "psg_english"
        assert backend.autocomplete_config == "psg_simple"
    else:
        assert connection.vendor == "sqlite"
    module = {"postgresql": "postgres", "sqlite": "sqlite"}[connection.vendor]
    assert type(backend).__module__ == f"search.backends.{module}"


@pytest.mark.django_db
def test_accent_folding_is_set_up_in_the_database(site):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsvector('psg_english', 'Perú Fujimori''s campañas')")
            vector = cursor.fetchone()[0]
        assert "'peru'" in vector and "'fujimori'" in vector and "'campana'" in vector
        # Title and body are matched together through one GIN index (migration search.0007).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'wagtailsearch_indexentry' "
                "AND indexdef LIKE '%%psg_search_document(title, body)%%'"
            )
            [indexdef] = cursor.fetchone()
            cursor.execute("SELECT psg_search_document('a:1'::tsvector, 'b:1'::tsvector)::text")
            assert cursor.fetchone()[0] == "'a':1 'b':2"
        assert "USING gin" in indexdef
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM wagtailsearch_indexentry_fts "
                "WHERE wagtailsearch_indexentry_fts MATCH ?",
                ['"peru"'],
            )
            # The tokenizer folds "Perú" (extradition article) to "peru".
            assert cursor.fetchone()[0] >= 2


@pytest.mark.django_db
def test_update_index_rebuilds_the_index(client, site):
    from django.core.management import call_command
    from wagtail.search.models import IndexEntry

    IndexEntry.objects.all().delete()
    assert result_ids(get(client, q="Cajamarca")) == []
    call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert result_ids(get(client, q="Cajamarca")) == [site["mining"].pk]


def test_search_fields_cover_every_page_type():
    from wagtail.search import index

    for model in (NewsArticlePage, CampaignPage, StandardPage):
        names = {
            f.field_name for f in model.get_search_fields() if isinstance(f, index.SearchField)
        }
        assert "title" in names and "body" in names
    news_fields = {f.field_name: f for f in NewsArticlePage.get_search_fields()}
    assert isinstance(news_fields["campaigns"], index.RelatedFields)
    assert isinstance(news_fields["topics"], index.RelatedFields)
    assert {f.field_name for f in NewsArticlePage.get_filterable_search_fields()} >= {
        "date",
        "content_type",
        "first_published_at",
    }
    title = next(
        f
        for f in Page.search_fields
        if getattr(f, "field_name", "") == "title" and isinstance(f, index.SearchField)
    )
    summary = news_fields["summary"]
    assert title.boost > summary.boost > 1


# --- Text helpers --------------------------------------------------------------------------------


def test_highlight_escapes_before_marking():
    html = str(search_text.highlight("<b>Perú</b> & peru's", ["peru"]))
    assert html == "&lt;b&gt;<mark>Perú</mark>&lt;/b&gt; &amp; <mark>peru</mark>&#x27;s"


def test_snippet_centres_on_the_first_match():
    text = "word " * 200 + "Ayacucho survivors " + "more " * 200
    html = str(search_text.snippet(text, ["ayacucho"]))
    assert "<mark>Ayacucho</mark>" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(re.sub("<[^>]+>", "", html)) <= search_text.SNIPPET_LENGTH + 4


def test_clean_query_removes_controls_and_caps_length():
    text, notes = search_text.clean_query("peru\x00\tchile" + "x" * 300)
    assert "\x00" not in text and text.startswith("peru chile")
    assert len(text) == search_text.MAX_QUERY_LENGTH
    assert notes == {"control", "truncated"}
    assert search_text.search_terms('Fujimori\'s "NEAR" (peru*) AND') == [
        "fujimori",
        "near",
        "peru",
        "and",
    ]
