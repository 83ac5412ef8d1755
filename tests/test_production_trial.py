"""A trial of the production settings over plain HTTP: PSG_PLAIN_HTTP_TRIAL=true.

With it a browser can sign in to the admin and send the join form over http:// (no redirect
to HTTPS, no HSTS, cookies not marked Secure, which a browser would not send back over plain
HTTP); the process says loudly that it is a trial, and `check --deploy` warns. Without it,
cookies stay Secure even when the redirect is turned off. docs/deployment.md, "A trial over
plain HTTP".
"""

import http.cookiejar
import os
import re
import runpy
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from membership.models import JoinPage
from tests.factories import PASSWORD, make_user
from tests.gunicorn_helpers import ROOT, SECRET, Gunicorn, copy_test_database, sqlite_pass_only

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
TRIAL_WARNING = "This is a TRIAL over plain HTTP"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps cookies as a browser does: a cookie marked Secure never goes back over plain HTTP."""

    def __init__(self, origin):
        self.origin = origin
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPCookieProcessor(self.cookies),
            NoRedirects,
        )

    def open(self, path, form=None):
        headers, data = {}, None
        if form is not None:
            data = urlencode(form).encode()
            headers = {"Origin": self.origin}
        request = urllib.request.Request(self.origin + path, data=data, headers=headers)  # noqa: S310 (http:// only)
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as answer:  # 3xx and 4xx/5xx
            return answer.code, answer.headers, answer.read().decode()


def production_settings(monkeypatch, **env):
    for name in ("PSG_PLAIN_HTTP_TRIAL", "SECURE_SSL_REDIRECT", "CSRF_TRUSTED_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("ALLOWED_HOSTS", "www.example.org")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("psg.settings.production", run_name="production_settings_under_test")


def test_by_default_cookies_stay_secure_even_without_the_https_redirect(monkeypatch, capsys):
    values = production_settings(monkeypatch, SECURE_SSL_REDIRECT="false")
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] == 60 * 60 * 24 * 365
    assert not [origin for origin in values["CSRF_TRUSTED_ORIGINS"] if "http://" in origin]
    assert TRIAL_WARNING not in capsys.readouterr().err


@pytest.mark.engine_agnostic  # settings checked by a manage.py process of its own
def test_the_trial_setting_is_refused_by_the_deployment_check_and_announced():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(
        DJANGO_SETTINGS_MODULE="psg.settings.production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="www.example.org",
        PSG_PLAIN_HTTP_TRIAL="true",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    # No HSTS, no redirect to HTTPS, cookies not Secure: each reported.
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in output
    assert TRIAL_WARNING in result.stderr


@sqlite_pass_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_plain_http_trial_signs_in_to_the_admin_and_takes_the_join_form(home_page, tmp_path):
    admin = make_user("trial.admin", superuser=True)
    # Stored as production stores passwords (the test settings' fast hasher is not enabled there).
    admin.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    admin.save()
    home_page.add_child(
        instance=JoinPage(title="Become a member", slug="join", notification_emails="o@psg.example")
    )
    copy_test_database(tmp_path / "site.sqlite3")
    # Static files are not collected beforehand: gunicorn does it as it starts.
    trial = {"ALLOWED_HOSTS": "127.0.0.1", "PSG_PLAIN_HTTP_TRIAL": "true"}
    with Gunicorn(tmp_path, MEMBERSHIP_MIN_FILL_SECONDS="0", **trial) as server:
        browser = Browser(f"http://127.0.0.1:{server.port}")
        status, headers, page = browser.open("/admin/login/")
        assert status == 200, page  # not redirected to https://
        assert "Strict-Transport-Security" not in headers
        assert "; secure" not in headers["Set-Cookie"].lower()

        status, headers, page = browser.open(
            "/admin/login/",
            {
                "csrfmiddlewaretoken": CSRF_RE.search(page).group(1),
                "username": "trial.admin",
                "password": PASSWORD,
            },
        )
        assert (status, headers["Location"]) == (302, "/admin/"), page
        # Signed in: the dashboard, not a redirect to the sign-in page.
        status, headers, page = browser.open("/admin/")
        assert status == 200, headers.get("Location")

        status, _, page = browser.open("/join/")
        assert status == 200
        form = {
            "csrfmiddlewaretoken": CSRF_RE.search(page).group(1),
            "started": STARTED_RE.search(page).group(1),
            "name": "Rosa Quispe",
            "email": "rosa@example.org",
            "membership_type": "individual",
            "country": "Peru",
            "consent": "on",
            "website": "",
        }
        status, headers, page = browser.open("/join/", form)
        assert (status, headers["Location"]) == (302, "/join/thank-you/"), page

    with sqlite3.connect(tmp_path / "site.sqlite3") as database:
        stored = database.execute("SELECT name FROM membership_membershipapplication").fetchall()
    assert stored == [("Rosa Quispe",)]
    assert TRIAL_WARNING in server.output()
    assert (tmp_path / "static" / "staticfiles.json").exists()
