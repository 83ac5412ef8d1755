"""A draft opened through a shared link, in a real browser: a banner says it is a draft and
not published, with when the link expires; the live page has none."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from .helpers import check_public_page, screenshot


def test_a_shared_draft_shows_a_clear_accessible_banner(browser_session):
    from editorial.models import SharedDraftLink
    from news.models import NewsArticlePage

    article = NewsArticlePage.objects.live().order_by("-date", "-pk").first()
    draft = article.get_latest_revision_as_object()
    draft.summary = "A summary still under review."
    draft.save_revision()
    expiry = timezone.localtime() + datetime.timedelta(days=3)
    link = SharedDraftLink.objects.create(page=article, expires_at=expiry)

    reviewer = browser_session.new_page()
    reviewer.goto(link.get_absolute_url())
    banner = reviewer.get_by_role("region", name="Draft notice")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Draft shared for review — not published")
    expect(banner).to_contain_text(
        f"This link expires on {expiry:%-d %B %Y} at {expiry:%H:%M} (UK time)"
    )
    expect(reviewer.get_by_text("A summary still under review.").first).to_be_visible()
    # At the top of the page, above the site's header, and not told by colour alone.
    box = banner.bounding_box()
    assert box is not None and box["y"] < 5
    assert banner.locator("strong").inner_text() == "Draft shared for review — not published"
    check_public_page(reviewer)
    screenshot(reviewer, "shared-draft-banner", for_docs=True)

    # The live page carries no banner.
    visitor = browser_session.new_page()
    visitor.goto(article.url)
    expect(visitor.get_by_role("region", name="Draft notice")).to_have_count(0)
    expect(visitor.get_by_text("Draft shared for review")).to_have_count(0)
