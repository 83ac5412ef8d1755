"""Deleting a page says, before it happens, what disappears elsewhere on the site; the pages the
site's structure rests on cannot be deleted or moved by editors or moderators.

Everything goes through the real admin views, as the users of tests/conftest.py.
"""

import re

import pytest
from django.urls import reverse
from wagtail.models import Page

from home.models import StandardPage
from tests.factories import add_join_page, make_user, publish

pytestmark = pytest.mark.django_db


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def warning_of(html):
    match = re.search(r"<section[^>]*data-psg-delete-warning[^>]*>(.*?)</section>", html, re.S)
    assert match, "the delete screen has no warning"
    return text_of(match.group(1))


@pytest.fixture
def join_page(site_tree):
    """ "Become a member" in the main menu, behind the home page's "Join" button and linked from
    an About page's text."""
    home = site_tree["home"]
    join = add_join_page(home, show_in_menus=True)
    home.mission = [
        (
            "call_to_action",
            {
                "heading": "Why join the PSG?",
                "reasons": ["Solidarity"],
                "button_label": "Join",
                "button_page": join,
            },
        )
    ]
    publish(home)
    about = home.add_child(
        instance=StandardPage(
            title="Why we campaign",
            slug="why",
            body=[
                (
                    "paragraph",
                    f'<p>Please <a linktype="page" id="{join.pk}">become a member</a>.</p>',
                )
            ],
        )
    )
    publish(about)
    return join


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("ada", superuser=True))
    return client


def test_deleting_the_join_page_names_what_will_disappear(admin_client, join_page):
    response = admin_client.get(reverse("wagtailadmin_pages:delete", args=[join_page.pk]))
    assert response.status_code == 200
    warning = warning_of(response.content.decode())
    assert "Deleting “Become a member” changes other parts of the site" in warning
    assert (
        "The main menu — the “Become a member” item will disappear from every page of the site"
        in warning
    )
    assert (
        "Peru Support Group (Home page) — Mission section → Call to action section: the “Join” "
        "button will disappear" in warning
    )
    assert (
        "Why we campaign (Content page) — Body → Text: a link in the text will stop "
        "working" in warning
    )
    # Each place links to its editor, so it can be changed first.
    html = response.content.decode()
    home_pk = Page.objects.get(depth=2).pk
    assert f'href="/admin/pages/{home_pk}/edit/"' in html


def test_a_page_nothing_links_to_says_so(admin_client, site_tree):
    about = site_tree["home"].add_child(instance=StandardPage(title="Old notes", slug="old"))
    html = admin_client.get(reverse("wagtailadmin_pages:delete", args=[about.pk])).content.decode()
    assert "nothing else on the site changes when it is deleted" in text_of(html)
    response = admin_client.post(reverse("wagtailadmin_pages:delete", args=[about.pk]))
    assert response.status_code == 302
    assert not Page.objects.filter(pk=about.pk).exists()


def test_deleting_a_featured_campaign_names_the_home_page(admin_client, site_tree):
    home = site_tree["home"]
    home.featured_campaigns.create(campaign=site_tree["truth"])
    publish(home)
    html = admin_client.get(
        reverse("wagtailadmin_pages:delete", args=[site_tree["truth"].pk])
    ).content.decode()
    warning = warning_of(html)
    assert "Peru Support Group (Home page)" in warning
    assert "this entry will be removed" in warning


STRUCTURAL = ["home", "news", "campaigns", "join"]


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
@pytest.mark.parametrize("which", STRUCTURAL)
def test_structural_pages_cannot_be_deleted_or_moved_by_editors(
    client, join_page, site_tree, role, which
):
    page = join_page if which == "join" else site_tree[which]
    client.force_login(make_user("someone", role))
    for name in ("delete", "move"):
        url = reverse(f"wagtailadmin_pages:{name}", args=[page.pk])
        assert client.get(url).status_code in (302, 403), (name, which)
        client.post(url, {"new_parent_page": site_tree["news"].pk})
    assert Page.objects.filter(pk=page.pk, path=page.path).exists()
    # No "Delete" or "Move" offered on its edit view or in its parent's listing.
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert reverse("wagtailadmin_pages:delete", args=[page.pk]) not in edit
    assert reverse("wagtailadmin_pages:move", args=[page.pk]) not in edit
    listing = client.get(reverse("wagtailadmin_explore", args=[page.get_parent().pk]))
    assert reverse("wagtailadmin_pages:delete", args=[page.pk]) not in listing.content.decode()


def test_editors_still_delete_their_own_drafts(client, editor, draft_article):
    client.force_login(editor)
    url = reverse("wagtailadmin_pages:delete", args=[draft_article.pk])
    assert client.get(url).status_code == 200
    client.post(url)
    assert not Page.objects.filter(pk=draft_article.pk).exists()


def test_moderators_still_move_an_ordinary_page(client, moderator, site_tree):
    about = site_tree["home"].add_child(instance=StandardPage(title="About", slug="about"))
    publish(about)
    client.force_login(moderator)
    url = reverse("wagtailadmin_pages:delete", args=[about.pk])
    assert client.get(url).status_code == 200


def test_an_administrator_may_still_delete_the_join_page(admin_client, join_page):
    admin_client.post(reverse("wagtailadmin_pages:delete", args=[join_page.pk]))
    assert not Page.objects.filter(pk=join_page.pk).exists()
