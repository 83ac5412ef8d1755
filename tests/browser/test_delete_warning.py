"""Deleting "Become a member" in a real browser: the delete screen names what disappears with
it (the main menu item, the home page's button) before anything is deleted; an editor is
offered no way to delete or move it at all."""

import re

from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from .helpers import admin_login, assert_accessible, screenshot

PASSWORD = "a-long-test-password-42"


def test_deleting_the_join_page_warns_what_will_disappear(browser_session):
    from membership.models import JoinPage

    join = JoinPage.objects.get()
    User.objects.create_superuser("ada", "ada@example.org", PASSWORD)
    admin = browser_session.new_page()
    admin_login(admin, "ada", PASSWORD)

    # From the page's edit view, as an administrator would: Actions → Delete.
    admin.goto(f"/admin/pages/{join.pk}/edit/")
    admin.get_by_role("button", name="Actions", exact=True).click()
    admin.get_by_role("link", name="Delete", exact=True).click()
    admin.wait_for_url(f"**/admin/pages/{join.pk}/delete/")

    warning = admin.get_by_role("region", name=re.compile("changes other parts of the site"))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Deleting “Become a member” changes other parts of the site")
    expect(warning).to_contain_text("The main menu")
    expect(warning).to_contain_text("“Become a member” item will disappear from every page")
    expect(warning).to_contain_text("(Home page)")
    expect(warning).to_contain_text("button will disappear")
    # Each place links to where it can be changed.
    expect(warning.get_by_role("link").first).to_have_attribute("href", re.compile(r"/edit/$"))
    expect(admin.get_by_role("button", name="Yes, delete it")).to_be_visible()
    assert_accessible(admin, context="[data-psg-delete-warning]")
    screenshot(admin, "admin-delete-warning", for_docs=True)

    # Leaving without deleting keeps the page.
    admin.get_by_role("link", name="No, don't delete it").click()
    assert JoinPage.objects.filter(pk=join.pk).exists()


def test_an_editor_is_offered_no_delete_or_move_for_the_join_page(browser_session):
    from membership.models import JoinPage

    join = JoinPage.objects.get()
    editor_user = User.objects.create_user("edna", "edna@example.org", PASSWORD)
    editor_user.groups.add(Group.objects.get(name="Editors"))
    editor = browser_session.new_page()
    admin_login(editor, "edna", PASSWORD)
    editor.goto(f"/admin/pages/{join.pk}/edit/")
    editor.get_by_role("button", name="Actions", exact=True).click()
    expect(editor.get_by_role("link", name="Delete", exact=True)).to_have_count(0)
    expect(editor.get_by_role("link", name="Move", exact=True)).to_have_count(0)
    response = editor.goto(f"/admin/pages/{join.pk}/delete/")
    assert response.status in (302, 403) or "/delete/" not in editor.url
    assert JoinPage.objects.filter(pk=join.pk).exists()
