"""The editorial app: roles and workflow, preview modes, dashboard panels, page listings.

Shared draft links have their own module, tests/test_shared_drafts.py."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Page, Workflow, get_page_models

from news.models import NewsArticlePage
from tests.factories import make_user

PROJECT_APPS = {"home", "news", "campaigns", "membership", "search", "psg", "editorial"}


# Roles and workflow --------------------------------------------------------------------------


@pytest.mark.django_db
def test_editors_write_under_the_home_page_and_only_moderators_publish(
    site_tree, editor, moderator, draft_article
):
    home, news, root = site_tree["home"], site_tree["news"], Page.get_first_root_node()
    for page in (home, news, site_tree["fujimori"]):
        editor_perms = page.permissions_for_user(editor)
        moderator_perms = page.permissions_for_user(moderator)
        assert editor_perms.can_edit()
        # Campaign hubs take no child pages; the home page and News do.
        assert editor_perms.can_add_subpage() == (page.pk != site_tree["fujimori"].pk)
        assert not editor_perms.can_publish()
        assert moderator_perms.can_edit() and moderator_perms.can_publish()
        # Every page here is live: moderators can take it down, editors cannot.
        assert page.live
        assert moderator_perms.can_unpublish()
        assert not editor_perms.can_unpublish()
        assert moderator_perms.can_lock()
    # A page that was never published has nothing to unpublish, for anyone.
    assert not draft_article.live
    assert not draft_article.permissions_for_user(moderator).can_unpublish()
    assert not draft_article.permissions_for_user(editor).can_unpublish()
    # Nobody but a superuser works above the home page (that would make a second site).
    assert not root.permissions_for_user(editor).can_add_subpage()
    assert not root.permissions_for_user(moderator).can_add_subpage()
    assert editor.has_perm("wagtailadmin.access_admin")
    assert editor.has_perm("news.add_topic") and not editor.has_perm("news.delete_topic")
    assert moderator.has_perm("news.delete_topic")


@pytest.mark.django_db
def test_editors_upload_and_choose_media_but_cannot_change_other_peoples(
    editor, moderator, settings, tmp_path
):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.models import Collection
    from wagtail.permissions import policy_registry

    settings.MEDIA_ROOT = tmp_path
    collection = Collection.get_first_root_node()
    image = get_image_model().objects.create(
        title="Protest in Lima",
        file=get_test_image_file(),
        uploaded_by_user=moderator,
        collection=collection,
    )
    document = get_document_model().objects.create(
        title="Annual report",
        file=ContentFile(b"report", name="report.txt"),
        uploaded_by_user=moderator,
        collection=collection,
    )
    for item in (image, document):
        policy = policy_registry.get_by_type(type(item))
        assert policy.user_has_permission(editor, "add")
        assert policy.user_has_permission(editor, "choose")
        assert not policy.user_has_permission_for_instance(editor, "change", item)
        assert not policy.user_has_permission_for_instance(editor, "delete", item)
        assert policy.user_has_permission_for_instance(moderator, "change", item)


@pytest.mark.django_db
def test_every_page_of_the_site_goes_through_moderator_approval(site_tree, moderator):
    workflow = Workflow.objects.get(name="Moderator approval")
    assert workflow.active
    tasks = [task.specific for task in workflow.tasks]
    assert len(tasks) == 1
    assert [group.name for group in tasks[0].groups.all()] == ["Moderators"]
    for page in site_tree.values():
        assert page.get_workflow() == workflow
    # The Moderators and Editors groups stay single: the migration does not duplicate them.
    assert Group.objects.filter(name__in=["Editors", "Moderators"]).count() == 2


# Preview modes and sizes ---------------------------------------------------------------------


def one_page_of_each_type(site_tree):
    from home.models import StandardPage
    from membership.models import JoinPage

    home = site_tree["home"]
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(title="Article", slug="article", summary="In short.")
    )
    about = home.add_child(instance=StandardPage(title="About", slug="about", intro="Who we are."))
    join = home.add_child(instance=JoinPage(title="Become a member", slug="join"))
    return [
        home,
        site_tree["news"],
        article,
        site_tree["campaigns"],
        site_tree["fujimori"],
        about,
        join,
    ]


@pytest.mark.django_db
def test_every_page_type_previews_in_every_mode(site_tree, rf):
    pages = one_page_of_each_type(site_tree)
    project_models = {m for m in get_page_models() if m._meta.app_label in PROJECT_APPS}
    assert {type(page) for page in pages} == project_models, "a page type has no preview test"
    for page in pages:
        assert page.is_previewable()
        for mode, _label in page.preview_modes:
            response = page.make_preview_request(rf.get("/admin/"), mode)
            assert response.status_code == 200, (type(page).__name__, mode)
            assert page.title in response.content.decode(), (type(page).__name__, mode)


@pytest.mark.django_db
def test_articles_and_campaigns_offer_a_card_mode_and_moderators_see_the_page(site_tree):
    article = NewsArticlePage(title="A", slug="a", summary="S")
    for page in (article, site_tree["fujimori"]):
        assert page.preview_modes == [
            ("", "Page"),
            ("card", "Card in listings"),
            ("social", "Shared on social media"),
        ]
        assert page.default_preview_mode == ""
    assert site_tree["news"].preview_modes == [("", "Page"), ("social", "Shared on social media")]


@pytest.mark.django_db
def test_the_card_mode_shows_the_card_not_the_article(site_tree, rf):
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(
            title="Reparations law passed",
            slug="reparations",
            date=datetime.date(2026, 3, 4),
            summary="Congress approves the reparations law.",
            body=[("paragraph", "<p>The full story of the vote.</p>")],
        )
    )
    html = article.make_preview_request(rf.get("/"), "card").content.decode()
    assert html.count('class="card card--article"') == 2  # news list and home page
    assert "Congress approves the reparations law." in html
    assert "4 March 2026" in html
    assert "The full story of the vote." not in html


@pytest.mark.django_db
def test_the_preview_panel_offers_phone_tablet_and_desktop_sizes(draft_article, editor, client):
    assert [size["name"] for size in draft_article.preview_sizes] == [
        "mobile",
        "tablet",
        "desktop",
    ]
    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[draft_article.pk])).content.decode()
    for label in ("Preview in mobile size", "Preview in tablet size", "Preview in desktop size"):
        assert label in html
    assert "Card in listings" in html  # the mode chooser


# Dashboard -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_drafts_lists_my_unpublished_pages_only(
    draft_article, site_tree, editor, moderator, client
):
    other = make_user("otto", "Editors")
    someone_elses = site_tree["news"].add_child(
        instance=NewsArticlePage(title="Otto's draft", slug="otto", summary="S", live=False)
    )
    someone_elses.save_revision(user=other)
    published = site_tree["news"].add_child(
        instance=NewsArticlePage(title="Already published", slug="published", summary="S")
    )
    published.save_revision(user=editor).publish(user=moderator)

    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "My drafts" in html
    assert "Draft on the Conga mine" in html
    assert "Otto&#x27;s draft" not in html and "Otto's draft" not in html
    assert "Already published" not in html.split("My drafts", 1)[1].split("</section>", 1)[0]
    assert reverse("editorial_admin:share", args=[draft_article.pk]) in html


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_queries_with_more_drafts(site_tree, editor, client):
    client.force_login(editor)

    def add_drafts(start, count):
        for n in range(start, start + count):
            page = site_tree["news"].add_child(
                instance=NewsArticlePage(
                    title=f"Draft {n}", slug=f"draft-{n}", summary="S", live=False
                )
            )
            page.save_revision(user=editor)

    # Wagtail's own "recent edits" panel stops at five pages; start above that.
    add_drafts(0, 6)
    client.get(reverse("wagtailadmin_home"))  # warm caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("wagtailadmin_home"))
    add_drafts(6, 6)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Draft 11" in html
    assert len(many) == len(few)


@pytest.mark.django_db
def test_membership_applications_panel_only_for_people_allowed_to_see_them(editor, client):
    from membership.models import MembershipApplication

    MembershipApplication.objects.create(
        name="Rosa Quispe", email="rosa@example.org", membership_type="individual"
    )
    officer = make_user("olivia")
    officer.groups.add(Group.objects.get(name="Membership officers"))

    client.force_login(officer)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Recent membership applications" in html
    assert "Rosa Quispe" in html
    assert "rosa@example.org" not in html  # names only on the dashboard
    index = reverse("membership_membershipapplication_modeladmin_index")
    assert f'<a href="{index}">See all applications (1)</a>' in html

    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Recent membership applications" not in html
    assert "Rosa Quispe" not in html


# Page listings -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_news_listing_shows_article_dates_newest_first(site_tree, editor, client):
    for slug, date in [("jan", (2025, 1, 5)), ("mar", (2026, 3, 4)), ("jul", (2024, 7, 9))]:
        site_tree["news"].add_child(
            instance=NewsArticlePage(
                title=f"Article {slug}", slug=slug, summary="S", date=datetime.date(*date)
            )
        )
    client.force_login(editor)
    html = client.get(reverse("wagtailadmin_explore", args=[site_tree["news"].pk])).content.decode()
    assert "Article date" in html
    positions = [html.find(text) for text in ("4 Mar 2026", "5 Jan 2025", "9 Jul 2024")]
    assert -1 not in positions
    assert positions == sorted(positions)
    oldest_first = client.get(
        reverse("wagtailadmin_explore", args=[site_tree["news"].pk]), {"ordering": "date"}
    ).content.decode()
    assert oldest_first.find("9 Jul 2024") < oldest_first.find("4 Mar 2026")
    # Other sections keep Wagtail's usual columns.
    campaigns = client.get(reverse("wagtailadmin_explore", args=[site_tree["campaigns"].pk]))
    assert "Article date" not in campaigns.content.decode()
