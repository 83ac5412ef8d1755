"""Addresses with listing parameters: only real ones are stored, and only a few per page.

`?page=`, `?campaign=`, `?topic=` and `?year=` are stored by the page cache only when the page
read them and each named something that exists (a page of the list, a live campaign, a topic,
a year with news). Anything else a visitor or a crawler types is answered as before, and
rendered every time rather than filling the cache. Each page keeps at most
PSG_PAGECACHE_MAX_VARIANTS such addresses at a time.
"""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from news.models import Topic
from tests.factories import add_article

pytestmark = pytest.mark.django_db


def get(client, url):
    response = client.get(url)
    return response, response.get("X-Cache"), response.content.decode()


def assert_hit(client, url):
    response, state, _html = get(client, url)
    assert (response.status_code, state) == (200, "HIT"), f"{url} was not served from the cache"


def assert_rendered_each_time(client, url, status=200):
    """Two visits, both rendered: the first was not stored. Returns the second page."""
    for _ in range(2):
        response, state, html = get(client, url)
        assert (response.status_code, state) == (status, "MISS"), url
    return html


def cache_keys():
    """Every key the test's cache holds, whatever stored it (pages, tokens, counts)."""
    prefix = cache.make_key("")
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    if location.startswith(("redis://", "rediss://", "unix://")):
        client = redis.Redis.from_url(location)
        try:
            return {key.decode() for key in client.scan_iter(match=f"{prefix}*")}
        finally:
            client.close()
    return {key for key in cache._cache if key.startswith(prefix)}


@pytest.fixture
def site(site_tree):
    """Thirteen articles (two pages of the news list) from 2026 and 2025, in both campaigns."""
    justice = Topic.objects.create(name="Justice", slug="justice")
    mining = Topic.objects.create(name="Mining", slug="mining")
    for number in range(1, 14):
        add_article(
            site_tree["news"],
            f"Article {number}",
            campaigns=[site_tree["fujimori"] if number % 2 else site_tree["truth"]],
            topics=[justice if number % 2 else mining],
            days_ago=number * 30,  # Article 11 and older are from 2025
        )
    return site_tree


# Real values are stored -------------------------------------------------------------------------


# Each address is checked from an empty cache and without cookies, as a first visitor, on one
# site built once for the whole list (the visits only read it); a failing address is reported
# by name.

STORED = [
    "/news/?page=2",
    "/news/?campaign=fujimori-extradition",
    "/news/?topic=justice&page=1",
    "/news/?year=2025",
    "/news/?campaign=truth-commission&topic=mining&year=2026",
    "/campaigns/?page=1",
    "/news/feed/?campaign=fujimori-extradition",
]


def test_a_listing_parameter_that_names_something_real_is_stored(client, site, subtests):
    for url in STORED:
        cache.clear()
        client.cookies.clear()
        with subtests.test(url=url):
            response, state, _html = get(client, url)
            assert (response.status_code, state) == (200, "MISS")
            assert_hit(client, url)


# Anything else is answered as before, and never stored ------------------------------------------


NOT_STORED = [
    ("/news/?campaign=no-such-campaign", "There is no campaign called"),
    ("/news/?topic=no-such-topic", "There is no topic called"),
    ("/news/?year=1850", "There is no news from"),
    ("/news/?year=2024", "There is no news from"),  # four digits, but no news that year
    ("/news/?campaign=fujimori-extradition&topic=no-such-topic", "There is no topic called"),
    ("/news/?campaign=", "Article 1<"),  # an empty filter is the plain list
    ("/news/?page=02", "Article 13"),
    ("/news/?page=0", "Article 1<"),
    ("/campaigns/?page=2", "Truth Commission"),  # one page of campaigns
    ("/news/article-1/?campaign=fujimori-extradition", "Summary of Article 1."),
    ("/news/article-1/?page=2", "Summary of Article 1."),
    ("/?page=2", "Article 1<"),
    ("/campaigns/fujimori-extradition/?year=2026", "Bring Alberto Fujimori to justice"),
    ("/news/feed/?page=2", "Article 1<"),
]


def test_a_listing_parameter_naming_nothing_real_is_rendered_every_time(client, site, subtests):
    for url, shown in NOT_STORED:
        cache.clear()
        client.cookies.clear()
        with subtests.test(url=url):
            html = assert_rendered_each_time(client, url)
            assert shown in html


def test_a_page_number_beyond_the_last_shows_the_last_page_every_time(client, site):
    html = assert_rendered_each_time(client, "/news/?page=999")
    assert "Article 13" in html and "Article 10<" not in html
    assert_rendered_each_time(client, "/news/?page=3")
    # The real last page is stored.
    client.get("/news/?page=2")
    assert_hit(client, "/news/?page=2")


def test_junk_listing_requests_hardly_grow_the_cache(client, site):
    pages = ["/news/", "/campaigns/fujimori-extradition/", "/news/article-1/", "/"]
    for url in pages:
        client.get(url)
        assert_hit(client, url)
    before = cache_keys()
    statuses = set()
    for n in range(600):
        # Each page gets each kind of junk: campaign, topic, year and page number in turn.
        junk = [
            f"campaign=no-such-campaign-{n}",
            f"topic=no-such-topic-{n}",
            f"year={1200 + n}",
            f"page={100 + n}",
        ][n % 4]
        statuses.add(client.get(f"{pages[(n // 4) % 4]}?{junk}").status_code)
    assert statuses == {200}
    added = cache_keys() - before
    assert len(added) < 30, f"{len(added)} cache entries added by 600 junk requests"
    # The plain pages are still served from the cache.
    for url in pages:
        assert_hit(client, url)


# A few variants per page ------------------------------------------------------------------------


def test_each_page_keeps_a_few_variants_until_it_changes(client, site, settings):
    settings.PSG_PAGECACHE_MAX_VARIANTS = 3
    kept = ["/news/?page=2", "/news/?campaign=fujimori-extradition", "/news/?topic=justice"]
    for url in kept:
        client.get(url)
        assert_hit(client, url)
    # A fourth real filter is shown, not stored; the plain list and the three stay stored.
    assert_rendered_each_time(client, "/news/?year=2025")
    client.get("/news/")
    for url in ["/news/", *kept]:
        assert_hit(client, url)
    # Another page has room of its own.
    client.get("/campaigns/?page=1")
    assert_hit(client, "/campaigns/?page=1")
    # A new article makes the stored variants stale: the next ones find room again.
    add_article(site["news"], "Fresh news from Lima")
    client.get("/news/?year=2025")
    assert_hit(client, "/news/?year=2025")


def test_another_pages_variants_do_not_make_room_on_a_full_page(client, site, settings):
    settings.PSG_PAGECACHE_MAX_VARIANTS = 1
    client.get("/news/?page=2")
    assert_hit(client, "/news/?page=2")
    client.get("/campaigns/?page=1")
    assert_hit(client, "/campaigns/?page=1")
    # The news list is still full: its next variant is shown, not stored.
    assert_rendered_each_time(client, "/news/?year=2025")
    assert_hit(client, "/news/?page=2")


def test_a_variant_a_page_keeps_is_stored_for_every_address_it_has(client, site, settings):
    """The same listing over https is another address of a variant the page already counts:
    it is stored too, even when the page has no room for a new one."""
    settings.PSG_PAGECACHE_MAX_VARIANTS = 1
    client.get("/news/?page=2")
    assert_hit(client, "/news/?page=2")
    first = client.get("/news/?page=2", secure=True)
    assert (first.status_code, first["X-Cache"]) == (200, "MISS")
    again = client.get("/news/?page=2", secure=True)
    assert (again.status_code, again["X-Cache"]) == (200, "HIT")
