"""The search page in a real browser: axe-core finds nothing, best practices included.

/search/ carries two search landmarks (the site's search box in the header and the search
form with its filters); each has its own name, so axe's landmark-unique rule passes.
"""

import datetime

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .helpers import WCAG_TAGS, add_article, check_public_page, format_violations


def test_the_search_page_has_no_axe_violations_with_a_query(page):
    add_article(
        "Fujimori extradition hearing in Santiago",
        date=datetime.date.today(),
        summary="The Supreme Court in Santiago hears the Fujimori extradition case.",
    )
    page.goto("/search/?q=fujimori+extradition")
    expect(page.locator(".search-summary")).to_contain_text("fujimori extradition")
    landmarks = page.get_by_role("search")
    expect(landmarks).to_have_count(2)
    names = {landmarks.nth(n).get_attribute("aria-label") for n in range(2)}
    assert len(names) == 2 and None not in names
    check_public_page(page)
    options = {"runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]}}
    violations = Axe().run(page, options=options).response["violations"]
    assert violations == [], format_violations(violations)
