"""Real-browser journeys in headless Chromium (Playwright for Python).

Every test collected under tests/browser/ is marked `browser` and runs against pytest-django's
live server with a transactional database: the migrations' data (home page, site, groups,
moderation workflow) is restored before each test (serialized rollback) and the legacy
content is imported afresh by the `seeded_site` fixture.

Chromium is Debian's, at /usr/bin/chromium; Playwright never downloads a browser. Without it
the tests are skipped ("Chromium is missing"), unless PSG_REQUIRE_ALL=1, when they fail.

On a failure, a screenshot of every open page goes to build/browser/.
See docs/testing.md.
"""

import contextlib
import os
import re
import shutil
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import require

from .helpers import BUILD_DIR, SCREENSHOT_DIR

# Debian's Chromium; PSG_CHROMIUM names another build (never one Playwright downloads).
CHROMIUM_PATH = Path(os.environ.get("PSG_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# How long a single browser action or expectation may wait (ms). The machine is shared and
# slow at times; nothing here depends on timing beyond "eventually, within this limit".
DEFAULT_TIMEOUT_MS = 15_000

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

BROWSER_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder `browser` and give it a live, transactional database.

    Runs before `-m` selection and before pytest-django orders the tests, so both see the marks.
    """
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, answering one request at a time.

    With the in-memory SQLite test database the server shares the tests' single connection.
    Django's threaded server would use that connection from several threads at once, which the
    admin's parallel requests (autosave, preview, checks) turn into "database table is locked"
    errors; a serial server keeps every request whole. Chromium simply queues its requests.
    """
    from django.core.servers.basehttp import WSGIServer
    from pytest_django.live_server_helper import LiveServer

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    address = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(address, start=False)
    server.thread.server_class = SerialWSGIServer
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser(request):
    """One headless Chromium for the journeys in this folder.

    Package scope, not session: Playwright's synchronous API keeps an event loop running in the
    main thread while it is open, which would break any later test that starts Playwright itself.
    pytest-django runs these transactional tests one after the other, so Chromium still starts
    once per run.
    """
    require(
        CHROMIUM_PATH.exists(),
        "Chromium",
        f"no {CHROMIUM_PATH}; `make browser` installs Debian's chromium package",
    )

    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

    # Django keeps its database connections in context-local storage, and Playwright's event
    # loop gives the code inside it another context: Django would open a second connection
    # there, without the test database's saved contents that serialized rollback restores.
    # So create the test database first, and hand the same connections to the inside.
    request.getfixturevalue("django_db_setup")
    outer_connections = {alias: connections[alias] for alias in connections}

    # Playwright's loop also makes Django refuse database queries from the test itself ("you
    # cannot call this from an async context"); the live server runs in its own thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, connection in outer_connections.items():
                connections[alias] = connection
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def seeded_site(live_server, settings):
    """The site as `make run` builds it: legacy news, mission section, two campaign hubs
    featured on the home page, the join page, and News, Campaigns and the join page in the
    main menu.

    The join form's minimum fill time is lowered so that a test filling it in at machine speed
    is not taken for a robot.
    """
    settings.MEMBERSHIP_MIN_FILL_SECONDS = 0
    with open(os.devnull, "w") as quiet:
        call_command("import_legacy", verbosity=0, stdout=quiet)
    return live_server


def _safe_name(nodeid):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:150]


class BrowserSession:
    """The browser contexts a test opened; screenshots all their pages if the test fails."""

    def __init__(self, browser, base_url):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []

    def new_page(self, viewport=None, **options):
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=viewport or DESKTOP,
            locale="en-GB",
            timezone_id="Europe/London",
            **options,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                page.js_errors.append(f"console: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        return page

    def close(self, failed, nodeid):
        if failed:
            BUILD_DIR.mkdir(parents=True, exist_ok=True)
            number = 0
            for context in self.contexts:
                for page in context.pages:
                    number += 1
                    target = BUILD_DIR / f"{_safe_name(nodeid)}-{number}.png"
                    try:
                        page.screenshot(path=str(target), full_page=True)
                        print(f"Screenshot of the failing page {page.url}: {target}")
                    except Exception as error:  # noqa: BLE001 (a screenshot must not hide the failure)
                        print(f"Could not screenshot {page.url}: {error}")
        for context in self.contexts:
            for page in context.pages:
                # Leaving an admin page tells the server (a beacon releasing the editing
                # session); let it arrive while the page is still open.
                page.goto("about:blank")
            context.close()
        # The server answers one request at a time: once it answers this one, whatever the
        # closing pages sent is done, and the test database can be emptied safely.
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{self.base_url}/robots.txt", timeout=30).close()  # noqa: S310


@pytest.fixture
def browser_session(request, browser, seeded_site):
    session = BrowserSession(browser, seeded_site.url)
    yield session
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    session.close(failed, request.node.nodeid)


@pytest.fixture
def page(browser_session):
    """A desktop-sized page of a fresh browser context on the seeded live site."""
    return browser_session.new_page()


@pytest.fixture
def phone_page(browser_session):
    return browser_session.new_page(viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture(scope="session", autouse=True)
def _clean_screenshots():
    """An earlier run's screenshots would mislead: start each run without them."""
    for folder in (BUILD_DIR, SCREENSHOT_DIR):
        if folder.exists():
            shutil.rmtree(folder)
