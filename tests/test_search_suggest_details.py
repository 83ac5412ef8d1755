"""Title suggestions (/search/suggest/) for requests without a usable query."""

import json

import pytest

from tests.search_helpers import SUGGEST_URL

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("params", [{}, {"q": ""}])
def test_no_query_gets_an_empty_list(client, site_tree, params):
    response = client.get(SUGGEST_URL, params)
    assert response.status_code == 200
    assert json.loads(response.content) == {"query": "", "results": []}
