"""A synonym group an editor saves counts from the next search once it is committed, even when
another worker's search, between the save and the commit, cached the groups as they were."""

import pytest
from django.core.cache import cache

from search import synonyms
from search.models import SearchSynonym
from tests.factories import add_article

pytestmark = pytest.mark.django_db


def found_titles(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return [item["page"].title for item in response.context["results"]]


def test_a_group_counts_once_committed_even_if_the_old_groups_were_cached_meanwhile(
    client, site_tree, django_capture_on_commit_callbacks
):
    add_article(site_tree["news"], "Peru goes to the polls", summary="The 2026 elections.")
    assert found_titles(client, "comicios") == []
    as_they_were = cache.get(synonyms.CACHE_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        SearchSynonym.objects.create(name="Elections", terms="comicios\nelections")
        # Another worker searches before the commit, still reading the groups as they were.
        cache.set(synonyms.CACHE_KEY, as_they_were)
    assert found_titles(client, "comicios") == ["Peru goes to the polls"]
