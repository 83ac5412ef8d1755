"""Every way a visitor can search, on the Elasticsearch backend, through a faked server.

The site runs on the Elasticsearch 9 backend; its pages are indexed by ``update_index``
through the real backend and client into the fake (tests/es_fake.py), which keeps the
documents. A visitor's ``/search/?q=…`` (every type, campaign and order the form offers,
promoted results, page 2, the suggestions) then goes through the view, the backend builds the
query, the client sends it, and the page shows what the fake answers.

The index holds every page, drafts and private ones included (as Wagtail indexes them): only
the filters in each query keep them out. The fake evaluates those filters against the indexed
documents, so each test checks what a query lets through, whatever form the filters take.
"""

import itertools
import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page, PageViewRestriction

from campaigns.models import CampaignPage
from home.models import StandardPage
from news.models import NewsArticlePage
from search.views import RESULTS_PER_PAGE
from tests.factories import add_article, publish

TYPES = ["", "news", "campaign", "page"]
SORTS = ["", "newest"]
CAMPAIGNS = ["", "fujimori-extradition"]
EVERY_PATH = list(itertools.product(TYPES, SORTS, CAMPAIGNS))


def path_id(path):
    result_type, sort, campaign = path
    return "-".join([result_type or "all", sort or "relevance", campaign or "any-campaign"])


@pytest.fixture
def es_site(es_default, site_tree):
    """Live pages of every kind, and pages no visitor may see, all indexed in the fake."""
    home, news = site_tree["home"], site_tree["news"]
    fujimori, truth = site_tree["fujimori"], site_tree["truth"]
    add_article(news, "Perú asks Chile for Fujimori's extradition", [fujimori], days_ago=30)
    add_article(news, "Perú: the Truth Commission report, five years on", [truth], days_ago=20)
    add_article(news, "Mining protests in northern Perú", days_ago=10)
    publish(home.add_child(instance=StandardPage(title="About our work in Perú", slug="about")))

    # Never published.
    draft = NewsArticlePage(title="Perú draft", summary="Not yet.", live=False)
    news.add_child(instance=draft)
    draft.campaigns.set([fujimori])
    draft.save_revision()
    site_tree["campaigns"].add_child(
        instance=CampaignPage(title="Perú draft campaign", slug="draft-campaign", live=False)
    )
    # Published, then taken down.
    add_article(news, "Withdrawn Perú story", [fujimori], days_ago=5).unpublish()
    # Private: an article restricted on its own, and a section with a page below it.
    bulletin = add_article(news, "Perú members' bulletin", [fujimori], days_ago=1)
    members = publish(home.add_child(instance=StandardPage(title="Members' Perú", slug="members")))
    publish(members.add_child(instance=StandardPage(title="Perú briefing", slug="briefing")))
    for page in (bulletin, members):
        PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="secret"
        )

    call_command("update_index", stdout=StringIO())
    es_default.clear()
    return site_tree


def visible(result_type="", campaign_slug="", exclude=()):
    """The ids a visitor may find: live and public (Wagtail's own test of both), then the
    type and campaign the visitor chose."""
    pages = Page.objects.live().public()
    if result_type == "news":
        pages = pages.type(NewsArticlePage)
    elif result_type == "campaign":
        pages = pages.type(CampaignPage)
    elif result_type == "page":
        pages = pages.not_type(NewsArticlePage, CampaignPage)
    if campaign_slug:
        hub = CampaignPage.objects.get(slug=campaign_slug)
        filed = NewsArticlePage.objects.filter(campaigns=hub).values("pk")
        pages = pages.filter(Q(pk=hub.pk) | Q(pk__in=filed))
    return set(pages.exclude(pk__in=exclude).values_list("pk", flat=True))


def titles(ids):
    return sorted(Page.objects.filter(pk__in=ids).values_list("title", flat=True))


def hidden():
    """Indexed pages no visitor may see: drafts, unpublished and private pages."""
    return set(Page.objects.values_list("pk", flat=True)) - visible()


def search(client, result_type="", sort="", campaign="", **extra):
    params = {"q": "peru", "type": result_type, "sort": sort, "campaign": campaign, **extra}
    return client.get("/search/", {k: v for k, v in params.items() if v})


def words(body):
    """Every string searched for in a query body, wherever the clause puts it."""
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "query" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(words(value))
    elif isinstance(body, list):
        for value in body:
            found.extend(words(value))
    return found


def sort_fields(es_default, request):
    """[(field, its mapped type, order)] of a search's sort, [] when ranked by relevance."""
    index = es_default.index_named(request.index)
    fields = []
    for key in request.body.get("sort", []):
        [(field, order)] = key.items() if isinstance(key, dict) else [(key, "asc")]
        order = order["order"] if isinstance(order, dict) else order
        fields.append((field, index.properties.get(field, {}).get("type"), order))
    return [f for f in fields if f[0] != "_score"]


# --- The index holds what the filters must keep out ---------------------------------------------


@pytest.mark.django_db
def test_the_index_holds_drafts_and_private_pages_that_only_filters_keep_out(es_default, es_site):
    # Without them, a query that lost its filters would still find nothing to show.
    index = es_default.index_named("psgtest_wagtailcore_page")
    indexed = {int(pk) for pk in index.documents}
    assert visible() <= indexed
    assert {Page.objects.get(pk=pk).title for pk in hidden() & indexed} == {
        "Perú draft",
        "Perú draft campaign",
        "Withdrawn Perú story",
        "Perú members' bulletin",
        "Members' Perú",
        "Perú briefing",
    }


# --- The query each search path sends ------------------------------------------------------------


@pytest.mark.django_db
def test_every_search_path_sends_the_live_public_type_and_campaign_filters(
    client, es_default, es_site, subtests
):
    # One site for every path, since each only reads it; a failing path is reported by name.
    for path in EVERY_PATH:
        es_default.clear()
        with subtests.test(path=path_id(path)):
            check_filters_sent(client, es_default, path)


def check_filters_sent(client, es_default, path):
    result_type, sort, campaign = path
    response = search(client, result_type, sort, campaign)
    assert response.status_code == 200

    requests = es_default.searches()
    assert requests, "the search sent nothing to Elasticsearch"
    expected = visible(result_type, campaign)
    for request in requests:
        # Count and search alike: exactly the live, public pages of the chosen type/campaign.
        assert titles(es_default.admitted(request)) == titles(expected), request
        assert "peru" in words(request.body["query"])
    for request in es_default.of("POST", "/_search"):
        ordering = sort_fields(es_default, request)
        if sort == "newest":
            assert ordering[:1] and ordering[0][1:] == ("date", "desc"), ordering
        else:
            assert ordering == [], "most relevant first is Elasticsearch's own ranking"


@pytest.mark.django_db
def test_promoted_pages_are_left_out_of_the_query_but_its_filters_stay(client, es_default, es_site):
    about = StandardPage.objects.get(slug="about")
    SearchPromotion.objects.create(
        query=Query.get("peru"), page=about, sort_order=0, description="Who we are."
    )
    response = search(client)
    assert [pick["page_id"] for pick in response.context["promoted"]] == [about.pk]
    for request in es_default.searches():
        assert titles(es_default.admitted(request)) == titles(visible(exclude=[about.pk]))
    # Filtered searches show no promotions and keep every visible page of their kind.
    es_default.clear()
    search(client, "page", "newest")
    for request in es_default.searches():
        assert titles(es_default.admitted(request)) == titles(visible("page"))


@pytest.mark.django_db
def test_page_two_asks_for_the_next_results_with_the_same_filters(client, es_default, es_site):
    news = es_site["news"]
    for n in range(12):
        add_article(news, f"Perú round-up {n}", days_ago=100 + n)
    call_command("update_index", stdout=StringIO())
    es_default.clear()
    es_default.hits = sorted(visible("news"), reverse=True)

    response = search(client, "news", page=2)
    assert response.status_code == 200
    [search_request] = es_default.of("POST", "/_search")
    assert search_request.body["from"] == RESULTS_PER_PAGE
    for request in es_default.searches():
        assert titles(es_default.admitted(request)) == titles(visible("news"))
    shown = [item["page"].pk for item in response.context["results"]]
    assert shown == es_default.hits[RESULTS_PER_PAGE : 2 * RESULTS_PER_PAGE]
    assert f"{len(es_default.hits)} results for" in response.content.decode()


@pytest.mark.django_db
def test_suggestions_query_titles_with_the_live_public_filters(client, es_default, es_site):
    es_default.hits = sorted(visible() | hidden(), reverse=True)
    response = client.get("/search/suggest/", {"q": "peru"})
    assert response.status_code == 200
    [request] = es_default.searches()
    assert titles(es_default.admitted(request)) == titles(visible())
    assert "_edgengrams" in json.dumps(request.body["query"])
    suggested = [result["title"] for result in json.loads(response.content)["results"]]
    shown = [pk for pk in es_default.hits if pk in visible()][: len(suggested)]
    assert suggested == [Page.objects.get(pk=pk).title for pk in shown]
    assert not {"Perú draft", "Withdrawn Perú story", "Perú briefing"} & set(suggested)


@pytest.mark.django_db
def test_a_suggestion_of_several_words_asks_for_titles_with_every_word(client, es_default, es_site):
    # Elasticsearch matches any one word unless told otherwise: "peru mining" would suggest
    # every title with "Perú" in it.
    client.get("/search/suggest/", {"q": "peru mining"})
    [request] = es_default.searches()
    assert request.body["query"]["bool"]["must"] == {
        "match": {"_edgengrams": {"query": "peru mining", "operator": "and"}}
    }


# --- What the visitor sees ---------------------------------------------------------------------


@pytest.mark.django_db
def test_visitors_see_what_they_may_find_in_the_servers_order_and_never_a_hidden_page(
    client, es_default, es_site, subtests
):
    # One site for every path, since each only reads it; a failing path is reported by name.
    for path in EVERY_PATH:
        es_default.hits = None
        with subtests.test(path=path_id(path)):
            check_visitor_sees(client, es_default, path)


def check_visitor_sees(client, es_default, path):
    result_type, sort, campaign = path
    expected = visible(result_type, campaign)

    # A server that applies the query's filters: the page lists every page the visitor may
    # find, and says how many.
    response = search(client, result_type, sort, campaign)
    shown = [item["page"].pk for item in response.context["results"]]
    assert set(shown) == expected
    html = response.content.decode()
    if shown:
        assert f"{len(shown)} result{'s' if len(shown) > 1 else ''} for" in html
    else:
        assert "No results for" in html

    # A server that answers with drafts and private pages too (an index out of step with the
    # site): the visitor sees only the pages they may see, in the server's order.
    es_default.hits = [
        pk
        for pair in itertools.zip_longest(
            sorted(hidden(), reverse=True), sorted(visible(), reverse=True)
        )
        for pk in pair
        if pk is not None
    ]
    response = search(client, result_type, sort, campaign)
    assert response.status_code == 200
    shown = [item["page"].pk for item in response.context["results"]]
    assert shown == [pk for pk in es_default.hits[:RESULTS_PER_PAGE] if pk in expected]
    html = response.content.decode()
    for page in Page.objects.filter(pk__in=hidden()):
        assert f'href="{page.url}"' not in html, page.title


@pytest.mark.django_db
def test_newest_news_of_a_campaign_lists_its_articles_newest_first(client, es_default, es_site):
    news, truth = es_site["news"], es_site["truth"]
    for n in range(RESULTS_PER_PAGE):
        add_article(news, f"Perú: Truth Commission update {n}", [truth], days_ago=n)
    add_article(news, "Perú: Fujimori hearing adjourned", [es_site["fujimori"]], days_ago=60)
    call_command("update_index", stdout=StringIO())

    response = search(client, "news", "newest", "fujimori-extradition")
    assert [item["page"].title for item in response.context["results"]] == [
        "Perú asks Chile for Fujimori's extradition",
        "Perú: Fujimori hearing adjourned",
    ]
    assert "2 results for" in response.content.decode()


@pytest.mark.django_db
def test_results_show_titles_links_and_highlights_in_the_servers_order(client, es_default, es_site):
    first, second, third = NewsArticlePage.objects.live().public().order_by("pk")
    es_default.hits = [second.pk, first.pk, third.pk]
    html = search(client, "news").content.decode()
    positions = [html.index(f'href="{page.url}"') for page in (second, first, third)]
    assert positions == sorted(positions)
    assert "3 results for" in html
    assert "<mark>Perú</mark>" in html


# --- When the server fails ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("failure", [503, 500, "unreachable", "no index"])
def test_a_failing_server_gives_the_search_page_not_an_error(es_default, es_site, failure, caplog):
    if failure == "no index":
        es_default.indices.clear()
        es_default.aliases.clear()
    else:
        es_default.search_error = failure
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = search(client)
        suggestions = client.get("/search/suggest/", {"q": "peru"})
    assert response.status_code == 200
    html = response.content.decode()
    # The visitor keeps their words and the form to try again.
    assert 'value="peru"' in html
    assert 'name="type"' in html
    assert "Search results" in html and "something went wrong" not in html
    assert suggestions.status_code == 200
    assert json.loads(suggestions.content)["results"] == []
    # The operator learns why.
    assert any("Elasticsearch" in record.getMessage() for record in caplog.records)
