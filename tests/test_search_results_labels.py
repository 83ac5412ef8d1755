"""A page whose type states none of its own facts, for instance a plain Wagtail page: its result
and its title suggestion are labelled "Page" (psg/pages.py), and promoted it has no summary.
"""

import json

import pytest
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
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


def test_a_promoted_page_of_a_type_without_a_summary_is_shown_without_one(client, plain_page):
    SearchPromotion.objects.create(query=Query.get("alpaca"), page=plain_page, sort_order=0)
    response = get(client, q="alpaca")
    assert response.status_code == 200
    assert response.context["promoted"] == [
        {
            "page_id": plain_page.pk,
            "title": "Vicuña census notes",
            "url": "/vicuna/",
            "description": "",
        }
    ]
