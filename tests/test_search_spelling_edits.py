"""Typos made by swapping two letters are forgiven like the others: anywhere in the word,
the last two letters included (on SQLite and PostgreSQL, through /search/); on PostgreSQL a
long word two edits away is corrected too."""

import pytest

from tests.conftest import run_in_pass
from tests.factories import add_article

pytestmark = pytest.mark.django_db


def test_two_swapped_letters_are_corrected_anywhere_in_the_word(client, site_tree):
    article = add_article(site_tree["news"], "Amnesty report on Cajamarca")
    response = client.get("/search/", {"q": "Cajamarac amnetsy"})
    assert response.status_code == 200
    assert response.context["corrected_query"] == "Cajamarca amnesty"
    assert [item["page"].pk for item in response.context["results"]] == [article.pk]
    assert "Showing results for <b>Cajamarca amnesty</b>" in response.content.decode()


def test_of_two_words_one_edit_away_the_one_on_more_pages_wins(client, site_tree):
    run_in_pass("sqlite", "PostgreSQL picks the most similar word, not the most common")
    news = site_tree["news"]
    add_article(news, "Carpa raised in the plaza")
    for n in range(3):
        add_article(news, f"Open carta number {n}")
    response = client.get("/search/", {"q": "carba"})
    assert response.context["corrected_query"] == "carta"


def test_a_word_of_four_letters_is_corrected(client, site_tree):
    add_article(site_tree["news"], "Elections in Peru")
    response = client.get("/search/", {"q": "Pery"})
    assert response.context["corrected_query"] == "Peru"


def test_a_long_word_two_edits_away_is_corrected_on_postgresql(client, site_tree):
    run_in_pass("postgresql", "SQLite looks one edit away only (docs/search.md)")
    article = add_article(site_tree["news"], "Extradition hearing in Santiago")
    response = client.get("/search/", {"q": "extradiccion"})  # a letter changed, one added
    assert response.context.get("corrected_query") == "extradition"
    assert [item["page"].pk for item in response.context["results"]] == [article.pk]


@pytest.mark.parametrize(
    ("titles", "typed", "expected"),
    [
        # One edit beats two, even when the word two edits away comes first alphabetically.
        (["Water in Cajamarca", "Cajamaraca district"], "cajamarka", "cajamarca"),
        # Six letters or more may be two edits away ...
        (["Curfew in Ayacucho"], "ayacuc", "ayacucho"),
        # ... five or fewer only one.
        (["Cerro de Pasco"], "paszy", None),
    ],
)
def test_postgresql_corrects_with_the_fewest_edits_a_words_length_allows(
    client, site_tree, titles, typed, expected
):
    run_in_pass("postgresql", "SQLite looks one edit away only (docs/search.md)")
    for title in titles:
        add_article(site_tree["news"], title)
    response = client.get("/search/", {"q": typed})
    assert response.status_code == 200
    assert response.context.get("corrected_query") == expected
