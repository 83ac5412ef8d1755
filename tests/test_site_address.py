"""Links carry the address the site is really served at.

`make run` (manage.py run_site --port N) points the admin's base URL and the default Site at
http://127.0.0.1:N, so mail, feed and sitemap links lead back to the running site. In production,
`check --deploy` and /healthz/ warn while the default Site still says localhost or names a host
that ALLOWED_HOSTS refuses; `make lint`'s check of the production settings still passes.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks, mail
from django.test import Client
from wagtail.models import Site

from psg.management.commands.run_site import use_served_address
from tests.factories import add_article

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def served(monkeypatch, settings):
    """`run_site --port 8123` set up, with no admin base URL given in the environment."""
    monkeypatch.delenv("WAGTAILADMIN_BASE_URL", raising=False)
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    return use_served_address("127.0.0.1", "8123")


def test_run_site_points_the_admin_and_the_default_site_at_its_port(site_tree, served):
    base_url, _site = served
    from django.conf import settings

    assert base_url == "http://127.0.0.1:8123"
    assert settings.WAGTAILADMIN_BASE_URL == "http://127.0.0.1:8123"
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("127.0.0.1", 8123)
    # The userbar's origin in the public pages' policy follows.
    assert "http://127.0.0.1:8123" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"]


def test_feed_and_sitemap_links_use_the_served_address(site_tree, served):
    add_article(site_tree["news"], "Hearing in Lima", slug="hearing-in-lima")
    client = Client(HTTP_HOST="127.0.0.1:8123")

    feed = client.get("/news/feed/").content.decode()
    sitemap = client.get("/sitemap.xml").content.decode()

    assert "http://127.0.0.1:8123/news/hearing-in-lima/" in feed
    assert "http://127.0.0.1:8123/news/hearing-in-lima/" in sitemap
    assert "localhost" not in feed + sitemap


def test_moderation_mail_links_use_the_served_address(draft_article, editor, moderator, served):
    mail.outbox.clear()

    draft_article.get_workflow().start(draft_article, editor)  # "Submit for moderation"

    to_moderator = [m for m in mail.outbox if moderator.email in m.to]
    assert to_moderator
    assert any("http://127.0.0.1:8123/admin/" in m.body for m in to_moderator)
    assert not any("127.0.0.1:8000" in m.body or "localhost" in m.body for m in to_moderator)


def test_listening_on_every_address_gives_links_to_this_machine(site_tree, monkeypatch, settings):
    monkeypatch.delenv("WAGTAILADMIN_BASE_URL", raising=False)
    base_url, site = use_served_address("0.0.0.0", 9000)  # noqa: S104
    assert base_url == "http://127.0.0.1:9000"
    assert (site.hostname, site.port) == ("127.0.0.1", 9000)


def test_an_address_given_in_the_environment_and_a_real_site_name_are_kept(
    home_page, monkeypatch, settings
):
    monkeypatch.setenv("WAGTAILADMIN_BASE_URL", "https://psg.example.org")
    settings.WAGTAILADMIN_BASE_URL = "https://psg.example.org"
    Site.objects.filter(is_default_site=True).update(hostname="www.example.org", port=443)

    base_url, site = use_served_address("127.0.0.1", 8123)

    assert base_url == settings.WAGTAILADMIN_BASE_URL == "https://psg.example.org"
    site.refresh_from_db()
    assert (site.hostname, site.port) == ("www.example.org", 443)


# Production: check --deploy and /healthz/ ----------------------------------------------------


def deploy_warnings():
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.sites])
    return {message.id: message.msg for message in found if message.id.startswith("psg.")}


def set_default_site(hostname, port=443):
    Site.objects.filter(is_default_site=True).update(hostname=hostname, port=port)


def test_check_deploy_warns_while_the_default_site_says_localhost(home_page, settings):
    settings.ALLOWED_HOSTS = ["www.example.org"]
    set_default_site("localhost", 80)

    found = deploy_warnings()

    assert list(found) == ["psg.W001"]
    assert "“localhost”" in found["psg.W001"]
    assert "www.example.org" in found["psg.W001"]  # what to set instead


def test_check_deploy_warns_about_a_host_that_allowed_hosts_refuses(home_page, settings):
    settings.ALLOWED_HOSTS = ["www.example.org"]
    set_default_site("old.example.org")

    assert list(deploy_warnings()) == ["psg.W002"]


def test_check_deploy_is_quiet_for_the_public_host_name(home_page, settings):
    settings.ALLOWED_HOSTS = [".example.org"]
    set_default_site("www.example.org")

    assert deploy_warnings() == {}


def test_healthz_warns_in_production_and_still_answers_200(home_page, settings, client):
    settings.PSG_SITE_ADDRESS_WARNINGS = True
    set_default_site("localhost", 80)

    response = client.get("/healthz/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert len(body["warnings"]) == 1
    assert "“localhost”" in body["warnings"][0]

    set_default_site("testserver")
    assert "warnings" not in client.get("/healthz/").json()


def test_healthz_says_nothing_of_the_site_outside_production(home_page, settings, client):
    settings.PSG_SITE_ADDRESS_WARNINGS = False
    set_default_site("localhost", 80)

    assert client.get("/healthz/").json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.engine_agnostic  # a manage.py process of its own, on its own SQLite database
@pytest.mark.parametrize("database", ["missing-file", "memory"])
def test_lints_check_of_the_production_settings_passes_on_a_fresh_database(tmp_path, database):
    """`make lint` runs check --deploy --fail-level WARNING with the production settings: a
    database that does not exist yet (or an empty one) gives no warning and is not created."""
    missing = tmp_path / "never-created.sqlite3"
    url = f"sqlite:///{missing}" if database == "missing-file" else "sqlite:///:memory:"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "psg.settings.production",
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "www.example.org",
        "DATABASE_URL": url,
        "PSG_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not missing.exists()
