"""What a spelling correction costs Elasticsearch: one request for suggestions, which asks for
no pages (the corrected words are searched afterwards, as any search is). Faked server."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import add_article

pytestmark = pytest.mark.django_db


def test_the_spelling_request_asks_for_suggestions_and_no_pages(client, es_default, site_tree):
    article = add_article(site_tree["news"], "Fujimori extradition hearing")
    call_command("update_index", stdout=StringIO())
    es_default.hits = [article.pk]  # what the server finds for the corrected words
    es_default.suggestions = {"fujimory": "fujimori"}
    response = client.get("/search/", {"q": "Fujimory"})
    assert response.status_code == 200
    assert response.context["corrected_query"] == "Fujimori"
    [request] = es_default.suggest_requests()
    assert request.body["size"] == 0
    assert set(request.body) == {"suggest", "size"}


def test_a_failing_spelling_request_is_logged_for_the_operator(
    client, es_default, site_tree, caplog
):
    add_article(site_tree["news"], "Fujimori extradition hearing")
    call_command("update_index", stdout=StringIO())
    es_default.search_error = 500
    response = client.get("/search/", {"q": "Fujimory"})
    assert response.status_code == 200
    assert "corrected_query" not in response.context
    messages = [
        r.getMessage() for r in caplog.records if r.name == "search.backends.elasticsearch9"
    ]
    assert "Elasticsearch spelling suggestions failed: none shown" in messages


def test_a_failing_server_says_no_results_and_is_logged(client, es_default, site_tree, caplog):
    add_article(site_tree["news"], "Fujimori extradition hearing")
    call_command("update_index", stdout=StringIO())
    es_default.search_error = 500
    response = client.get("/search/", {"q": "Fujimori", "type": "news"})
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert "No results for" in response.content.decode()
    messages = [
        r.getMessage() for r in caplog.records if r.name == "search.backends.elasticsearch9"
    ]
    assert "Elasticsearch count failed: no results shown" in messages


def test_a_query_with_no_word_to_correct_asks_for_no_suggestions(client, es_default, site_tree):
    add_article(site_tree["news"], "Fujimori extradition hearing")
    call_command("update_index", stdout=StringIO())
    es_default.hits = []  # the server finds nothing, so the page would look for corrections
    # Words under four letters and words with digits are never corrected.
    response = client.get("/search/", {"q": "tax on 2006"})
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert "corrected_query" not in response.context
    assert es_default.suggest_requests() == []
