"""Editors' and moderators' work on the publishing path, done through the real admin URLs.

An editor writes a news article, files it under a campaign, previews it, submits it for
moderation and cannot publish it; a moderator is told by email, approves it and it is live and
searchable. Scheduled pages go live (and expire) when `publish_scheduled` runs; revisions are
compared and restored. Anonymous visitors reach no draft, preview or admin screen. Previews and
shared drafts are in test_admin_journeys_previews.py.
"""

import datetime
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
    querydict_from_html,
)

from editorial.models import SharedDraftLink
from news.models import NewsArticlePage
from tests.admin_helpers import (
    article_form,
    create_article_in_admin,
    edit_form,
    local_minute,
    preview,
)
from tests.factories import make_user

# The editor's journey ------------------------------------------------------------------------


@pytest.mark.django_db
def test_editor_writes_previews_and_submits_an_article_that_a_moderator_publishes(
    site_tree, editor_client, editor, moderator, moderator_client
):
    fujimori = site_tree["fujimori"]
    make_user("root", superuser=True)  # superusers are not sent moderation mail

    article = create_article_in_admin(
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
