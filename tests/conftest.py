"""Fixtures shared by the whole suite, and the rule for tests that need something missing.

The database engine comes from DATABASE_URL (SQLite when unset), so the same tests run on
SQLite and on PostgreSQL; `make test` runs both passes.
"""

import os

import pytest
from django.core.cache import cache
from wagtail.models import Page

# What CI (.ci/run, which sets PSG_REQUIRE_ALL=1) is not expected to have, named as tests pass
# it to require(). Everything else a test may need, CI has: PostgreSQL, Redis, Chromium and a
# copy of ../shared beside the checkout. systemd-analyze is here because the project's set-up
# does not install it (Debian's systemd package does).
NOT_IN_CI = {"an Elasticsearch server", "systemd-analyze"}

DATABASE_PASSES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def require(available, what, how=""):
    """Go on with the calling test only if `available`; otherwise say that `what` is missing.

    A missing `what` skips the test with its name (and `how`: where it comes from). Under
    PSG_REQUIRE_ALL=1 (CI) it fails the test instead, unless CI is not expected to have it
    (NOT_IN_CI): a skip never hides something that CI should have tested.
    """
    __tracebackhide__ = True  # report the calling test's line, not this one
    if available:
        return
    missing = f"{what} is missing" + (f" ({how})" if how else "")
    if os.environ.get("PSG_REQUIRE_ALL") == "1" and what not in NOT_IN_CI:
        pytest.fail(f"PSG_REQUIRE_ALL=1 and CI should have it, but {missing}", pytrace=False)
    pytest.skip(missing)


def run_in_pass(vendor, why):
    """Skip the calling test unless the test database is `vendor` ("postgresql", "sqlite"):
    the test belongs to that pass of `make test`, which runs it."""
    __tracebackhide__ = True
    from django.db import connection

    if connection.vendor != vendor:
        pytest.skip(f"runs in the {DATABASE_PASSES[vendor]} pass of `make test`: {why}")


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


# People and drafts shared by the editorial tests. A module may define its own `editor` (some use
# a superuser under that name); these are members of the groups the data migrations create.


@pytest.fixture
def editor(db):
    """A member of Editors: writes and submits, cannot publish."""
    from tests.factories import make_user

    return make_user("edith", "Editors")


@pytest.fixture
def moderator(db):
    """A member of Moderators: approves and publishes."""
    from tests.factories import make_user

    return make_user("maria", "Moderators")


@pytest.fixture
def draft_article(site_tree, editor):
    """An article an editor saved but nobody has published."""
    from news.models import NewsArticlePage

    article = site_tree["news"].add_child(
        instance=NewsArticlePage(
            title="Draft on the Conga mine",
            slug="draft-conga",
            summary="A summary still being written.",
            body=[("paragraph", "<p>Unpublished words about Conga.</p>")],
            live=False,
        )
    )
    article.save_revision(user=editor)
    return NewsArticlePage.objects.get(pk=article.pk)
