"""Scheduling in a real browser: dates are never changed behind the editor's back.

The "Set publishing schedule" dialog is usable on a 1366x768 laptop screen (its date picker does
not cover "Save schedule"); 31 February stays as typed and is refused with a message, with
nothing else lost; a go-live date that has passed asks whether to publish now.
"""

import datetime
import re

from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from .helpers import admin_login, screenshot

PASSWORD = "a-long-test-password-42"
SMALL_LAPTOP = {"width": 1366, "height": 768}

# Whether the element at the centre of the dialog's "Save schedule" button is that button (or
# inside it): a picker drawn over it would be found there instead.
BUTTON_ON_TOP = """(button) => {
    const box = button.getBoundingClientRect();
    const found = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
    return found !== null && button.contains(found);
}"""


def make_user(username, group_name):
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def open_schedule(page):
    """Open the "Set publishing schedule" dialog from the status side panel."""
    page.get_by_role("button", name="Toggle status").click()
    schedule = page.get_by_role("button", name=re.compile("^(Set|Edit) schedule$"))
    schedule.locator("visible=true").first.click()
    dialog = page.get_by_role("dialog", name="Set publishing schedule")
    expect(dialog).to_be_visible()
    return dialog


def latest_article():
    from news.models import NewsArticlePage

    return NewsArticlePage.objects.live().order_by("-date", "-pk").first()


def test_the_schedule_dialog_is_usable_on_a_1366x768_screen(browser_session):
    make_user("moira", "Moderators")
    article = latest_article()
    page = browser_session.new_page(viewport=SMALL_LAPTOP)
    admin_login(page, "moira", PASSWORD)

    page.goto(f"/admin/pages/{article.pk}/edit/")
    dialog = open_schedule(page)
    go_live = dialog.get_by_role("textbox", name="Go live date/time")
    go_live.click()
    picker = page.locator(".xdsoft_datetimepicker").filter(has=page.locator(".xdsoft_date"))
    picker = picker.locator("visible=true")
    expect(picker).to_be_visible()
    picker.locator(".xdsoft_next").first.click()  # next month: always in the future
    picker.locator(".xdsoft_date:not(.xdsoft_other_month)", has_text=re.compile("^15$")).click()
    chosen = go_live.input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-15 \d{2}:\d{2}", chosen), chosen
    screenshot(page, "editor-schedule-dialog-1366x768", for_docs=True)

    # The picker is still open, and the button is not under it.
    save = dialog.get_by_role("button", name="Save schedule")
    save.scroll_into_view_if_needed()
    assert save.evaluate(BUTTON_ON_TOP), "the date picker covers “Save schedule”"
    expiry = dialog.get_by_role("textbox", name="Expiry date/time")
    expiry.scroll_into_view_if_needed()
    assert expiry.evaluate(BUTTON_ON_TOP), "the date picker covers the expiry field"

    save.click()
    expect(page.get_by_role("status").first).to_contain_text("has been updated")
    latest = type(article).objects.get(pk=article.pk).get_latest_revision_as_object()
    assert timezone.localtime(latest.go_live_at).strftime("%Y-%m-%d %H:%M") == chosen


def test_31_february_is_refused_and_nothing_typed_is_lost(browser_session):
    make_user("moira", "Moderators")
    article = latest_article()
    before = article.revisions.count()
    page = browser_session.new_page(viewport=SMALL_LAPTOP)
    admin_login(page, "moira", PASSWORD)

    page.goto(f"/admin/pages/{article.pk}/edit/")
    summary = page.get_by_role("textbox", name="Summary*")
    summary.fill("A summary the editor does not want to type twice.")
    dialog = open_schedule(page)
    go_live = dialog.get_by_role("textbox", name="Go live date/time")
    go_live.fill("2027-02-31 10:00")
    go_live.press("Tab")  # leaving the field used to turn it into 3 March
    expect(go_live).to_have_value("2027-02-31 10:00")

    dialog.get_by_role("button", name="Save schedule").click()

    expect(page.get_by_role("status").first).to_contain_text("could not be saved")
    expect(page.get_by_role("textbox", name="Summary*")).to_have_value(
        "A summary the editor does not want to type twice."
    )
    dialog = open_schedule_after_error(page)
    expect(dialog.get_by_text("There is no 31 February 2027")).to_be_visible()
    expect(dialog.get_by_role("textbox", name="Go live date/time")).to_have_value(
        "2027-02-31 10:00"
    )
    screenshot(page, "editor-schedule-impossible-date", for_docs=True)
    assert article.revisions.count() == before


def open_schedule_after_error(page):
    """The schedule dialog of an edit form that came back with errors."""
    page.wait_for_load_state("load")
    dialog = page.get_by_role("dialog", name="Set publishing schedule")
    if not dialog.is_visible():
        schedule = page.get_by_role("button", name=re.compile("^(Set|Edit) schedule$"))
        if schedule.locator("visible=true").count() == 0:
            page.get_by_role("button", name="Toggle status").click()
        schedule.locator("visible=true").first.click()
    expect(dialog).to_be_visible()
    return dialog


def test_a_past_go_live_date_asks_whether_to_publish_now(browser_session):
    from news.models import NewsArticlePage

    make_user("moira", "Moderators")
    article = latest_article()
    page = browser_session.new_page(viewport=SMALL_LAPTOP)
    admin_login(page, "moira", PASSWORD)

    page.goto(f"/admin/pages/{article.pk}/edit/")
    page.get_by_role("textbox", name="Summary*").fill("Corrected figures for the first quarter.")
    dialog = open_schedule(page)
    yesterday = timezone.localtime() - datetime.timedelta(days=1)
    dialog.get_by_role("textbox", name="Go live date/time").fill(
        yesterday.strftime("%Y-%m-%d %H:%M")
    )
    dialog.get_by_role("textbox", name="Go live date/time").press("Tab")
    dialog.get_by_role("button", name="Save schedule").click()

    # Not accepted silently: the dialog asks.
    expect(page.get_by_role("status").first).to_contain_text("could not be saved")
    dialog = open_schedule_after_error(page)
    expect(dialog.get_by_text("has already passed. Publish the page now?")).to_be_visible()
    answer = dialog.get_by_label("Yes, publish it now")
    expect(answer).to_be_visible()
    screenshot(page, "editor-schedule-past-date", for_docs=True)
    assert not NewsArticlePage.objects.get(pk=article.pk).has_unpublished_changes

    # Yes: publish now, without a go-live date.
    answer.check()
    dialog.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_role("status").first).to_contain_text("has been updated")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("published")
    article = NewsArticlePage.objects.get(pk=article.pk)
    assert article.summary == "Corrected figures for the first quarter."
    assert article.go_live_at is None
    assert article.live and not article.has_unpublished_changes
