"""Search through Elasticsearch 9.

Offline (always): the mapping, the documents and the query bodies our backend builds, and the
HTTP requests the client would send, captured by replacing the transport. Live (only when
ELASTICSEARCH_URL points at a server): the same scenarios against a real Elasticsearch 9, in
indices with a throw-away prefix that are deleted afterwards.
"""

import datetime
import json
import os
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from elasticsearch import ApiError, TransportError
from wagtail.models import Page
from wagtail.search.backends import get_search_backend
from wagtail.search.query import PlainText

from news.models import NewsArticlePage, Topic
from search.views import filtered_pages
from tests.es_fake import FakeElasticsearch, es_config

ES_URL = os.environ.get("ELASTICSEARCH_URL", "")


@pytest.fixture
def fake_es(settings):
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.database"},
        "elasticsearch": es_config(),
    }
    fake = FakeElasticsearch()
    with fake.installed():
        yield fake


@pytest.fixture
def es_default(settings, fake_es):
    """The site itself searches through Elasticsearch."""
    settings.WAGTAILSEARCH_BACKENDS = {"default": es_config()}
    return fake_es


@pytest.fixture
def article(site_tree):
    topic = Topic.objects.create(name="Impunity", slug="impunity")
    page = NewsArticlePage(
        title="Perú asks Chile for Fujimori's extradition",
        slug="extradition-request",
        summary="Lima has formally asked Santiago to hand over the former president.",
        date=datetime.date(2006, 1, 3),
        body=[("paragraph", "<p>The request lists the killings at <b>La Cantuta</b>.</p>")],
    )
    site_tree["news"].add_child(instance=page)
    page.campaigns.set([site_tree["fujimori"]])
    page.topics.set([topic])
    page.save_revision().publish()
    return NewsArticlePage.objects.get(pk=page.pk)


def es_backend():
    return get_search_backend("elasticsearch")


# --- Offline: index settings, mapping and documents ---------------------------------------


@pytest.mark.django_db
def test_index_settings_fold_accents_and_possessives(fake_es):
    analysis = es_backend().settings["settings"]["analysis"]
    default = analysis["analyzer"]["default"]
    assert default["tokenizer"] == "standard"
    assert {"lowercase", "asciifolding", "possessive_english"} <= set(default["filter"])
    assert analysis["filter"]["possessive_english"]["language"] == "possessive_english"
    # The stock autocomplete analyzers are still there.
    assert "asciifolding" in analysis["analyzer"]["edgengram_analyzer"]["filter"]


@pytest.mark.django_db
def test_deployment_index_settings_are_merged_not_replaced(settings, fake_es):
    settings.WAGTAILSEARCH_BACKENDS["elasticsearch"]["INDEX_SETTINGS"] = {
        "settings": {"index": {"number_of_shards": 1}}
    }
    backend_settings = es_backend().settings["settings"]
    assert backend_settings["index"]["number_of_shards"] == 1
    assert "default" in backend_settings["analysis"]["analyzer"]


@pytest.mark.django_db
def test_index_prefix_names_the_index(settings, fake_es):
    settings.WAGTAILSEARCH_BACKENDS["elasticsearch"]["INDEX_PREFIX"] = "charity_"
    assert es_backend().get_index_for_model(NewsArticlePage).name == "charity_wagtailcore_page"


@pytest.mark.django_db
def test_article_mapping(fake_es):
    mapping = es_backend().mapping_class(NewsArticlePage).get_mapping()["properties"]
    assert mapping["title"]["type"] == "text"
    assert "_all_text_boost_2_0" in mapping["title"]["copy_to"]
    assert mapping["news_newsarticlepage__summary"]["type"] == "text"
    assert "_all_text_boost_1_5" in mapping["news_newsarticlepage__summary"]["copy_to"]
    assert mapping["news_newsarticlepage__body"]["copy_to"] == "_all_text"
    campaigns = mapping["news_newsarticlepage__campaigns"]
    assert campaigns["type"] == "nested"
    assert campaigns["properties"]["title"]["type"] == "text"
    assert campaigns["properties"]["slug_filter"]["type"] == "keyword"
    topics = mapping["news_newsarticlepage__topics"]
    assert topics["properties"]["name"]["type"] == "text"
    assert mapping["news_newsarticlepage__date_filter"]["type"] == "date"
    assert mapping["live_filter"]["type"] == "boolean"
    # Autocomplete input is folded the same way as the edge n-grams it is matched against.
    assert mapping["title_edgengrams"]["search_analyzer"] == "folding"
    assert mapping["_edgengrams"]["search_analyzer"] == "folding"


@pytest.mark.django_db
def test_article_document(fake_es, article, site_tree):
    document = es_backend().mapping_class(NewsArticlePage).get_document(article)
    assert document["pk"] == str(article.pk)
    assert "news.NewsArticlePage" in document["_django_content_type"]
    assert document["title"] == "Perú asks Chile for Fujimori's extradition"
    assert document["news_newsarticlepage__summary"].startswith("Lima has formally")
    body = " ".join(document["news_newsarticlepage__body"])
    assert "La Cantuta" in body and "<b>" not in body
    assert document["news_newsarticlepage__campaigns"] == [
        {"title": "Fujimori extradition", "slug_filter": "fujimori-extradition"}
    ]
    assert document["news_newsarticlepage__topics"] == [
        {"name": "Impunity", "slug_filter": "impunity"}
    ]
    assert document["news_newsarticlepage__date_filter"] == datetime.date(2006, 1, 3)
    assert document["live_filter"] is True


# --- Offline: the requests the client sends --------------------------------------------------


@pytest.mark.django_db
def test_indexing_sends_settings_mapping_and_documents(fake_es, article):
    backend = es_backend()
    index = backend.get_index_for_model(NewsArticlePage)
    index.put()
    index.add_model(NewsArticlePage)
    index.add_items(NewsArticlePage, [article])

    [create] = fake_es.of("PUT", "/psgtest_wagtailcore_page")
    assert create.body["settings"]["analysis"]["analyzer"]["default"]["filter"][:3] == [
        "possessive_english",
        "lowercase",
        "asciifolding",
    ]
    [put_mapping] = fake_es.of("PUT", "/_mapping")
    assert "news_newsarticlepage__campaigns" in put_mapping.body["properties"]
    assert len(fake_es.of(suffix="/_bulk")) == 1
    document = fake_es.index_named("psgtest_wagtailcore_page").documents[str(article.pk)]
    assert document["title"] == "Perú asks Chile for Fujimori's extradition"
    assert document["news_newsarticlepage__campaigns"][0]["title"] == "Fujimori extradition"


@pytest.mark.django_db
def test_update_index_rebuilds_the_elasticsearch_index(fake_es, article, site_tree):
    out = StringIO()
    call_command("update_index", backend_name="elasticsearch", stdout=out)
    created = [r.path for r in fake_es.of("PUT") if r.body and "settings" in r.body]
    assert any(path.startswith("/psgtest_wagtailcore_page_") for path in created)
    # The new index is put behind the alias the site searches.
    documents = fake_es.index_named("psgtest_wagtailcore_page").documents
    for page in Page.objects.filter(depth__gt=1).specific():
        assert documents[str(page.pk)]["title"] == page.title
    # Rebuilding again replaces the index behind the alias and deletes the old one.
    [old_index] = fake_es.aliases["psgtest_wagtailcore_page"]
    call_command("update_index", backend_name="elasticsearch", stdout=out)
    [new_index] = fake_es.aliases["psgtest_wagtailcore_page"]
    assert new_index != old_index and old_index not in fake_es.indices


@pytest.mark.django_db
def test_search_query_body_is_a_plain_match_with_filters(fake_es, article, site_tree):
    call_command("update_index", backend_name="elasticsearch", stdout=StringIO())
    fake_es.hits = [article.pk]
    results = filtered_pages(campaign=site_tree["fujimori"]).search(
        PlainText("peru fujimori", operator="and"), backend="elasticsearch"
    )
    assert [page.pk for page in results[:10]] == [article.pk]
    [request] = fake_es.of("POST", "/_search")
    assert request.path == "/psgtest_wagtailcore_page/_search"
    query = request.body["query"]["bool"]
    match = query["must"]["multi_match"]
    assert match["query"] == "peru fujimori"
    assert match["operator"] == "and"
    assert "_all_text" in match["fields"]
    assert "_all_text_boost_2_0^2.0" in match["fields"]
    filters = json.dumps(query["filter"])
    assert '"live_filter": true' in filters
    assert str(site_tree["fujimori"].pk) in filters and str(article.pk) in filters
    assert "query_string" not in json.dumps(request.body)


@pytest.mark.django_db
def test_search_view_on_elasticsearch(es_default, article):
    call_command("update_index", stdout=StringIO())
    es_default.hits = [article.pk]
    response = Client().get("/search/", {"q": ' Perú AND "Fujimori\'s" NEAR *'})
    assert response.status_code == 200
    assert [item["page"].pk for item in response.context["results"]] == [article.pk]
    assert "<mark>Perú</mark>" in response.content.decode()
    [request] = es_default.of("POST", "/_search")
    match = request.body["query"]["bool"]["must"]["multi_match"]
    # Only words reach Elasticsearch; boolean syntax and quotes are gone.
    assert match["query"] == "perú and fujimori near"
    assert "query_string" not in json.dumps(request.body)


@pytest.mark.django_db
def test_newest_first_sorts_on_indexed_dates(es_default, article):
    call_command("update_index", stdout=StringIO())
    es_default.hits = [article.pk]
    Client().get("/search/", {"q": "peru", "sort": "newest"})
    Client().get("/search/", {"q": "peru", "sort": "newest", "type": "news"})
    mixed, news = es_default.of("POST", "/_search")
    assert mixed.body["sort"] == [{"first_published_at_filter": "desc"}, {"id_filter": "desc"}]
    assert news.body["sort"] == [
        {"news_newsarticlepage__date_filter": "desc"},
        {"id_filter": "desc"},
    ]


@pytest.mark.django_db
def test_suggestions_use_the_autocomplete_fields(es_default, article):
    call_command("update_index", stdout=StringIO())
    es_default.hits = [article.pk]
    body = json.loads(Client().get("/search/suggest/", {"q": "peru"}).content)
    assert body["results"][0]["title"] == article.title
    [request] = es_default.of("POST", "/_search")
    match = request.body["query"]["bool"]["must"]
    assert "_edgengrams" in json.dumps(match)


# --- Live: a real Elasticsearch 9 server ---------------------------------------------------------

live = pytest.mark.skipif(
    not ES_URL,
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch 9 server to test against (CI has "
    "none). Set it, e.g. ELASTICSEARCH_URL=http://127.0.0.1:9200, and run "
    "`pytest tests/test_search_elasticsearch.py -m elasticsearch_live`; the offline tests "
    "with a faked server run either way.",
)


@pytest.fixture
def live_es(settings):
    prefix = f"psgtest_{uuid.uuid4().hex[:8]}_"
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "search.backends.database"},
        "elasticsearch": es_config(prefix=prefix, url=ES_URL),
    }
    backend = get_search_backend("elasticsearch")
    # A server that is set but cannot be used is a failure, not a skip.
    try:
        version = backend.es.info()["version"]["number"]
    except (ApiError, TransportError) as error:
        pytest.fail(f"ELASTICSEARCH_URL={ES_URL} is set but no Elasticsearch answers: {error}")
    if not version.startswith("9."):
        pytest.fail(f"ELASTICSEARCH_URL={ES_URL} is Elasticsearch {version}; the client needs 9.x")
    yield backend
    backend.es.indices.delete(index=f"{prefix}*", ignore_unavailable=True)


def live_search(query, queryset=None):
    # Querysets name their backend (passing the backend object fails inside modelsearch).
    queryset = queryset if queryset is not None else filtered_pages()
    return [
        p.pk for p in queryset.search(PlainText(query, operator="and"), backend="elasticsearch")
    ]


@pytest.mark.elasticsearch_live
@live
@pytest.mark.django_db
def test_live_accents_case_and_possessives(live_es, article, site_tree):
    call_command("update_index", backend_name="elasticsearch", stdout=StringIO())
    assert article.pk in live_search("peru")
    assert article.pk in live_search("PERÚ")
    assert article.pk in live_search("fujimori")
    assert article.pk in live_search("cantuta")
    assert article.pk in live_search("impunity")


@pytest.mark.elasticsearch_live
@live
@pytest.mark.django_db
def test_live_drafts_and_filters(live_es, article, site_tree):
    draft = NewsArticlePage(title="Perú draft", summary="x", live=False)
    site_tree["news"].add_child(instance=draft)
    call_command("update_index", backend_name="elasticsearch", stdout=StringIO())
    found = live_search("peru")
    assert draft.pk not in found
    in_truth = live_search("peru", filtered_pages(campaign=site_tree["truth"]))
    assert article.pk not in in_truth


@pytest.mark.elasticsearch_live
@live
@pytest.mark.django_db
def test_live_autocomplete(live_es, article):
    call_command("update_index", backend_name="elasticsearch", stdout=StringIO())
    found = [p.pk for p in filtered_pages().autocomplete("peru", backend="elasticsearch")]
    assert article.pk in found


@pytest.mark.elasticsearch_live
@live
@pytest.mark.django_db
def test_live_analysers_fold_and_stem(live_es, article):
    call_command("update_index", backend_name="elasticsearch", stdout=StringIO())
    index = live_es.get_index_for_model(Page).name

    def tokens(analyzer, text):
        answer = live_es.es.indices.analyze(index=index, analyzer=analyzer, text=text)
        return [token["token"] for token in answer["tokens"]]

    # Full text: accents, case and possessives folded, English words stemmed.
    assert tokens("default", "Perú's KILLINGS") == ["peru", "kill"]
    # What is typed for suggestions: folded, not stemmed, to meet the edge n-grams.
    assert tokens("folding", "Perú's Killings") == ["peru", "killings"]


@pytest.mark.elasticsearch_live
@live
@pytest.mark.django_db
def test_live_newest_news_of_a_campaign_through_the_search_page(
    settings, live_es, article, site_tree
):
    from tests.factories import add_article

    for n in range(12):
        add_article(site_tree["news"], f"Perú: Truth Commission update {n}", [site_tree["truth"]])
    draft = NewsArticlePage(title="Perú draft on Fujimori", summary="x", live=False)
    site_tree["news"].add_child(instance=draft)
    draft.campaigns.set([site_tree["fujimori"]])
    call_command("update_index", backend_name="elasticsearch", stdout=StringIO())
    settings.WAGTAILSEARCH_BACKENDS = {"default": settings.WAGTAILSEARCH_BACKENDS["elasticsearch"]}
    response = Client().get(
        "/search/",
        {"q": "peru", "type": "news", "sort": "newest", "campaign": "fujimori-extradition"},
    )
    assert [item["page"].pk for item in response.context["results"]] == [article.pk]
    assert "1 result for" in response.content.decode()
