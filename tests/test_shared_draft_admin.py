"""Shared draft links in the admin, as editors meet them: who is offered the "Share draft"
button and where, the share screen's titles and messages, revoking one link among several, and
the report of links that still work.

The basics (creating, refusing, revoking twice) are in tests/test_shared_drafts.py."""

import datetime
import html as html_lib
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission

from editorial.models import SharedDraftLink
from tests.factories import make_user, publish

pytestmark = pytest.mark.django_db


def share_url(page):
    return reverse("editorial_admin:share", args=[page.pk])


def text_of(fragment):
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def messages_on(html):
    """The texts of the messages the admin shows at the top of a screen."""
    block = re.search(r'<ul data-w-messages-target="container">(.*?)</ul>', html, re.S)
    assert block, "no messages on the screen"
    return [text_of(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.S)]


def breadcrumbs_on(html):
    """(address, text) of each breadcrumb, the current screen last."""
    nav = re.search(r'<nav[^>]*aria-label="Breadcrumb"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no breadcrumbs on the screen"
    items = re.findall(r"<li[^>]*>(.*?)</li>", nav.group(1), re.S)
    crumbs = []
    for item in items:
        href = re.search(r'href="([^"]*)"', item)
        crumbs.append((href.group(1) if href else "", text_of(item)))
    return crumbs


def heading_of(html):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert match, "no heading on the screen"
    return text_of(match.group(1))


def news_and_fujimori_writer(site_tree):
    """Someone who may edit News and the Fujimori campaign only: the page listing of the home
    page shows them Campaigns too (on the way to Fujimori), which they may not change."""
    writer = make_user("carla")
    writer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    group = Group.objects.create(name="News and Fujimori writers")
    for page in (site_tree["news"], site_tree["fujimori"]):
        GroupPagePermission.objects.create(
            group=group, page=page, permission=Permission.objects.get(codename="change_page")
        )
    writer.groups.add(group)
    return writer


# The "Share draft" button ---------------------------------------------------------------------


def test_the_share_button_is_offered_only_on_pages_the_user_may_edit(site_tree, client):
    client.force_login(news_and_fujimori_writer(site_tree))
    listing = client.get(reverse("wagtailadmin_explore", args=[site_tree["home"].pk]))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Campaigns" in html  # listed, but not theirs to edit or share
    assert share_url(site_tree["news"]) in html
    assert share_url(site_tree["campaigns"]) not in html


def test_the_share_button_sits_between_view_draft_and_view_live_in_the_listing_menu(
    live_article, editor, client
):
    live_article.summary = "A correction, not yet approved."
    live_article.save_revision(user=editor)
    client.force_login(editor)
    html = client.get(
        reverse("wagtailadmin_explore", args=[live_article.get_parent().pk])
    ).content.decode()
    # The article's row: its menu starts with "View draft".
    view_draft = reverse("wagtailadmin_pages:view_draft", args=[live_article.pk])
    row = html[html.index(f'<a href="{view_draft}"') :]
    labels = [text_of(label) for label in re.findall(r"<a [^>]*>(.*?)</a>", row, re.S)]
    assert labels[:3] == ["View draft", "Share draft", "View live"]


def test_the_home_pages_draft_can_be_shared(site_tree, editor, client):
    home = site_tree["home"]
    client.force_login(editor)
    assert (
        share_url(home)
        in client.get(reverse("wagtailadmin_pages:edit", args=[home.pk])).content.decode()
    )
    assert client.get(share_url(home)).status_code == 200
    response = client.post(share_url(home), {"note": "Trustees", "lifetime": "7"})
    assert response.status_code == 302
    assert SharedDraftLink.objects.get().page_id == home.pk


# The share screen --------------------------------------------------------------------------


def test_the_share_screen_names_the_page_and_leads_back_to_its_editor(
    draft_article, editor, client
):
    client.force_login(editor)
    html = client.get(share_url(draft_article)).content.decode()
    assert heading_of(html).startswith("Share a draft")
    assert "Draft on the Conga mine" in heading_of(html)
    assert "<title>Share a draft" in html
    crumbs = breadcrumbs_on(html)
    assert crumbs[-2:] == [
        (reverse("wagtailadmin_pages:edit", args=[draft_article.pk]), "Draft on the Conga mine"),
        ("", "Share a draft"),
    ]


def test_the_share_screen_says_when_a_link_would_show_the_live_page(live_article, editor, client):
    client.force_login(editor)
    notice = "This page has no unpublished changes"
    assert notice in client.get(share_url(live_article)).content.decode()
    live_article.summary = "A correction, not yet approved."
    live_article.save_revision(user=editor)
    assert notice not in client.get(share_url(live_article)).content.decode()


def test_creating_and_revoking_say_what_happened(draft_article, editor, client):
    client.force_login(editor)
    created = client.post(
        share_url(draft_article), {"note": "Trustees", "lifetime": "7"}, follow=True
    ).content.decode()
    assert messages_on(created) == [
        "Link created. Copy it below and send it to the people who should read the draft."
    ]
    link = SharedDraftLink.objects.get()
    revoked = client.post(
        reverse("editorial_admin:revoke", args=[link.pk]), follow=True
    ).content.decode()
    assert messages_on(revoked) == ["Link revoked. Anyone who opens it now sees “Page not found”."]
    again = client.post(
        reverse("editorial_admin:revoke", args=[link.pk]), follow=True
    ).content.decode()
    assert messages_on(again) == ["That link was already revoked."]


def test_revoking_one_link_leaves_the_pages_other_links_working(draft_article, editor, client):
    trustees = SharedDraftLink.objects.create(page=draft_article, note="Trustees")
    press = SharedDraftLink.objects.create(page=draft_article, note="Press office")
    board = SharedDraftLink.objects.create(page=draft_article, note="Board")
    client.force_login(editor)
    response = client.post(reverse("editorial_admin:revoke", args=[press.pk]))
    assert response.status_code == 302
    assert response["Location"] == share_url(draft_article)
    assert client.get(press.get_absolute_url()).status_code == 404
    for working in (trustees, board):
        assert client.get(working.get_absolute_url()).status_code == 200


# The report of links that still work ---------------------------------------------------------


def test_the_report_lists_links_soonest_to_expire_first(site_tree, draft_article, editor, client):
    now = timezone.now()
    fujimori, truth = site_tree["fujimori"], site_tree["truth"]
    for page in (fujimori, truth):
        publish(page)
    # Created in another order than they expire; two expire at the same moment, the first
    # made on the later page.
    days = datetime.timedelta(days=1)
    SharedDraftLink.objects.create(page=truth, note="Late", expires_at=now + 6 * days)
    SharedDraftLink.objects.create(page=draft_article, note="Soon", expires_at=now + days)
    SharedDraftLink.objects.create(page=truth, note="Tie, first", expires_at=now + 3 * days)
    SharedDraftLink.objects.create(page=fujimori, note="Tie, second", expires_at=now + 3 * days)
    client.force_login(editor)
    html = client.get(reverse("editorial_admin:active_links")).content.decode()
    rows = re.findall(r"<tr>\s*<td><a[^>]*>.*?</a></td>\s*<td>(.*?)</td>", html, re.S)
    assert [text_of(note) for note in rows] == ["Soon", "Tie, first", "Tie, second", "Late"]


def queries_grow(client, url, add_more):
    """Whether the screen at `url` costs more queries after `add_more()` than before."""
    client.get(url)  # first visit: the session and caches settle
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    add_more()
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    return len(after) > len(before)


def test_the_report_costs_the_same_queries_with_more_links(
    site_tree, draft_article, editor, moderator, client
):
    SharedDraftLink.objects.create(page=draft_article, created_by=editor)
    client.force_login(editor)

    def more_links():
        for page in (site_tree["fujimori"], site_tree["truth"], site_tree["news"]):
            SharedDraftLink.objects.create(page=page, created_by=moderator)

    assert not queries_grow(client, reverse("editorial_admin:active_links"), more_links)


def test_the_share_screen_costs_the_same_queries_with_more_links(
    draft_article, editor, moderator, client
):
    SharedDraftLink.objects.create(page=draft_article, created_by=editor).revoke(editor)
    client.force_login(editor)

    def more_links():
        for user in (moderator, make_user("rosa"), make_user("pablo")):
            SharedDraftLink.objects.create(page=draft_article, created_by=user).revoke(user)

    assert not queries_grow(client, share_url(draft_article), more_links)


def test_the_report_has_its_title_and_breadcrumb(editor, client):
    client.force_login(editor)
    html = client.get(reverse("editorial_admin:active_links")).content.decode()
    assert heading_of(html) == "Shared draft links"
    assert breadcrumbs_on(html)[-1] == ("", "Shared draft links")
    assert "No shared draft links are working at the moment." in html


def test_the_report_is_in_the_reports_menu_between_locked_pages_and_workflows(moderator, client):
    client.force_login(moderator)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    props = re.search(r'<script id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S)
    assert props, "no admin menu"
    menu = html_lib.unescape(props.group(1))
    report = reverse("editorial_admin:active_links")
    assert report == "/admin/editorial/links/"
    positions = [menu.find(label) for label in ("Locked pages", "Shared draft links", "Workflows")]
    assert -1 not in positions and positions == sorted(positions)
    assert menu.find(report) > positions[0]


def test_the_share_and_revoke_screens_keep_their_addresses(draft_article, editor, client):
    """Editors bookmark these, and share screens' addresses are sent around."""
    link = SharedDraftLink.objects.create(page=draft_article)
    assert share_url(draft_article) == f"/admin/editorial/pages/{draft_article.pk}/share/"
    assert reverse("editorial_admin:revoke", args=[link.pk]) == (
        f"/admin/editorial/links/{link.pk}/revoke/"
    )
    client.force_login(editor)
    assert client.get(f"/admin/editorial/pages/{draft_article.pk}/share/").status_code == 200
