"""The editorial app: roles and workflow, preview modes, shared draft links, dashboard panels."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, Workflow, get_page_models

from editorial.models import SharedDraftLink
from editorial.views import add_robots_meta
from news.models import NewsArticlePage
from tests.test_admin_journeys import make_user

PROJECT_APPS = {"home", "news", "campaigns", "membership", "search", "psg", "editorial"}
# A valid token (URL-safe, at least 43 characters) with upper- and lower-case letters.
MIXED_CASE_TOKEN = "DraftLink-aBcDeFgHiJkLmNoPqRsTuVwXyZ_0123456"


@pytest.fixture
def editor(db):
    return make_user("edith", "Editors")


@pytest.fixture
def moderator(db):
    return make_user("maria", "Moderators")


@pytest.fixture
def draft_article(site_tree, editor):
    """An article an editor saved but nobody has published."""
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(
            title="Draft on the Conga mine",
            slug="draft-conga",
            summary="A summary still being written.",
            body=[("paragraph", "<p>Unpublished words about Conga.</p>")],
            live=False,
        )
    )
    article.save_revision(user=editor)
    return NewsArticlePage.objects.get(pk=article.pk)


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
        assert page.preview_modes == [("", "Page"), ("card", "Card in listings")]
        assert page.default_preview_mode == ""
    assert site_tree["news"].preview_modes == [("", "Default")]


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


# Shared draft links: the model and the public view -------------------------------------------


@pytest.mark.django_db
def test_links_have_long_unguessable_tokens_and_last_a_week_by_default(draft_article):
    links = [SharedDraftLink.objects.create(page=draft_article) for _ in range(20)]
    tokens = {link.token for link in links}
    assert len(tokens) == 20
    assert all(len(token) >= 43 for token in tokens)
    lifetime = links[0].expires_at - links[0].created_at
    assert datetime.timedelta(days=6, hours=23) < lifetime <= datetime.timedelta(days=7)
    assert SharedDraftLink.objects.active().count() == 20


@pytest.mark.django_db
def test_a_link_shows_a_never_published_page_to_a_visitor(draft_article, client):
    link = SharedDraftLink.objects.create(page=draft_article)
    assert client.get(draft_article.url).status_code == 404
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unpublished words about Conga." in html
    assert html.count('name="robots"') == 1
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_a_link_always_shows_the_latest_revision(draft_article, editor, client):
    link = SharedDraftLink.objects.create(page=draft_article)
    later = draft_article.get_latest_revision_as_object()
    later.summary = "The summary, rewritten after the link was sent."
    later.save_revision(user=editor)
    assert (
        "rewritten after the link was sent" in client.get(link.get_absolute_url()).content.decode()
    )


@pytest.mark.django_db
def test_revoked_expired_unknown_and_malformed_links_show_nothing(draft_article, editor, client):
    revoked = SharedDraftLink.objects.create(page=draft_article)
    revoked.revoke(editor)
    expired = SharedDraftLink.objects.create(
        page=draft_article, expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    # Letters of both cases, so that every case variant below differs from the token.
    active = SharedDraftLink.objects.create(page=draft_article, token=MIXED_CASE_TOKEN)
    variants = [active.token.swapcase(), active.token.upper(), active.token.lower()]
    assert all(len(v) == len(active.token) and v != active.token for v in variants)
    urls = [
        revoked.get_absolute_url(),
        expired.get_absolute_url(),
        "/preview/" + "A" * 43 + "/",
        "/preview/" + active.token[:-1] + "/",  # one character short
        *(f"/preview/{variant}/" for variant in variants),  # same length, other case
        "/preview/not a token/",
        "/preview/" + "a" * 500 + "/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Unpublished words" not in response.content.decode()
    assert client.get(active.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_tokens_differing_only_in_case_open_their_own_drafts(draft_article, site_tree, client):
    """The token is matched exactly: two links whose tokens differ only in case are two
    links, each showing its own page (a case-insensitive lookup finds the wrong one)."""
    other = site_tree["news"].add_child(
        instance=NewsArticlePage(
            title="Draft on the Tía María mine",
            slug="draft-tia-maria",
            summary="Another summary.",
            body=[("paragraph", "<p>Unpublished words about Tía María.</p>")],
            live=False,
        )
    )
    other.save_revision()
    first = SharedDraftLink.objects.create(page=draft_article, token=MIXED_CASE_TOKEN)
    second = SharedDraftLink.objects.create(page=other, token=MIXED_CASE_TOKEN.swapcase())
    for link, words, not_words in [
        (first, "Unpublished words about Conga.", "Tía María"),
        (second, "Unpublished words about Tía María.", "Conga"),
    ]:
        response = client.get(link.get_absolute_url())
        assert response.status_code == 200, link.token
        html = response.content.decode()
        assert words in html
        assert not_words not in html


@pytest.mark.django_db
def test_a_link_only_answers_reading(draft_article, client):
    link = SharedDraftLink.objects.create(page=draft_article)
    assert client.post(link.get_absolute_url()).status_code == 405
    assert client.head(link.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_deleting_the_page_deletes_its_links(draft_article, client):
    link = SharedDraftLink.objects.create(page=draft_article)
    url = link.get_absolute_url()
    draft_article.delete()
    assert not SharedDraftLink.objects.exists()
    assert client.get(url).status_code == 404


def test_robots_meta_is_added_once_and_replaces_an_existing_one():
    assert add_robots_meta("<html><head><title>x</title></head></html>") == (
        '<html><head><meta name="robots" content="noindex, nofollow"><title>x</title></head></html>'
    )
    replaced = add_robots_meta(
        '<head lang="en"><meta name="robots" content="index, follow"></head>'
    )
    assert replaced.count("robots") == 1
    assert "noindex, nofollow" in replaced


# Shared draft links: the admin screens --------------------------------------------------------


@pytest.mark.django_db
def test_an_editor_creates_a_link_for_the_chosen_time(draft_article, editor, client):
    client.force_login(editor)
    url = reverse("editorial_admin:share", args=[draft_article.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "No links have been shared for this page yet." in page.content.decode()

    response = client.post(url, {"note": "Trustees", "lifetime": "3"})
    assert response.status_code == 302
    link = SharedDraftLink.objects.get()
    assert (link.page_id, link.note, link.created_by) == (draft_article.pk, "Trustees", editor)
    assert abs(
        link.expires_at - (timezone.now() + datetime.timedelta(days=3))
    ) < datetime.timedelta(minutes=1)
    html = client.get(url).content.decode()
    assert f"http://testserver/preview/{link.token}/" in html
    assert "Trustees" in html and "Active" in html


@pytest.mark.django_db
def test_a_bad_lifetime_is_refused_with_a_message(draft_article, editor, client):
    client.force_login(editor)
    url = reverse("editorial_admin:share", args=[draft_article.pk])
    response = client.post(url, {"note": "x" * 201, "lifetime": "365"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert "Ensure this value has at most 200 characters" in html
    assert not SharedDraftLink.objects.exists()


@pytest.mark.django_db
def test_people_who_cannot_edit_the_page_cannot_share_or_revoke(draft_article, editor, client):
    link = SharedDraftLink.objects.create(page=draft_article, created_by=editor)
    outsider = make_user("olga")
    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    # The admin answers "no permission" by sending them to the dashboard with a message.
    for response in (
        client.get(reverse("editorial_admin:share", args=[draft_article.pk])),
        client.post(reverse("editorial_admin:revoke", args=[link.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    assert not SharedDraftLink.objects.exclude(pk=link.pk).exists()
    link.refresh_from_db()
    assert link.is_active

    client.force_login(editor)
    root = Page.get_first_root_node()
    assert client.get(reverse("editorial_admin:share", args=[root.pk])).status_code == 404
    assert client.get(reverse("editorial_admin:share", args=[999999])).status_code == 404
    assert client.get(reverse("editorial_admin:revoke", args=[link.pk])).status_code == 405


@pytest.mark.django_db
def test_revoking_twice_keeps_the_first_revocation(draft_article, editor, moderator, client):
    link = SharedDraftLink.objects.create(page=draft_article, created_by=editor)
    client.force_login(moderator)
    client.post(reverse("editorial_admin:revoke", args=[link.pk]))
    link.refresh_from_db()
    first = link.revoked_at
    assert link.revoked_by == moderator
    client.force_login(editor)
    response = client.post(reverse("editorial_admin:revoke", args=[link.pk]), follow=True)
    assert "already revoked" in response.content.decode()
    link.refresh_from_db()
    assert (link.revoked_at, link.revoked_by) == (first, moderator)


@pytest.mark.django_db
def test_the_share_button_is_in_the_page_header_and_the_listing_menu(draft_article, editor, client):
    client.force_login(editor)
    share = reverse("editorial_admin:share", args=[draft_article.pk])
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[draft_article.pk])).content.decode()
    assert share in edit
    listing = client.get(
        reverse("wagtailadmin_explore", args=[draft_article.get_parent().pk])
    ).content.decode()
    assert share in listing
    assert "Share draft" in listing


@pytest.mark.django_db
def test_an_expired_link_says_so_on_the_share_screen(draft_article, editor, client):
    SharedDraftLink.objects.create(page=draft_article, created_by=editor)
    client.force_login(editor)
    later = timezone.now() + datetime.timedelta(days=8)
    with mock.patch("django.utils.timezone.now", return_value=later):
        html = client.get(
            reverse("editorial_admin:share", args=[draft_article.pk])
        ).content.decode()
    assert "Expired" in html
    assert "/preview/" not in html


@pytest.mark.django_db
def test_the_report_lists_working_links_on_pages_i_can_edit(draft_article, editor, client):
    working = SharedDraftLink.objects.create(page=draft_article, created_by=editor, note="Trustees")
    SharedDraftLink.objects.create(page=draft_article, note="Press office (revoked)").revoke(editor)
    SharedDraftLink.objects.create(
        page=draft_article,
        note="Board (lapsed)",
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    client.force_login(editor)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("editorial_admin:active_links") in home  # in the Reports menu
    html = client.get(reverse("editorial_admin:active_links")).content.decode()
    assert "Trustees" in html
    assert reverse("editorial_admin:share", args=[working.page_id]) in html
    assert "Press office" not in html and "Board (lapsed)" not in html
    assert working.token not in html  # the secret itself stays on the share screen

    officer = make_user("olivia")
    officer.groups.add(Group.objects.get(name="Membership officers"))
    client.force_login(officer)
    assert (
        reverse("editorial_admin:active_links")
        not in client.get(reverse("wagtailadmin_home")).content.decode()
    )
    response = client.get(reverse("editorial_admin:active_links"))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


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
