"""Small losses an editor noticed: a long title cut mid-word, alt text taken from a file name,
and previews or autosaves that answer with an error when a field is empty or wrong.

Everything goes through the real admin views or the public pages.
"""

import json
import re

import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from campaigns.models import CampaignPage
from home.models import StandardPage
from news.models import NewsArticlePage
from tests.factories import add_join_page, make_image, make_user, publish

pytestmark = pytest.mark.django_db

LONG_TITLE = ("The Truth and Reconciliation Commission's recommendations " * 6).strip()


def standard_form(title="About PSG", body=(), **extra):
    data = nested_form_data(
        {
            "title": title,
            "slug": "about",
            "intro": "",
            "body": streamfield(list(body)),
            "comments": inline_formset([]),
            "seo_title": "",
            "search_description": "",
            "go_live_at": "",
            "expire_at": "",
        }
    )
    data.update(extra)
    return data


@pytest.fixture
def about(site_tree):
    page = site_tree["home"].add_child(instance=StandardPage(title="About PSG", slug="about"))
    publish(page)
    return page


def field_errors(html, name):
    match = re.search(
        rf'id="panel-child-content-child-{name}-errors"[^>]*>(.*?)</div>', html, re.S
    ) or re.search(rf'data-contentpath="{name}".*?data-field-errors[^>]*>(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


# Titles -----------------------------------------------------------------------------------------


def test_a_title_over_the_limit_is_refused_whole_with_a_clear_message(editor_client, about):
    assert len(LONG_TITLE) > 255
    url = reverse("wagtailadmin_pages:edit", args=[about.pk])
    response = editor_client.post(url, standard_form(title=LONG_TITLE))
    assert response.status_code == 200  # the form again, not a redirect
    html = response.content.decode()
    count = len(LONG_TITLE)
    assert (
        f"This is {count} characters long; the limit is 255. Shorten it and save again: "
        "nothing was cut or saved." in html
    )
    # The whole title is still in the field, not cut at 255 characters.
    assert f'value="{LONG_TITLE.replace(chr(39), "&#x27;")}"' in html
    about.refresh_from_db()
    assert about.title == "About PSG"
    assert Page.objects.get(pk=about.pk).get_latest_revision().content["title"] == "About PSG"


def test_a_title_at_the_limit_is_saved_as_typed(editor_client, about):
    title = LONG_TITLE[:255]
    editor_client.post(
        reverse("wagtailadmin_pages:edit", args=[about.pk]), standard_form(title=title)
    )
    assert Page.objects.get(pk=about.pk).get_latest_revision().content["title"] == title


def test_the_editor_shows_a_live_count_of_the_title(editor_client, about):
    html = editor_client.get(reverse("wagtailadmin_pages:edit", args=[about.pk])).content.decode()
    # The limit stays on the field; the counter script shows it and keeps long pastes whole.
    assert re.search(r'<input type="text" name="title"[^>]*maxlength="255"', html)
    assert '<script src="/static/editorial/title-count.js"></script>' in html


# Alt text ---------------------------------------------------------------------------------------


def image_block(image, alt_text="", decorative=False):
    return (
        "image",
        {
            "image": {"image": image.pk, "decorative": decorative, "alt_text": alt_text},
            "caption": "",
        },
    )


@pytest.mark.parametrize("alt", ["IMG_2041", "photo.jpg", "DSC 0042", "Screenshot 2026-11-02"])
def test_a_file_name_as_alt_text_is_refused(editor_client, about, alt):
    image = make_image(title="IMG_2041", description="")
    url = reverse("wagtailadmin_pages:edit", args=[about.pk])
    response = editor_client.post(url, standard_form(body=[image_block(image, alt)]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This is the picture" in html and "file name" in html
    assert json.loads(Page.objects.get(pk=about.pk).get_latest_revision().content["body"]) == []


def test_a_described_or_decorative_picture_is_accepted(editor_client, about):
    image = make_image(title="IMG_2041", description="")
    url = reverse("wagtailadmin_pages:edit", args=[about.pk])
    body = [
        image_block(image, "Families of the disappeared march in Ayacucho"),
        image_block(image, "", decorative=True),
    ]
    response = editor_client.post(url, standard_form(body=body))
    assert response.status_code == 302
    stored = json.loads(Page.objects.get(pk=about.pk).get_latest_revision().content["body"])
    assert [block["value"]["image"]["alt_text"] for block in stored] == [
        "Families of the disappeared march in Ayacucho",
        "",
    ]
    assert [block["value"]["image"]["decorative"] for block in stored] == [False, True]


def test_a_picture_without_alt_text_never_shows_its_file_name(client, site_tree):
    """Content stored by an image chooser (an image's id, no alt text) or with the file name as
    its alt text shows the library's description, or no alternative at all."""
    described = make_image(title="IMG_2041", description="Marchers holding banners in Lima")
    undescribed = make_image(title="IMG_2042", description="")
    page = site_tree["home"].add_child(instance=StandardPage(title="Gallery", slug="gallery"))
    page.body = json.dumps(
        [
            {"type": "image", "value": {"image": described.pk, "caption": ""}},
            {"type": "image", "value": {"image": undescribed.pk, "caption": ""}},
            {
                "type": "image",
                "value": {
                    "image": {"image": undescribed.pk, "alt_text": "IMG_2042", "decorative": False},
                    "caption": "",
                },
            },
        ]
    )
    publish(page)
    html = client.get(page.url).content.decode()
    imgs = re.findall(r'<figure class="block-image">.*?(<img [^>]+>)', html, re.S)
    assert len(imgs) == 3
    assert 'alt="Marchers holding banners in Lima"' in imgs[0]
    assert 'alt=""' in imgs[1] and 'alt=""' in imgs[2]
    assert "IMG_204" not in " ".join(imgs)


@pytest.mark.parametrize("model", [NewsArticlePage, CampaignPage])
def test_a_pages_own_picture_takes_its_alt_from_the_description(client, site_tree, model):
    parent = site_tree["news"] if model is NewsArticlePage else site_tree["campaigns"]
    image = make_image(title="IMG_2043", description="")
    page = parent.add_child(
        instance=model(title="Hearing", slug="hearing", summary="S", image=image)
    )
    publish(page)
    html = client.get(page.url).content.decode()
    assert "IMG_2043" not in html  # not in the picture's alt, nor in the share tags
    image.description = "Judges of the Supreme Court in Lima"
    image.save()
    html = client.get(page.url).content.decode()
    assert 'alt="Judges of the Supreme Court in Lima"' in html
    assert '<meta property="og:image:alt" content="Judges of the Supreme Court in Lima">' in html


# Previews and autosave with empty or wrong fields -------------------------------------------------

BAD_FORMS = {
    "empty": {},
    "junk": {
        "title": LONG_TITLE,
        "slug": "not a slug!",
        "date": "2026-02-31",
        "go_live_at": "yesterday",
        "expire_at": "9999-99-99 99:99",
        "body-count": "many",
        "mission-count": "-1",
        "featured_campaigns-TOTAL_FORMS": "x",
        "milestones-TOTAL_FORMS": "1000000",
        "comments-TOTAL_FORMS": "",
        "status": "nonsense",
        "campaigns": ["abc", "999999"],
        "image": "not-an-id",
        "hero_image": "123456789",
    },
    "blank": {
        "title": "",
        "slug": "",
        "summary": "",
        "body-count": "0",
        "comments-TOTAL_FORMS": "0",
    },
}


@pytest.fixture
def every_page(site_tree, about):
    join = add_join_page(site_tree["home"])
    article = site_tree["news"].add_child(
        instance=NewsArticlePage(title="Ruling", slug="ruling", summary="The court ruled.")
    )
    publish(article)
    return [*site_tree.values(), join, about, article]


@pytest.mark.parametrize("form", sorted(BAD_FORMS))
def test_preview_and_autosave_answer_without_error_whatever_the_form(client, every_page, form):
    client.force_login(make_user("ada", superuser=True))
    for page in every_page:
        url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
        posted = client.post(url, BAD_FORMS[form])
        assert posted.status_code == 200, (type(page).__name__, form)
        # Invalid, or valid as a draft (Wagtail defers required fields until publishing):
        # either way the preview below answers.
        assert "is_valid" in json.loads(posted.content)
        for mode, _label in page.specific.preview_modes:
            shown = client.get(url, {"mode": mode})
            assert shown.status_code == 200, (type(page).__name__, form, mode)
        autosave = client.post(
            reverse("wagtailadmin_pages:edit", args=[page.pk]),
            BAD_FORMS[form],
            HTTP_ACCEPT="application/json",
        )
        assert autosave.status_code < 500, (type(page).__name__, form)
        assert autosave["Content-Type"] == "application/json"
