"""Pictures as a visitor gets them: renditions in modern formats with their size and alt text,
all of a page's renditions in one query, and decorative images left unnamed."""

import datetime
import re

import pytest
from django.template import Context, Template
from wagtail.images.models import Image

from home.models import StandardPage
from tests.factories import add_article, html_of, make_image

# Images


def test_images_use_renditions_in_modern_formats_with_size_and_alt_text(client, site_tree):
    article = add_article(
        site_tree["news"], "Protest in Lima", date=datetime.date(2006, 5, 1), image=make_image()
    )
    html = html_of(client, article.url)
    picture = re.search(r"<picture>.*?</picture>", html, re.S).group(0)
    assert 'type="image/avif"' in picture and 'type="image/webp"' in picture
    assert re.search(r'srcset="[^"]*800w[^"]*1200w', picture)
    img = re.search(r"<img [^>]+>", picture).group(0)
    assert re.search(r'width="\d+"', img) and re.search(r'height="\d+"', img)
    assert 'alt="Marchers holding banners in Lima"' in img
    # The card in the listing repeats the linked title, so its picture is decorative.
    listing = html_of(client, "/news/")
    card_img = re.search(r'<div class="card__media">.*?(<img [^>]+>)', listing, re.S).group(1)
    assert 'alt=""' in card_img and 'loading="lazy"' in card_img


def test_every_picture_on_an_article_gets_its_renditions_in_one_query(
    client, site_tree, topics, settings
):
    """The hero picture, a picture in the body and a related card's picture: one query for
    all their renditions, none per picture, and no rendition read from or written back to
    the cache (the share card's included)."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.images.models import Rendition

    settings.PSG_PAGECACHE_ENABLED = False  # count the queries of a full render

    hero, inline, card = make_image("Hero"), make_image("Inline"), make_image("Card")
    add_article(
        site_tree["news"],
        "Earlier march",
        date=datetime.date(2006, 4, 1),
        image=card,
        topics=[topics["justice"]],
    )
    article = add_article(
        site_tree["news"],
        "March in Lima",
        date=datetime.date(2006, 5, 1),
        image=hero,
        topics=[topics["justice"]],
        body=[
            (
                "image",
                {
                    "image": {"image": inline, "alt_text": "A banner", "decorative": False},
                    "caption": "",
                },
            )
        ],
    )
    html_of(client, article.url)  # the renditions are made on the first visit
    backend = Rendition.cache_backend
    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch.object(backend, "get_many", wraps=backend.get_many) as cache_reads,
        mock.patch.object(backend, "set_many", wraps=backend.set_many) as cache_writes,
        mock.patch.object(backend, "set", wraps=backend.set) as cache_write,
    ):
        html = html_of(client, article.url)
    assert len(re.findall(r"<picture>", html)) == 3
    rendition_queries = [q["sql"] for q in queries if "wagtailimages_rendition" in q["sql"]]
    assert len(rendition_queries) == 1, rendition_queries

    def rendition_keys(calls):
        return [key for call in calls for key in call.args[0] if "wagtail-rendition-" in key]

    assert rendition_keys(cache_reads.call_args_list) == []
    assert rendition_keys(cache_writes.call_args_list) == []
    # Nor the share card's rendition of the hero picture (og:image), found among the same ones.
    assert '<meta property="og:image" content="http://' in html
    assert [
        call.args[0] for call in cache_write.call_args_list if "wagtail-rendition-" in call.args[0]
    ] == []


def test_image_block_uses_its_alt_text_or_none_when_decorative(client, site_tree):
    image = make_image()
    page = site_tree["home"].add_child(
        instance=StandardPage(
            title="Gallery",
            slug="gallery",
            body=[
                (
                    "image",
                    {
                        "image": {
                            "image": Image.objects.get(pk=image.pk),
                            "alt_text": "A crowd in Plaza San Martín",
                            "decorative": False,
                        },
                        "caption": "Lima, 2006",
                    },
                ),
                (
                    "image",
                    {
                        "image": {
                            "image": Image.objects.get(pk=image.pk),
                            "alt_text": "",
                            "decorative": True,
                        },
                        "caption": "",
                    },
                ),
            ],
        )
    )
    html = html_of(client, page.url)
    imgs = re.findall(r'<figure class="block-image">.*?(<img [^>]+>)', html, re.S)
    assert len(imgs) == 2
    assert 'alt="A crowd in Plaza San Martín"' in imgs[0]
    assert 'alt=""' in imgs[1]
    assert "<figcaption>Lima, 2006</figcaption>" in html


@pytest.mark.parametrize(
    "arguments",
    [
        'fill-{400x225,800x450} format-{avif,webp,jpeg} sizes="(min-width: 40em) 45vw, 100vw" '
        'loading="lazy" alt=""',
        "fill-800x450 format-webp alt=image.description",
    ],
)
@pytest.mark.django_db
def test_the_site_picture_tag_writes_what_wagtails_writes(arguments):
    """psg_images' `{% picture %}` only parses each spec once: its markup is Wagtail's, on the
    first render (renditions made) and on later ones (renditions found)."""
    image = make_image()

    def render(library):
        source = f"{{% load {library} %}}{{% picture image {arguments} %}}"
        return Template(source).render(Context({"image": image}))

    wagtails = render("wagtailimages_tags")
    assert "<picture>" in wagtails and "<img " in wagtails
    for _ in range(2):
        assert render("psg_images") == wagtails
