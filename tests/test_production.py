"""The site under its production settings: security headers, the two Content-Security-Policies,
sign-in throttling, upload rules, documents as downloads, host checks, background tasks, and
the gunicorn + whitenoise process serving compressed, immutable static files.

Most tests load psg/settings/production.py with a secret key and host name in the
environment and apply its security-relevant values to the running test settings (the
database, cache and storages stay the test suite's). The last test starts gunicorn itself.
(tests/test_platform.py covers the required variables and `check --deploy`.)
"""

import http.client
import io
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.fields import StreamField
from wagtail.images.models import Image

from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
HOST = "www.example.org"
GOOD_KEY = "p" * 20 + "-production-test-key-that-is-long-and-random-1a2b3c4d"

# The production values that decide how requests are answered. Databases, caches, storages
# and tasks stay the test suite's own.
APPLIED_PREFIXES = (
    "SECURE_",
    "SESSION_COOKIE_",
    "CSRF_COOKIE_",
    "X_FRAME_OPTIONS",
    "ALLOWED_HOSTS",
    "DEBUG",
    "MIDDLEWARE",
    "CONTENT_SECURITY_POLICY",
    "PSG_",
    "DATA_UPLOAD_",
    "FILE_UPLOAD_",
    "WAGTAILDOCS_",
    "WAGTAILIMAGES_",
)


def load_production_settings(monkeypatch, **extra_env):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("ALLOWED_HOSTS", HOST)
    for name, value in extra_env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("psg.settings.production", run_name="production_settings_under_test")


@pytest.fixture
def production(monkeypatch, settings):
    values = load_production_settings(monkeypatch)
    for name, value in values.items():
        if name.isupper() and name.startswith(APPLIED_PREFIXES):
            setattr(settings, name, value)
    return values


@pytest.fixture
def https(client):
    """A client that talks to the production host over HTTPS, through the proxy."""
    # As production receives them: TLS ends at the proxy, which says so in X-Forwarded-Proto.
    client.defaults.update({"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"})
    return client


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser(
        "chief.editor", "chief.editor@example.org", "a-long-enough-password-42"
    )


# --- reading Content-Security-Policy and pages ----------------------------------------


def parse_csp(header):
    policy = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            policy[tokens[0]] = tokens[1:]
    return policy


def sources(policy, directive):
    fallback = {
        "script-src-elem": "script-src",
        "style-src-elem": "style-src",
        "style-src-attr": "style-src",
    }
    while directive not in policy and directive in fallback:
        directive = fallback[directive]
    return policy.get(directive, policy.get("default-src", []))


def allows_url(policy, directive, url, page_origin):
    allowed = sources(policy, directive)
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return "'self'" in allowed
    if parts.scheme == "data":
        return "data:" in allowed
    origin = f"{parts.scheme or 'https'}://{parts.netloc}"
    if origin == page_origin and "'self'" in allowed:
        return True
    return origin in allowed or f"{parts.scheme}:" in allowed


def allows_inline(policy, directive):
    allowed = sources(policy, directive)
    # A nonce or hash makes browsers ignore 'unsafe-inline'.
    if any(s.startswith(("'nonce-", "'sha")) for s in allowed):
        return False
    return "'unsafe-inline'" in allowed


class ResourceCollector(HTMLParser):
    """What a browser would load or run from a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.script_urls, self.style_urls, self.image_urls, self.frame_urls = [], [], [], []
        self.inline_scripts = 0
        self.inline_style_elements = 0
        self.style_attributes = 0
        self.event_handlers = []
        self._in_script = False
        self._script_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.style_attributes += 1
        self.event_handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script":
            if attrs.get("src"):
                self.script_urls.append(attrs["src"])
            elif "json" not in (attrs.get("type") or "") and attrs.get("type") != "text/template":
                self._in_script = True
                self._script_text = ""
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.style_urls.append(attrs["href"])
        elif tag == "style":
            self.inline_style_elements += 1
        elif tag == "img" and attrs.get("src"):
            self.image_urls.append(attrs["src"])
        elif tag == "iframe" and attrs.get("src"):
            self.frame_urls.append(attrs["src"])

    def handle_data(self, data):
        if self._in_script:
            self._script_text += data

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script:
            self._in_script = False
            if self._script_text.strip():
                self.inline_scripts += 1


def assert_policy_permits_page(response, origin=f"https://{HOST}"):
    """Every script, stylesheet, image and frame the page uses is allowed by its own CSP."""
    policy = parse_csp(response["Content-Security-Policy"])
    page = ResourceCollector()
    page.feed(response.content.decode())
    problems = []
    for directive, urls in (
        ("script-src-elem", page.script_urls),
        ("style-src-elem", page.style_urls),
        ("img-src", page.image_urls),
        ("frame-src", page.frame_urls),
    ):
        problems += [
            f"{directive} blocks {url}"
            for url in urls
            if not allows_url(policy, directive, url, origin)
        ]
    if page.inline_scripts and not allows_inline(policy, "script-src-elem"):
        problems.append(f"{page.inline_scripts} inline <script> blocked")
    if page.event_handlers and not allows_inline(policy, "script-src"):
        problems.append(f"inline event handlers blocked: {page.event_handlers}")
    if page.inline_style_elements and not allows_inline(policy, "style-src-elem"):
        problems.append(f"{page.inline_style_elements} <style> elements blocked")
    if page.style_attributes and not allows_inline(policy, "style-src-attr"):
        problems.append(f"{page.style_attributes} style attributes blocked")
    assert not problems, problems
    return page


def form_fields(html, form_selector_id=None):
    """The name/value pairs a browser would submit from the page's main form."""

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.data = []
            self._template_depth = 0
            self._textarea = None
            self._select = None
            self._select_value = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "template":
                self._template_depth += 1
            if self._template_depth:
                return
            name = attrs.get("name")
            if tag == "input" and name and "__prefix__" not in name:
                kind = attrs.get("type", "text")
                if kind in {"submit", "button", "file", "image", "reset"}:
                    return
                if kind in {"checkbox", "radio"} and "checked" not in attrs:
                    return
                self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
            elif tag == "textarea" and name and "__prefix__" not in name:
                self._textarea = [name, ""]
            elif tag == "select" and name and "__prefix__" not in name:
                self._select, self._select_value = name, None
            elif (
                tag == "option"
                and self._select
                and (self._select_value is None or "selected" in attrs)
            ):
                self._select_value = attrs.get("value", "")

        def handle_data(self, data):
            if self._textarea is not None:
                self._textarea[1] += data

        def handle_endtag(self, tag):
            if tag == "template" and self._template_depth:
                self._template_depth -= 1
            elif tag == "textarea" and self._textarea is not None:
                self.data.append(tuple(self._textarea))
                self._textarea = None
            elif tag == "select" and self._select:
                self.data.append((self._select, self._select_value or ""))
                self._select = None

    parser = Fields()
    parser.feed(html)
    return parser.data


def multi_value(pairs):
    from django.utils.datastructures import MultiValueDict

    data = MultiValueDict()
    for name, value in pairs:
        data.appendlist(name, value)
    return data


def png_upload(name="photo.png"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (20, 20), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)


# --- headers on the public site -------------------------------------------------------


PUBLIC_PATHS = ["/", "/news/", "/campaigns/", "/campaigns/fujimori-extradition/", "/search/?q=peru"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_send_the_security_headers(production, https, site_tree, path):
    response = https.get(path)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    policy = parse_csp(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    page = assert_policy_permits_page(response)
    assert page.style_urls, "the page should load its stylesheet"


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production, client, home_page):
    response = client.get("/news/?page=2", HTTP_HOST=HOST)
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/news/?page=2"


@pytest.mark.django_db
def test_the_health_probe_answers_over_plain_http(production, client):
    """Load balancers and container health checks probe gunicorn directly, without TLS."""
    response = client.get("/healthz/", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_cookies_are_secure_and_session_cookie_is_http_only(production, https, editor):
    response = https.post(
        "/admin/login/",
        {"username": "chief.editor", "password": "a-long-enough-password-42"},
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    assert https.cookies["csrftoken"]["secure"]


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["evil.example", "www.example.org.evil.example", "127.0.0.1"])
def test_unknown_hosts_are_refused_with_400(production, client, home_page, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 400


# --- the admin under its own policy ---------------------------------------------------


@pytest.mark.django_db
def test_admin_pages_load_and_everything_they_use_is_allowed(production, https, editor, site_tree):
    login = https.get("/admin/login/")
    assert login.status_code == 200
    policy = parse_csp(login["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert login["X-Frame-Options"] == "DENY"
    assert_policy_permits_page(login)

    https.force_login(editor)
    campaign = site_tree["fujimori"]
    inline_seen = 0
    for path in [
        "/admin/",
        f"/admin/pages/{campaign.pk}/edit/",
        f"/admin/pages/{site_tree['campaigns'].pk}/",
        "/admin/images/",
        "/admin/images/multiple/add/",
        "/admin/documents/multiple/add/",
    ]:
        response = https.get(path)
        assert response.status_code == 200, path
        assert "frame-ancestors 'self'" in response["Content-Security-Policy"], path
        page = assert_policy_permits_page(response)
        assert page.script_urls, path
        assert all(urlsplit(url).netloc in {"", HOST} for url in page.script_urls), path
        inline_seen += page.inline_scripts
    # The reason the admin has its own policy: its form widgets still use inline scripts.
    assert inline_seen > 0


@pytest.mark.django_db
def test_the_public_policy_would_block_the_admin(production, https, editor, site_tree):
    """Guards the reasoning above: the strict policy cannot simply be used everywhere."""
    https.force_login(editor)
    response = https.get(f"/admin/pages/{site_tree['fujimori'].pk}/edit/")
    response["Content-Security-Policy"] = "; ".join(
        f"{name} {' '.join(values)}"
        for name, values in production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"].items()
    )
    with pytest.raises(AssertionError, match="inline <script> blocked"):
        assert_policy_permits_page(response)


@pytest.mark.django_db
def test_page_preview_is_framed_by_the_editor_and_renders(production, https, editor, site_tree):
    https.force_login(editor)
    campaign = site_tree["fujimori"]
    edit_url = f"/admin/pages/{campaign.pk}/edit/"
    edit = https.get(edit_url)
    data = multi_value(form_fields(edit.content.decode()))
    # StreamFields are drawn by the admin's JavaScript, so the HTML holds no inputs for them;
    # submit them empty, as a browser would for an empty stream.
    for field in type(campaign)._meta.fields:
        if isinstance(field, StreamField) and f"{field.name}-count" not in data:
            data[f"{field.name}-count"] = "0"
    data["title"] = "Fujimori extradition — preview check"

    posted = https.post(f"{edit_url}preview/", data)
    assert posted.status_code == 200
    assert posted.json()["is_valid"] is True, posted.json()

    preview = https.get(f"{edit_url}preview/")
    assert preview.status_code == 200
    assert "Fujimori extradition — preview check" in preview.content.decode()
    # Wagtail allows its own admin to frame the preview; the CSP must agree, since browsers
    # obey its frame-ancestors over X-Frame-Options.
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    policy = parse_csp(preview["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]
    # Otherwise the preview runs under the public site's strict policy, as visitors will see it.
    assert "'unsafe-inline'" not in policy["script-src"]
    assert_policy_permits_page(preview)


# --- sign-in throttling ---------------------------------------------------------------


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_sign_in_is_refused_with_429_after_five_failures(production, https, editor):
    for attempt in range(4):
        response = sign_in(https, "chief.editor", f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert (
            b"Your username and password didn" in response.content or b"error" in response.content
        )
    # The fifth failure locks the username at this address, and says so.
    assert "wait 15 minutes" in sign_in(https, "chief.editor", "wrong-4").content.decode()

    refused = sign_in(https, "chief.editor", "a-long-enough-password-42")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many failed sign-in attempts" in body
    assert "wait 15 minutes" in body
    assert 800 < int(refused["Retry-After"]) <= 900
    assert 'name="password"' in body, "the sign-in page itself is shown"
    assert "_auth_user_id" not in https.session, "the right password is not even checked"

    # Another person at another address, and the same address for another username, are not held up.
    assert (
        sign_in(https, "chief.editor", "a-long-enough-password-42", "198.51.100.20").status_code
        == 302
    )
    https.logout()
    assert sign_in(https, "someone.else", "wrong").status_code == 200


def time_passes(**delta):
    """Move the stored failures back in time (django-axes counts them in the database)."""
    from axes.models import AccessAttempt
    from django.db.models import F

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(**delta))


@pytest.mark.django_db
def test_the_wait_ends_after_fifteen_minutes(production, https, editor):
    for attempt in range(5):
        sign_in(https, "chief.editor", f"wrong-{attempt}")
    assert sign_in(https, "chief.editor", "a-long-enough-password-42").status_code == 429

    time_passes(minutes=14)
    # Trying again while refused does not make the wait longer.
    assert sign_in(https, "chief.editor", "wrong-again").status_code == 429
    time_passes(minutes=1, seconds=1)
    assert sign_in(https, "chief.editor", "a-long-enough-password-42").status_code == 302


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_count(production, https, editor):
    for attempt in range(4):
        sign_in(https, "Chief.Editor", f"wrong-{attempt}")
    assert sign_in(https, "chief.editor", "a-long-enough-password-42").status_code == 302
    https.logout()
    for attempt in range(4):
        assert sign_in(https, "chief.editor", f"again-{attempt}").status_code == 200
    assert sign_in(https, "chief.editor", "a-long-enough-password-42").status_code == 302


@pytest.mark.django_db
def test_sign_in_behind_a_proxy_counts_the_forwarded_address(production, https, editor, settings):
    settings.PSG_TRUSTED_PROXY_COUNT = 1
    for attempt in range(5):
        https.post(
            "/admin/login/",
            {"username": "chief.editor", "password": f"wrong-{attempt}"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    held = https.post(
        "/admin/login/",
        {"username": "chief.editor", "password": "a-long-enough-password-42"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert held.status_code == 429
    # A forged entry before the one the proxy appended changes nothing.
    forged = https.post(
        "/admin/login/",
        {"username": "chief.editor", "password": "a-long-enough-password-42"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7",
    )
    assert forged.status_code == 429
    other_visitor = https.post(
        "/admin/login/",
        {"username": "chief.editor", "password": "a-long-enough-password-42"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert other_visitor.status_code == 302


# --- uploads --------------------------------------------------------------------------


@pytest.mark.django_db
def test_svg_image_upload_is_refused_with_a_clear_message(
    production, https, editor, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path)
    https.force_login(editor)
    svg = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    response = https.post("/admin/images/add/", {"title": "Logo", "file": svg})
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any("Not a supported image format" in str(error) for error in errors), errors
    assert "Not a supported image format" in response.content.decode()
    assert not Image.objects.exists()

    # The drag-and-drop uploader answers the same way.
    svg = SimpleUploadedFile("logo.svg", SVG, content_type="image/svg+xml")
    response = https.post(
        "/admin/images/multiple/add/",
        {"files[]": svg},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    answer = json.loads(response.content)
    assert answer["success"] is False
    assert "Not a supported image format" in answer["error_message"]
    assert not Image.objects.exists()

    # A PNG is accepted, so the refusal is about the format.
    response = https.post(
        "/admin/images/add/", {"title": "Photo", "file": png_upload()}, secure=True
    )
    assert response.status_code == 302
    assert Image.objects.get().title == "Photo"


@pytest.mark.django_db
def test_an_oversized_request_is_refused_with_413_before_it_is_read(production, https):
    limit = production["PSG_MAX_REQUEST_BODY"]
    response = https.post(
        "/admin/login/",
        data=b"x" * 10,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(limit + 1),
    )
    assert response.status_code == 413
    assert "Upload too large" in response.content.decode()


@pytest.mark.django_db
def test_a_form_above_the_memory_limit_gets_400_not_500(production, https):
    big = "x" * (production["DATA_UPLOAD_MAX_MEMORY_SIZE"] + 1)
    response = https.post("/admin/login/", {"username": big, "password": "x"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_documents_are_served_as_downloads(production, https, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path)
    pdf = b"%PDF-1.4\n% PSG annual report\n"
    html_like = b"<html><script>alert(1)</script></html>"
    pdf_doc = Document.objects.create(
        title="Annual report", file=ContentFile(pdf, "annual-report.pdf")
    )
    txt_doc = Document.objects.create(title="Notes", file=ContentFile(html_like, "notes.txt"))

    for document, body in ((pdf_doc, pdf), (txt_doc, html_like)):
        response = https.get(document.url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;"), document.url
        assert document.filename in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert b"".join(response.streaming_content) == body


# --- processes ------------------------------------------------------------------------


def run_production(code, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "TASKS_BACKEND"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="psg.settings.production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS=HOST,
        **env_overrides,
    )
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_runs_background_tasks_through_the_database_worker():
    result = run_production(
        [
            "-c",
            "import django; django.setup();"
            "from django_tasks import task_backends;"
            "from django.core.management import get_commands;"
            "backend = task_backends['default'];"
            "print(type(backend).__module__ + '.' + type(backend).__name__);"
            "print(get_commands()['db_worker'], get_commands()['publish_scheduled'])",
        ]
    )
    assert result.returncode == 0, result.stderr
    backend, commands = result.stdout.strip().splitlines()
    assert backend == "django_tasks_db.backend.DatabaseBackend"
    assert commands == "django_tasks_db wagtail"


def test_production_cache_is_shared_between_workers_without_redis(tmp_path):
    result = run_production(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.CACHES['default']['BACKEND']);"
            "print(settings.CACHES['default']['OPTIONS']['MAX_ENTRIES'])",
        ],
        REDIS_URL="",
        PSG_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    backend, max_entries = result.stdout.split()
    # Django's file cache, failing open when its folder cannot be written (psg/cache.py).
    assert backend == "psg.cache.FileBasedCache"
    # Room for the cached pages of a site with thousands of articles (Django's default: 300).
    assert int(max_entries) >= 5000


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url, headers):
    """GET straight from the server (no proxy from the environment), keeping our Host header."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=90)
    try:
        conn.request("GET", parts.path or "/", headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_gunicorn_serves_hashed_compressed_immutable_static_files(tmp_path):
    """Build the static files as the Dockerfile does, start gunicorn with deploy/gunicorn.conf.py."""
    static_root = tmp_path / "static"
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "STATIC_ROOT": str(static_root),
        "PSG_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "ELASTICSEARCH_URL": "",
        "HOME": str(home),
    }
    collect = run_production(["manage.py", "collectstatic", "--noinput", "-v0"], **env)
    assert collect.returncode == 0, collect.stderr

    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["css/site.css"]
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", hashed_css)
    assert (static_root / f"{hashed_css}.br").exists() and (
        static_root / f"{hashed_css}.gz"
    ).exists()

    port = free_port()
    process_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    process_env.update(
        env,
        DJANGO_SETTINGS_MODULE="psg.settings.production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS=HOST,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_COLLECTSTATIC="false",  # collected above, as the Docker image is built
    )
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    https_headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
    try:
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if gunicorn.poll() is not None:
                    break
                time.sleep(0.2)
        assert gunicorn.poll() is None, gunicorn.stdout.read().decode()

        original = (static_root / hashed_css).read_bytes()
        status, headers, body = fetch(
            f"{base}/static/{hashed_css}", {**https_headers, "Accept-Encoding": "br"}
        )
        assert status == 200
        assert headers["Content-Encoding"] == "br"
        assert "immutable" in headers["Cache-Control"]
        assert "max-age=315360000" in headers["Cache-Control"]
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Content-Type-Options"] == "nosniff"
        import brotli

        assert brotli.decompress(body) == original

        status, headers, body = fetch(
            f"{base}/static/{hashed_css}", {**https_headers, "Accept-Encoding": "gzip"}
        )
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        import gzip

        assert gzip.decompress(body) == original

        # The unhashed name is served too, but only briefly cached.
        status, headers, _ = fetch(f"{base}/static/css/site.css", https_headers)
        assert status == 200 and "immutable" not in headers.get("Cache-Control", "")

        # Plain HTTP is redirected; unknown hosts are refused.
        status, headers, _ = fetch(f"{base}/static/{hashed_css}", {"Host": HOST})
        assert status == 301 and headers["Location"].startswith("https://")
        status, _, _ = fetch(f"{base}/", {"Host": "evil.example", "X-Forwarded-Proto": "https"})
        assert status == 400
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
    # No control socket was left in the home folder.
    assert not (home / ".gunicorn").exists()


def test_compose_file_describes_every_process():
    """Docker is not available to the test suite: the compose file is checked as data."""
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {
        "web",
        "worker",
        "scheduler",
        "migrate",
        "postgres",
        "redis",
        "elasticsearch",
        "proxy",
    } <= set(services)
    assert services["web"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert services["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
    assert "publish_scheduled" in " ".join(services["scheduler"]["command"])
    assert "purge_membership_applications" in " ".join(services["scheduler"]["command"])
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])
    env = services["web"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "psg.settings.production"
    assert env["TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"
    for name in ("worker", "scheduler"):
        assert services[name]["environment"] == env
    assert re.search(
        r"elasticsearch:(\$\{ELASTICSEARCH_VERSION:-)?9\.", services["elasticsearch"]["image"]
    ), "the server's major version must match the client's (9)"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_dockerfile_installs_from_the_lock_file_and_runs_as_a_user():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert 'pip install --no-cache-dir "uv==0.13.8"' in text
    assert "uv sync --frozen --no-dev" in text
    assert "DJANGO_SETTINGS_MODULE=psg.settings.production" in text
    assert "collectstatic --noinput" in text
    assert re.search(r"^USER psg$", text, re.M)
    assert not re.search(r"^(ARG|ENV) .*SECRET_KEY", text, re.M), (
        "no secret is baked into the image"
    )


# --- in a real browser ----------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_content_security_policy_violation_in_a_real_browser(live_server, settings, site_tree):
    """Chromium reports no CSP violation on public pages, the admin editor and its preview."""
    require(CHROMIUM.exists(), "Chromium", f"no {CHROMIUM}; `make browser` installs it")
    from playwright.sync_api import sync_playwright

    settings.WAGTAILADMIN_BASE_URL = live_server.url
    get_user_model().objects.create_superuser(
        "chief.editor", "chief.editor@example.org", "a-long-enough-password-42"
    )
    campaign = site_tree["fujimori"]
    violations = []
    record_violations = (
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI + ' on ' + e.documentURI));"
    )

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
            )
            page = browser.new_page()
            page.set_default_timeout(20_000)
            page.add_init_script(record_violations)
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text or "CSP violation" in message.text
                    else None
                ),
            )
            for path in ["/", "/campaigns/", f"/campaigns/{campaign.slug}/", "/search/?q=peru"]:
                page.goto(live_server.url + path)
                page.wait_for_load_state("load")

            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", "chief.editor")
            page.fill("#id_password", "a-long-enough-password-42")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")

            page.goto(f"{live_server.url}/admin/pages/{campaign.pk}/edit/")
            page.wait_for_load_state("load")
            page.fill("#id_title", "Fujimori extradition (checked)")
            # The live preview in the side panel: an iframe of the admin's own origin.
            page.click("button[data-side-panel-toggle='preview']")
            preview = page.frame_locator("iframe[id='w-preview-iframe']")
            preview.locator("h1").first.wait_for()
            assert "Fujimori extradition (checked)" in preview.locator("h1").first.inner_text()
            for path in ["/admin/images/multiple/add/", "/admin/documents/multiple/add/"]:
                page.goto(live_server.url + path)
                page.wait_for_load_state("load")
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    assert violations == []


def test_systemd_units_are_valid(tmp_path):
    """systemd itself checks the units (with this checkout standing in for /srv/psg/app)."""
    analyze = shutil.which("systemd-analyze")
    require(analyze is not None, "systemd-analyze", "Debian's systemd package provides it")
    units = sorted((ROOT / "deploy" / "systemd").glob("psg-*.*"))
    assert {unit.name for unit in units} >= {
        "psg-web.service",
        "psg-worker.service",
        "psg-publish-scheduled.service",
        "psg-publish-scheduled.timer",
        "psg-backup.service",
        "psg-backup.timer",
        "psg-purge-applications.service",
        "psg-purge-applications.timer",
    }
    for unit in units:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/psg/app", str(ROOT)))
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / unit.name) for unit in units)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "ignoring" not in result.stderr, result.stderr
    timer = (ROOT / "deploy/systemd/psg-publish-scheduled.timer").read_text()
    assert "OnCalendar=*-*-* *:*:00" in timer, "publish_scheduled runs every minute"
