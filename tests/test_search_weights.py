"""How much a word in a page's title weighs against the same word in its body (SQLite), and
how often it is said (both databases).

The FTS5 backend scores matches with ``bm25()`` weighted by column: the title four times the
body (docs/search.md). FTS5 multiplies each occurrence of a word by its column's weight before
it scores the page, so among pages of the same length a word once in the title counts as four
times in the body. The pages below have the same number of words in their titles and in their
bodies, and say "zorzal" once or twice in the title, or three or nine times in the body.
"""

import pytest

from tests.conftest import run_in_pass
from tests.factories import add_article
from tests.search_helpers import SUGGEST_URL, get, paragraph, result_ids


def page(news, title, body):
    """An article with a three-word title and a ten-word body (after "Notes.")."""
    words = body.split()
    text = " ".join(words + ["x"] * (9 - len(words)))
    return add_article(news, title, summary="Notes.", body=paragraph(f"<p>{text}</p>"))


@pytest.mark.django_db
def test_a_word_in_the_title_weighs_four_times_the_same_word_in_the_body(client, site_tree):
    run_in_pass("sqlite", "the weights are those of SQLite's bm25(); PostgreSQL ranks otherwise")
    news = site_tree["news"]
    title_once = page(news, "Zorzal report x", "")
    title_twice = page(news, "Zorzal zorzal report", "")
    body_three = page(news, "Weekly note x", "zorzal " * 3)
    body_nine = page(news, "Weekly note x", "zorzal " * 9)

    # Weighed as 8, 9, 4 and 3 occurrences: with the title worth five, the first two would
    # swap; with the body worth two, the body's three would pass the title's one.
    assert result_ids(get(client, q="zorzal")) == [
        body_nine.pk,
        title_twice.pk,
        title_once.pk,
        body_three.pk,
    ]


@pytest.mark.django_db
def test_suggestions_put_the_closest_title_first_not_the_newest(client, site_tree):
    """Suggestions are scored on the title's words alone: a title that is little more than the
    word typed comes before a newer, longer one that also has it."""
    run_in_pass("sqlite", "the weights are those of SQLite's bm25(); PostgreSQL ranks otherwise")
    news = site_tree["news"]
    long_title = "A long report from the regions on the zorzales and other birds of Peru"
    add_article(news, "Zorzales", days_ago=30)
    add_article(news, long_title)

    response = client.get(SUGGEST_URL, {"q": "zorz"})
    assert [result["title"] for result in response.json()["results"]] == ["Zorzales", long_title]


@pytest.mark.django_db
def test_a_page_that_says_more_about_the_word_ranks_above_a_newer_one_that_says_it_once(
    client, site_tree
):
    """On both databases: bodies of the same length, the word nine times in the older page's
    body and once in the newer one's (neither title has it)."""
    news = site_tree["news"]
    often = page(news, "Weekly note x", "zorzal " * 9)
    once = page(news, "Weekly note x", "zorzal")
    assert result_ids(get(client, q="zorzal")) == [often.pk, once.pk]
