"""Index entries built a batch at a time (search/backends/indexing.py).

The batch indexer must write exactly what the stock indexers write, in a number of queries
that does not grow with the number of objects (campaigns and topics fetched once a batch).
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from modelsearch.index import get_indexed_models
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from news.models import NewsArticlePage, Topic
from search.backends import indexing


def stock_index_class():
    if connection.vendor == "postgresql":
        from modelsearch.backends.database.postgres.postgres import PostgresIndex

        return PostgresIndex
    from modelsearch.backends.database.sqlite.sqlite import SQLiteIndex

    return SQLiteIndex


def snapshot():
    columns = ["title", "body", "autocomplete"]
    if connection.vendor == "postgresql":
        columns += ["title_text", "body_text"]
    return {
        (row["content_type_id"], row["object_id"]): {name: str(row[name]) for name in columns}
        | {"title_norm": round(row["title_norm"], 6)}
        for row in IndexEntry.objects.values("content_type_id", "object_id", "title_norm", *columns)
    }


def add_article(news, number, campaigns=(), topics=()):
    article = NewsArticlePage(
        title=f"Water report {number} from Cajamarca",
        summary=f"Summary {number}: monitors in Perú found lead.",
        body=[("paragraph", f"<p>Paragraph {number} about <b>mining</b> and rivers.</p>")],
        date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number),
    )
    news.add_child(instance=article)
    article.campaigns.set(campaigns)
    article.topics.set(topics)
    article.save()
    return article


@pytest.fixture
def indexed_site(site_tree):
    water = Topic.objects.create(name="Water rights", slug="water")
    courts = Topic.objects.create(name="Courts", slug="courts")
    campaigns = [site_tree["fujimori"], site_tree["truth"]]
    articles = [
        add_article(
            site_tree["news"],
            number,
            campaigns=campaigns[: number % 3],
            topics=[water, courts][: (number + 1) % 3],
        )
        for number in range(6)
    ]
    return {**site_tree, "articles": articles, "topics": [water, courts]}


@pytest.mark.django_db
def test_batch_index_writes_what_the_stock_index_writes(indexed_site):
    backend = get_search_backend()
    assert isinstance(backend.get_index_for_model(NewsArticlePage), indexing.BatchIndexMixin)

    IndexEntry.objects.all().delete()
    stock = stock_index_class()(backend)
    for model in get_indexed_models():
        stock.add_items(model, list(model.get_indexed_objects().order_by("pk")))
    stock._refresh_title_norms(full=True)
    expected = snapshot()

    IndexEntry.objects.all().delete()
    call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == expected
    # Article 4 is in one campaign and has both topics. Related titles go to the title column.
    article = indexed_site["articles"][4]
    entry = expected[(article.content_type_id, str(article.pk))]
    assert "fujimori" in entry["title"].lower()
    assert "water" in entry["body"].lower() and "court" in entry["body"].lower()


@pytest.mark.django_db
def test_updating_entries_in_place_keeps_one_entry_an_object(indexed_site):
    call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    before = IndexEntry.objects.count()
    ids = set(IndexEntry.objects.values_list("pk", flat=True))
    call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert IndexEntry.objects.count() == before
    assert set(IndexEntry.objects.values_list("pk", flat=True)) == ids


@pytest.mark.django_db
def test_queries_a_batch_do_not_grow_with_the_batch(indexed_site, site_tree):
    index = get_search_backend().get_index_for_model(NewsArticlePage)

    def count_queries(articles):
        with CaptureQueriesContext(connection) as captured:
            index.add_items(NewsArticlePage, articles)
        return len(captured.captured_queries)

    few = list(NewsArticlePage.objects.filter(pk__in=[a.pk for a in indexed_site["articles"][:2]]))
    for number in range(6, 18):
        add_article(site_tree["news"], number, [site_tree["truth"]], indexed_site["topics"])
    many = list(NewsArticlePage.objects.all())
    assert len(many) == 18
    assert count_queries(many) == count_queries(few)


@pytest.mark.django_db
def test_relations_changed_in_memory_are_indexed_as_they_are(indexed_site, site_tree):
    article = NewsArticlePage.objects.get(pk=indexed_site["articles"][0].pk)
    article.campaigns.set([site_tree["truth"]])  # in memory until saved
    get_search_backend().add(article)
    entry = IndexEntry.objects.get(
        content_type_id=article.content_type_id, object_id=str(article.pk)
    )
    assert "truth" in str(entry.title).lower()  # related titles go to the title column


@pytest.mark.django_db
def test_a_full_rebuild_sets_every_title_norm(indexed_site):
    IndexEntry.objects.all().delete()
    call_command("update_index", stdout=open("/dev/null", "w"))  # noqa: SIM115
    norms = list(IndexEntry.objects.exclude(title="").values_list("title_norm", flat=True))
    assert norms and len(set(norms)) > 1
