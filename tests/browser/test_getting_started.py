"""An editor's first visit to the admin, in a real browser: PSG's name on the sign-in page, the
"Getting started" panel on a new editor's dashboard, the editors' guide it links to (with its
screenshots loaded) and in the Help menu, and block previews in the block picker."""

import re

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from .helpers import admin_login, screenshot

PASSWORD = "a-long-test-password-42"


def new_editor(username="nadia"):
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_the_sign_in_page_shows_psgs_name(browser_session):
    page = browser_session.new_page()
    page.goto("/admin/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Peru Support Group")
    expect(page).to_have_title(re.compile("Peru Support Group"))
    assert "Wagtail" not in page.title()
    expect(page.get_by_text("Sign in to Wagtail")).to_have_count(0)
    screenshot(page, "admin-sign-in", for_docs=True)


def test_a_new_editor_is_guided_from_the_dashboard_to_the_guide(browser_session):
    from campaigns.models import CampaignIndexPage
    from news.models import NewsIndexPage

    new_editor()
    page = browser_session.new_page()
    admin_login(page, "nadia", PASSWORD)

    panel = page.get_by_role("region", name="Getting started")
    expect(panel).to_be_visible()
    news = NewsIndexPage.objects.get()
    campaigns = CampaignIndexPage.objects.get()
    expect(panel.get_by_role("link", name="Write a news article")).to_have_attribute(
        "href", f"/admin/pages/add/news/newsarticlepage/{news.pk}/"
    )
    expect(panel.get_by_role("link", name="Update a campaign")).to_have_attribute(
        "href", f"/admin/pages/{campaigns.pk}/"
    )
    screenshot(page, "editor-getting-started", for_docs=True)

    # The Help menu names the guide too.
    page.get_by_role("button", name="Help").click()
    help_link = page.get_by_role("link", name="PSG editors' guide")
    expect(help_link).to_be_visible()
    expect(help_link).to_have_attribute("href", "/admin/guide/")
    page.keyboard.press("Escape")

    panel.get_by_role("link", name="Read the editors' guide").click()
    expect(page).to_have_url(re.compile(r"/admin/guide/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Editors' guide")
    guide = page.locator("#psg-guide")
    expect(guide.get_by_role("heading", name="Write a news item")).to_be_visible()
    screenshot(page, "editor-guide", for_docs=True)
    images = guide.get_by_role("img")
    assert images.count() >= 10
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        width = image.evaluate("img => img.naturalWidth")
        assert width > 0, image.get_attribute("src")


def test_the_block_picker_previews_each_block(browser_session):
    from news.models import NewsIndexPage

    new_editor()
    page = browser_session.new_page()
    admin_login(page, "nadia", PASSWORD)
    page.goto(f"/admin/pages/add/news/newsarticlepage/{NewsIndexPage.objects.get().pk}/")
    page.get_by_role("button", name="Insert a block").first.click()
    previews = {
        "Text": "The Peru Support Group works with partners",
        "Quote": "Justice delayed is justice denied.",
        "Image": "Andean communities",
        "Document download": "Briefing: the Truth Commission",
    }
    for label, text in previews.items():
        # The eye button beside each block in the picker opens its preview.
        row = page.locator(".w-combobox__option-row").filter(
            has=page.get_by_role("option", name=label, exact=True)
        )
        row.get_by_role("button", name="Preview").click()
        preview = page.locator(".w-combobox-preview")
        expect(preview).to_be_visible()
        expect(preview.locator(".w-combobox-preview__label")).to_have_text(label)
        expect(preview.locator(".w-combobox-preview__description")).not_to_be_empty()
        frame = page.frame_locator(".w-combobox-preview__iframe")
        expect(frame.get_by_text(text)).to_be_visible()
        if label == "Quote":
            screenshot(page, "editor-block-picker", for_docs=True)
