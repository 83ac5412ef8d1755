"""Campaign hubs first, editors' promotions above them, and the query kinds the database
backends must answer (phrases and alternatives, from synonyms) and the spelling note.

A search that names a campaign ("fujimori extradition", "truth commission") shows the hub as
its first result, above every article; an editor's promoted result for the query stays above
the hub. The same tests run on SQLite and PostgreSQL.
"""

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page
from wagtail.search.query import Or, Phrase, PlainText

from search.models import SearchSynonym
from tests.factories import add_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(site_tree):
    news = site_tree["news"]
    articles = [
        add_article(
            news,
            f"Fujimori extradition hearing {number}",
            summary="The Fujimori extradition case returns to the Supreme Court in Santiago.",
            campaigns=[site_tree["fujimori"]],
            days_ago=number,
        )
        for number in range(3)
    ]
    add_article(
        news,
        "Truth Commission anniversary",
        summary="The Truth Commission report, twenty years on.",
        campaigns=[site_tree["truth"]],
    )
    return {**site_tree, "articles": articles}


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def shown_titles(response):
    """What the visitor sees, in order: the recommended results, then the others."""
    promoted = [pick["title"] for pick in response.context["promoted"]]
    return promoted + [item["page"].title for item in response.context["results"]]


@pytest.mark.parametrize(
    "query, hub",
    [
        ("fujimori extradition", "Fujimori extradition"),
        ("Fujimori Extradition", "Fujimori extradition"),
        ("truth commission", "Truth Commission"),
        ("the truth commission", "Truth Commission"),
    ],
)
def test_a_search_that_names_a_campaign_shows_its_hub_first(client, site, query, hub):
    response = search(client, q=query)
    titles = shown_titles(response)
    assert titles[0] == hub
    assert titles.count(hub) == 1  # not repeated among the results
    html = response.content.decode()
    first_article = "hearing" if "fujimori" in query.lower() else "anniversary"
    assert html.index(f">{hub}</a>") < html.index(first_article)


def test_a_search_that_names_no_campaign_lists_no_hub_first(client, site):
    titles = shown_titles(search(client, q="supreme court"))
    assert "Fujimori extradition" not in titles
    assert titles[0].startswith("Fujimori extradition hearing")


def test_an_editors_promotion_stays_above_the_hub(client, site):
    article = site["articles"][2]
    SearchPromotion.objects.create(
        query=Query.get("fujimori extradition"), page=article, sort_order=0
    )
    titles = shown_titles(search(client, q="fujimori extradition"))
    assert titles[:2] == [article.title, "Fujimori extradition"]
    assert titles.count(article.title) == 1


def test_a_hub_an_editor_promotes_for_its_own_name_is_listed_once(client, site):
    hub = Page.objects.get(slug="fujimori-extradition")
    SearchPromotion.objects.create(
        query=Query.get("fujimori extradition"), page=hub, sort_order=0, description="Start here."
    )
    response = search(client, q="fujimori extradition")
    assert [pick["title"] for pick in response.context["promoted"]] == ["Fujimori extradition"]
    assert response.context["promoted"][0]["description"] == "Start here."
    assert shown_titles(response).count("Fujimori extradition") == 1


def test_the_hub_is_not_repeated_on_later_pages_and_counts_once(client, site, monkeypatch):
    monkeypatch.setattr("search.views.RESULTS_PER_PAGE", 2)
    first = search(client, q="fujimori extradition")
    second = search(client, q="fujimori extradition", page="2")
    assert second.context["promoted"] == []
    assert "Fujimori extradition" not in shown_titles(second)
    # The hub and three articles, on every page: the visitor reads "4 results" on each.
    assert first.context["total"] == second.context["total"] == 4
    assert "4 results for" in second.content.decode()


def test_filters_list_the_hub_where_it_belongs(client, site):
    response = search(client, q="fujimori extradition", type="campaign")
    assert response.context["promoted"] == []
    assert [item["page"].title for item in response.context["results"]] == ["Fujimori extradition"]


def test_the_backends_answer_phrases_and_alternatives(site):
    pages = Page.objects.live()
    found = pages.search(Phrase("supreme court"))
    assert {page.title for page in found} == {a.title for a in site["articles"]}
    assert not pages.search(Phrase("court supreme"))
    either = pages.search(Or([PlainText("anniversary"), Phrase("santiago")]))
    assert len(either) == 4


def test_a_synonym_added_by_an_editor_finds_the_page(client, site):
    assert search(client, q="aniversario").context["results"] == []
    SearchSynonym.objects.create(name="Anniversary", terms="aniversario\nanniversary")
    titles = shown_titles(search(client, q="aniversario"))
    assert titles == ["Truth Commission anniversary"]


def test_the_spelling_note_links_to_the_exact_words_which_are_never_corrected(client, site):
    response = search(client, q="Fujimoti hearing")
    html = response.content.decode()
    assert "Showing results for <b>Fujimori hearing</b>" in html
    assert "Search instead for" in html and "q=Fujimoti%20hearing&amp;exact=1" in html
    assert len(response.context["results"]) == 3
    exact = search(client, q="Fujimoti hearing", exact="1")
    assert not exact.context.get("corrected_query")
    assert exact.context["results"] == []


def test_a_campaign_filtered_search_lists_the_hub_and_every_article_once(client, site_tree):
    truth = site_tree["truth"]
    articles = [
        add_article(site_tree["news"], f"Truth Commission hearing {n}", [truth], days_ago=n)
        for n in range(12)
    ]
    seen, page = [], 1
    while True:
        response = search(client, q="truth commission", campaign=truth.slug, page=str(page))
        seen += [item["page"].pk for item in response.context["results"]]
        if not response.context["results_page"].has_next():
            break
        page += 1
    assert sorted(seen) == sorted([truth.pk, *(article.pk for article in articles)])


def test_a_campaign_filtered_search_says_which_campaign_and_keeps_it_chosen(client, site):
    truth = site["truth"]
    html = search(client, q="commission", campaign=truth.slug).content.decode()
    assert "for <strong>“commission”</strong> in the Truth Commission campaign." in html
    assert f'<option value="{truth.slug}" selected>' in html
    html = search(client, q="commission").content.decode()
    assert "campaign." not in html
    assert " selected>" not in html.split('id="search-campaign"')[1].split("</select>")[0]


def test_search_pages_link_to_all_campaigns(client, site_tree):
    link = f'<a href="{site_tree["campaigns"].url}">All campaigns</a>'
    assert link in search(client).content.decode()
    assert link in search(client, q="xylophone").content.decode()
