"""The moderation loop in a real browser: a moderator asks for changes with a comment and is
told it was done; the editor opens the page and finds the comment, credited to the moderator."""

import re

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from .helpers import admin_login, screenshot

PASSWORD = "a-long-test-password-42"
COMMENT = "Please add the date of the hearing in Lima."


def make_user(username, group_name, first_name):
    user = User.objects.create_user(
        username, f"{username}@example.org", PASSWORD, first_name=first_name
    )
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_a_moderators_comment_reaches_the_editor(browser_session):
    from news.models import NewsArticlePage

    editor = make_user("edna", "Editors", "Edna")
    make_user("moira", "Moderators", "Moira")
    article = NewsArticlePage.objects.live().order_by("-date", "-pk").first()
    article.summary = "A draft summary waiting for review."
    article.save_revision(user=editor)
    article.get_workflow().start(article, editor)  # the editor's "Submit to Moderator approval"

    moderator = browser_session.new_page()
    admin_login(moderator, "moira", PASSWORD)
    moderator.goto(f"/admin/pages/{article.pk}/edit/")
    moderator.get_by_role("button", name="More actions").click()
    moderator.get_by_role("button", name="Request changes", exact=True).click()
    modal = moderator.get_by_role("dialog")
    modal.get_by_role("textbox", name=re.compile("Comment")).fill(COMMENT)
    modal.get_by_role("button", name=re.compile("Request changes")).click()
    expect(moderator.get_by_role("status").first).to_contain_text(
        f"Changes requested on “{article.title}”. Edna has been sent your comment"
    )

    page = browser_session.new_page()
    admin_login(page, "edna", PASSWORD)
    page.goto(f"/admin/pages/{article.pk}/edit/")
    notice = page.get_by_role("status").first
    expect(notice).to_contain_text("Changes requested by Moira on")
    expect(notice).to_contain_text(COMMENT)
    expect(notice).not_to_contain_text("Changes requested by Edna")
    screenshot(page, "editor-changes-requested", for_docs=True)
