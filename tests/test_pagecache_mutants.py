"""The page cache's edges: bulk loading, what is stored (and for how long), what is not.

Written against the surviving changes `make mutate MODULE=pagecache` reported
(docs/testing.md, "Mutation testing"): each test is a visit, a change and the next visit, and
fails when the page cache stores what it must not, serves what is stale, or stops storing.
"""

import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import DatabaseError
from django.http import StreamingHttpResponse
from django.test import Client
from wagtail.models import Site

from home.models import StandardPage
from pagecache import store
from tests.factories import add_article, publish

pytestmark = pytest.mark.django_db


def get(client, url, **extra):
    response = client.get(url, **extra)
    return response, response.get("X-Cache"), response.content.decode()


def assert_hit(client, url, **extra):
    response, state, html = get(client, url, **extra)
    assert (response.status_code, state) == (200, "HIT"), f"{url} was not served from the cache"
    return html


def assert_miss(client, url, **extra):
    response, state, html = get(client, url, **extra)
    assert (response.status_code, state) == (200, "MISS"), f"{url} was served from the cache"
    return html


def warm(client, url):
    """Visit twice: the second visit must come from the cache."""
    assert_miss(client, url)
    return assert_hit(client, url)


@pytest.fixture
def about(site_tree):
    page = site_tree["home"].add_child(
        instance=StandardPage(title="About us", slug="about", intro="Who we are.")
    )
    return publish(page)


def change_intro(page, intro):
    page = StandardPage.objects.get(pk=page.pk)
    page.intro = intro
    return publish(page)


@contextmanager
def about_page_answering(change):
    """Inside the block, the content pages' responses pass through `change` on their way out."""
    real_serve = StandardPage.serve

    def serve(page, request, *args, **kwargs):
        response = real_serve(page, request, *args, **kwargs)
        change(response)
        return response

    with mock.patch.object(StandardPage, "serve", serve):
        yield


# Bulk loading (store.muted, used by bench/fill.py) ---------------------------------------------


def test_bulk_loading_defers_invalidation_and_makes_everything_stale_at_the_end(client, about):
    warm(client, "/about/")
    with store.muted():
        change_intro(about, "Founded in 1983.")
        # Invalidation is off while loading: visitors are still served the stored page.
        assert "Who we are." in assert_hit(client, "/about/")
    # Once loading ends, every stored page is stale: the next visitor sees the change.
    assert "Founded in 1983." in assert_miss(client, "/about/")
    assert_hit(client, "/about/")
    # And invalidation is back on: the next publish is shown at once.
    change_intro(about, "Based in London.")
    assert "Based in London." in assert_miss(client, "/about/")


def test_nested_bulk_loading_invalidates_once_the_outer_load_ends(client, about):
    warm(client, "/about/")
    with store.muted():
        with store.muted():
            change_intro(about, "Founded in 1983.")
        change_intro(about, "Based in London.")
        assert "Who we are." in assert_hit(client, "/about/")
    assert "Based in London." in assert_miss(client, "/about/")
    change_intro(about, "Working since 1983.")
    assert "Working since 1983." in assert_miss(client, "/about/")


def test_a_failed_bulk_load_is_reported_and_leaves_invalidation_on(client, about):
    warm(client, "/about/")
    with pytest.raises(DatabaseError), store.muted():
        change_intro(about, "Founded in 1983.")
        raise DatabaseError("the load failed half way")
    assert "Founded in 1983." in assert_miss(client, "/about/")
    change_intro(about, "Based in London.")
    assert "Based in London." in assert_miss(client, "/about/")


def test_a_page_rendered_before_a_bulk_load_commits_is_not_kept_after_it(
    client, about, django_capture_on_commit_callbacks
):
    warm(client, "/about/")
    with django_capture_on_commit_callbacks(execute=True):
        with store.muted():
            change_intro(about, "Founded in 1983.")
        # A visit between the end of the load and its commit is rendered and stored...
        assert_miss(client, "/about/")
        assert_hit(client, "/about/")
    # ...and is stale once the load commits.
    assert_miss(client, "/about/")


# What the cache holds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "left_behind",
    [
        {"status": 200, "headers": [], "content": b"An old copy without generations"},
        {"status": 200, "headers": [], "content": b"An old copy without generations", "deps": {}},
        "An old copy in another format",
    ],
)
def test_an_entry_the_cache_cannot_check_is_rendered_again(client, about, left_behind):
    """What an older release (or anything else sharing the cache) left under the page's key is
    never served: its freshness cannot be checked."""
    store.cache().set(store.entry_key("http://testserver/about/?"), left_behind)
    html = assert_miss(client, "/about/")
    assert "Who we are." in html and "An old copy" not in html
    assert "Who we are." in assert_hit(client, "/about/")


# What may be stored -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cache_control", ["Private, max-age=600", "NO-STORE", "max-age=0,No-Cache"]
)
def test_cache_control_directives_are_read_whatever_their_case(client, about, cache_control):
    """Directives are case-insensitive: a page marked "Private" is no more shared than one
    marked "private"."""

    def mark(response):
        response["Cache-Control"] = cache_control

    with about_page_answering(mark):
        for _ in range(2):
            assert_miss(client, "/about/")
    # The next visitor is not served the stored private copy.
    response, state, _html = get(client, "/about/")
    assert (state, response.get("Cache-Control")) == ("MISS", None)


@pytest.mark.parametrize("vary", ["Cookie", "Accept-Encoding", "Cookie, Accept-Encoding"])
def test_a_page_varying_only_on_cookies_and_encoding_is_stored(client, about, vary):
    """Anonymous visitors have no cookies the page reads, and the stored copy is the page
    before compression: these two never make it differ between them."""

    def mark(response):
        response["Vary"] = vary

    with about_page_answering(mark):
        assert_miss(client, "/about/")
        assert "Who we are." in assert_hit(client, "/about/")


@pytest.mark.parametrize("vary", ["Accept-Language", "Cookie, User-Agent", "*"])
def test_a_page_varying_on_anything_else_is_not_stored(client, about, vary):
    """A page that differs by language or browser would be served to the next visitor in the
    first visitor's language."""

    def mark(response):
        response["Vary"] = vary

    with about_page_answering(mark):
        for _ in range(2):
            assert_miss(client, "/about/")


@pytest.mark.parametrize("how", ["set_cookie", "header"])
def test_a_page_that_sets_a_cookie_is_not_stored(client, about, how):
    """The cookie is meant for that visitor: a stored copy would hand it to every visitor."""

    def give_cookie(response):
        if how == "set_cookie":
            response.set_cookie("campaign_banner", "dismissed")
        else:
            response["Set-Cookie"] = "campaign_banner=dismissed; Path=/"

    with about_page_answering(give_cookie):
        for _ in range(2):
            response, state, _html = get(client, "/about/")
            assert (response.status_code, state) == (200, "MISS")
            assert "campaign_banner=dismissed" in str(response.cookies) + response.get(
                "Set-Cookie", ""
            )
    response, state, _html = get(Client(), "/about/")
    assert state == "MISS" and "campaign_banner" not in response.cookies
    assert "Who we are." in assert_hit(client, "/about/")


def test_a_streamed_page_is_answered_and_not_stored(client, about):
    """A page that streams its answer (a large export, say) is sent as it is produced."""

    def serve(page, request, *args, **kwargs):
        return StreamingHttpResponse(iter([b"<p>Part one</p>", b"<p>Part two</p>"]))

    with mock.patch.object(StandardPage, "serve", serve):
        for _ in range(2):
            response = client.get("/about/")
            assert (response.status_code, response["X-Cache"]) == (200, "MISS")
            assert b"".join(response.streaming_content) == b"<p>Part one</p><p>Part two</p>"
    assert "Who we are." in assert_miss(client, "/about/")


def test_a_site_with_the_page_cache_switched_off_renders_every_visit(client, about, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    for _ in range(2):
        assert "Who we are." in assert_miss(client, "/about/")
    settings.PSG_PAGECACHE_ENABLED = True
    warm(client, "/about/")


# How long a page is kept ------------------------------------------------------------------------


@pytest.fixture
def local_memory_cache(settings):
    """The local-memory cache, whose entries expire by `time.time()`: a test can then move the
    clock past an entry's end (Redis, used in the PostgreSQL pass, keeps its own clock)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pagecache-lifetime-tests",
        }
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


@contextmanager
def cache_clock_moved_on(seconds):
    """The test cache (local memory) reads its clock as `seconds` later than it is."""
    now = time.time()
    with mock.patch("django.core.cache.backends.locmem.time") as clock:
        clock.time.return_value = now + seconds
        yield


def test_a_stored_page_is_kept_for_a_day_by_default(client, about, settings, local_memory_cache):
    if hasattr(settings, "PSG_PAGECACHE_TIMEOUT"):
        del settings.PSG_PAGECACHE_TIMEOUT
    warm(client, "/about/")
    with cache_clock_moved_on(23 * 60 * 60):
        assert_hit(client, "/about/")
    with cache_clock_moved_on(24 * 60 * 60 + 1):
        assert "Who we are." in assert_miss(client, "/about/")


def test_a_stored_page_is_kept_as_long_as_the_timeout_setting_says(
    client, about, settings, local_memory_cache
):
    settings.PSG_PAGECACHE_TIMEOUT = 600
    warm(client, "/about/")
    with cache_clock_moved_on(599):
        assert_hit(client, "/about/")
    with cache_clock_moved_on(601):
        assert "Who we are." in assert_miss(client, "/about/")


def test_a_full_page_finds_room_for_new_variants_once_its_stored_ones_expire(
    client, site_tree, settings, local_memory_cache
):
    settings.PSG_PAGECACHE_TIMEOUT = 600
    settings.PSG_PAGECACHE_MAX_VARIANTS = 1
    add_article(site_tree["news"], "Ruling in Lima", days_ago=10)
    add_article(site_tree["news"], "Older news", days_ago=400)
    warm(client, "/news/?year=2026")
    with cache_clock_moved_on(599):
        assert_hit(client, "/news/?year=2026")
        assert_miss(client, "/news/?year=2025")
        assert_miss(client, "/news/?year=2025")
    with cache_clock_moved_on(601):
        assert_miss(client, "/news/?year=2025")
    # (Back on the real clock: what was stored at 601 s counts its lifetime from now.)
    assert_hit(client, "/news/?year=2025")


def test_a_page_of_a_second_site_rooted_inside_the_first_is_stored(client, site_tree):
    """A campaigns site at its own address (here 127.0.0.1) whose home is the main site's
    Campaigns section: a campaign is cached at both its addresses."""
    campaigns = site_tree["campaigns"]
    publish(campaigns)
    publish(site_tree["fujimori"])
    Site.objects.create(hostname="127.0.0.1", port=80, root_page=campaigns)
    for state in ("MISS", "HIT"):
        response, seen, html = get(client, "/fujimori-extradition/", HTTP_HOST="127.0.0.1")
        assert (response.status_code, seen) == (200, state)
        assert "Bring Alberto Fujimori to justice" in html
    # And at its address on the main site.
    for state in ("MISS", "HIT"):
        response, seen, html = get(client, "/campaigns/fujimori-extradition/")
        assert (response.status_code, seen) == (200, state)
        assert "Bring Alberto Fujimori to justice" in html
