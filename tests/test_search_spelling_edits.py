"""Typos made by swapping two letters are forgiven like the others: anywhere in the word,
the last two letters included (on SQLite and PostgreSQL, through /search/)."""

import pytest

from tests.factories import add_article

pytestmark = pytest.mark.django_db


def test_two_swapped_letters_are_corrected_anywhere_in_the_word(client, site_tree):
    article = add_article(site_tree["news"], "Amnesty report on Cajamarca")
    response = client.get("/search/", {"q": "Cajamarac amnetsy"})
    assert response.status_code == 200
    assert response.context["corrected_query"] == "Cajamarca amnesty"
    assert [item["page"].pk for item in response.context["results"]] == [article.pk]
    assert "Showing results for <b>Cajamarca amnesty</b>" in response.content.decode()
