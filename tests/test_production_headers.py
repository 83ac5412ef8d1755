"""The site under its production settings: the security headers of public pages, the two
Content-Security-Policies (the public site's and the admin's), host checks, and a real browser
reporting no policy violation.

The `production` fixture (tests/conftest.py) loads psg/settings/production.py with a secret key
and host name in the environment and applies its security-relevant values to the running test
settings (the database, cache and storages stay the test suite's). Sign-in throttling is in
test_production_signin.py, uploads and documents in test_production_uploads.py, the processes
and deployment files in test_production_deploy.py; tests/test_platform.py covers the required
variables and `check --deploy`.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from wagtail.fields import StreamField

from tests.conftest import require
from tests.production_helpers import (
    HOST,
    assert_policy_permits_page,
    form_fields,
    multi_value,
    parse_csp,
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
def test_cookies_are_secure_and_session_cookie_is_http_only(production, https, admin_user):
    response = https.post(
        "/admin/login/",
        {"username": "admin", "password": "password"},
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
def test_admin_pages_load_and_everything_they_use_is_allowed(
    production, https, admin_user, site_tree
):
    login = https.get("/admin/login/")
    assert login.status_code == 200
    policy = parse_csp(login["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert login["X-Frame-Options"] == "DENY"
    assert_policy_permits_page(login)

    https.force_login(admin_user)
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
def test_the_public_policy_would_block_the_admin(production, https, admin_user, site_tree):
    """Guards the reasoning above: the strict policy cannot simply be used everywhere."""
    https.force_login(admin_user)
    response = https.get(f"/admin/pages/{site_tree['fujimori'].pk}/edit/")
    response["Content-Security-Policy"] = "; ".join(
        f"{name} {' '.join(values)}"
        for name, values in production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"].items()
    )
    with pytest.raises(AssertionError, match="inline <script> blocked"):
        assert_policy_permits_page(response)


@pytest.mark.django_db
def test_page_preview_is_framed_by_the_editor_and_renders(production, https, admin_user, site_tree):
    https.force_login(admin_user)
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
