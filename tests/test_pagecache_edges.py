"""The page cache at its edges: an address no view answers, a page served as a preview,
Cache-Control directives that name header fields, and pages deeper than the levels looked up."""

from unittest import mock

import pytest

from home.models import StandardPage
from tests.factories import publish
from tests.test_pagecache_mutants import (  # noqa: F401 - `about` is a fixture
    about,
    about_page_answering,
    assert_hit,
    get,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("about")]


@pytest.mark.parametrize("url", ["/no.such.page/", "/news/feed/nope.xml"])
def test_an_address_no_view_answers_is_not_found_every_time(client, url):
    for _ in range(2):
        response, state, _html = get(client, url)
        assert (response.status_code, state) == (404, "MISS")


def test_a_page_served_as_a_preview_is_not_stored(client):
    """Wagtail marks a preview's request (`is_preview`): whatever serves it, its answer is the
    editor's draft and is never kept for visitors."""
    real_serve = StandardPage.serve

    def serve(page, request, *args, **kwargs):
        response = real_serve(page, request, *args, **kwargs)  # sets `is_preview` to False
        request.is_preview = True
        return response

    with mock.patch.object(StandardPage, "serve", serve):
        for _ in range(2):
            response, state, _html = get(client, "/about/")
            assert (response.status_code, state) == (200, "MISS")
    # Served normally again, the page is stored.
    get(client, "/about/")
    assert_hit(client, "/about/")


def test_pages_are_stored_down_to_eight_levels_and_rendered_below(client, site_tree):
    """Only the first eight levels of an address are looked up (store.MAX_PATH_DEPTH): a page
    deeper than that could not be found stale, so it is never stored."""
    parent = site_tree["home"]
    for level in range(1, 10):
        parent = publish(
            parent.add_child(instance=StandardPage(title=f"Level {level}", slug=f"l{level}"))
        )
    eighth = "/" + "/".join(f"l{level}" for level in range(1, 9)) + "/"
    get(client, eighth)
    assert_hit(client, eighth)
    ninth = eighth + "l9/"
    for _ in range(2):
        response, state, html = get(client, ninth)
        assert (response.status_code, state) == (200, "MISS")
        assert "Level 9" in html
