"""Staff journeys through the real Wagtail admin, in a real browser.

An editor writes a news article, previews it (page and card), saves a draft and submits it;
a moderator approves it, which publishes it; a visitor then finds it on the site, on its
campaign hub and in search. A membership officer reviews an application and exports CSV.

The users are made here; their groups ("Editors", "Moderators", "Membership officers") come
from the data migrations of editorial/ and membership/.
"""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from .helpers import admin_login, check_public_page, screenshot, tab_to

PASSWORD = "a-long-test-password-42"
TITLE = "Families of the disappeared meet in Huancavelica"
SLUG = "families-of-the-disappeared-meet-in-huancavelica"
SUMMARY = "Relatives of people who disappeared during the conflict asked for the Truth Commission's recommendations to be carried out."
BODY = "The meeting in Huancavelica brought together more than two hundred families."
CAMPAIGN = "Truth Commission"


def make_user(username, group_name):
    group = Group.objects.filter(name=group_name).first()
    if group is None:
        pytest.fail(f'The group "{group_name}" should come from the data migrations.')
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(group)
    return user


def test_article_goes_from_editor_through_moderation_to_the_site(browser_session):
    from news.models import NewsArticlePage, NewsIndexPage

    make_user("edna", "Editors")
    make_user("moira", "Moderators")
    news = NewsIndexPage.objects.get()

    # The editor starts an article under News.
    editor = browser_session.new_page()
    admin_login(editor, "edna", PASSWORD)
    editor.goto(f"/admin/pages/{news.pk}/")
    expect(editor.get_by_role("heading", level=1)).to_have_text("Exploring: News")
    screenshot(editor, "editor-news-listing", for_docs=True)
    editor.get_by_role("link", name="Add child page").first.click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("New: News article")

    editor.get_by_role("textbox", name="Title*").fill(TITLE)
    editor.get_by_role("textbox", name="Summary*").fill(SUMMARY)
    editor.get_by_role("button", name="Insert a block").first.click()
    editor.get_by_role("option", name="Text").click()
    text_block = editor.get_by_role("region", name="Body").get_by_role("textbox").first
    expect(text_block).to_be_focused()
    text_block.press_sequentially(BODY)
    expect(text_block).to_have_text(BODY)
    # Draftail copies what was typed into the form a moment later; a person is never faster.
    expect(editor.locator("input[name='body-0-value']")).to_have_value(re.compile("Huancavelica"))
    editor.get_by_role("checkbox", name=CAMPAIGN).check()
    screenshot(editor, "editor-add-article", for_docs=True)
    screenshot(
        editor.get_by_role("region", name="Campaigns and topics"),
        "editor-campaigns-topics",
        for_docs=True,
    )

    editor.get_by_role("button", name="Save draft").click()
    expect(editor).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    expect(editor.get_by_role("status").first).to_contain_text(TITLE)
    article = NewsArticlePage.objects.get(slug=SLUG)
    assert not article.live
    draft = article.get_latest_revision_as_object()
    assert draft.summary == SUMMARY
    assert BODY in str(draft.body), draft.body.raw_data
    assert [c.title for c in draft.campaigns.all()] == [CAMPAIGN]

    # The preview panel: the page, then its card in listings.
    editor.get_by_role("button", name="Toggle preview").click()
    preview_panel = editor.get_by_role("complementary", name="Preview")
    expect(preview_panel).to_be_visible()
    preview = editor.frame_locator("#w-preview-iframe")
    expect(preview.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(preview.get_by_text(BODY)).to_be_visible()
    for size in ["mobile", "tablet", "desktop"]:
        expect(preview_panel.get_by_role("radio", name=f"Preview in {size} size")).to_be_attached()
    screenshot(editor, "editor-preview-page", for_docs=True)
    mode = preview_panel.get_by_role("combobox", name="Preview mode")
    expect(mode.get_by_role("option")).to_have_text(
        ["Page", "Card in listings", "Shared on social media"]
    )
    mode.select_option(label="Card in listings")
    expect(preview.get_by_role("heading", level=1)).to_contain_text("appears as a card")
    for where in ["In the news list", "On the home page and campaign pages"]:
        card = preview.get_by_role("region", name=where).locator(".card")
        expect(card.get_by_role("link", name=TITLE)).to_be_visible()
    expect(preview.get_by_text(BODY)).to_have_count(0)
    screenshot(editor, "editor-preview-card", for_docs=True)
    editor.get_by_role("button", name="Toggle preview").click()

    # Submit for moderation from the footer's action menu.
    editor.get_by_role("button", name="More actions").click()
    submit = editor.get_by_role("button", name="Submit to Moderator approval")
    expect(submit).to_be_visible()
    screenshot(editor, "editor-submit-moderation", for_docs=True)
    submit.click()
    expect(editor.get_by_role("status").first).to_contain_text("submitted")
    article.refresh_from_db()
    state = article.current_workflow_state
    assert state is not None and state.status == state.STATUS_IN_PROGRESS
    assert not article.live
    editor.goto("/admin/")
    in_workflow = editor.get_by_role("region", name="Your pages and snippets in a workflow")
    expect(in_workflow.get_by_role("row", name=re.compile(TITLE))).to_contain_text(
        "Awaiting Moderator approval"
    )
    screenshot(editor, "editor-dashboard", for_docs=True)

    # Not public yet.
    visitor = browser_session.new_page()
    response = visitor.goto(f"/news/{SLUG}/")
    assert response.status == 404
    visitor.js_errors.clear()  # the browser logs the expected 404 as a console error

    # The moderator finds it awaiting review and approves it, which publishes it.
    moderator = browser_session.new_page()
    admin_login(moderator, "moira", PASSWORD)
    awaiting = moderator.get_by_role("region", name="Awaiting your review")
    expect(awaiting.get_by_role("link", name=TITLE)).to_be_visible()
    screenshot(moderator, "moderator-awaiting-review", for_docs=True)
    awaiting.get_by_role("link", name=TITLE).click()
    expect(moderator).to_have_url(re.compile(rf"/admin/pages/{article.pk}/edit/"))
    moderator.get_by_role("button", name="More actions").click()
    moderator.get_by_role("button", name="Approve and Publish", exact=True).click()
    expect(moderator.get_by_role("status").first).to_contain_text(f"Page '{TITLE}' has been")
    article.refresh_from_db()
    assert article.live
    assert article.current_workflow_state is None

    # A visitor sees it on the site, on its campaign hub and in search.
    visitor.goto(f"/news/{SLUG}/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_text(BODY)).to_be_visible()
    check_public_page(visitor)

    visitor.goto("/campaigns/truth-commission/")
    hub_news = visitor.get_by_role("region", name="Latest news on this campaign")
    expect(hub_news.get_by_role("link", name=TITLE)).to_be_visible()
    check_public_page(visitor)

    visitor.goto("/news/")
    expect(visitor.locator(".article-list").get_by_role("link", name=TITLE)).to_be_visible()

    search_box = visitor.get_by_role("search").first.get_by_label("Search the site")
    search_box.fill("Huancavelica")
    search_box.press("Enter")
    expect(visitor.locator(".search-summary")).to_contain_text("1 result")
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    check_public_page(visitor)


def test_editor_previews_a_new_article_before_saving_it(browser_session):
    from news.models import NewsIndexPage

    make_user("edna", "Editors")
    news = NewsIndexPage.objects.get()
    editor = browser_session.new_page()
    admin_login(editor, "edna", PASSWORD)
    editor.goto(f"/admin/pages/add/news/newsarticlepage/{news.pk}/")
    editor.get_by_role("textbox", name="Title*").fill(TITLE)
    editor.get_by_role("textbox", name="Summary*").fill(SUMMARY)
    editor.get_by_role("button", name="Toggle preview").click()
    preview = editor.frame_locator("#w-preview-iframe")
    expect(preview.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(preview.get_by_text(SUMMARY)).to_be_visible()


def test_membership_officer_reviews_an_application_and_exports_csv(browser_session):
    from membership.models import MembershipApplication

    make_user("olga", "Membership officers")
    application = MembershipApplication.objects.create(
        name="Ana Quispe",
        email="ana.quispe@example.org",
        membership_type=MembershipApplication.MembershipType.CONCESSION,
        country="Peru",
        consent=True,
    )
    MembershipApplication.objects.create(name="Luis Huamán", email="luis@example.org")

    officer = browser_session.new_page()
    admin_login(officer, "olga", PASSWORD)
    officer.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Membership"
    ).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Membership applications")
    rows = officer.get_by_role("row")
    expect(rows.filter(has_text="Ana Quispe")).to_have_count(1)
    expect(rows.filter(has_text="Luis Huamán")).to_have_count(1)

    # Inspect the application, then approve it.
    officer.get_by_role("row", name=re.compile("Ana Quispe")).get_by_role(
        "link", name="Inspect"
    ).click()
    expect(officer.get_by_role("main")).to_contain_text("ana.quispe@example.org")
    officer.goto(f"/admin/membership/membershipapplication/edit/{application.pk}/")
    officer.get_by_role("combobox", name="Status").select_option(label="Approved")
    officer.get_by_role("button", name="Save").click()
    expect(officer).to_have_url(re.compile(r"/admin/membership/membershipapplication/(\?.*)?$"))
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.APPROVED

    # Only approved applications, exported as CSV.
    officer.get_by_role("link", name="Approved", exact=True).click()
    expect(officer.get_by_role("row").filter(has_text="Luis Huamán")).to_have_count(0)
    officer.get_by_role("button", name="More actions").click()
    with officer.expect_download() as download_info:
        officer.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Received", "Name", "Email"]
    assert [row[1] for row in rows[1:]] == ["Ana Quispe"]
    exported = dict(zip(rows[0], rows[1], strict=True))
    assert exported["Status"] == "Approved"
    assert exported["Membership type"] == "Concession (student, unwaged or retired)"
    assert exported["Agreed to be contacted"] == "Yes"


def test_editor_shares_a_draft_with_someone_without_an_account(browser_session, settings):
    from news.models import NewsArticlePage

    settings.WAGTAILADMIN_BASE_URL = browser_session.base_url
    make_user("edna", "Editors")
    article = NewsArticlePage.objects.live().order_by("-date", "-pk").first()
    live_title = article.title
    draft_title = f"{live_title} (updated)"
    article.title = draft_title
    article.save_revision()  # a draft on top of the live version

    editor = browser_session.new_page()
    admin_login(editor, "edna", PASSWORD)
    editor.goto(f"/admin/pages/{article.pk}/edit/")
    editor.get_by_role("button", name="Actions", exact=True).click()
    editor.get_by_role("link", name="Share draft").click()
    expect(editor.get_by_role("heading", name="Create a link")).to_be_visible()
    editor.get_by_label("Who is it for?").fill("Trustees")
    editor.get_by_role("button", name="Create link").click()
    expect(editor.get_by_role("status").first).to_contain_text("Link created")
    link_box = editor.get_by_label("Shared draft link 1")
    expect(link_box).to_have_value(re.compile(r"/preview/.+"))
    expect(editor.get_by_role("row", name=re.compile("Trustees"))).to_contain_text("Active")
    screenshot(editor, "editor-share-draft", for_docs=True)
    link = link_box.input_value()

    # Someone without an account reads the draft; the public page still shows the live version.
    reader = browser_session.new_page()
    reader.goto(link)
    expect(reader.get_by_role("heading", level=1)).to_have_text(draft_title)
    expect(reader.locator("meta[name=robots]")).to_have_attribute("content", re.compile("noindex"))
    check_public_page(reader)
    reader.goto(article.url)
    expect(reader.get_by_role("heading", level=1)).to_have_text(live_title)

    # Revoked, the link leads nowhere.
    editor.get_by_role("button", name="Revoke link 1").click()
    expect(editor.get_by_role("status").first).to_contain_text("Link revoked")
    response = reader.goto(link)
    assert response.status == 404
    expect(reader.get_by_role("heading", level=1)).not_to_have_text(draft_title)


def test_moderator_compares_a_draft_with_the_live_version_then_schedules_it(browser_session):
    from news.models import NewsArticlePage

    make_user("moira", "Moderators")
    article = NewsArticlePage.objects.live().order_by("-date", "-pk").first()
    live_summary = article.summary
    new_summary = "Peru's economy grew by more than seven per cent in the first quarter of 2006."

    moderator = browser_session.new_page()
    admin_login(moderator, "moira", PASSWORD)
    moderator.goto(f"/admin/pages/{article.pk}/edit/")
    moderator.get_by_role("textbox", name="Summary*").fill(new_summary)
    moderator.get_by_role("button", name="Save draft").click()
    expect(moderator.get_by_role("status").first).to_contain_text("has been updated")

    # History: what changed since the live version, field by field.
    moderator.get_by_role("link", name="History").click()
    draft_row = moderator.get_by_role("row", name=re.compile("Draft saved"))
    draft_row.get_by_role("button", name="Actions").click()
    draft_row.get_by_role("link", name="Compare with previous version").click()
    expect(moderator.get_by_role("heading", level=1)).to_contain_text(f"Compare: {article.title}")
    summary_change = moderator.get_by_role("row", name=re.compile("Summary"))
    expect(summary_change.locator(".addition").first).to_contain_text("seven per cent")
    expect(summary_change.locator(".deletion").first).to_contain_text("7.15%")
    screenshot(moderator, "editor-history-compare", for_docs=True)

    # Schedule the draft to go live tomorrow morning: it stays as it is until then.
    moderator.goto(f"/admin/pages/{article.pk}/edit/")
    moderator.get_by_role("button", name="Toggle status").click()
    moderator.get_by_role("button", name="Set schedule").click()
    dialog = moderator.get_by_role("dialog", name="Set publishing schedule")
    go_live = timezone.localtime() + datetime.timedelta(days=1)
    go_live = go_live.replace(hour=9, minute=0, second=0, microsecond=0)
    go_live_box = dialog.get_by_role("textbox", name="Go live date/time")
    go_live_box.fill(go_live.strftime("%Y-%m-%d %H:%M"))
    expect(go_live_box).to_have_value(go_live.strftime("%Y-%m-%d %H:%M"))
    screenshot(moderator, "editor-schedule", for_docs=True)
    # The date pickers cover the button: finish with the keyboard, as many people do.
    save = dialog.get_by_role("button", name="Save schedule")
    tab_to(moderator, save, max_presses=4)
    moderator.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    moderator.get_by_role("button", name="More actions").click()
    moderator.get_by_role("button", name="Schedule to publish").click()
    expect(moderator.get_by_role("status").first).to_contain_text("scheduled")

    article.refresh_from_db()
    assert article.live
    assert article.summary == live_summary
    scheduled = article.scheduled_revision
    assert scheduled is not None
    assert scheduled.approved_go_live_at == go_live
    assert scheduled.as_object().summary == new_summary

    visitor = browser_session.new_page()
    visitor.goto(article.url)
    expect(visitor.get_by_text(live_summary)).to_be_visible()
    expect(visitor.get_by_text(new_summary)).to_have_count(0)
