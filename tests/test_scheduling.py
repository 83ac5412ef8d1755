"""Dates in the page editor are never changed behind the editor's back.

An impossible date (31 February) is refused with a message naming it, and nothing the editor
typed is lost; a go-live date that has passed asks whether to publish now instead of being
accepted silently. Through the real admin URLs, as an editor and as a moderator.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from news.models import NewsArticlePage

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def article_data(article=None, **changes):
    """What the article editor posts: the article's values (or a new one's) with `changes`."""
    values = {
        "title": article.title if article else "Hearing in Lima",
        "slug": article.slug if article else "hearing-in-lima",
        "date": article.date.isoformat() if article else "2026-11-20",
        "summary": article.summary if article else "The court sits in Lima.",
        "body": streamfield([("paragraph", rich_text("<p>Witnesses from Ayacucho.</p>"))]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
    }
    values.update(changes)
    data = nested_form_data(values)
    data["campaigns"] = []
    return data


def local_minute(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def revisions_of(page):
    return Revision.page_revisions.filter(object_id=str(page.pk)).count()


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def test_an_impossible_go_live_date_is_refused_and_nothing_is_lost(draft_article, editor):
    client = signed_in(editor)
    before = revisions_of(draft_article)
    data = article_data(
        draft_article, title="Draft on the Conga mine, revised", go_live_at="2027-02-31 10:00"
    )
    data["action-submit"] = "action-submit"

    response = client.post(edit_url(draft_article), data)

    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    assert "There is no 31 February 2027: February 2027 has 28 days." in html
    # What the editor typed is still in the form: the date as typed (not 3 March), the title.
    assert 'value="2027-02-31 10:00"' in html
    assert "2027-03-03" not in html
    assert "Draft on the Conga mine, revised" in html
    # Nothing was saved or submitted.
    assert revisions_of(draft_article) == before
    draft_article.refresh_from_db()
    assert draft_article.current_workflow_state is None


def test_an_impossible_article_date_is_refused(draft_article, editor):
    client = signed_in(editor)
    before = revisions_of(draft_article)

    response = client.post(edit_url(draft_article), article_data(draft_article, date="2026-02-30"))

    assert response.status_code == 200
    assert "There is no 30 February 2026: February 2026 has 28 days." in response.content.decode()
    assert revisions_of(draft_article) == before


def test_a_real_29_february_is_accepted(draft_article, editor):
    client = signed_in(editor)

    response = client.post(edit_url(draft_article), article_data(draft_article, date="2028-02-29"))

    assert response.status_code == 302
    latest = NewsArticlePage.objects.get(pk=draft_article.pk).get_latest_revision_as_object()
    assert latest.date == datetime.date(2028, 2, 29)


def test_the_date_pickers_keep_what_the_editor_typed(draft_article, editor):
    """The picker would roll 31 February over to 3 March on leaving the field: it is told not
    to, for the go-live, expiry and article date fields."""
    html = signed_in(editor).get(edit_url(draft_article)).content.decode()
    assert html.count('"validateOnBlur": false') >= 3
    # The "publish now" question is not asked until a go-live date has passed.
    assert 'name="publish_now"' not in html


def test_a_past_go_live_date_asks_whether_to_publish_now(site_tree, moderator):
    client = signed_in(moderator)
    add = reverse("wagtailadmin_pages:add", args=["news", "newsarticlepage", site_tree["news"].pk])
    yesterday = local_minute(timezone.now() - datetime.timedelta(days=1))
    data = article_data(go_live_at=yesterday)
    data["action-publish"] = "action-publish"

    response = client.post(add, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "has already passed. Publish the page now?" in html
    assert 'name="publish_now"' in html  # the question, in the schedule dialog
    assert "Yes, publish it now" in html
    assert not NewsArticlePage.objects.filter(slug="hearing-in-lima").exists()

    # The moderator answers yes: published now, with no go-live date left behind.
    data["publish_now"] = "on"
    response = client.post(add, data)
    assert response.status_code == 302
    article = NewsArticlePage.objects.get(slug="hearing-in-lima")
    assert article.live
    assert article.go_live_at is None
    assert client.get("/news/hearing-in-lima/").status_code == 200


def test_an_editor_submitting_with_a_past_go_live_date_is_asked_first(draft_article, editor):
    client = signed_in(editor)
    data = article_data(
        draft_article, go_live_at=local_minute(timezone.now() - datetime.timedelta(hours=2))
    )
    data["action-submit"] = "action-submit"

    response = client.post(edit_url(draft_article), data)
    assert response.status_code == 200
    assert "Publish the page now?" in response.content.decode()
    draft_article.refresh_from_db()
    assert draft_article.current_workflow_state is None  # not submitted silently

    data["publish_now"] = "on"
    response = client.post(edit_url(draft_article), data)
    assert response.status_code == 302
    draft_article.refresh_from_db()
    assert draft_article.current_workflow_state is not None
    assert draft_article.get_latest_revision_as_object().go_live_at is None


def test_a_future_go_live_date_is_accepted_without_a_question(draft_article, editor):
    client = signed_in(editor)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    data = article_data(draft_article, go_live_at=local_minute(tomorrow))

    response = client.post(edit_url(draft_article), data)

    assert response.status_code == 302
    latest = NewsArticlePage.objects.get(pk=draft_article.pk).get_latest_revision_as_object()
    assert local_minute(latest.go_live_at) == local_minute(tomorrow)


def test_a_go_live_date_that_passed_long_ago_is_kept_when_editing_other_fields(
    draft_article, editor
):
    """A page that went live on schedule keeps its past go-live date; editing it asks nothing."""
    past = timezone.now() - datetime.timedelta(days=30)
    draft_article.go_live_at = past
    draft_article.save_revision(user=editor)
    client = signed_in(editor)
    data = article_data(draft_article, summary="A new summary.", go_live_at=local_minute(past))

    response = client.post(edit_url(draft_article), data)

    assert response.status_code == 302
    latest = NewsArticlePage.objects.get(pk=draft_article.pk).get_latest_revision_as_object()
    assert latest.summary == "A new summary."
