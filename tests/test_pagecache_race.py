"""A page rendered while content changes is never kept after the change.

The generations are read before a page is rendered and replaced both when a change is made
and again when its transaction commits (pagecache/store.py). The second test plays the race
with two real database connections, so it needs PostgreSQL: SQLite's in-memory test database
locks a table that another connection is writing instead of showing its committed rows.
"""

import os
import threading

import dj_database_url
import psycopg
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.urls import resolve

from home.models import HomePage, StandardPage
from pagecache import store
from pagecache.middleware import PageCacheMiddleware
from tests.conftest import run_in_pass
from tests.factories import add_article, publish, restore_migrated_rows


def get(client, url):
    response = client.get(url)
    return response, response.get("X-Cache"), response.content.decode()


@pytest.mark.django_db
def test_a_response_rendered_while_content_changes_is_not_kept(rf, site_tree):
    """A page rendered from data read before a publish must not outlive the publish."""
    article = add_article(site_tree["news"], "Article 1", campaigns=[site_tree["fujimori"]])

    def render_while_an_editor_publishes(request):
        match = resolve(request.path)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        response.render()
        article.title = "Changed while rendering"
        publish(article)
        return response

    middleware = PageCacheMiddleware(render_while_an_editor_publishes)
    request = rf.get("/news/")
    request.COOKIES = {}
    request.user = AnonymousUser()
    assert middleware(request)["X-Cache"] == "MISS"
    url = "http://testserver/news/?"
    entry, gens = store.read(url, "/news/")
    assert entry is not None  # it was stored, but under generations that are already gone
    assert not store.is_fresh(entry, gens)


def admin_sql(*statements):
    settings_dict = connection.settings_dict
    server = {
        key.lower(): settings_dict.get(key) or None for key in ("HOST", "PORT", "USER", "PASSWORD")
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        for statement in statements:
            admin.execute(statement)


@pytest.fixture
def committed_database(django_db_setup, django_db_blocker):
    """A copy of the migrated test database where every change is committed, for one test.

    Two connections must see each other's commits, so the test cannot run inside the usual
    test transaction; a transactional test would empty the shared test database afterwards.
    """
    run_in_pass("postgresql", "it needs two connections that see only each other's commits")
    with django_db_blocker.unblock():
        configured = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
        if connection.settings_dict["NAME"] == configured:
            # pytest-django sets up the test database only when a collected test is marked
            # django_db; this one is not.
            connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
        restore_migrated_rows()
        original = connection.settings_dict["NAME"]
        scratch = f"{original}_pagecache_race"
        connection.close()
        admin_sql(
            f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)',
            f'CREATE DATABASE "{scratch}" TEMPLATE "{original}"',
        )
        # Every connection opened from here on, in any thread, uses the copy.
        connection.settings_dict["NAME"] = scratch
        try:
            yield scratch
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original
            admin_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_a_page_rendered_while_a_publish_commits_is_not_kept_after_it(client, committed_database):
    """An editor's publish has replaced the generations but is not committed yet, so a visit
    in that moment renders the old content under the new generations. Once the publish
    commits, that copy must not be served."""
    about = HomePage.objects.get().add_child(
        instance=StandardPage(title="About us", slug="about", intro="Who we are.")
    )
    publish(about)
    saved, may_commit = threading.Event(), threading.Event()
    failures = []

    def editor_publishes():
        try:
            with transaction.atomic():
                page = StandardPage.objects.get(pk=about.pk)
                page.intro = "Founded in 1983."
                publish(page)
                saved.set()
                if not may_commit.wait(60):
                    raise TimeoutError("the visitor's request never finished")
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
        finally:
            saved.set()
            connection.close()

    editor = threading.Thread(target=editor_publishes)
    editor.start()
    try:
        assert saved.wait(60), "the editor's publish never got as far as saving"
        response, state, html = get(client, "/about/")
    finally:
        may_commit.set()
        editor.join(60)
    assert not failures, failures
    # The visit read what was committed then: the old introduction.
    assert (response.status_code, state) == (200, "MISS")
    assert "Who we are." in html and "Founded in 1983." not in html
    # After the commit the next visitor sees the published change, not that copy.
    response, state, html = get(client, "/about/")
    assert (response.status_code, state) == (200, "MISS")
    assert "Founded in 1983." in html
