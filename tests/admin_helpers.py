"""The admin's page forms as the editor posts them, for the admin journey tests
(tests/test_admin_journeys_*.py). The people and their signed-in clients (`editor_client`,
`moderator_client`) and `live_article` are fixtures in tests/conftest.py."""

import json

from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from news.models import NewsArticlePage

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


def create_article_in_admin(client, news_index, **kwargs):
    """An editor's "Save draft" of a new article under `news_index` (`article_form` fields)."""
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
