"""Fixtures shared by the whole suite.

The database engine comes from DATABASE_URL (SQLite when unset), so the same tests run on
SQLite and on PostgreSQL; `make test` runs both passes.
"""

import pytest
from django.core.cache import cache
from wagtail.models import Page


@pytest.fixture(autouse=True)
def _clean_caches():
    """No test sees another's cached pages, settings or site root paths (all in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home_page(db):
    """The home page the migrations create."""
    from home.models import HomePage

    return HomePage.objects.get()


@pytest.fixture
def site_tree(home_page):
    """The empty skeleton: home, News, Campaigns with the two campaign hubs."""
    from campaigns.models import CampaignIndexPage, CampaignPage
    from news.models import NewsIndexPage

    news_index = home_page.add_child(instance=NewsIndexPage(title="News", slug="news"))
    campaign_index = home_page.add_child(
        instance=CampaignIndexPage(title="Campaigns", slug="campaigns")
    )
    fujimori = campaign_index.add_child(
        instance=CampaignPage(
            title="Fujimori extradition",
            slug="fujimori-extradition",
            summary="Bring Alberto Fujimori to justice in Peru.",
        )
    )
    truth = campaign_index.add_child(
        instance=CampaignPage(
            title="Truth Commission",
            slug="truth-commission",
            summary="Implement the recommendations of the Truth Commission.",
        )
    )
    return {
        "home": Page.objects.get(pk=home_page.pk).specific,
        "news": news_index,
        "campaigns": campaign_index,
        "fujimori": fujimori,
        "truth": truth,
    }
