"""The database backends' order when not by relevance (search/backends/ranked.py): the
queryset's own order, or the newest pages first (highest id) when it has none, as in the
admin's searches that sort on nothing."""

import pytest
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.query import PlainText

from tests.factories import add_article


@pytest.mark.django_db
def test_a_search_not_by_relevance_keeps_the_querysets_order_or_lists_the_newest_first(
    site_tree,
):
    news = site_tree["news"]
    first, second, third = (
        add_article(news, f"Vicuña count {letter}", summary="Vicuñas.") for letter in "CAB"
    )
    backend = get_search_backend()
    query = PlainText("vicuna")

    found = backend.search(query, Page.objects.live().order_by(), order_by_relevance=False)
    assert [page.pk for page in found] == [third.pk, second.pk, first.pk]

    by_title = Page.objects.live().order_by("title")
    found = backend.search(query, by_title, order_by_relevance=False)
    assert [page.pk for page in found] == [second.pk, third.pk, first.pk]


@pytest.mark.django_db
def test_equally_relevant_pages_are_listed_newest_first_whatever_order_the_index_holds(
    site_tree,
):
    """Ties in relevance go to the newest page, also after a page's index entry was written
    again (as a rebuild of the index does): the order is the pages', not the index's."""
    from wagtail.search.models import IndexEntry

    news = site_tree["news"]
    older, newer = (
        add_article(news, "Vicuña census", summary="Vicuñas counted.") for _ in range(2)
    )
    backend = get_search_backend()
    IndexEntry.objects.filter(object_id=str(older.pk)).delete()
    backend.add(older)  # the older page now has the index's newest entry

    found = backend.search(PlainText("vicuna"), Page.objects.live())
    assert [page.pk for page in found] == [newer.pk, older.pk]
