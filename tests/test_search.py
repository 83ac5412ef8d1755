"""Site search (/search/): finding pages, what never appears, the results page, filters,
sorting and promoted results.

The same tests run on SQLite (FTS5) and on PostgreSQL (full-text search with the psg_english
configuration): DATABASE_URL picks the database, as for the rest of the suite.
"""

import datetime
import json

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page, PageViewRestriction

from home.models import StandardPage
from news.models import NewsArticlePage
from search.views import RESULTS_PER_PAGE
from tests.factories import add_article
from tests.search_helpers import (
    SEARCH_URL,
    SUGGEST_URL,
    build_site,
    get,
    paragraph,
    result_ids,
    result_titles,
)


@pytest.fixture
def site(site_tree):
    return build_site(site_tree)


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
    # The campaign's name ("Truth Commission") is indexed with its articles, and the hub matches
    # (named by the query, it is shown first, above the results).
    response = get(client, q="commission")
    assert site["report"].pk in result_ids(response)
    assert [pick["page_id"] for pick in response.context["promoted"]] == [site["truth"].pk]


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
    assert item["type_label"] == "News"
    assert item["date"] == datetime.date(2006, 1, 3)
    assert "<mark>Santiago</mark>" in str(item["snippet_html"])
    assert "<mark>Santiago</mark>" in html
    assert "3 January 2006" in html
    assert 'href="/news/peru-asks-chile-for-fujimoris-extradition/"' in html
    assert "1 result for" in html


@pytest.mark.django_db
def test_types_are_labelled_news_campaign_and_page(client, site):
    response = get(client, q="peru")
    types = {item["page"].pk: item["type_label"] for item in response.context["results"]}
    assert types[site["extradition"].pk] == "News"
    assert types[site["about"].pk] == "Page"
    assert types[site["fujimori"].pk] == "Campaign"


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
        assert response["X-Robots-Tag"] == "noindex"
        assert '<meta name="robots" content="noindex">' in response.content.decode()
    # The suggestions are JSON, with no page to hold a robots tag: the header says it.
    response = client.get(SUGGEST_URL, {"q": "per"})
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"


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
