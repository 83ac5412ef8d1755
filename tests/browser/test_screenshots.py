"""The key public pages at phone and desktop widths: accessible, no sideways scrolling, and
photographed for the documentation (build/screenshots/<page>-<phone|desktop>.png)."""

import pytest

from .conftest import DESKTOP, PHONE
from .helpers import check_public_page, screenshot

# The pictures docs/testing.md shows; the rest stay in build/screenshots/.
DOCS_PICTURES = {"home-desktop", "news-index-phone", "join-phone"}


def key_pages():
    from news.models import NewsArticlePage

    newest = NewsArticlePage.objects.live().order_by("-date", "-pk").first()
    return [
        ("home", "/", "Peru Support Group"),
        ("news-index", "/news/", "News"),
        ("article", newest.url, newest.title),
        ("campaign-hub", "/campaigns/fujimori-extradition/", "Fujimori extradition"),
        ("search-results", "/search/?q=Fujimori", "Search results"),
        ("join", "/join/", "Become a member"),
    ]


@pytest.mark.parametrize(
    "device, viewport",
    [("phone", PHONE), ("desktop", DESKTOP)],
    ids=["phone", "desktop"],
)
def test_key_pages_at_phone_and_desktop_width(browser_session, device, viewport):
    options = {"is_mobile": True, "has_touch": True} if device == "phone" else {}
    page = browser_session.new_page(viewport=viewport, **options)
    for name, url, heading in key_pages():
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        assert page.get_by_role("heading", level=1).inner_text().strip() == heading
        check_public_page(page)
        # WCAG 1.4.10 (reflow): nothing makes the page scroll sideways.
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {viewport['width']}px"
        shot = f"{name}-{device}"
        screenshot(page, shot, for_docs=shot in DOCS_PICTURES)
