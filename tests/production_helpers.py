"""What the production tests share: the production settings loaded under test, and readers of
Content-Security-Policy headers and of the pages they govern.

The `production` and `https` fixtures that use these are in tests/conftest.py.
"""

import io
import os
import runpy
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

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


def apply_production_settings(monkeypatch, settings):
    """Load the production settings and apply their security-relevant values (APPLIED_PREFIXES)
    to pytest-django's `settings`; returns all of them."""
    values = load_production_settings(monkeypatch)
    for name, value in values.items():
        if name.isupper() and name.startswith(APPLIED_PREFIXES):
            setattr(settings, name, value)
    return values


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
