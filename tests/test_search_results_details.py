"""The details of a results page that a visitor reads: the extract shown under each result,
the highlighted words, the dates, the order of ties, the recommended results, the hubs listed
on an empty search, where a query is cut, and the title suggestions.

Each test states what a visitor sees, so it holds whatever the search code looks like inside.
The same tests run on SQLite and PostgreSQL.
"""

import datetime
import json

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page, Site

from campaigns.models import CampaignPage
from home.models import StandardPage
from search import text
from tests.factories import add_article, publish
from tests.search_helpers import SEARCH_URL, SUGGEST_URL, get, result_ids

pytestmark = pytest.mark.django_db

# Thirty words of seven characters: 209 characters.
FILLER = " ".join(f"word{n:02d}" for n in range(30))


@pytest.fixture(autouse=True)
def _no_folded_characters_remembered():
    """Start like a new process: search/text.py remembers how it folded each character it met,
    and a process that ran other searches before would not fold them again."""
    text._fold_char.cache_clear()


def item_for(response, page):
    [item] = [item for item in response.context["results"] if item["page"].pk == page.pk]
    return item


# --- The extract under a result -----------------------------------------------------------------


def test_the_extract_starts_a_third_of_its_length_before_the_first_match_at_a_word(
    client, site_tree
):
    article = add_article(site_tree["news"], "Weekly notes", summary=f"{FILLER} Cajamarca {FILLER}")
    snippet = str(item_for(get(client, q="cajamarca"), article)["snippet_html"])
    # 240 characters at most, from a word 80 characters before the match, cut at words.
    assert snippet == (
        "… word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 word29 "
        "<mark>Cajamarca</mark> word00 word01 word02 word03 word04 word05 word06 word07 "
        "word08 word09 word10 word11 word12 word13 word14 word15 word16 word17 word18 "
        "word19 word20 …"
    )


def test_a_match_within_the_first_third_shows_the_text_from_its_start(client, site_tree):
    article = add_article(
        site_tree["news"], "Weekly notes", summary=f"{'x' * 79} Cajamarca {FILLER}"
    )
    snippet = str(item_for(get(client, q="cajamarca"), article)["snippet_html"])
    assert snippet == (
        f"{'x' * 79} <mark>Cajamarca</mark> word00 word01 word02 word03 word04 word05 "
        "word06 word07 word08 word09 word10 word11 word12 word13 word14 word15 word16 "
        "word17 word18 word19 word20 …"
    )


def test_an_extract_cut_just_after_a_word_of_one_letter_starts_at_the_next_word(client, site_tree):
    # The match is at 81: the extract would start at 1, the space after "x", so it starts at
    # the word after that space.
    summary = "x " + "y" * 78 + " Cajamarca"
    article = add_article(site_tree["news"], "Weekly notes", summary=summary)
    snippet = str(item_for(get(client, q="cajamarca"), article)["snippet_html"])
    assert snippet == "… " + "y" * 78 + " <mark>Cajamarca</mark>"


def test_an_extract_with_no_space_before_the_match_starts_a_third_of_its_length_before_it(
    client, site_tree
):
    # No word boundary to start at between 80 characters before the match and the match; the
    # extract starts at the text's second character, so it says that something comes before.
    summary = "y" * 80 + ",Cajamarca"
    article = add_article(site_tree["news"], "Weekly notes", summary=summary)
    snippet = str(item_for(get(client, q="cajamarca"), article)["snippet_html"])
    assert snippet == "… " + "y" * 79 + ",<mark>Cajamarca</mark>"


def test_a_text_of_exactly_the_extracts_length_is_shown_whole(client, site_tree):
    summary = "Cajamarca " + "b" * 230  # 240 characters
    article = add_article(site_tree["news"], "Weekly notes", summary=summary)
    snippet = str(item_for(get(client, q="cajamarca"), article)["snippet_html"])
    assert snippet == "<mark>Cajamarca</mark> " + "b" * 230


def test_a_page_with_no_text_but_its_title_has_no_extract(client, site_tree):
    page = publish(
        site_tree["home"].add_child(instance=StandardPage(title="Cajamarca", slug="c", intro=""))
    )
    response = get(client, q="cajamarca")
    assert item_for(response, page)["snippet_html"] == ""
    assert 'class="search-result__snippet"' not in response.content.decode()


def test_words_after_a_ligature_or_a_decomposed_accent_are_highlighted_exactly(client, site_tree):
    # Text pasted from a PDF keeps its ligatures ("ﬁ"), and from some systems its accents as
    # separate marks ("u" + U+0301): the highlight still falls on the matching word.
    ligature = add_article(site_tree["news"], "The \ufb01esta in Cajamarca")
    accent = add_article(site_tree["news"], "Peru\u0301 and Cajamarca")
    response = get(client, q="cajamarca")
    assert str(item_for(response, ligature)["title_html"]) == (
        "The \ufb01esta in <mark>Cajamarca</mark>"
    )
    assert str(item_for(response, accent)["title_html"]) == (
        "Peru\u0301 and <mark>Cajamarca</mark>"
    )


# --- Dates and the order of ties ---------------------------------------------------------------


def test_a_page_is_dated_the_day_it_was_first_published_in_the_sites_time_zone(client, site_tree):
    page = publish(
        site_tree["home"].add_child(
            instance=StandardPage(title="Cajamarca visit", slug="visit", intro="Our trip.")
        )
    )
    # 23:30 in London on 1 July (British Summer Time) is 22:30 UTC.
    first = datetime.datetime(2024, 7, 1, 22, 30, tzinfo=datetime.UTC)
    Page.objects.filter(pk=page.pk).update(first_published_at=first)
    assert item_for(get(client, q="cajamarca"), page)["date"] == datetime.date(2024, 7, 1)
    # Published at 23:30 UTC on 1 July: already 2 July in London.
    Page.objects.filter(pk=page.pk).update(first_published_at=first + datetime.timedelta(hours=1))
    response = get(client, q="cajamarca")
    assert item_for(response, page)["date"] == datetime.date(2024, 7, 2)
    assert "2 July 2024" in response.content.decode()


def test_newest_first_lists_articles_of_the_same_day_latest_added_first(client, site_tree):
    day = datetime.date(2020, 3, 1)
    first, second, third = (
        add_article(site_tree["news"], f"Condor count {n}", date=day) for n in range(3)
    )
    assert result_ids(get(client, q="condor", sort="newest")) == [third.pk, second.pk, first.pk]


def test_newest_first_places_other_pages_by_the_day_they_were_first_published(client, site_tree):
    older = add_article(site_tree["news"], "Condor census", date=datetime.date(2020, 3, 1))
    newer = add_article(site_tree["news"], "Condor fair", date=datetime.date(2020, 3, 20))
    page = publish(
        site_tree["home"].add_child(
            instance=StandardPage(title="Condor watch", slug="condors", intro="Our condors.")
        )
    )
    published = datetime.datetime(2020, 3, 10, 9, tzinfo=datetime.UTC)
    Page.objects.filter(pk=page.pk).update(first_published_at=published)
    shown = result_ids(get(client, q="condor", sort="newest"))
    assert shown == [newer.pk, page.pk, older.pk]


def test_newest_first_places_a_page_with_no_publication_date_last(client, site_tree):
    # A page made live without being published (as Wagtail's own first page is) has no date:
    # it comes after every dated result, on PostgreSQL too, which would sort it first.
    article = add_article(site_tree["news"], "Condor census", date=datetime.date(2020, 3, 1))
    page = publish(
        site_tree["home"].add_child(
            instance=StandardPage(title="Condor watch", slug="condors", intro="Our condors.")
        )
    )
    Page.objects.filter(pk=page.pk).update(first_published_at=None)
    response = get(client, q="condor", sort="newest")
    assert response.status_code == 200
    assert result_ids(response) == [article.pk, page.pk]


# --- Recommended results --------------------------------------------------------------------------


def test_recommended_results_show_their_own_words_or_else_the_pages_summary(client, site_tree):
    about = publish(
        site_tree["home"].add_child(
            instance=StandardPage(title="About us", slug="about", intro="Who we are and why.")
        )
    )
    query = Query.get("alpaca")
    # Two picks with the same place in the list keep the order they were added in.
    SearchPromotion.objects.create(query=query, page=about, sort_order=0)
    SearchPromotion.objects.create(
        query=query, external_link_url="https://example.org/alpacas", sort_order=0
    )
    SearchPromotion.objects.create(
        query=query, page=site_tree["truth"], sort_order=0, description="Read this first."
    )
    response = get(client, q="alpaca")
    assert [(p["title"], p["url"], p["description"]) for p in response.context["promoted"]] == [
        ("About us", "/about/", "Who we are and why."),
        # A link without a text shows its address.
        ("https://example.org/alpacas", "https://example.org/alpacas", ""),
        ("Truth Commission", "/campaigns/truth-commission/", "Read this first."),
    ]
    html = response.content.decode()
    assert html.index("Who we are and why.") < html.index("https://example.org/alpacas")


def test_recommended_results_follow_the_editors_order_not_the_order_they_were_added(
    client, site_tree
):
    query = Query.get("alpaca")
    SearchPromotion.objects.create(query=query, page=site_tree["truth"], sort_order=1)
    SearchPromotion.objects.create(query=query, page=site_tree["fujimori"], sort_order=0)
    response = get(client, q="alpaca")
    titles = [p["title"] for p in response.context["promoted"]]
    assert titles == ["Fujimori extradition", "Truth Commission"]
    html = response.content.decode()
    assert html.index("Bring Alberto Fujimori to justice") < html.index("Implement the recomm")


def test_a_named_hub_shows_its_summary(client, site_tree):
    response = get(client, q="truth commission")
    [hub] = response.context["promoted"]
    assert hub["description"] == "Implement the recommendations of the Truth Commission."
    assert hub["description"] in response.content.decode()


def test_an_empty_search_lists_active_campaigns_first_then_by_title(client, site_tree):
    campaigns = site_tree["campaigns"]
    for title, status in [("Amazon defenders", "archived"), ("Water for Cajamarca", "active")]:
        campaigns.add_child(
            instance=CampaignPage(
                title=title, slug=title.lower().replace(" ", "-"), summary="-", status=status
            )
        )
    hubs = [hub.title for hub in client.get(SEARCH_URL).context["campaign_choices"]]
    assert hubs == [
        "Fujimori extradition",
        "Truth Commission",
        "Water for Cajamarca",
        "Amazon defenders",
    ]


# --- Where a query is cut -------------------------------------------------------------------------


def test_a_query_of_exactly_the_longest_length_is_used_whole_and_counted(client, site_tree):
    add_article(site_tree["news"], "Alpaca census in Puno")
    longest = "alpaca " + "a" * 193  # 200 characters
    response = get(client, q=longest)
    assert response.context["query_truncated"] is False
    assert "only its first 200 characters" not in response.content.decode()
    assert Query.objects.filter(query_string=longest).exists()
    response = get(client, q=longest + "a")
    assert response.context["query_truncated"] is True
    assert response.context["search_query"] == longest


def test_a_query_cut_just_after_a_word_is_shown_without_a_trailing_space(client, site_tree):
    add_article(site_tree["news"], "Alpaca census in Puno")
    first = "alpaca " + "a" * 192  # 199 characters, then a space at the cut
    html = get(client, q=first + " census").content.decode()
    assert f"<title>Search results for “{first}” | " in html
    assert f'name="q" value="{first}"' in html


def test_only_the_first_twelve_words_are_searched(client, site_tree):
    twelve = "alpaca census puno wool llama vicuna andes highland market price herd trade"
    article = add_article(site_tree["news"], "Alpaca census", summary=twelve)
    assert result_ids(get(client, q=twelve + " xylophone")) == [article.pk]
    assert result_ids(get(client, q=twelve.replace("trade", "xylophone"))) == []


def test_an_empty_page_number_is_the_first_page(client, site_tree):
    response = get(client, q="truth commission", page="")
    assert [pick["title"] for pick in response.context["promoted"]] == ["Truth Commission"]
    assert Query.objects.get(query_string="truth commission").hits == 1


# --- Title suggestions ----------------------------------------------------------------------------


def suggested(client, query):
    response = client.get(SUGGEST_URL, {"q": query})
    assert response.status_code == 200
    return [item["title"] for item in json.loads(response.content)["results"]]


def test_suggestions_start_at_two_letters_and_stop_at_eight(client, site_tree):
    for number in range(9):
        add_article(site_tree["news"], f"Puno report {number}", days_ago=number)
    assert suggested(client, "p") == []
    assert len(suggested(client, "pu")) == 8


def test_suggestions_need_every_word(client, site_tree):
    add_article(site_tree["news"], "Puno report")
    add_article(site_tree["news"], "Puno wool fair")
    assert suggested(client, "puno wo") == ["Puno wool fair"]


def test_links_stay_on_the_visitors_site_when_the_server_has_two(client, site_tree):
    article = add_article(site_tree["news"], "Puno report")
    sister = site_tree["home"].add_child(
        instance=StandardPage(title="Sister site", slug="sister", intro="Our partners.")
    )
    Site.objects.create(hostname="sister.example.org", root_page=sister)
    suggestions = json.loads(client.get(SUGGEST_URL, {"q": "puno"}).content)["results"]
    assert [item["url"] for item in suggestions] == ["/news/puno-report/"]
    assert item_for(get(client, q="puno"), article)["url"] == "/news/puno-report/"
