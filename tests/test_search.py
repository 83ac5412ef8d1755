"""Site search (/search/ and /search/suggest/) through the database backend.

The same tests run on SQLite (FTS5) and on PostgreSQL (full-text search with the psg_english
configuration): DATABASE_URL picks the database, as for the rest of the suite.
"""

import datetime
import json
import re

import pytest
from django.db import connection
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page, PageViewRestriction
from wagtail.search.backends import get_search_backend

from campaigns.models import CampaignPage
from home.models import StandardPage
from news.models import NewsArticlePage, Topic
from search import text as search_text
from search.views import RESULTS_PER_PAGE

SEARCH_URL = "/search/"
SUGGEST_URL = "/search/suggest/"


def paragraph(html):
    return [("paragraph", html)]


def add_article(index, title, summary="A news item.", body=None, date=None, campaigns=(), **kw):
    article = NewsArticlePage(
        title=title,
        summary=summary,
        date=date or datetime.date(2007, 1, 1),
        body=body or [],
        **kw,
    )
    index.add_child(instance=article)
    if campaigns:
        article.campaigns.set(campaigns)
        article.save_revision().publish()
    return NewsArticlePage.objects.get(pk=article.pk)


@pytest.fixture
def site(site_tree):
    """A small site: articles in both campaigns, a content page, and pages no visitor may see."""
    news = site_tree["news"]
    impunity = Topic.objects.create(name="Impunity", slug="impunity")
    extradition = add_article(
        news,
        "Perú asks Chile for Fujimori's extradition",
        summary="The government in Lima has formally asked Chile to hand over the former president.",
        body=paragraph(
            "<p>The request was delivered in Santiago on Friday. It lists the killings at "
            "Barrios Altos and La Cantuta.</p>"
        ),
        date=datetime.date(2006, 1, 3),
        campaigns=[site_tree["fujimori"]],
    )
    extradition.topics.set([impunity])
    extradition.save_revision().publish()
    report = add_article(
        news,
        "Truth Commission report: two years on",
        summary="Survivors in Ayacucho are still waiting for reparations.",
        body=paragraph("<p>Only a fraction of the commission's recommendations are in place.</p>"),
        date=datetime.date(2005, 8, 28),
        campaigns=[site_tree["truth"]],
    )
    mining = add_article(
        news,
        "Mining conflict in Cajamarca",
        summary="Farmers protest against the expansion of a gold mine near their water sources.",
        date=datetime.date(2007, 6, 1),
    )
    about = site_tree["home"].add_child(
        instance=StandardPage(
            title="About the Peru Support Group",
            slug="about",
            intro="We campaign for human rights in Peru.",
            body=paragraph("<p>Founded in 1985, the group works with partners in Peru.</p>"),
        )
    )
    return {
        **site_tree,
        "extradition": extradition,
        "report": report,
        "mining": mining,
        "about": about,
        "impunity": impunity,
    }


def get(client, **params):
    return client.get(SEARCH_URL, params)


def result_titles(response):
    return [item["page"].title for item in response.context["results"]]


def result_ids(response):
    return [item["page"].pk for item in response.context["results"]]


# --- Finding pages -------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_finds_a_page_by_a_word_of_its_title(client, site):
    response = get(client, q="Cajamarca")
    assert response.status_code == 200
    assert result_titles(response) == ["Mining conflict in Cajamarca"]
    assert response.context["total"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["peru asks chile", "PERU ASKS", "Perú asks", "fujimori extradition", "FUJIMORI'S"],
)
def test_accents_case_and_possessives_do_not_matter(client, site, query):
    response = get(client, q=query)
    assert site["extradition"].pk in result_ids(response)


@pytest.mark.django_db
def test_unaccented_query_finds_accented_title_and_accented_query_finds_plain_text(client, site):
    # "peru" finds "Perú" (the title) and "perú" finds "Peru" (the content page).
    assert site["extradition"].pk in result_ids(get(client, q="peru"))
    assert site["about"].pk in result_ids(get(client, q="perú"))


@pytest.mark.django_db
def test_search_reads_summaries_bodies_campaign_and_topic_names(client, site):
    assert result_ids(get(client, q="Ayacucho")) == [site["report"].pk]  # summary
    assert result_ids(get(client, q="Cantuta")) == [site["extradition"].pk]  # StreamField body
    # The topic's name is indexed with the article.
    assert result_ids(get(client, q="impunity")) == [site["extradition"].pk]
    # The campaign's name ("Truth Commission") is indexed with its articles, and the hub matches.
    ids = result_ids(get(client, q="commission"))
    assert site["report"].pk in ids and site["truth"].pk in ids


@pytest.mark.django_db
def test_all_words_must_match(client, site):
    assert result_ids(get(client, q="mining Cajamarca")) == [site["mining"].pk]
    assert result_ids(get(client, q="mining Ayacucho")) == []


@pytest.mark.django_db
def test_title_matches_rank_above_body_matches(client, site):
    body_only = add_article(
        site["news"],
        "Weekly round-up",
        summary="Notes from the week.",
        body=paragraph("<p>A short note on Cajamarca and other places.</p>"),
    )
    ids = result_ids(get(client, q="Cajamarca"))
    assert ids.index(site["mining"].pk) < ids.index(body_only.pk)


# --- What a visitor must never find -----------------------------------------------------------


@pytest.mark.django_db
def test_drafts_never_appear_and_publishing_makes_a_page_findable_at_once(client, site):
    draft = NewsArticlePage(title="Zanahoria draft story", summary="Not yet.", live=False)
    site["news"].add_child(instance=draft)
    draft.save_revision()
    assert result_ids(get(client, q="zanahoria")) == []
    assert get(client, q="zanahoria").context["total"] == 0

    draft.save_revision().publish()
    assert result_ids(get(client, q="zanahoria")) == [draft.pk]


@pytest.mark.django_db
def test_unpublished_changes_are_not_searchable_until_published(client, site):
    mining = site["mining"]
    mining.summary = "Quinoa harvest failing after the spill."
    mining.save_revision()  # a draft of new text: the live page keeps the old one
    assert result_ids(get(client, q="quinoa")) == []
    assert result_ids(get(client, q="Cajamarca")) == [mining.pk]

    NewsArticlePage.objects.get(pk=mining.pk).get_latest_revision().publish()
    assert result_ids(get(client, q="quinoa")) == [mining.pk]


@pytest.mark.django_db
def test_unpublished_and_deleted_pages_disappear(client, site):
    site["mining"].unpublish()
    assert result_ids(get(client, q="Cajamarca")) == []
    Page.objects.get(pk=site["report"].pk).delete()
    assert result_ids(get(client, q="Ayacucho")) == []


@pytest.mark.django_db
def test_private_pages_and_their_children_never_appear(client, site):
    members = site["home"].add_child(
        instance=StandardPage(title="Members area", slug="members", intro="Internal notes.")
    )
    members.add_child(
        instance=StandardPage(title="Vicuña briefing", slug="briefing", intro="Confidential.")
    )
    PageViewRestriction.objects.create(
        page=members, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    assert result_ids(get(client, q="vicuña")) == []
    assert result_ids(get(client, q="members area")) == []
    body = json.loads(client.get(SUGGEST_URL, {"q": "vicu"}).content)
    assert body["results"] == []


# --- The results page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_results_show_title_type_date_and_highlighted_snippet(client, site):
    response = get(client, q="santiago")
    html = response.content.decode()
    assert response.status_code == 200
    [item] = response.context["results"]
    assert item["type"] == "news"
    assert item["date"] == datetime.date(2006, 1, 3)
    assert "<mark>Santiago</mark>" in str(item["snippet_html"])
    assert "<mark>Santiago</mark>" in html
    assert "3 January 2006" in html
    assert 'href="/news/peru-asks-chile-for-fujimoris-extradition/"' in html
    assert "1 result for" in html


@pytest.mark.django_db
def test_types_are_labelled_news_campaign_and_page(client, site):
    response = get(client, q="peru")
    types = {item["page"].pk: item["type"] for item in response.context["results"]}
    assert types[site["extradition"].pk] == "news"
    assert types[site["about"].pk] == "page"
    assert types[site["fujimori"].pk] == "campaign"


@pytest.mark.django_db
def test_accented_words_are_highlighted_for_an_unaccented_query(client, site):
    response = get(client, q="peru")
    titles = {item["page"].pk: str(item["title_html"]) for item in response.context["results"]}
    assert titles[site["extradition"].pk].startswith("<mark>Perú</mark> asks")


@pytest.mark.django_db
def test_content_html_is_escaped_in_results(client, site):
    add_article(
        site["news"],
        "Tapir <script>alert(1)</script> & friends",
        summary='Tapir "quoted" <b>bold</b> summary',
    )
    html = get(client, q="tapir").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    assert "<b>bold</b>" not in html


@pytest.mark.django_db
def test_every_search_response_is_noindex_and_not_cached(client, site):
    for params in ({}, {"q": "peru"}, {"q": "nothingmatcheszzz"}, {"q": "!!!"}):
        response = get(client, **params)
        assert response["Cache-Control"] == "private, no-store"
        assert '<meta name="robots" content="noindex">' in response.content.decode()
    response = client.get(SUGGEST_URL, {"q": "per"})
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_search_page_extends_the_site_layout(client, site):
    html = get(client, q="peru").content.decode()
    assert 'id="main"' in html and "site-footer" in html
    assert "<title>Search results for “peru”" in html


@pytest.mark.django_db
def test_pagination_through_all_results(client, site):
    for i in range(RESULTS_PER_PAGE + 3):
        add_article(site["news"], f"Llama census {i}", date=datetime.date(2010, 1, 1 + i))
    first = get(client, q="llama")
    assert first.context["total"] == RESULTS_PER_PAGE + 3
    assert len(first.context["results"]) == RESULTS_PER_PAGE
    second = get(client, q="llama", page="2")
    assert len(second.context["results"]) == 3
    assert not set(result_ids(first)) & set(result_ids(second))
    html = first.content.decode()
    assert "?q=llama&amp;page=2" in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["0", "-1", "999", "abc", "1.5", "", "%00", "1e9", "9" * 50])
def test_junk_page_numbers_give_a_valid_page(client, site, page):
    response = get(client, q="peru", page=page)
    assert response.status_code == 200
    assert response.context["results"]


@pytest.mark.django_db
def test_filter_by_type(client, site):
    assert set(result_ids(get(client, q="peru", type="news"))) == {site["extradition"].pk}
    assert set(result_ids(get(client, q="peru", type="page"))) == {site["about"].pk}
    campaign_ids = set(result_ids(get(client, q="fujimori", type="campaign")))
    assert campaign_ids == {site["fujimori"].pk}
    # An unknown type is ignored rather than an error.
    response = get(client, q="peru", type="<script>")
    assert response.status_code == 200
    assert site["extradition"].pk in result_ids(response)


@pytest.mark.django_db
def test_filter_by_campaign(client, site):
    # "the" is in both campaigns' articles; the filter keeps one campaign's pages.
    ids = set(result_ids(get(client, q="commission", campaign="truth-commission")))
    assert ids == {site["report"].pk, site["truth"].pk}
    ids = set(result_ids(get(client, q="commission", campaign="fujimori-extradition")))
    assert ids == set()
    ids = set(result_ids(get(client, q="chile", campaign="fujimori-extradition", type="news")))
    assert ids == {site["extradition"].pk}


@pytest.mark.django_db
def test_unknown_campaign_says_so(client, site):
    response = get(client, q="peru", campaign="no-such-campaign")
    assert response.status_code == 200
    assert response.context["results"] == []
    assert "We could not find that campaign" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["\x00", "fujimori-extradition\x00", "a" * 300, "<b>", "%", "ü"])
def test_junk_campaign_is_an_unknown_campaign(client, site, junk):
    response = get(client, q="peru", campaign=junk)
    assert response.status_code == 200
    assert response.context["unknown_campaign"]


@pytest.mark.django_db
def test_sort_newest_first_uses_the_article_date(client, site):
    older = add_article(site["news"], "Condor sighting", date=datetime.date(1999, 5, 1))
    newer = add_article(site["news"], "Condor return", date=datetime.date(2009, 5, 1))
    middle = add_article(site["news"], "Condor condor condor", date=datetime.date(2004, 5, 1))
    assert result_ids(get(client, q="condor", sort="newest")) == [newer.pk, middle.pk, older.pk]
    relevance = result_ids(get(client, q="condor"))
    assert set(relevance) == {newer.pk, middle.pk, older.pk}


@pytest.mark.django_db
def test_empty_query_shows_popular_searches_and_campaign_hubs(client, site):
    for visitor in range(3):
        client.get(SEARCH_URL, {"q": "Fujimori"}, REMOTE_ADDR=f"192.0.2.{visitor + 1}")
    get(client, q="Cajamarca")
    response = get(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["popular_searches"][:2] == ["fujimori", "cajamarca"]
    assert "Popular searches" in html
    assert 'href="/search/?q=fujimori"' in html
    assert 'href="/campaigns/fujimori-extradition/"' in html
    assert 'href="/campaigns/truth-commission/"' in html


@pytest.mark.django_db
def test_no_results_says_so_and_suggests_campaign_hubs(client, site):
    response = get(client, q="xylophone")
    html = response.content.decode()
    assert response.context["total"] == 0
    assert "No results for" in html
    assert "xylophone" in html
    assert 'href="/campaigns/fujimori-extradition/"' in html


# --- Promoted results and the query log ---------------------------------------------------------


@pytest.mark.django_db
def test_promoted_results_come_first_and_are_not_repeated(client, site):
    query = Query.get("peru")
    SearchPromotion.objects.create(
        query=query, page=site["about"], sort_order=0, description="Who we are."
    )
    SearchPromotion.objects.create(
        query=query,
        external_link_url="https://example.org/report",
        external_link_text="Annual report",
        sort_order=1,
    )
    response = get(client, q="Peru")
    promoted = response.context["promoted"]
    assert [p["title"] for p in promoted] == ["About the Peru Support Group", "Annual report"]
    assert site["about"].pk not in result_ids(response)
    html = response.content.decode()
    assert html.index("Who we are.") < html.index("asks Chile for")
    assert html.count('href="/about/"') == 1
    # The total counts each page once.
    assert response.context["total"] == len(result_ids(response)) + 2


@pytest.mark.django_db
def test_promoted_page_that_is_not_public_is_not_shown(client, site):
    draft = NewsArticlePage(title="Embargoed statement", summary="Later.", live=False)
    site["news"].add_child(instance=draft)
    SearchPromotion.objects.create(query=Query.get("peru"), page=draft, sort_order=0)
    response = get(client, q="peru")
    assert response.context["promoted"] == []
    assert "Embargoed statement" not in response.content.decode()


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
    with django_assert_max_num_queries(30):
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
def test_the_database_backend_matches_the_database(site):
    backend = get_search_backend()
    if connection.vendor == "postgresql":
        assert type(backend).__name__ == "AccentFoldingPostgresSearchBackend"
        assert backend.config == "psg_english"
        assert backend.autocomplete_config == "psg_simple"
    else:
        assert type(backend).__name__ == "TitleWeightedSQLiteSearchBackend"


@pytest.mark.django_db
def test_accent_folding_is_set_up_in_the_database(site):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsvector('psg_english', 'Perú Fujimori''s campañas')")
            vector = cursor.fetchone()[0]
        assert "'peru'" in vector and "'fujimori'" in vector and "'campana'" in vector
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = "
                "'psg_search_indexentry_title_body_gin'"
            )
            [indexdef] = cursor.fetchone()
        assert "gin" in indexdef and "title || body" in indexdef
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
def test_the_first_search_of_a_day_is_counted_in_one_statement(client, site):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from wagtail.contrib.search_promotions.models import QueryDailyHits

    get(client, q="mining")  # searched yesterday (moved there below): its row id is cached
    today = timezone.now().date()
    yesterday = today - datetime.timedelta(days=1)
    QueryDailyHits.objects.update(date=yesterday)
    with CaptureQueriesContext(connection) as queries:
        get(client, q="mining")
    logged = [q["sql"] for q in queries if "wagtailsearchpromotions_" in q["sql"].lower()]
    assert len(logged) == 2, logged  # the promotions for the query, then the count
    hits = QueryDailyHits.objects.filter(query__query_string="mining")
    assert sorted((row.date, row.hits) for row in hits) == [
        (yesterday, 1),
        (today, 1),
    ]


@pytest.mark.django_db
def test_searching_again_after_the_search_terms_were_cleared_starts_a_new_count(client, site):
    get(client, q="fujimori")
    Query.objects.all().delete()  # an editor clears the report (or old terms are purged)
    response = get(client, q="fujimori")
    assert response.status_code == 200
    assert Query.objects.get(query_string="fujimori").daily_hits.get().hits == 1
