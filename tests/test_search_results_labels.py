"""The label shown with a result and a title suggestion when the page's type does not state one
(psg/pages.py: an unknown type is labelled "Page"), for instance a plain Wagtail page.
"""

import json

import pytest
from wagtail.models import Page

from tests.search_helpers import SUGGEST_URL, get

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_page(site_tree):
    return site_tree["home"].add_child(instance=Page(title="Vicuña census notes", slug="vicuna"))


def test_a_result_of_a_type_without_a_label_is_labelled_page(client, plain_page):
    response = get(client, q="vicuña census")
    assert [item["page"].pk for item in response.context["results"]] == [plain_page.pk]
    html = response.content.decode()
    assert '<span class="search-result__type search-result__type--page">Page</span>' in html


def test_a_suggestion_of_a_type_without_a_label_is_labelled_page(client, plain_page):
    body = json.loads(client.get(SUGGEST_URL, {"q": "vicu"}).content)
    assert body["results"] == [{"title": "Vicuña census notes", "url": "/vicuna/", "type": "Page"}]
