"""The "Shared on social media" preview mode: the card a social network shows for the page,
with the same title, description and picture as the page's og: and twitter: tags."""

import html as html_lib
import io
import json
import re

import pytest
from django.core.files.images import ImageFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image

from home.models import StandardPage
from news.models import NewsArticlePage
from psg.previews import SOCIAL_PREVIEW_MODE
from tests.factories import add_join_page, make_user, publish

pytestmark = pytest.mark.django_db


def meta(html, key):
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return html_lib.unescape(match.group(1)) if match else None


def share_value(html, name):
    match = re.search(rf'<dd data-share="{name}">(.*?)</dd>', html, re.S)
    assert match, name
    return html_lib.unescape(" ".join(match.group(1).split()))


def picture(title="Marchers in Lima"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 900), (200, 30, 30)).save(buffer, "JPEG")
    return Image.objects.create(
        title=title, file=ImageFile(buffer, name="IMG_2041.jpg"), description="Marchers in Lima"
    )


def test_every_page_type_offers_the_social_mode(site_tree, rf):
    join = add_join_page(site_tree["home"])
    about = site_tree["home"].add_child(instance=StandardPage(title="About", slug="about"))
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(title="Court ruling", slug="ruling", summary="The court ruled.")
    )
    pages = [*site_tree.values(), join, about, article]
    for page in pages:
        assert (SOCIAL_PREVIEW_MODE, "Shared on social media") in page.preview_modes, page
        response = page.make_preview_request(rf.get("/admin/"), SOCIAL_PREVIEW_MODE)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert "appears when shared on social media" in html, page
        assert share_value(html, "title") == page.title


def test_the_card_carries_the_same_values_as_the_pages_share_tags(site_tree, client, rf):
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(
            title="Fujimori extradited",
            slug="extradited",
            summary="Chile's Supreme Court approves the extradition.",
            seo_title="Fujimori extradited to Peru",
            image=picture(),
        )
    )
    publish(article)
    live = client.get(article.url).content.decode()

    response = article.make_preview_request(rf.get("/admin/"), SOCIAL_PREVIEW_MODE)
    assert response.status_code == 200
    preview = response.content.decode()

    assert share_value(preview, "title") == meta(live, "og:title") == "Fujimori extradited to Peru"
    assert meta(live, "twitter:title") == "Fujimori extradited to Peru"
    assert share_value(preview, "description") == meta(live, "og:description")
    assert meta(live, "og:description") == "Chile's Supreme Court approves the extradition."
    assert share_value(preview, "image").startswith(meta(live, "og:image") + " (1200 × 630)")
    assert share_value(preview, "image_alt") == meta(live, "og:image:alt") == "Marchers in Lima"
    assert share_value(preview, "url") == meta(live, "og:url")
    # The card shows the same picture, not the page's full-size one.
    assert "data-social-card" in preview and ".fill-1200x630" in preview


def test_the_mode_is_offered_in_the_editors_preview_panel(site_tree, client):
    client.force_login(make_user("edith", "Editors"))
    html = client.get(
        reverse("wagtailadmin_pages:edit", args=[site_tree["campaigns"].pk])
    ).content.decode()
    assert "Shared on social media" in html


def test_an_unsaved_change_shows_in_the_social_card(site_tree, client):
    """The mode previews the form as edited, before anything is saved."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    client.force_login(make_user("edith", "Editors"))
    news = site_tree["news"]
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[news.pk])
    data = nested_form_data(
        {
            "title": "All the news",
            "slug": "news",
            "intro": "News intro.",
            "comments": inline_formset([]),
            "seo_title": "",
            "search_description": "Every story about human rights in Peru.",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    posted = client.post(url, data)
    assert json.loads(posted.content)["is_valid"] is True
    html = client.get(url, {"mode": SOCIAL_PREVIEW_MODE}).content.decode()
    assert share_value(html, "title") == "All the news"
    assert share_value(html, "description") == "Every story about human rights in Peru."
    assert "(none: the card appears without a picture" in share_value(html, "image")
