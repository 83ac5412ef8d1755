"""Previews and shared drafts, done through the real admin URLs: an editor previews changes to a
live article (as a page and as a card) and new pages before their first save, shares a draft by
a link that stops working when revoked or expired, and previews topics and the site settings
before saving them.
"""

import datetime
import json
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from editorial.models import SharedDraftLink
from news.models import NewsArticlePage
from tests.admin_helpers import (
    article_form,
    create_article_in_admin,
    edit_form,
    preview,
)


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
    create_article_in_admin(
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
