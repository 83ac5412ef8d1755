"""Typos are forgiven: a word that finds nothing is replaced by the closest indexed word.

`search.spelling.correct` on the site's own content (the old home page, imported as
`manage.py import_legacy` does), on SQLite and PostgreSQL; end to end through /search/.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from wagtail.models import Page
from wagtail.search.query import PlainText

from search.models import SearchSynonym
from search.spelling import correct
from tests.factories import add_article


@pytest.fixture
def seed(home_page):
    """The seed content: ten articles, two campaigns and the mission section."""
    call_command("import_legacy", stdout=StringIO())
    SearchSynonym.objects.all().delete()  # spelling alone here; synonyms have their own tests


@pytest.fixture
def articles(site_tree):
    """Two of the seed's articles, as written there (quicker than the whole import)."""
    add_article(
        site_tree["news"],
        "Camisea disaster",
        body=[("paragraph", "<p>A liquid gas pipeline ruptured into the jungle.</p>")],
    )
    add_article(
        site_tree["news"],
        "Amnesty International launch campaign to bring Fujimori to justice",
        body=[("paragraph", "<p>Amnesty International has launched a campaign.</p>")],
    )
    return site_tree


TYPOS = {
    "Fujimory": "Fujimori",
    "Amnisty": "Amnesty",
    "Camesea": "Camisea",
    "fujimory extradition": "fujimori extradition",
    "FUJIMORY": "FUJIMORI",
    "Fujimóry": "Fujimori",
    "the Camesea disaster": "the Camisea disaster",
}


def has_matches(text):
    return Page.objects.live().search(PlainText(text, operator="and")).count() > 0


@pytest.mark.django_db
def test_a_misspelt_word_is_corrected_to_the_indexed_word(seed):
    # PostgreSQL's English stemmer already reads "fujimory" as "fujimori": that word has
    # matches, so it is left alone (the search finds the pages without a correction).
    expected = {typed: None if has_matches(typed) else meant for typed, meant in TYPOS.items()}
    assert {typed: correct(typed) for typed in TYPOS} == expected
    assert expected["Amnisty"] == "Amnesty" and expected["Camesea"] == "Camisea"
    if connection.vendor == "sqlite":
        assert expected == TYPOS


@pytest.mark.django_db
def test_words_that_have_matches_are_left_alone(seed):
    for typed in ["Fujimori", "fujimori extradition", "PERÚ", "Camisea", "Amnesty campaign"]:
        assert correct(typed) is None, typed


@pytest.mark.django_db
def test_a_real_word_close_to_another_is_never_corrected(articles):
    """ "Camiseta" is one letter from "Camisea"; once a page uses it, it is a word of its own."""
    assert correct("camiseta") == "camisea"
    add_article(
        articles["news"], "Solidarity T-shirts", body=[("paragraph", "<p>A camiseta for Peru.</p>")]
    )
    assert correct("camiseta") is None
    assert correct("Camiseta Camesea") == "Camiseta Camisea"


@pytest.mark.django_db
def test_words_published_later_are_suggested_at_once(articles):
    assert correct("Quellaveko") is None  # nothing close yet
    add_article(articles["news"], "Quellaveco mine opens", body=[("paragraph", "<p>Moquegua.</p>")])
    assert correct("Quellaveko") == "Quellaveco"


@pytest.mark.django_db
def test_synonyms_short_words_and_numbers_are_not_corrected(articles):
    SearchSynonym.objects.create(name="Human rights", terms="human rights\nderechos humanos")
    assert correct("derechos humanos") is None
    assert correct("pru 2006 x") is None


@pytest.mark.django_db
def test_any_input_gets_an_answer(articles):
    for typed in ["", "   ", "!!!", "«»", "a" * 300, "Fujimory " * 40, "%_'\"", "NEAR*"]:
        result = correct(typed)
        assert result is None or isinstance(result, str)


# --- Through the search page ------------------------------------------------------------------


def search_page(text):
    response = Client().get("/search/", {"q": text})
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_the_search_page_shows_results_for_the_corrected_words(seed):
    from news.models import NewsArticlePage

    amnesty = NewsArticlePage.objects.get(title__startswith="Amnesty International launch")
    camisea = NewsArticlePage.objects.get(title="Camisea disaster")
    for typed, meant, page in [
        ("Fujimory", "Fujimori", amnesty),
        ("Camesea", "Camisea", camisea),
        ("Amnisty", "Amnesty", amnesty),
    ]:
        html = search_page(typed).content.decode()
        assert f'href="{page.url}"' in html, typed
        if not has_matches(typed):
            assert f"Showing results for <b>{meant}</b>" in html, typed
            assert "Search instead for <a" in html, typed
            # The page speaks of the words it searched: title, summary and the search box.
            assert f"<title>Search results for “{meant}”" in html, typed
            assert re.search(rf"\d+ results? for <strong>“{meant}”</strong>", html), typed
            assert f'name="q" value="{meant}"' in html, typed


@pytest.mark.django_db
def test_the_search_page_does_not_correct_a_word_that_matches(seed):
    html = search_page("Fujimori").content.decode()
    assert "Search instead for" not in html and "Did you mean" not in html


@pytest.mark.django_db
def test_a_failing_word_list_is_logged_and_the_search_still_answers(articles, caplog):
    # The database's list of known words is gone (a migration not applied, say): no
    # correction is offered, the operator is told, and the page answers as without one.
    table = "search_index_token" if connection.vendor == "sqlite" else "search_word"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")  # noqa: S608
    html = search_page("Camesea").content.decode()
    assert "Showing results for" not in html
    assert "No results for" in html
    messages = [r.getMessage() for r in caplog.records if r.name == "search.spelling"]
    assert messages == ["Spelling suggestions failed: none shown"]
