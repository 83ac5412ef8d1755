"""The full-page cache: anonymous visitors get stored pages until something they show changes.

Each invalidation test first proves the page is served from the cache (X-Cache: HIT), then
makes the change an editor would make, and checks the next visitor sees it at once. Pages that
do not show the change stay cached. What may be stored, and which requests are never served
from the cache, is in tests/test_pagecache_storable.py.
"""

import datetime

import pytest
from wagtail.models import Page, PageViewRestriction

from campaigns.models import CampaignPage
from home.models import HomePage, StandardPage
from news.models import NewsArticlePage, Topic
from pagecache import store
from psg.models import SiteSettings

pytestmark = pytest.mark.django_db


def publish(page):
    page.save_revision().publish()
    return page


def add_article(news_index, title, campaigns=(), topics=(), days_ago=0, **fields):
    page = NewsArticlePage(
        title=title,
        summary=fields.pop("summary", f"Summary of {title}."),
        date=datetime.date(2026, 11, 1) - datetime.timedelta(days=days_ago),
        **fields,
    )
    news_index.add_child(instance=page)
    page.campaigns.set(campaigns)
    page.topics.set(topics)
    return publish(page)


def get(client, url, **extra):
    response = client.get(url, **extra)
    return response, response.get("X-Cache"), response.content.decode()


def assert_hit(client, url):
    response, state, html = get(client, url)
    assert response.status_code == 200, url
    assert state == "HIT", f"{url} was not served from the cache"
    return html


def assert_miss(client, url):
    response, state, html = get(client, url)
    assert state == "MISS", f"{url} was served from the cache"
    return response, html


def warm(client, *urls):
    """Visit each URL twice: the second visit must come from the cache."""
    for url in urls:
        assert client.get(url).status_code == 200, url
        assert_hit(client, url)


@pytest.fixture
def site(site_tree):
    """The site tree with topics, articles on both campaigns, a content page, featured campaigns."""
    home = site_tree["home"]
    justice = Topic.objects.create(name="Justice", slug="justice")
    mining = Topic.objects.create(name="Mining", slug="mining")
    articles = [
        add_article(
            site_tree["news"],
            f"Article {number}",
            campaigns=[site_tree["fujimori"] if number % 2 else site_tree["truth"]],
            topics=[justice if number % 2 else mining],
            days_ago=number,
        )
        for number in range(1, 14)
    ]
    about = home.add_child(
        instance=StandardPage(
            title="About us", slug="about", intro="Who we are.", show_in_menus=True
        )
    )
    publish(about)
    history = about.add_child(instance=StandardPage(title="History", slug="history"))
    publish(history)
    news = site_tree["news"]
    news.show_in_menus = True
    publish(news)
    home = HomePage.objects.get(pk=home.pk)
    home.featured_campaigns.create(campaign=site_tree["fujimori"])
    publish(home)
    return dict(
        site_tree,
        home=home,
        articles=articles,
        about=about,
        history=history,
        justice=justice,
        mining=mining,
    )


ALL_URLS = [
    "/",
    "/news/",
    "/news/?page=2",
    "/news/?campaign=fujimori-extradition",
    "/news/?topic=justice&page=1",
    "/campaigns/",
    "/campaigns/fujimori-extradition/",
    "/campaigns/truth-commission/",
    "/about/",
    "/about/history/",
]


# Serving from the cache ------------------------------------------------------------------------


def test_second_anonymous_visit_is_served_from_the_cache_without_queries(
    client, site, django_assert_num_queries
):
    first, state, html = get(client, "/news/")
    assert first.status_code == 200 and state == "MISS"
    with django_assert_num_queries(0):
        second, state, cached_html = get(client, "/news/")
    assert state == "HIT"
    assert cached_html == html
    assert second["Content-Type"] == first["Content-Type"]
    # Security headers are still added to every cached response.
    assert second["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in second


def test_head_is_answered_from_a_stored_get(client, site):
    client.get("/about/")
    assert client.head("/about/")["X-Cache"] == "HIT"


def test_listing_parameters_are_part_of_the_key(client, site):
    warm(client, "/news/", "/news/?page=2")
    page_one = assert_hit(client, "/news/")
    page_two = assert_hit(client, "/news/?page=2")
    assert page_one != page_two
    assert "Article 13" in page_two and "Article 13" not in page_one
    # The same parameters in another order are the same page.
    warm(client, "/news/?topic=justice&page=1")
    assert_hit(client, "/news/?page=1&topic=justice")


@pytest.mark.parametrize(
    "url",
    [
        "/news/?utm_source=newsletter",
        "/news/?page=abc",
        "/news/?page=1&page=2",
        "/news/?topic=%3Cscript%3E",
        "/about/?anything=1",
    ],
)
def test_other_query_strings_are_never_stored(client, site, url):
    for _ in range(2):
        response, state, _html = get(client, url)
        assert response.status_code == 200
        assert state == "MISS"


# Invalidation ----------------------------------------------------------------------------------


def test_publishing_a_new_article_updates_every_page_that_lists_news(client, site):
    warm(client, *ALL_URLS, "/news/article-1/")
    add_article(
        site["news"], "Fresh news from Lima", campaigns=[site["fujimori"]], topics=[site["justice"]]
    )
    for url in [
        "/",
        "/news/",
        "/news/?campaign=fujimori-extradition",
        "/news/?topic=justice&page=1",
        "/campaigns/fujimori-extradition/",
    ]:
        response, html = assert_miss(client, url)
        assert "Fresh news from Lima" in html, url
    # Later pages of the listing moved along by one article.
    response, html = assert_miss(client, "/news/?page=2")
    assert "Article 10" in html
    # Articles show their newer neighbour and related news.
    assert_miss(client, "/news/article-1/")
    assert_miss(client, "/campaigns/")
    # Content pages do not list news: still cached.
    assert_hit(client, "/about/")
    assert_hit(client, "/about/history/")


def test_republishing_an_article_updates_it_and_its_listings_but_not_content_pages(client, site):
    article = site["articles"][0]
    url = article.url
    warm(client, url, "/news/", "/", "/about/")
    article = NewsArticlePage.objects.get(pk=article.pk)
    article.title = "A corrected headline"
    publish(article)
    for target in (url, "/news/", "/"):
        assert "A corrected headline" in assert_miss(client, target)[1]
    assert_hit(client, "/about/")


def test_saving_a_draft_changes_nothing_visitors_see(client, site):
    article = site["articles"][0]
    warm(client, article.url, "/news/")
    draft = article.get_latest_revision_as_object()
    draft.title = "An unpublished headline"
    draft.save_revision()
    assert "An unpublished headline" not in assert_hit(client, article.url)
    assert_hit(client, "/news/")


def test_unpublishing_an_article_removes_it_at_once(client, site):
    article = site["articles"][0]
    url = article.url
    warm(client, url, "/news/", "/")
    article.unpublish()
    assert client.get(url).status_code == 404
    assert f">{article.title}<" not in assert_miss(client, "/news/")[1]
    assert f">{article.title}<" not in assert_miss(client, "/")[1]


def test_deleting_an_article_removes_it_at_once(client, site):
    article = site["articles"][0]
    url, title = article.url, article.title
    warm(client, url, "/news/", "/campaigns/fujimori-extradition/")
    article.delete()
    assert client.get(url).status_code == 404
    assert f">{title}<" not in assert_miss(client, "/news/")[1]
    assert f">{title}<" not in assert_miss(client, "/campaigns/fujimori-extradition/")[1]


def test_deleting_a_draft_that_never_went_live_keeps_the_cache(client, site):
    warm(client, "/news/", "/about/")
    draft = NewsArticlePage(title="Never published", summary="x", live=False)
    site["news"].add_child(instance=draft)
    draft.delete()
    assert_hit(client, "/about/")


def test_moving_a_page_updates_its_old_and_new_addresses_and_the_menu(client, site):
    history = site["history"]
    warm(client, "/about/history/", "/about/", "/")
    history.move(site["home"], pos="last-child")
    # The old address now redirects to the new one (Wagtail records a permanent redirect when
    # a page moves) instead of serving the stored page.
    old = client.get("/about/history/")
    assert (old.status_code, old.get("Location"), old["X-Cache"]) == (301, "/history/", "MISS")
    assert client.get("/history/").status_code == 200
    assert_miss(client, "/about/")


def test_a_campaign_change_updates_the_pages_that_show_campaigns(client, site):
    warm(client, "/", "/campaigns/", "/news/", "/news/article-1/", "/about/")
    fujimori = CampaignPage.objects.get(pk=site["fujimori"].pk)
    fujimori.title = "Fujimori: justice at last"
    publish(fujimori)
    for url in (
        "/",
        "/campaigns/",
        "/news/",
        "/news/article-1/",
        "/campaigns/fujimori-extradition/",
    ):
        assert "Fujimori: justice at last" in assert_miss(client, url)[1], url
    assert_hit(client, "/about/")


def test_unpublishing_a_campaign_removes_it_from_listings(client, site):
    warm(client, "/campaigns/", "/campaigns/truth-commission/")
    CampaignPage.objects.get(pk=site["truth"].pk).unpublish()
    assert client.get("/campaigns/truth-commission/").status_code == 404
    assert "Truth Commission" not in assert_miss(client, "/campaigns/")[1]


def test_renaming_a_topic_updates_news_pages_only(client, site):
    warm(client, "/news/", "/news/article-1/", "/about/")
    site["justice"].name = "Justice and reparations"
    site["justice"].save()
    assert "Justice and reparations" in assert_miss(client, "/news/")[1]
    assert "Justice and reparations" in assert_miss(client, "/news/article-1/")[1]
    assert_hit(client, "/about/")


def test_site_settings_change_updates_every_page(client, site):
    warm(client, *ALL_URLS)
    settings = SiteSettings.load()
    settings.charity_number = "1040439"
    settings.save()
    for url in ALL_URLS:
        assert "1040439" in assert_miss(client, url)[1], url


def test_a_menu_title_change_updates_every_page(client, site):
    warm(client, *ALL_URLS)
    about = StandardPage.objects.get(pk=site["about"].pk)
    about.title = "Who we are"
    publish(about)
    for url in ALL_URLS:
        assert "Who we are" in assert_miss(client, url)[1], url


def test_a_body_change_of_a_menu_page_updates_that_page_only(client, site):
    warm(client, "/about/", "/news/", "/")
    about = StandardPage.objects.get(pk=site["about"].pk)
    about.intro = "PSG since 1992."
    publish(about)
    assert "PSG since 1992." in assert_miss(client, "/about/")[1]
    assert_hit(client, "/news/")
    assert_hit(client, "/")


def test_a_new_view_restriction_stops_serving_the_page(client, site):
    warm(client, "/about/history/")
    PageViewRestriction.objects.create(
        page=Page.objects.get(pk=site["history"].pk),
        restriction_type=PageViewRestriction.LOGIN,
    )
    response = client.get("/about/history/")
    assert response.status_code == 302
    assert response["X-Cache"] == "MISS"


def test_changing_a_listed_image_updates_pages(client, site):
    from bench.content import make_images

    image = make_images(1)[0]
    article = NewsArticlePage.objects.get(pk=site["articles"][0].pk)
    article.image = image
    publish(article)
    warm(client, "/news/")
    image.title = "Renamed landscape"
    image.save()
    assert_miss(client, "/news/")


def test_an_empty_cache_stores_on_the_first_visit(client, site):
    from django.core.cache import cache

    cache.clear()  # no generation exists yet, as on a freshly started Redis
    assert_miss(client, "/about/")
    assert_hit(client, "/about/")


def test_an_evicted_generation_means_the_page_is_rendered_again(client, site):
    warm(client, "/news/")
    store.cache().delete(store.gen_key("news"))
    assert_miss(client, "/news/")
    assert_hit(client, "/news/")


def test_the_news_feed_is_cached_and_follows_publishing(client, site):
    warm(client, "/news/feed/", "/news/feed/?campaign=fujimori-extradition")
    add_article(site["news"], "Feed-worthy news", campaigns=[site["fujimori"]])
    for url in ("/news/feed/", "/news/feed/?campaign=fujimori-extradition"):
        assert "Feed-worthy news" in assert_miss(client, url)[1], url
