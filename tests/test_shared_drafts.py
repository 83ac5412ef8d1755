"""Shared draft links: the model, the public view at /preview/<token>/ and the admin screens."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from editorial.models import SharedDraftLink
from editorial.views import ROBOTS_META, add_robots_meta
from news.models import NewsArticlePage
from tests.factories import make_user

# A valid token (URL-safe, at least 43 characters) with upper- and lower-case letters.
MIXED_CASE_TOKEN = "DraftLink-aBcDeFgHiJkLmNoPqRsTuVwXyZ_0123456"


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


# Shared draft links: what the reader's browser is told, and where the draft comes from -------


@pytest.mark.django_db
def test_a_link_is_kept_by_no_browser_or_proxy(draft_article, client):
    link = SharedDraftLink.objects.create(page=draft_article)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives == {"no-store", "private", "max-age=0"}


@pytest.mark.django_db
def test_a_link_to_the_home_page_shows_the_drafts_featured_campaigns(site_tree, editor, client):
    """The draft's own choices, not the published page's rows: a campaign featured in the
    draft only appears through the link, not on the live home page."""
    from home.models import HomeFeaturedCampaign

    home = site_tree["home"]
    assert "Truth Commission" not in client.get("/").content.decode()
    home.featured_campaigns.add(HomeFeaturedCampaign(campaign=site_tree["truth"]))
    home.save_revision(user=editor)
    link = SharedDraftLink.objects.create(page=home)

    html = client.get(link.get_absolute_url()).content.decode()
    assert 'id="featured-heading"' in html
    assert "Truth Commission" in html
    assert "Truth Commission" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_link_stops_working_at_its_expiry_and_the_share_screen_agrees(
    draft_article, editor, client
):
    link = SharedDraftLink.objects.create(page=draft_article, created_by=editor)
    client.force_login(editor)
    with mock.patch("django.utils.timezone.now", return_value=link.expires_at):
        html = client.get(
            reverse("editorial_admin:share", args=[draft_article.pk])
        ).content.decode()
        client.logout()
        reader = client.get(link.get_absolute_url())
    assert reader.status_code == 404
    assert "Expired" in html
    assert "/preview/" not in html  # no link to copy, no "Revoke" button
    assert "Active" not in html


@pytest.mark.django_db
def test_a_page_type_with_a_preview_response_of_its_own_keeps_the_robots_rules(
    draft_article, client
):
    """A page type may answer its preview with a plain response (Wagtail lets it override
    `serve_preview`): an HTML fragment without <head>, in another charset, or not HTML."""
    link = SharedDraftLink.objects.create(page=draft_article)
    fragment = HttpResponse("<p>Só um fragmento</p>", content_type="text/html; charset=iso-8859-1")
    pdf = HttpResponse(b"%PDF-1.7 draft", content_type="application/pdf")

    for preview, expected in [
        (fragment, (ROBOTS_META + "<p>Só um fragmento</p>").encode("iso-8859-1")),
        (pdf, b"%PDF-1.7 draft"),
    ]:
        with mock.patch.object(
            NewsArticlePage, "serve_preview", lambda page, request, mode, r=preview: r
        ):
            response = client.get(link.get_absolute_url())
        assert response.status_code == 200
        if preview is fragment:
            # The draft banner comes first (its dash as a character reference in this charset).
            banner, _, rest = response.content.partition(ROBOTS_META.encode())
            assert b"Draft shared for review &#8212; not published" in banner
            assert ROBOTS_META.encode() + rest == expected
            continue
        assert response.content == expected
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_a_link_shows_the_page_as_its_default_preview_mode_does(draft_article, client):
    """A page type whose preview opens on another mode (here the card in listings) is shown
    through a link the same way."""
    link = SharedDraftLink.objects.create(page=draft_article)
    with mock.patch.object(NewsArticlePage, "default_preview_mode", "card"):
        html = client.get(link.get_absolute_url()).content.decode()
    assert 'class="card card--article"' in html
    assert "Unpublished words about Conga." not in html
    assert "Unpublished words about Conga." in client.get(link.get_absolute_url()).content.decode()
