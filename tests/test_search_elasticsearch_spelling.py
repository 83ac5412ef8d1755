"""Typos and synonyms on Elasticsearch 9.

Offline (always, with the faked server of tests/es_fake.py): the mapping of the spelling
field, fuzziness and synonyms in the query body, the term suggester's request and how its
answer reaches the visitor. Live (only when ELASTICSEARCH_URL points at a server): the same
against a real Elasticsearch 9, in indices with a throw-away prefix deleted afterwards.
"""

import json
import os
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from search.models import SearchSynonym
from search.spelling import correct
from search.synonyms import parse
from tests.es_fake import es_config
from tests.factories import add_article

ES_URL = os.environ.get("ELASTICSEARCH_URL", "")


@pytest.fixture
def articles(site_tree):
    news = site_tree["news"]
    return {
        "english": add_article(
            news,
            "UK raises human rights concerns over Fujimori",
            body=[("paragraph", "<p>The Camisea pipeline and human rights in Peru.</p>")],
        ),
        "spanish": add_article(news, "Informe sobre derechos humanos en el Perú"),
    }


def index():
    call_command("update_index", stdout=StringIO())


def search_bodies(fake):
    return [request.body for request in fake.of("POST", "/_search")]


@pytest.mark.django_db
def test_the_spelling_field_is_folded_and_not_stemmed(es_default, articles):
    index()
    page_index = es_default.index_named("psgtest_wagtailcore_page")
    all_text = page_index.properties["_all_text"]
    assert all_text["fields"]["words"] == {"type": "text", "analyzer": "folding"}
    folding = page_index.settings["analysis"]["analyzer"]["folding"]
    assert "asciifolding" in folding["filter"] and "english_stemmer" not in folding["filter"]


@pytest.mark.django_db
def test_words_are_matched_with_fuzziness(es_default, articles):
    index()
    list(Page.objects.live().search(parse("Fujimory extradition")))
    [body] = search_bodies(es_default)
    match = json.dumps(body["query"])
    assert '"fuzziness": "AUTO"' in match and '"prefix_length": 1' in match
    assert '"query": "Fujimory extradition"' in match


@pytest.mark.django_db
def test_synonyms_are_expanded_in_the_query_body(es_default, articles):
    SearchSynonym.objects.create(name="Human rights", terms="derechos humanos\nhuman rights")
    index()
    list(Page.objects.live().search(parse("Derechos Humanos Perú")))
    [body] = search_bodies(es_default)
    query = json.dumps(body["query"], ensure_ascii=False)
    assert '"should": [{"match_phrase": {"_all_text": "derechos humanos"}}' in query
    assert '{"match_phrase": {"_all_text": "human rights"}}]' in query
    assert '"query": "peru"' in query


@pytest.mark.django_db
def test_spelling_asks_the_term_suggester_for_words_no_page_has(es_default, articles):
    index()
    es_default.suggestions = {"fujimory": "fujimori", "camesea": "camisea"}
    assert correct("Fujimory and the Camesea gas") == "Fujimori and the Camisea gas"
    [request] = es_default.suggest_requests()
    assert request.path.endswith("wagtailcore_page/_search")
    term = request.body["suggest"]["words"]["term"]
    assert term == {"field": "_all_text.words", "suggest_mode": "missing", "size": 1}
    assert request.body["suggest"]["text"] == "camesea fujimory"  # short words are left out
    es_default.suggestions = {}
    assert correct("Fujimori") is None


@pytest.mark.django_db
def test_the_search_page_shows_the_suggested_spelling(es_default, articles):
    index()
    es_default.hits = [articles["english"].pk]
    es_default.suggestions = {"fujimory": "fujimori"}
    response = Client().get("/search/", {"q": "Fujimory"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Showing results for <b>Fujimori</b>" in html
    assert articles["english"].url in html


@pytest.mark.django_db
@pytest.mark.parametrize("error", [500, "unreachable"])
def test_a_failing_server_gives_no_suggestion_and_no_error(es_default, articles, error):
    index()
    es_default.search_error = error
    assert correct("Fujimory") is None
    assert Client().get("/search/", {"q": "Fujimory"}).status_code == 200


# --- Live: a real Elasticsearch 9 server -------------------------------------------------------

live = pytest.mark.skipif(
    not ES_URL,
    reason="ELASTICSEARCH_URL is not set: no Elasticsearch 9 server to test against. Set it, "
    "e.g. ELASTICSEARCH_URL=http://127.0.0.1:9200, and run with -m elasticsearch_live.",
)


@pytest.fixture
def live_es(settings):
    prefix = f"psgtest_{uuid.uuid4().hex[:8]}_"
    settings.WAGTAILSEARCH_BACKENDS = {"default": es_config(prefix=prefix, url=ES_URL)}
    backend = get_search_backend()
    yield backend
    backend.es.indices.delete(index=f"{prefix}*", ignore_unavailable=True)


def live_found(text):
    return {page.pk for page in Page.objects.live().search(parse(text))}


@pytest.mark.elasticsearch_live
@live
@pytest.mark.django_db
def test_live_typos_synonyms_and_suggestions(live_es, articles):
    SearchSynonym.objects.create(name="Human rights", terms="derechos humanos\nhuman rights")
    index()
    live_es.es.indices.refresh(index="_all")
    english, spanish = articles["english"].pk, articles["spanish"].pk
    assert english in live_found("Fujimory")  # fuzziness
    assert {english, spanish} <= live_found("derechos humanos")
    assert {english, spanish} <= live_found("human rights")
    assert correct("Camesea") == "Camisea"
    assert correct("Camisea") is None
