"""A page opened through a shared draft link says it is a draft, and when the link expires; the
live page never carries that banner."""

import datetime
import re

import pytest
from django.utils import timezone

from editorial.models import SharedDraftLink
from tests.factories import publish

pytestmark = pytest.mark.django_db

BANNER = re.compile(
    r'<div class="shared-draft-banner" role="region" aria-label="Draft notice"[^>]*>(.*?)</div>',
    re.S,
)


def banner_text(html):
    match = BANNER.search(html)
    assert match, "no draft banner"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_a_shared_draft_says_draft_not_published_and_when_the_link_expires(draft_article, client):
    # 14:05 UTC in July is 15:05 in London.
    expiry = datetime.datetime(2031, 7, 4, 14, 5, tzinfo=datetime.UTC)
    link = SharedDraftLink.objects.create(page=draft_article, expires_at=expiry)
    html = client.get(link.get_absolute_url()).content.decode()
    text = banner_text(html)
    assert "Draft shared for review — not published" in text
    assert "This link expires on 4 July 2031 at 15:05 (UK time)" in text
    assert '<time datetime="2031-07-04T15:05:00+01:00">' in html
    # First thing in the body, before the page's own header and content.
    body = html[html.index("<body") :]
    assert body.index("shared-draft-banner") < body.index("Unpublished words about Conga.")
    # Its look comes from a stylesheet on the site's own origin (no inline style under the CSP).
    assert 'href="/static/editorial/shared-draft.css"' in html
    assert "style=" not in BANNER.search(html).group(0)


def test_the_banner_is_never_on_the_live_page(draft_article, client):
    SharedDraftLink.objects.create(
        page=draft_article, expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    publish(draft_article)
    live = client.get(draft_article.url)
    assert live.status_code == 200
    html = live.content.decode()
    assert "Draft shared for review" not in html and "shared-draft-banner" not in html


def test_every_page_type_opened_through_a_link_carries_the_banner(site_tree, client):
    for page in site_tree.values():
        link = SharedDraftLink.objects.create(page=page)
        html = client.get(link.get_absolute_url()).content.decode()
        assert html.count("Draft shared for review — not published") == 1, page.title
