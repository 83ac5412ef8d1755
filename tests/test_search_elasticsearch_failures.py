"""A server that counts the matches but then fails to return them (faked server): the page
still answers, and the operator is told which request failed."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.es_fake import _error
from tests.factories import add_article

pytestmark = pytest.mark.django_db


def test_a_search_that_fails_after_its_count_shows_no_pages_and_is_logged(
    client, es_default, site_tree, caplog, monkeypatch
):
    add_article(site_tree["news"], "Fujimori extradition hearing")
    call_command("update_index", stdout=StringIO())
    failure = _error(500, "search_phase_execution_exception", "all shards failed")
    monkeypatch.setattr(es_default, "_search", lambda request: failure)

    response = client.get("/search/", {"q": "Fujimori", "type": "news"})
    assert response.status_code == 200
    assert list(response.context["results"]) == []
    messages = [
        r.getMessage() for r in caplog.records if r.name == "search.backends.elasticsearch9"
    ]
    assert "Elasticsearch search failed: no results shown" in messages
