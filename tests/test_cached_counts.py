"""Counts that listings keep in the cache (they scan every matching article) follow each
publish, unpublish and view restriction at once.

The page cache is off here, so each request really renders; the counts come from the cache of
psg/generations.py, as on a running site.
"""

import datetime
import re

import pytest
from wagtail.models import PageViewRestriction

from news.models import NEWS_PER_PAGE
from tests.factories import add_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(site_tree, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    return site_tree


def numbered_article(tree, n, *, campaign=None):
    """Article n, dated n days after 1 January 2026, filed under `campaign` when given."""
    return add_article(
        tree["news"],
        f"Article {n}",
        campaigns=[campaign] if campaign is not None else (),
        slug=f"article-{n}",
        date=datetime.date(2026, 1, 1) + datetime.timedelta(days=n),
        summary=f"Summary {n}.",
    )


def hub_count(client, hub):
    html = client.get(hub.url).content.decode()
    found = re.search(r"All (\d+) articles?<span", html)
    return int(found.group(1)) if found else None


def last_page_link(client, url):
    html = client.get(url).content.decode()
    pages = [int(n) for n in re.findall(r"\bpage=(\d+)", html)]
    return max(pages, default=1)


def test_the_news_list_grows_a_page_when_an_article_is_published_and_loses_it_after(tree, client):
    articles = [numbered_article(tree, n) for n in range(NEWS_PER_PAGE)]
    assert last_page_link(client, "/news/") == 1  # the count is now cached
    extra = numbered_article(tree, 99)
    assert last_page_link(client, "/news/") == 2
    extra.unpublish()
    assert last_page_link(client, "/news/") == 1
    articles[0].delete()
    assert client.get("/news/?page=1").status_code == 200


def test_the_filtered_news_count_follows_the_campaign_articles(tree, client):
    fujimori = tree["fujimori"]
    for n in range(NEWS_PER_PAGE):
        numbered_article(tree, n, campaign=fujimori)
    url = f"/news/?campaign={fujimori.slug}"
    assert last_page_link(client, url) == 1
    numbered_article(tree, 50)  # not in the campaign
    assert last_page_link(client, url) == 1
    numbered_article(tree, 51, campaign=fujimori)
    assert last_page_link(client, url) == 2


def test_the_hub_article_count_follows_publishing_and_view_restrictions(tree, client):
    fujimori = tree["fujimori"]
    first = numbered_article(tree, 1, campaign=fujimori)
    assert hub_count(client, fujimori) == 1
    second = numbered_article(tree, 2, campaign=fujimori)
    assert hub_count(client, fujimori) == 2
    second.unpublish()
    assert hub_count(client, fujimori) == 1
    PageViewRestriction.objects.create(
        page=first, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    assert hub_count(client, fujimori) is None  # no articles: the "All … articles" link goes
