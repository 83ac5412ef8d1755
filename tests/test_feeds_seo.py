"""Feeds, sitemap, robots.txt, share cards, structured data and the error pages, as feed
readers, search engines, social networks and lost visitors meet them."""

import datetime
import json
import re

import feedparser
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from home.models import StandardPage
from news.models import NewsArticlePage, NewsIndexPage, Topic
from psg.models import SiteSettings
from tests.factories import add_article, make_image


@pytest.fixture
def articles(site_tree):
    index = site_tree["news"]
    justice = Topic.objects.create(name="Justice", slug="justice")
    return {
        "newest": add_article(
            index, "Keiko Fujimori elected to Congress", date=datetime.date(2006, 5, 31)
        ),
        "middle": add_article(
            index,
            "European Parliament backs the extradition request",
            date=datetime.date(2006, 1, 31),
            campaigns=[site_tree["fujimori"]],
            topics=[justice],
        ),
        "oldest": add_article(
            index,
            "Fujimori's move to Chile: Was it all calculated?",
            date=datetime.date(2005, 11, 30),
            campaigns=[site_tree["fujimori"]],
        ),
    }


@pytest.fixture
def hidden_articles(site_tree):
    """A draft and a private article: neither may appear anywhere public."""
    index = site_tree["news"]
    draft = index.add_child(
        instance=NewsArticlePage(
            title="Unpublished draft", date=datetime.date(2007, 1, 1), summary="Draft.", live=False
        )
    )
    private = add_article(index, "Trustees only briefing", date=datetime.date(2007, 1, 2))
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    return draft, private


def parse_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return response, feed


# Feeds


@pytest.mark.parametrize(
    ("url", "version", "content_type"),
    [
        ("/news/feed/", "rss20", "application/rss+xml"),
        ("/news/feed/atom/", "atom10", "application/atom+xml"),
    ],
)
def test_feeds_parse_newest_first_with_dates_summaries_and_absolute_links(
    client, articles, url, version, content_type
):
    response, feed = parse_feed(client, url)
    assert response["Content-Type"].startswith(content_type)
    assert feed.version == version
    assert feed.feed.title == "Peru Support Group: news"
    assert feed.feed.link == "http://localhost/news/"
    assert [entry.title for entry in feed.entries] == [
        "Keiko Fujimori elected to Congress",
        "European Parliament backs the extradition request",
        "Fujimori's move to Chile: Was it all calculated?",
    ]
    published = [datetime.date(*entry.published_parsed[:3]) for entry in feed.entries]
    assert published == [
        datetime.date(2006, 5, 31),
        datetime.date(2006, 1, 31),
        datetime.date(2005, 11, 30),
    ]
    for entry, article in zip(feed.entries, articles.values(), strict=True):
        assert entry.link == f"http://localhost{article.url}"
        assert entry.summary == f"Summary of {article.title}."
    assert [t.term for t in feed.entries[1].tags] == ["Justice"]


def test_campaign_feed_has_only_that_campaigns_news(client, articles):
    _, feed = parse_feed(client, "/news/feed/?campaign=fujimori-extradition")
    assert feed.feed.title == "Fujimori extradition: news from the Peru Support Group"
    assert feed.feed.link == "http://localhost/campaigns/fujimori-extradition/"
    assert [entry.title for entry in feed.entries] == [
        "European Parliament backs the extradition request",
        "Fujimori's move to Chile: Was it all calculated?",
    ]
    _, atom = parse_feed(client, "/news/feed/atom/?campaign=fujimori-extradition")
    assert len(atom.entries) == 2


def test_feed_of_an_unknown_campaign_is_not_found(client, articles):
    assert client.get("/news/feed/?campaign=no-such-campaign").status_code == 404


def test_feeds_leave_out_drafts_and_private_articles(client, articles, hidden_articles):
    for url in ("/news/feed/", "/news/feed/atom/"):
        _, feed = parse_feed(client, url)
        titles = [entry.title for entry in feed.entries]
        assert "Unpublished draft" not in titles
        assert "Trustees only briefing" not in titles
        assert len(titles) == 3


def test_feed_queries_do_not_grow_with_the_news(client, site_tree, settings):
    settings.PSG_PAGECACHE_ENABLED = False  # every request renders the feed
    index = site_tree["news"]
    topic = Topic.objects.create(name="Mining", slug="mining")
    add_article(index, "First", date=datetime.date(2006, 1, 1), topics=[topic])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/news/feed/").status_code == 200
        return len(queries)

    count()  # the first request fills the cached site data, as on any running server
    few = count()
    for n in range(15):
        add_article(index, f"Report {n}", date=datetime.date(2005, 1, 1 + n), topics=[topic])
    assert count() == few


def test_every_page_links_to_the_news_feeds(client, articles, site_tree):
    for url in ("/", "/news/", articles["newest"].url, "/campaigns/"):
        html = client.get(url).content.decode()
        assert (
            '<link rel="alternate" type="application/rss+xml"' in html
            and 'href="/news/feed/"' in html
        )
        assert 'type="application/atom+xml"' in html and 'href="/news/feed/atom/"' in html
    hub = client.get(site_tree["fujimori"].url).content.decode()
    assert 'href="/news/feed/?campaign=fujimori-extradition"' in hub


# Sitemap and robots.txt


def test_sitemap_lists_live_public_pages_with_lastmod(client, articles, hidden_articles):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert "http://localhost/" in locations
    assert "http://localhost/news/" in locations
    assert f"http://localhost{articles['newest'].url}" in locations
    assert "http://localhost/campaigns/fujimori-extradition/" in locations
    for hidden in hidden_articles:
        assert f"http://localhost{hidden.url}" not in locations
        assert hidden.title not in xml
    entries = dict(re.findall(r"<url><loc>([^<]+)</loc><lastmod>([^<]+)</lastmod>", xml))
    for article in articles.values():
        article.refresh_from_db()
        published = timezone.localtime(article.last_published_at).date().isoformat()
        assert entries[f"http://localhost{article.url}"] == published


def test_sitemap_leaves_out_pages_under_a_private_section(client, site_tree):
    section = site_tree["home"].add_child(instance=StandardPage(title="Members", slug="members"))
    child = section.add_child(instance=StandardPage(title="Minutes", slug="minutes"))
    PageViewRestriction.objects.create(page=section, restriction_type="login")
    xml = client.get("/sitemap.xml").content.decode()
    assert "/members/" not in xml and child.title not in xml


def test_robots_txt_keeps_crawlers_out_of_admin_and_search_and_names_the_sitemap(client, site_tree):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /search/" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines


# Canonical address, share cards and structured data


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    return match.group(1) if match else None


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_article_has_canonical_share_card_with_its_image_and_news_article_data(client, site_tree):
    image = make_image("Parliament", "MEPs voting in Strasbourg")
    article = add_article(
        site_tree["news"],
        "European Parliament backs the extradition request",
        date=datetime.date(2006, 1, 31),
        summary="On 20 January the European Parliament voted on a resolution.",
        image=image,
    )
    html = client.get(article.url).content.decode()
    url = f"http://localhost{article.url}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert meta(html, "property", "og:type") == "article"
    assert meta(html, "property", "og:url") == url
    assert meta(html, "property", "og:title") == "European Parliament backs the extradition request"
    assert meta(html, "property", "og:description") == (
        "On 20 January the European Parliament voted on a resolution."
    )
    og_image = meta(html, "property", "og:image")
    assert og_image.startswith("http://localhost/media/images/") and "1200x630" in og_image
    assert meta(html, "property", "og:image:width") == "1200"
    assert meta(html, "property", "og:image:alt") == "MEPs voting in Strasbourg"
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert meta(html, "name", "twitter:image") == og_image
    assert meta(html, "property", "article:published_time") == "2006-01-31"

    (data,) = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "European Parliament backs the extradition request"
    assert data["datePublished"] == "2006-01-31"
    assert data["mainEntityOfPage"] == url
    assert data["image"] == [og_image]
    assert data["publisher"]["@type"] == "NGO"


def test_pages_without_an_image_share_the_site_image_or_a_plain_card(client, site_tree):
    page = site_tree["home"].add_child(
        instance=StandardPage(title="About us", slug="about", intro="Who we are.")
    )
    html = client.get(page.url).content.decode()
    assert meta(html, "name", "twitter:card") == "summary"
    assert meta(html, "property", "og:image") is None

    settings = SiteSettings.load()
    settings.share_image = make_image("PSG logo card", "Peru Support Group")
    settings.save()
    html = client.get(page.url).content.decode()
    assert meta(html, "property", "og:image").startswith("http://localhost/media/images/")
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert meta(html, "property", "og:type") == "website"
    assert meta(html, "property", "og:description") == "Who we are."


@pytest.mark.parametrize("path", ["/news/", "/campaigns/"])
def test_a_listing_without_an_introduction_is_described_by_the_site_settings(
    client, site_tree, path
):
    """Search engines show a description for every page, even one an editor left bare."""
    about = SiteSettings.load().about
    assert about
    html = client.get(path).content.decode()
    assert meta(html, "name", "description") == about
    assert meta(html, "property", "og:description") == about

    index = site_tree["news"] if path == "/news/" else site_tree["campaigns"]
    index.search_description = "Latest news and reports from Peru."
    index.save_revision().publish()
    html = client.get(path).content.decode()
    assert meta(html, "name", "description") == "Latest news and reports from Peru."


def test_home_page_describes_the_organisation(client, site_tree):
    settings = SiteSettings.load()
    settings.charity_number = "1040439"
    settings.contact_email = "info@example.org"
    settings.bluesky_url = "https://bsky.app/profile/psg.example"
    settings.save()
    html = client.get("/").content.decode()
    (data,) = json_ld(html)
    assert data["@type"] == "NGO"
    assert data["name"] == "Peru Support Group"
    assert data["url"] == "http://localhost/"
    assert data["email"] == "info@example.org"
    assert data["identifier"]["value"] == "1040439"
    assert data["sameAs"] == ["https://bsky.app/profile/psg.example"]


def test_structured_data_cannot_be_broken_out_of_by_editor_text(client, site_tree):
    article = add_article(
        site_tree["news"],
        "Headline </script><script>alert(1)</script>",
        date=datetime.date(2006, 1, 1),
    )
    html = client.get(article.url).content.decode()
    assert "<script>alert(1)" not in html
    (data,) = json_ld(html)
    assert data["headline"] == "Headline alert(1)"  # tags are stripped from the headline


def test_second_page_of_a_listing_has_its_own_canonical_address(client, site_tree):
    for n in range(12):
        add_article(site_tree["news"], f"Bulletin {n}", date=datetime.date(2006, 1, 1 + n))
    html = client.get("/news/?page=2").content.decode()
    assert '<link rel="canonical" href="http://localhost/news/?page=2">' in html
    html = client.get("/news/").content.decode()
    assert '<link rel="canonical" href="http://localhost/news/">' in html


# Error pages


def test_missing_page_gives_a_styled_404(client, site_tree):
    news = site_tree["news"]
    news.show_in_menus = True
    news.save_revision().publish()
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Sorry, we cannot find that page" in html
    assert '<nav class="main-nav" aria-label="Main">' in html and 'href="/news/">News</a>' in html
    assert 'href="/static/css/site.css"' in html
    assert '<main id="main"' in html and "<footer" in html
    assert '<meta name="robots" content="noindex">' in html


def test_server_error_gives_a_styled_500(site_tree, monkeypatch):
    def broken(self, request, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(NewsIndexPage, "get_context", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/news/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong on our side" in html
    assert "<style>" in html and "/static/" not in html  # tests/test_error_pages.py
    assert '<html lang="en-GB">' in html


def test_500_page_renders_without_the_database(rf, db):
    from psg.errors import server_error

    with CaptureQueriesContext(connection) as queries:
        response = server_error(rf.get("/news/"))
    assert response.status_code == 500
    assert len(queries) == 0
    assert b"Sorry, something went wrong on our side" in response.content


def test_search_results_are_kept_out_of_search_engines_but_described(client, site_tree):
    html = client.get("/search/?q=Fujimori").content.decode()
    assert meta(html, "name", "robots") == "noindex"
    assert meta(html, "name", "description")  # shown if a results page is ever linked
    assert '<link rel="canonical"' not in html
    assert meta(html, "property", "og:title") is None
