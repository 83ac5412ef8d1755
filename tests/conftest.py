"""Fixtures shared by the whole suite, and the rule for tests that need something missing.

The database engine comes from DATABASE_URL (SQLite when unset), so the same tests run on
SQLite and on PostgreSQL; `make test` runs both passes.
"""

import datetime
import inspect
import os
from pathlib import Path

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


# Parallel runs (`make test`: pytest-xdist with `--dist loadgroup`, docs/testing.md). Each worker
# process has its own test database (pytest-django), Redis database and media folder
# (psg/settings/test.py) and temporary folders. Tests that share a set-up wider than one test (a
# module-, package- or session-scoped fixture of a test module or of a sub-folder's conftest.py:
# the browser, the restore tests' template installation) are sent to one worker, which then
# builds it once. A group never mixes tests that pytest-django runs at different points
# (database tests, transactional ones, then the rest): a worker runs what it is sent in order.

TESTS_DIR = Path(__file__).resolve().parent


def _shared_setups(item):
    """The fixtures wider than one test, defined in the suite outside this file, that `item` uses."""
    info = getattr(item, "_fixtureinfo", None)
    for fixturedefs in info.name2fixturedefs.values() if info else ():
        fixturedef = fixturedefs[-1]
        if fixturedef.scope == "function":
            continue
        path = Path(inspect.getsourcefile(fixturedef.func)).resolve()
        if TESTS_DIR in path.parents and path != Path(__file__).resolve():
            yield path, fixturedef.func.__name__


def _django_order(item):
    """Where pytest-django runs `item`: 0 with the database tests, 1 with the transactional
    ones, 2 with the tests that use no database (it sorts them so)."""
    from pytest_django.plugin import validate_django_db

    marker = item.get_closest_marker("django_db")
    transaction, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    fixtures = set(getattr(item, "fixturenames", ()))
    if transaction or reset_sequences or fixtures & {"transactional_db", "live_server"}:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """In a parallel run, mark the tests that share a set-up with one xdist_group."""
    if not hasattr(config, "workerinput"):
        return
    parent = {}

    def root(key):
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    shared = {}
    for item in items:
        order = _django_order(item)
        keys = [(order, *setup) for setup in _shared_setups(item)]
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
        if keys:
            shared[item] = keys[0]
    names = {}
    for item, key in shared.items():
        group = root(key)
        name = names.setdefault(group, f"{group[2]}-{len(names) + 1}")
        item.add_marker(pytest.mark.xdist_group(name))


class _GroupedNodeIds:
    """pytest-xdist 3.8 tells the scheduler an item's group by appending "@group" to its node
    id through `item._nodeid`, which pytest 9.2 no longer reads (pytest-xdist issue 1386):
    without this the groups are silently ignored. Does nothing once pytest-xdist stops."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        from _pytest.nodeid import NodeId

        for item in items:
            marked = getattr(item, "_nodeid", None)
            if isinstance(marked, str) and marked != item.nodeid and hasattr(item, "_id"):
                item._id = NodeId.parse(marked)


def pytest_configure(config):
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(_GroupedNodeIds(), "psg-grouped-node-ids")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, left with the rows the migrations made when the run ends
    (a transactional test empties it as it ends), so the next run with --reuse-db finds them."""
    yield
    from tests.factories import restore_migrated_rows

    with django_db_blocker.unblock():
        restore_migrated_rows()


@pytest.fixture(autouse=True)
def _clean_caches():
    """No test sees another's cached pages, settings or site root paths (all in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def es_default(settings):
    """The site searches through a faked Elasticsearch 9 (tests/es_fake.py), which it yields."""
    from tests.es_fake import FakeElasticsearch, es_config

    settings.WAGTAILSEARCH_BACKENDS = {"default": es_config()}
    with FakeElasticsearch().installed() as fake:
        yield fake


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


@pytest.fixture
def topics(db):
    """The Mining and Justice topics."""
    from news.models import Topic

    return {
        "mining": Topic.objects.create(name="Mining", slug="mining"),
        "justice": Topic.objects.create(name="Justice", slug="justice"),
    }


@pytest.fixture
def news(site_tree, topics):
    """Twelve articles a month apart (newest: 12 December 2006), plus three filed ones."""
    from tests.factories import add_article

    index = site_tree["news"]
    articles = [
        add_article(index, f"Monthly bulletin {n}", date=datetime.date(2006, n, 12))
        for n in range(1, 13)
    ]
    extradition = add_article(
        index,
        "European Parliament backs the Fujimori extradition request",
        date=datetime.date(2005, 1, 31),
        summary="On 20 January the European Parliament voted on a resolution.",
        campaigns=[site_tree["fujimori"]],
        topics=[topics["justice"]],
    )
    amnesty = add_article(
        index,
        "Amnesty International launch campaign to bring Fujimori to justice",
        date=datetime.date(2005, 1, 30),
        campaigns=[site_tree["fujimori"]],
    )
    mining = add_article(
        index,
        "The trend in increasing mining exports continues unabated",
        date=datetime.date(2004, 3, 31),
        topics=[topics["mining"]],
    )
    return {
        "bulletins": articles,
        "extradition": extradition,
        "amnesty": amnesty,
        "mining": mining,
    }


@pytest.fixture
def menu(site_tree):
    """News and Campaigns in the menu, plus an About page (returned)."""
    from home.models import StandardPage
    from tests.factories import publish

    for key in ("news", "campaigns"):
        page = site_tree[key]
        page.show_in_menus = True
        publish(page)
    return site_tree["home"].add_child(
        instance=StandardPage(title="About us", slug="about", show_in_menus=True)
    )


# People, one fixture per role: members of the groups the data migrations create, signing in with
# tests.factories.PASSWORD. A superuser is pytest-django's `admin_user` ("admin", "password"),
# signed in by `admin_client`.


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
def officer(db):
    """A member of Membership officers: sees, changes and exports membership applications."""
    from tests.factories import make_user

    return make_user("olivia", "Membership officers")


@pytest.fixture
def editor_client(client, editor):
    """pytest-django's `client`, signed in as the editor."""
    client.force_login(editor)
    return client


@pytest.fixture
def moderator_client(moderator):
    """A second client of its own (beside `client`), signed in as the moderator."""
    from django.test import Client

    other = Client()
    other.force_login(moderator)
    return other


@pytest.fixture
def officer_client(client, officer):
    """pytest-django's `client`, signed in as the membership officer."""
    client.force_login(officer)
    return client


@pytest.fixture
def live_article(site_tree, moderator):
    """A published article (one revision), as a moderator leaves it after approval."""
    from news.models import NewsArticlePage

    article = site_tree["news"].add_child(
        instance=NewsArticlePage(
            title="Mining conflict in Cajamarca",
            slug="mining-conflict",
            date=datetime.date(2026, 11, 2),
            summary="Communities in Cajamarca oppose the Conga mine.",
            body=[("paragraph", "<p>Published text about the Conga mine.</p>")],
        )
    )
    article.save_revision(user=moderator).publish(user=moderator)
    return NewsArticlePage.objects.get(pk=article.pk)


# The production settings under test (tests/production_helpers.py).


@pytest.fixture
def production(monkeypatch, settings):
    """psg/settings/production.py loaded with a secret key and host name in the environment, its
    security-relevant values applied to the running test settings (the database, cache and
    storages stay the test suite's). Returns all its values."""
    from tests.production_helpers import apply_production_settings

    return apply_production_settings(monkeypatch, settings)


@pytest.fixture
def https(client):
    """A client that talks to the production host over HTTPS, through the proxy."""
    from tests.production_helpers import HOST

    # As production receives them: TLS ends at the proxy, which says so in X-Forwarded-Proto.
    client.defaults.update({"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"})
    return client


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
