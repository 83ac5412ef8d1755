"""The error pages answer whatever else is broken (psg/errors.py, templates/errors/).

Until `collectstatic` has run, every `{% static %}` tag raises under the production storage
(whitenoise's CompressedManifestStaticFilesStorage), so every page of the site fails. The
500 page must not fail with them, or visitors get a bare "Server Error"; a missing page must
still be a 404. These tests use that storage with an empty STATIC_ROOT, through Django's test
client and through a real gunicorn with the production settings. The pages' inline styles
must be allowed by the strict public Content-Security-Policy (by hash, not 'unsafe-inline').
"""

import base64
import hashlib
import re

import pytest
from django.test import Client

from news.models import NewsIndexPage
from tests.gunicorn_helpers import Gunicorn, copy_test_database, sqlite_pass_only

MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
HTTPS = {"Host": "www.example.org", "X-Forwarded-Proto": "https"}


@pytest.fixture
def uncollected(settings, tmp_path):
    """The production storage of static files, before `collectstatic` (an empty STATIC_ROOT)."""
    (tmp_path / "static").mkdir()
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    return settings


def assert_standalone_and_allowed(html, policy):
    """No static file used; every <style> element allowed by its hash; nothing else inline."""
    assert "/static/" not in html and "<link" not in html
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert styles, "the page brings its own styles"
    assert " style=" not in html
    style_src = next(
        part.split()[1:] for part in policy.split(";") if part.split()[0] == "style-src"
    )
    assert "'unsafe-inline'" not in style_src
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in style_src


def test_a_page_that_fails_before_collectstatic_gets_the_styled_500(uncollected, site_tree):
    client = Client(raise_request_exception=False)
    response = client.get("/news/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong on our side" in html
    assert '<html lang="en-GB">' in html and '<main id="main"' in html
    assert_standalone_and_allowed(html, response["Content-Security-Policy"])


def test_a_missing_page_before_collectstatic_is_still_a_404(uncollected, site_tree):
    response = Client(raise_request_exception=False).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Sorry, we cannot find that page" in html
    assert '<meta name="robots" content="noindex">' in html
    assert_standalone_and_allowed(html, response["Content-Security-Policy"])


def test_a_broken_500_template_still_gives_a_styled_500(settings, tmp_path, site_tree, monkeypatch):
    def broken(self, request, *args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(NewsIndexPage, "get_context", broken)
    # A 500.html that cannot even be loaded, found before the real one.
    (tmp_path / "500.html").write_text("{% load no_such_library %}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    response = Client(raise_request_exception=False).get("/news/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong on our side" in html
    assert_standalone_and_allowed(html, response["Content-Security-Policy"])


def test_the_404_page_keeps_the_site_layout_when_it_can(site_tree):
    """The standalone 404 is only for when the site's own one cannot be rendered."""
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'href="/static/css/site.css"' in html and "<style>" not in html


@sqlite_pass_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_gunicorn_without_collected_static_files_sends_the_styled_error_pages(tmp_path):
    copy_test_database(tmp_path / "site.sqlite3")
    with Gunicorn(tmp_path, ALLOWED_HOSTS=HTTPS["Host"], GUNICORN_COLLECTSTATIC="false") as server:
        status, headers, html = server.get("/", HTTPS)
        assert status == 500, html
        assert "Sorry, something went wrong on our side" in html
        assert_standalone_and_allowed(html, headers["Content-Security-Policy"])

        status, headers, html = server.get("/no-such-page/", HTTPS)
        assert status == 404, html
        assert "Sorry, we cannot find that page" in html
        assert_standalone_and_allowed(html, headers["Content-Security-Policy"])
    # Why the pages failed, in the log: the static files were never collected.
    assert "Missing staticfiles manifest entry" in server.output()
    assert not (tmp_path / "static" / "staticfiles.json").exists()
