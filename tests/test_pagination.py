"""Listings read their later pages from the other end: the same rows in the same order as
plain OFFSET paging, without reading and discarding everything before them."""

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from news.models import NewsArticlePage
from psg.pagination import paginate

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(site_tree):
    index = site_tree["news"]
    # 23 articles, some sharing a date, so that the order relies on its tie-break (pk).
    for n in range(23):
        index.add_child(
            instance=NewsArticlePage(
                title=f"Article {n:02d}",
                date=datetime.date(2006, 1, 1) + datetime.timedelta(days=n // 3),
                summary="A summary.",
            )
        )
    return NewsArticlePage.objects.live().order_by("-date", "-pk")


def page_of(queryset, number, per_page=5, **kwargs):
    request = RequestFactory().get("/", {"page": number})
    return paginate(request, queryset, per_page=per_page, **kwargs)


@pytest.mark.parametrize("per_page", [1, 4, 5, 10, 23, 30])
def test_every_page_lists_the_same_rows_as_plain_offset_paging(articles, per_page):
    expected = list(articles.values_list("pk", flat=True))
    pages = -(-len(expected) // per_page)
    for number in range(1, pages + 1):
        page = page_of(articles, number, per_page)
        shown = [article.pk for article in page.object_list]
        assert shown == expected[(number - 1) * per_page : number * per_page], number
        assert page.start_index() == (number - 1) * per_page + 1


def test_the_last_page_reads_no_offset(articles):
    with CaptureQueriesContext(connection) as queries:
        page = page_of(articles, 5, count=23)
        titles = [article.title for article in page.object_list]
    assert len(titles) == 3
    sql = " ".join(query["sql"] for query in queries).upper()
    assert "OFFSET" not in sql  # the last three rows are the first three read backwards
    with CaptureQueriesContext(connection) as queries:
        list(page_of(articles, 2, count=23).object_list)
    assert "OFFSET 5" in " ".join(query["sql"] for query in queries).upper()


def test_a_list_without_a_total_order_is_paged_forwards(articles):
    by_date_only = articles.order_by("-date")
    with CaptureQueriesContext(connection) as queries:
        page = page_of(by_date_only, 5, count=23)
        assert len(list(page.object_list)) == 3
    assert "OFFSET 20" in " ".join(query["sql"] for query in queries).upper()
