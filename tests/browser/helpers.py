"""What the browser journeys share: the accessibility check, screenshots, sign-in."""

import os
import shutil
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

REPO_DIR = Path(__file__).resolve().parents[2]
BUILD_DIR = REPO_DIR / "build" / "browser"
SCREENSHOT_DIR = REPO_DIR / "build" / "screenshots"
DOCS_IMG_DIR = REPO_DIR / "docs" / "img"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe-core's rule tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# axe-core, bundled with the Python package and injected into the page (nothing is fetched).
_axe = Axe()


def axe_violations(page, context=None):
    """The WCAG 2.2 AA violations axe-core finds on the page as it is now."""
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    results = _axe.run(page, context=context, options=options)
    return results.response["violations"]


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            lines.append(f"       {node['html'][:200]}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend(f"       {line}" for line in summary.splitlines())
    return "\n".join(lines)


def assert_accessible(page, context=None):
    """axe-core finds no WCAG 2.2 AA violation on the page; the failure lists each one."""
    violations = axe_violations(page, context)
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


def assert_no_script_errors(page):
    """No uncaught script error and no console error (a blocked script or style shows here)."""
    errors = list(getattr(page, "js_errors", []))
    assert not errors, f"Script or console errors on {page.url}:\n" + "\n".join(errors)


def check_public_page(page):
    """What every public page a journey visits must pass: axe-core, and no script errors."""
    page.wait_for_load_state("load")
    assert_accessible(page)
    assert_no_script_errors(page)


def screenshot(target, name, *, full_page=False, for_docs=False):
    """Save the page's viewport (or one element, given a locator) as build/screenshots/<name>.png.

    With `for_docs`, and when PSG_DOCS_SCREENSHOTS=1, the picture also replaces
    docs/img/<name>.png (the copy the documentation shows). Without that variable the docs'
    pictures are left alone, so a test run does not change tracked files.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    options = {"path": str(path), "animations": "disabled", "caret": "hide"}
    if hasattr(target, "viewport_size"):  # a page, not a locator
        options["full_page"] = full_page
    target.screenshot(**options)
    if for_docs and os.environ.get("PSG_DOCS_SCREENSHOTS") == "1":
        DOCS_IMG_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMG_DIR / path.name)
    return path


def admin_login(page, username, password):
    """Sign in through Wagtail's own sign-in form."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")


def add_article(title, *, date, summary, text="", campaigns=(), parent=None):
    """Publish a news article under /news/ (as an editor would) and return it."""
    from wagtail.rich_text import RichText

    from news.models import NewsArticlePage, NewsIndexPage

    parent = parent or NewsIndexPage.objects.get()
    body = [("paragraph", RichText(f"<p>{text}</p>"))] if text else []
    article = parent.add_child(
        instance=NewsArticlePage(title=title, date=date, summary=summary, body=body)
    )
    article.campaigns = list(campaigns)
    article.save_revision().publish()
    return article


def focused(page):
    """What has keyboard focus: tag, id, name, accessible text and whether focus is visible."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) { return null; }
            const style = getComputedStyle(el);
            const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
            return {
                tag: el.tagName.toLowerCase(),
                id: el.id,
                name: el.getAttribute("name") || "",
                type: el.getAttribute("type") || "",
                text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim(),
                inMain: !!el.closest("main"),
                inMenu: !!el.closest("nav[aria-label='Main']"),
                focusVisible: el.matches(":focus-visible") && (outline || style.boxShadow !== "none"),
            };
        }"""
    )


def tab_to(page, locator, max_presses=60):
    """Press Tab until `locator` has focus; return what was focused on the way (in order)."""
    visited = []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return visited
        visited.append(focused(page))
    raise AssertionError(
        f"{locator} was not reached with {max_presses} presses of Tab; focus went through "
        + ", ".join(f"{f['tag']}#{f['id']} {f['text'][:30]!r}" for f in visited if f)
    )
