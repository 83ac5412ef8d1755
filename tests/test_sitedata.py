"""The site data every page shows (menu, sections) comes from the cache, the site and its
settings from Wagtail, and every change an editor can make to them shows on the next request.

The page cache is off here, so each request really renders; tests/test_pagecache.py checks that
the same changes reach stored pages.
"""

import re

import pytest
from django.test import RequestFactory
from wagtail.models import Page, PageViewRestriction, Site

from home.models import StandardPage
from news.models import NewsArticlePage
from psg import sitedata
from psg.models import SiteSettings

pytestmark = pytest.mark.django_db


def publish(page):
    page.save_revision().publish()
    return page


@pytest.fixture
def site(site_tree, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    home = site_tree["home"]
    about = publish(
        home.add_child(instance=StandardPage(title="About us", slug="about", show_in_menus=True))
    )
    history = publish(about.add_child(instance=StandardPage(title="History", slug="history")))
    privacy = publish(about.add_child(instance=StandardPage(title="Privacy", slug="privacy")))
    news = site_tree["news"]
    news.show_in_menus = True
    publish(news)
    article = news.add_child(
        instance=NewsArticlePage(title="Ruling in Lima", slug="ruling", summary="A ruling.")
    )
    publish(article)
    return dict(site_tree, about=about, history=history, privacy=privacy, article=article)


def menu_titles(client, url="/news/"):
    html = client.get(url).content.decode()
    if 'aria-label="Main"' not in html:
        return []
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r"<li><a [^>]*>([^<]*)</a></li>", nav)


def footer(client, url="/news/"):
    return client.get(url).content.decode().split('class="site-footer"', 1)[1]


# Served from the cache ---------------------------------------------------------------------------


def test_a_warm_read_needs_no_query(site, django_assert_num_queries):
    sitedata.get()
    request = RequestFactory().get("/news/")
    Site.find_for_request(request)  # Wagtail keeps the site on the request
    with django_assert_num_queries(0):
        data = sitedata.get(request)
        assert [page.title for page in sitedata.menu(request)] == ["News", "About us"]
        assert sitedata.section(request, "news").url_path == site["news"].url_path
    # Read once per request: the request keeps it.
    with django_assert_num_queries(0):
        assert sitedata.get(request) is data


def test_the_site_and_its_settings_come_from_wagtail_once_a_request(client, site):
    """Wagtail finds the site (one query) and loads the settings with the privacy page and the
    share image (one query); the menu comes from the cache; no query of its own asks for the
    view restrictions (routing asks inside the query that loads the page)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/about/history/")  # warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/about/history/")
    assert response.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([q for q in sql if 'FROM "wagtailcore_site"' in q]) == 1
    assert len([q for q in sql if 'FROM "psg_sitesettings"' in q]) == 1
    assert [q for q in sql if 'FROM "wagtailcore_pageviewrestriction"' in q.split("(")[0]] == []
    assert len(sql) <= 5, sql
    html = response.content.decode()
    assert 'href="/about/">About us</a>' in html  # breadcrumbs from the routed ancestors


def test_the_home_page_shows_its_latest_published_fields(client, site):
    """Fields of the root page that no other page shows (SEO title, hero heading) change only
    the home page's own entry; the home page loads them afresh, never from the site data."""
    client.get("/")  # the site data is cached now
    home = site["home"]
    home.seo_title = "Peru Support Group: solidarity since 1992"
    home.hero_heading = "Justice for the victims"
    publish(home)
    html = client.get("/").content.decode()
    assert "<title>Peru Support Group: solidarity since 1992" in html
    assert "Justice for the victims</h1>" in html


def test_a_cold_cache_builds_the_data_once(site, django_assert_max_num_queries):
    # The sites' root paths, the top-level sections no view restriction covers.
    with django_assert_max_num_queries(2):
        sitedata.get()
    with django_assert_max_num_queries(0):
        sitedata.get()


# Invalidation ------------------------------------------------------------------------------------


def test_a_menu_title_change_shows_at_once(client, site):
    assert "About us" in menu_titles(client)
    about = StandardPage.objects.get(pk=site["about"].pk)
    about.title = "Who we are"
    publish(about)
    assert menu_titles(client) == ["News", "Who we are"]


def test_show_in_menus_adds_and_removes_a_page(client, site):
    assert menu_titles(client) == ["News", "About us"]
    campaigns = Page.objects.get(pk=site["campaigns"].pk).specific
    campaigns.show_in_menus = True
    publish(campaigns)
    assert menu_titles(client) == ["News", "Campaigns", "About us"]
    about = StandardPage.objects.get(pk=site["about"].pk)
    about.show_in_menus = False
    publish(about)
    assert menu_titles(client) == ["News", "Campaigns"]


def test_unpublishing_a_menu_page_removes_it(client, site):
    assert "About us" in menu_titles(client)
    StandardPage.objects.get(pk=site["about"].pk).unpublish()
    assert menu_titles(client) == ["News"]


def test_saving_the_settings_shows_at_once(client, site):
    assert "1040439" not in footer(client)
    settings = SiteSettings.load()
    settings.charity_number = "1040439"
    settings.save()
    assert "Registered charity number 1040439." in footer(client)


def test_the_privacy_page_link_follows_its_address(client, site):
    settings = SiteSettings.load()
    settings.privacy_page = site["privacy"]
    settings.save()
    assert 'href="/about/privacy/"' in footer(client)
    privacy = StandardPage.objects.get(pk=site["privacy"].pk)
    privacy.slug = "privacy-notice"
    publish(privacy)
    assert 'href="/about/privacy-notice/"' in footer(client)
    privacy.delete()
    assert "Privacy notice" not in footer(client)


def test_a_view_restriction_hides_a_section_from_listings_and_menus(client, site):
    news = Page.objects.get(pk=site["news"].pk)
    assert "Ruling in Lima" in client.get("/").content.decode()
    restriction = PageViewRestriction.objects.create(
        page=news, restriction_type=PageViewRestriction.LOGIN
    )
    assert menu_titles(client, "/about/") == ["About us"]
    assert "Ruling in Lima" not in client.get("/").content.decode()
    response = client.get("/news/ruling/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    restriction.delete()
    assert menu_titles(client, "/about/") == ["News", "About us"]
    assert "Ruling in Lima" in client.get("/").content.decode()
    assert client.get("/news/ruling/").status_code == 200


def test_moving_a_page_updates_the_menu_and_the_private_paths(client, site):
    history = Page.objects.get(pk=site["history"].pk)
    PageViewRestriction.objects.create(page=history, restriction_type=PageViewRestriction.LOGIN)
    history.move(Page.objects.get(pk=site["home"].pk), pos="last-child")
    history.refresh_from_db()
    history.show_in_menus = True
    history.save()
    assert client.get("/history/").status_code == 302  # still restricted at its new address
    # Private pages stay out of the menu, wherever they are.
    assert menu_titles(client) == ["News", "About us"]
    about = Page.objects.get(pk=site["about"].pk)
    about.move(Page.objects.get(pk=site["campaigns"].pk), pos="last-child")
    assert menu_titles(client) == ["News"]


def test_a_new_site_hostname_is_found_at_once(client, site):
    assert client.get("/news/", HTTP_HOST="127.0.0.1").status_code == 200
    default = Site.objects.get()
    other = Site.objects.create(
        hostname="127.0.0.1", port=80, root_page=Page.objects.get(pk=site["about"].pk)
    )
    response = client.get("/history/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert Site.find_for_request(response.wsgi_request).pk == other.pk
    assert client.get("/news/").status_code == 200  # testserver: still the default site
    other.delete()
    assert client.get("/history/", HTTP_HOST="127.0.0.1").status_code == 404
    assert default.pk == Site.objects.get().pk


def test_the_privacy_page_link_costs_no_query_of_its_own(client, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(path):
        client.get(path)  # warm: Wagtail's site root paths are cached after the first request
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    without, _ = queries("/about/history/")
    settings = SiteSettings.load()
    settings.privacy_page = site["privacy"]
    settings.save()
    with_link, html = queries("/about/history/")
    assert 'href="/about/privacy/"' in html
    assert with_link == without
