"""Editors' and moderators' work, done through the real admin URLs.

An editor writes a news article, files it under a campaign, previews it as a page and as a
card, shares the draft, submits it for moderation and cannot publish it; a moderator is told
by email, approves it and it is live and searchable. Scheduled pages go live (and expire)
when `publish_scheduled` runs. Anonymous visitors reach no draft, preview or admin screen.
"""

import datetime
import json
import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from editorial.models import SharedDraftLink
from news.models import NewsArticlePage
from tests.factories import make_user

# People: make_user and PASSWORD from tests/factories.py; the editor and moderator fixtures
# from tests/conftest.py.


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def moderator_client(moderator):
    from django.test import Client

    other = Client()
    other.force_login(moderator)
    return other


# Form data as the page editor sends it -------------------------------------------------------


def article_form(title, summary, body, *, slug, campaigns=(), date="2026-11-20", **extra):
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "date": date,
            "summary": summary,
            "body": streamfield([("paragraph", rich_text(f"<p>{body}</p>"))]),
            "comments": inline_formset([]),
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    data["campaigns"] = [str(pk) for pk in campaigns]
    data.update(extra)
    return data


def edit_form(client, page, **changes):
    """The data the edit form posts for `page`'s latest revision, with `changes` applied.

    The edit screen is fetched first (as an editor would open it); its StreamField is drawn by
    JavaScript, so the values come from the latest revision, the same values the form shows.
    """
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    latest = page.specific.get_latest_revision_as_object()
    body = [(block.block_type, rich_text(block.value.source)) for block in latest.body]
    common = {
        "title": latest.title,
        "slug": latest.slug,
        "summary": latest.summary,
        "body": streamfield(body),
        "comments": inline_formset([]),
        "seo_title": latest.seo_title,
        "search_description": latest.search_description,
        "go_live_at": "",
        "expire_at": "",
    }
    if isinstance(latest, NewsArticlePage):
        common["date"] = latest.date.isoformat()
    else:  # a campaign hub
        common["status"] = latest.status
        common["milestones"] = inline_formset([])
    common.update(changes.pop("nested", {}))
    data = nested_form_data(common)
    if isinstance(latest, NewsArticlePage):
        data["campaigns"] = [str(c.pk) for c in latest.campaigns.all()]
    data.update(changes)
    return data


def local_minute(moment):
    """A date and time as the admin's date-time field takes it (the site's time zone)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def add_article(client, news_index, **kwargs):
    url = reverse("wagtailadmin_pages:add", args=["news", "newsarticlepage", news_index.pk])
    response = client.post(url, article_form(**kwargs))
    assert response.status_code == 302, response.content.decode()[:2000]
    return NewsArticlePage.objects.get(slug=kwargs["slug"])


def preview(client, page, data, mode=None):
    """POST the form to the preview view, then GET the preview as the panel's iframe does."""
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    posted = client.post(url, data)
    assert posted.status_code == 200
    assert json.loads(posted.content)["is_valid"] is True
    return client.get(url, {"mode": mode} if mode is not None else {})


@pytest.fixture
def live_article(site_tree, moderator):
    """A published article (one revision), as a moderator leaves it after approval."""
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(
            title="Mining conflict in Cajamarca",
            slug="mining-conflict",
            date=datetime.date(2026, 11, 2),
            summary="Communities in Cajamarca oppose the Conga mine.",
            body=[("paragraph", "<p>Published text about the Conga mine.</p>")],
        )
    )
    article.save_revision(user=moderator).publish(user=moderator)
    return NewsArticlePage.objects.get(pk=article.pk)


# The editor's journey ------------------------------------------------------------------------


@pytest.mark.django_db
def test_editor_writes_previews_and_submits_an_article_that_a_moderator_publishes(
    site_tree, editor_client, editor, moderator, moderator_client
):
    fujimori = site_tree["fujimori"]
    make_user("root", superuser=True)  # superusers are not sent moderation mail

    article = add_article(
        editor_client,
        site_tree["news"],
        title="Extradition hearing set for December",
        slug="extradition-hearing",
        summary="The Supreme Court sets a date for the extradition hearing.",
        body="Quillabamba witnesses will give evidence.",
        campaigns=[fujimori.pk],
    )
    assert not article.live
    assert article.has_unpublished_changes
    assert article.owner == editor
    assert list(article.get_latest_revision_as_object().campaigns.all()) == [fujimori]
    # The draft is not on the site yet.
    assert editor_client.get("/news/extradition-hearing/").status_code == 404

    # Preview as the page and as its card.
    draft = article_form(
        title="Extradition hearing set for December",
        slug="extradition-hearing",
        summary="The Supreme Court sets a date for the extradition hearing.",
        body="Quillabamba witnesses will give evidence.",
        campaigns=[fujimori.pk],
    )
    page_preview = preview(editor_client, article, draft)
    assert page_preview.status_code == 200
    html = page_preview.content.decode()
    assert "Quillabamba witnesses will give evidence." in html
    assert "Fujimori extradition" in html  # the campaign it is filed under
    card_preview = preview(editor_client, article, draft, mode="card")
    assert card_preview.status_code == 200
    card = card_preview.content.decode()
    assert "card--article" in card
    assert "The Supreme Court sets a date for the extradition hearing." in card
    assert "Quillabamba" not in card  # a card shows the summary, not the body

    # Editors see no Publish button and a publish request only saves a draft.
    edit_page = editor_client.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert 'name="action-publish"' not in edit_page.content.decode()
    assert 'name="action-submit"' in edit_page.content.decode()
    attempt = edit_form(editor_client, article)
    attempt["action-publish"] = "action-publish"
    editor_client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), attempt)
    article.refresh_from_db()
    assert not article.live
    assert editor_client.get("/news/extradition-hearing/").status_code == 404

    # Submit for moderation: the moderators are told by email.
    mail.outbox.clear()
    submission = edit_form(editor_client, article)
    submission["action-submit"] = "action-submit"
    response = editor_client.post(reverse("wagtailadmin_pages:edit", args=[article.pk]), submission)
    assert response.status_code == 302
    article.refresh_from_db()
    workflow_state = article.current_workflow_state
    assert workflow_state is not None
    assert workflow_state.workflow.name == "Moderator approval"
    assert not article.live
    recipients = {address for message in mail.outbox for address in message.to}
    assert moderator.email in recipients
    assert "root@perusupportgroup.org.uk" not in recipients
    assert editor.email not in recipients
    assert any("Extradition hearing set for December" in m.subject for m in mail.outbox)
    assert {m.from_email for m in mail.outbox} == {settings.WAGTAILADMIN_NOTIFICATION_FROM_EMAIL}

    # The moderator sees it on the dashboard, approves it, and it is live.
    dashboard = moderator_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Awaiting your review" in dashboard
    assert "Extradition hearing set for December" in dashboard
    task_state = workflow_state.current_task_state
    response = moderator_client.post(
        reverse(
            "wagtailadmin_pages:workflow_action",
            args=[article.pk, "approve", task_state.pk],
        ),
        {"comment": "Checked the dates."},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.live
    assert not article.has_unpublished_changes
    public = editor_client.get("/news/extradition-hearing/")
    assert public.status_code == 200
    assert "Quillabamba witnesses will give evidence." in public.content.decode()
    # Filed under its campaign (shown on the campaign's page), and found by search.
    assert article in fujimori.news_articles.live()
    hub = editor_client.get("/campaigns/fujimori-extradition/").content.decode()
    assert "Extradition hearing set for December" in hub
    found = NewsArticlePage.objects.live().search("Quillabamba")
    assert [hit.pk for hit in found] == [article.pk]


@pytest.mark.django_db
def test_the_bulk_publish_action_refuses_an_editor(site_tree, editor, editor_client):
    draft = site_tree["news"].add_child(
        instance=NewsArticlePage(title="Bulk draft", slug="bulk-draft", summary="S", live=False)
    )
    draft.save_revision(user=editor)
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
    response = editor_client.post(f"{url}?id={draft.pk}", {"include_descendants": ""})
    assert response.status_code in (200, 302)
    draft.refresh_from_db()
    assert not draft.live


@pytest.mark.django_db
def test_an_editor_cannot_publish_or_unpublish(live_article, editor_client):
    perms = live_article.permissions_for_user(get_user_model().objects.get(username="edith"))
    assert perms.can_edit()
    assert not perms.can_publish()
    assert not perms.can_unpublish()

    response = editor_client.post(
        reverse("wagtailadmin_pages:unpublish", args=[live_article.pk]), {}
    )
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/admin/login/" not in response["Location"]
    live_article.refresh_from_db()
    assert live_article.live


@pytest.mark.django_db
def test_preview_of_changes_to_a_live_article_leaves_the_live_page_alone(
    live_article, editor_client
):
    data = edit_form(editor_client, live_article)
    data["summary"] = "Draft summary: talks resume in Lima."
    data["body-0-value"] = rich_text("<p>Draft text: talks resume next week.</p>")

    page_preview = preview(editor_client, live_article, data).content.decode()
    assert "Draft text: talks resume next week." in page_preview
    card_preview = preview(editor_client, live_article, data, mode="card").content.decode()
    assert "Draft summary: talks resume in Lima." in card_preview

    # Saving the draft still leaves the published page as it was.
    response = editor_client.post(reverse("wagtailadmin_pages:edit", args=[live_article.pk]), data)
    assert response.status_code == 302
    live = editor_client.get("/news/mining-conflict/").content.decode()
    assert "Published text about the Conga mine." in live
    assert "Draft text" not in live
    # "View draft" shows the saved draft to the editor.
    draft = editor_client.get(reverse("wagtailadmin_pages:view_draft", args=[live_article.pk]))
    assert "Draft text: talks resume next week." in draft.content.decode()


@pytest.mark.django_db
def test_every_preview_mode_of_a_campaign_renders(site_tree, editor_client):
    truth = site_tree["truth"]
    data = edit_form(editor_client, truth)
    data["summary"] = "Draft: the reparations programme is underfunded."
    for mode, marker in [("", "Draft: the reparations"), ("card", "card--campaign")]:
        response = preview(editor_client, truth, data, mode=mode)
        assert response.status_code == 200
        assert marker in response.content.decode()


def page_form(**fields):
    """The add form's data for a page: `fields` plus the panels every page type has."""
    return nested_form_data(
        {
            "comments": inline_formset([]),
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
            **fields,
        }
    )


def preview_new(client, parent, model, data, mode=None):
    """Preview a page that was never saved, as the add screen's preview panel does."""
    app_label, model_name = model._meta.app_label, model._meta.model_name
    url = reverse("wagtailadmin_pages:preview_on_add", args=[app_label, model_name, parent.pk])
    posted = client.post(url, data)
    assert posted.status_code == 200
    assert json.loads(posted.content)["is_valid"] is True
    return client.get(url, {"mode": mode} if mode is not None else {})


@pytest.mark.django_db
def test_an_article_can_be_previewed_before_its_first_save(site_tree, editor_client):
    # Another live article in the same campaign, so the preview has neighbours and related news.
    add_article(
        editor_client,
        site_tree["news"],
        title="Older news",
        summary="Earlier news of the extradition.",
        body="Earlier text.",
        slug="older-news",
        date="2026-11-01",
        campaigns=[site_tree["fujimori"].pk],
        **{"action-publish": "action-publish"},
    )
    data = article_form(
        "Court hears the extradition case",
        "The Supreme Court of Chile heard the case today.",
        "Unsaved text of the hearing.",
        slug="court-hears",
        campaigns=[site_tree["fujimori"].pk],
    )
    for mode, marker in [("", "Unsaved text of the hearing."), ("card", "The Supreme Court")]:
        response = preview_new(editor_client, site_tree["news"], NewsArticlePage, data, mode)
        assert response.status_code == 200
        assert marker in response.content.decode()
    assert not NewsArticlePage.objects.filter(slug="court-hears").exists()


NEW_PAGES = {
    "campaign hub": (
        "campaigns",
        "campaigns.CampaignPage",
        {
            "title": "Mining and water",
            "slug": "mining-and-water",
            "summary": "Protect the water of communities near mines.",
            "status": "active",
            "body": streamfield([]),
            "milestones": inline_formset([]),
        },
        [("", "Protect the water"), ("card", "card--campaign")],
    ),
    "content page": (
        "home",
        "home.StandardPage",
        {
            "title": "About PSG",
            "slug": "about",
            "intro": "Who we are and what we do.",
            "body": streamfield([("paragraph", rich_text("<p>Founded in 1983.</p>"))]),
        },
        [("", "Founded in 1983.")],
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", NEW_PAGES)
def test_a_new_hub_or_content_page_can_be_previewed_before_its_first_save(
    site_tree, editor_client, kind
):
    from django.apps import apps

    parent, model_name, fields, expected = NEW_PAGES[kind]
    model = apps.get_model(model_name)
    for mode, marker in expected:
        response = preview_new(editor_client, site_tree[parent], model, page_form(**fields), mode)
        assert response.status_code == 200
        assert marker in response.content.decode()
    assert not model.objects.filter(slug=fields["slug"]).exists()


# Sharing a draft -----------------------------------------------------------------------------


def shared_link_path(html):
    match = re.search(r'value="https?://[^/"]+(/preview/[A-Za-z0-9_-]+/)"', html)
    assert match, "the share screen shows the link"
    return match.group(1)


@pytest.mark.django_db
def test_a_shared_link_shows_the_draft_until_it_is_revoked(live_article, editor_client, client):
    data = edit_form(editor_client, live_article)
    data["body-0-value"] = rich_text("<p>Draft for the trustees to read.</p>")
    editor_client.post(reverse("wagtailadmin_pages:edit", args=[live_article.pk]), data)

    share_url = reverse("editorial_admin:share", args=[live_article.pk])
    edit_html = editor_client.get(
        reverse("wagtailadmin_pages:edit", args=[live_article.pk])
    ).content.decode()
    assert share_url in edit_html  # the "Share draft" button in the page header

    response = editor_client.post(share_url, {"note": "Trustees", "lifetime": "7"})
    assert response.status_code == 302
    path = shared_link_path(editor_client.get(share_url).content.decode())

    from django.test import Client

    visitor = Client()
    shown = visitor.get(path)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Draft for the trustees to read." in html
    assert '<meta name="robots" content="noindex' in html
    assert "noindex" in shown["X-Robots-Tag"]
    assert "no-store" in shown["Cache-Control"]
    assert "private" in shown["Cache-Control"]
    # The live page is unchanged.
    assert "Draft for the trustees" not in visitor.get("/news/mining-conflict/").content.decode()

    link = SharedDraftLink.objects.get()
    response = editor_client.post(reverse("editorial_admin:revoke", args=[link.pk]))
    assert response.status_code == 302
    assert visitor.get(path).status_code == 404
    assert "No longer works" in editor_client.get(share_url).content.decode()


@pytest.mark.django_db
def test_a_shared_link_stops_working_when_it_expires(live_article, editor_client, client):
    share_url = reverse("editorial_admin:share", args=[live_article.pk])
    editor_client.post(share_url, {"note": "", "lifetime": "1"})
    path = shared_link_path(editor_client.get(share_url).content.decode())
    client.logout()
    assert client.get(path).status_code == 200

    later = timezone.now() + datetime.timedelta(days=1, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get(path).status_code == 404


# Scheduling ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_scheduled_article_goes_live_and_expires_when_publish_scheduled_runs(
    site_tree, moderator_client
):
    now = timezone.now()
    go_live = now + datetime.timedelta(minutes=10)
    expire = now + datetime.timedelta(minutes=30)
    data = article_form(
        title="Truth Commission anniversary",
        slug="truth-anniversary",
        summary="Twenty-three years since the final report.",
        body="Events in Ayacucho and London.",
        go_live_at=local_minute(go_live),
        expire_at=local_minute(expire),
        **{"action-publish": "action-publish"},
    )
    url = reverse("wagtailadmin_pages:add", args=["news", "newsarticlepage", site_tree["news"].pk])
    response = moderator_client.post(url, data)
    assert response.status_code == 302
    article = NewsArticlePage.objects.get(slug="truth-anniversary")
    assert not article.live
    assert (
        Revision.page_revisions.filter(object_id=str(article.pk))
        .exclude(approved_go_live_at=None)
        .exists()
    )

    call_command("publish_scheduled")  # too early: nothing happens
    article.refresh_from_db()
    assert not article.live

    with mock.patch("django.utils.timezone.now", return_value=now + datetime.timedelta(minutes=11)):
        call_command("publish_scheduled")
    article.refresh_from_db()
    assert article.live
    assert moderator_client.get("/news/truth-anniversary/").status_code == 200

    with mock.patch("django.utils.timezone.now", return_value=now + datetime.timedelta(minutes=31)):
        call_command("publish_scheduled")
    article.refresh_from_db()
    assert not article.live
    assert article.expired
    assert moderator_client.get("/news/truth-anniversary/").status_code == 404


# Revisions -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_revisions_can_be_compared_and_an_earlier_one_restored(live_article, editor_client):
    first_revision = live_article.latest_revision
    data = edit_form(editor_client, live_article)
    data["summary"] = "A rewritten summary that turned out wrong."
    editor_client.post(reverse("wagtailadmin_pages:edit", args=[live_article.pk]), data)
    live_article.refresh_from_db()
    second_revision = live_article.latest_revision
    assert second_revision.pk != first_revision.pk

    compare = editor_client.get(
        reverse(
            "wagtailadmin_pages:revisions_compare",
            args=[live_article.pk, first_revision.pk, second_revision.pk],
        )
    )
    assert compare.status_code == 200
    html = compare.content.decode()
    assert "A rewritten summary that turned out wrong." in html
    assert "Communities in Cajamarca oppose the Conga mine." in html

    revert = editor_client.get(
        reverse("wagtailadmin_pages:revisions_revert", args=[live_article.pk, first_revision.pk])
    )
    assert revert.status_code == 200
    shown = querydict_from_html(revert.content.decode(), form_id="page-edit-form")
    assert shown["summary"].strip() == "Communities in Cajamarca oppose the Conga mine."
    # Saving the form the revert screen shows makes the old content the latest draft.
    restored = edit_form(editor_client, live_article, summary=shown["summary"].strip())
    editor_client.post(reverse("wagtailadmin_pages:edit", args=[live_article.pk]), restored)
    latest = NewsArticlePage.objects.get(pk=live_article.pk).get_latest_revision_as_object()
    assert latest.summary == "Communities in Cajamarca oppose the Conga mine."


# Anonymous visitors --------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_reach_no_draft_preview_revision_or_admin_screen(
    live_article, editor, client
):
    draft = live_article.get_parent().add_child(
        instance=NewsArticlePage(
            title="Unpublished draft", slug="unpublished-draft", summary="Not yet.", live=False
        )
    )
    draft.save_revision(user=editor)
    revision = live_article.latest_revision
    link = SharedDraftLink.objects.create(page=live_article, created_by=editor)
    pk = live_article.pk
    admin_urls = [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_pages:edit", args=[pk]),
        reverse("wagtailadmin_pages:preview_on_edit", args=[pk]),
        reverse("wagtailadmin_pages:preview_on_edit", args=[pk]) + "?mode=card",
        reverse("wagtailadmin_pages:view_draft", args=[draft.pk]),
        reverse("wagtailadmin_pages:history", args=[pk]),
        reverse("wagtailadmin_pages:revisions_index", args=[pk]),
        reverse("wagtailadmin_pages:revisions_view", args=[pk, revision.pk]),
        reverse("wagtailadmin_pages:revisions_revert", args=[pk, revision.pk]),
        reverse("wagtailadmin_pages:revisions_compare", args=[pk, "earliest", "latest"]),
        reverse("wagtailadmin_pages:add", args=["news", "newsarticlepage", draft.get_parent().pk]),
        reverse("wagtailadmin_pages:workflow_history", args=[pk]),
        reverse("wagtailadmin_pages:workflow_preview", args=[pk, 1]),
        reverse(
            "wagtailadmin_pages:preview_on_add",
            args=["news", "newsarticlepage", draft.get_parent().pk],
        ),
        reverse("editorial_admin:active_links"),
        reverse("editorial_admin:share", args=[pk]),
    ]
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url

    response = client.post(reverse("editorial_admin:revoke", args=[link.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    link.refresh_from_db()
    assert link.is_active

    for url in ["/news/unpublished-draft/", "/preview/" + "x" * 43 + "/", "/preview/short/"]:
        assert client.get(url).status_code == 404, url


# Previews of what editors change outside the page tree ---------------------------------------


def post_preview(client, url, data):
    """POST the edit form to a preview URL, then GET the preview as the panel's iframe does."""
    posted = client.post(url, data)
    assert posted.status_code == 200
    assert json.loads(posted.content)["is_valid"] is True
    return client.get(url)


@pytest.mark.django_db
def test_an_edited_topic_previews_its_tag_and_its_news_before_it_is_saved(
    live_article, editor_client
):
    from news.models import Topic

    topic = Topic.objects.create(name="Mining", slug="mining")
    live_article.topics.add(topic)
    live_article.save_revision().publish()
    url = reverse("wagtailsnippets_news_topic:preview_on_edit", args=[topic.pk])

    edit_view = editor_client.get(reverse("wagtailsnippets_news_topic:edit", args=[topic.pk]))
    assert edit_view.status_code == 200
    assert url in edit_view.content.decode()  # the preview panel is there

    response = post_preview(
        editor_client, url, {"name": "Mining and water", "slug": "mining", "description": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "How the topic “Mining and water” appears" in html
    assert ">Mining and water</a>" in html  # the tag, with the edited name
    assert "/news/?topic=mining" in html
    assert "Mining conflict in Cajamarca" in html  # the news filed under it
    assert Topic.objects.get(pk=topic.pk).name == "Mining"  # nothing saved


@pytest.mark.django_db
def test_a_new_topic_previews_before_its_first_save(site_tree, editor_client):
    url = reverse("wagtailsnippets_news_topic:preview_on_add")
    response = post_preview(
        editor_client, url, {"name": "Water rights", "slug": "water", "description": ""}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "How the topic “Water rights” appears" in html
    assert "No published article is filed under this topic yet." in html


@pytest.mark.django_db
def test_the_site_settings_preview_shows_the_edited_footer_and_leaves_the_site_alone(
    site_tree, admin_client, client
):
    from psg.models import SiteSettings

    site_settings = SiteSettings.load()
    site_settings.about = "PSG campaigns on human rights in Peru."
    site_settings.save()
    url = reverse("wagtailsettings:preview_on_edit", args=["psg", "sitesettings", site_settings.pk])
    edit_view = admin_client.get(
        reverse("wagtailsettings:edit", args=["psg", "sitesettings", site_settings.pk])
    )
    assert url in edit_view.content.decode()

    form = {field: "" for field in ["contact_email", "postal_address", "company_number"]}
    form |= {
        "about": "A new sentence about PSG, not saved yet.",
        "charity_number": "1040439",
        "bluesky_url": "https://bsky.app/profile/perusupportgroup.org.uk",
        "facebook_url": "",
        "instagram_url": "",
        "x_url": "",
        "share_image": "",
        "privacy_page": "",
    }
    response = post_preview(admin_client, url, form)
    assert response.status_code == 200
    html = response.content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert "A new sentence about PSG, not saved yet." in footer
    assert "Registered charity number 1040439." in footer
    assert 'href="https://bsky.app/profile/perusupportgroup.org.uk"' in footer
    assert "No share image is chosen" in html

    live = client.get("/").content.decode()
    assert "PSG campaigns on human rights in Peru." in live
    assert "not saved yet" not in live
    assert SiteSettings.load().about == "PSG campaigns on human rights in Peru."
