"""A view restriction closes its pages at once, however it was written.

Wagtail decides view restrictions from the database on every request (psg/routing.py asks in
the query that loads the page; listings ask in their own query, psg/sitedata.py `public()`):
a restriction written without signals (`bulk_create`, `update()`, a data migration, a restore)
is obeyed by the next rendered page. A page already stored by the page cache is the one thing
that cannot know: after such a write the one remedy is `manage.py invalidate_caches`, which
`restore_site` and every `migrate` run apply by themselves (docs/performance.md).
"""

import io

import pytest
from django.core.management import call_command
from wagtail.models import Page, PageViewRestriction

from tests.factories import add_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(site_tree):
    return add_article(site_tree["news"], "Ruling in Lima", slug="ruling")


def restrict_in_bulk(page):
    """A login restriction written the way a data migration or a script writes it: no signal."""
    PageViewRestriction.objects.bulk_create(
        [
            PageViewRestriction(
                page=Page.objects.get(pk=page.pk), restriction_type=PageViewRestriction.LOGIN
            )
        ]
    )


def closed(response):
    return response.status_code == 302 and "/login/" in response["Location"]


def test_a_restriction_written_in_bulk_closes_an_article_at_once(client, article, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    assert client.get("/news/ruling/").status_code == 200
    assert "Ruling in Lima" in client.get("/news/").content.decode()
    restrict_in_bulk(article)
    assert closed(client.get("/news/ruling/"))
    # Listings leave it out at once too.
    assert "Ruling in Lima" not in client.get("/news/").content.decode()
    assert "Ruling in Lima" not in client.get("/").content.decode()


def test_a_restriction_written_in_bulk_closes_a_section_at_once(
    client, article, site_tree, settings
):
    settings.PSG_PAGECACHE_ENABLED = False
    assert client.get("/news/ruling/").status_code == 200
    assert "Ruling in Lima" in client.get("/").content.decode()
    restrict_in_bulk(site_tree["news"])
    assert closed(client.get("/news/"))
    assert closed(client.get("/news/ruling/"))
    assert "Ruling in Lima" not in client.get("/").content.decode()


def test_a_restriction_written_in_bulk_closes_the_home_page(client, article, site_tree, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    assert client.get("/").status_code == 200
    restrict_in_bulk(site_tree["home"])
    assert closed(client.get("/"))
    assert closed(client.get("/news/ruling/"))


def test_a_restriction_on_the_page_an_alias_copies_closes_the_alias(client, site_tree, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    source = add_article(site_tree["news"], "Hearing in Lima", slug="hearing")
    source.create_alias(parent=Page.objects.get(pk=site_tree["fujimori"].pk), update_slug="copy")
    assert client.get("/campaigns/fujimori-extradition/copy/").status_code == 200
    restrict_in_bulk(source)
    assert closed(client.get("/campaigns/fujimori-extradition/copy/"))


def test_a_stored_page_needs_the_one_remedy(client, article, settings):
    """The page cache answers a stored page without asking the database: after a change that
    sent no signal, `manage.py invalidate_caches` closes it."""
    settings.PSG_PAGECACHE_ENABLED = True
    client.get("/news/ruling/")
    assert client.get("/news/ruling/")["X-Cache"] == "HIT"
    restrict_in_bulk(article)
    # A page that was not stored is closed at once; the stored one waits for the remedy.
    assert closed(client.get("/news/ruling/?nocache=1"))
    call_command("invalidate_caches", stdout=io.StringIO())
    assert closed(client.get("/news/ruling/"))


def test_every_migrate_run_applies_the_remedy(client, article, settings):
    """A data migration writes without signals: `migrate` invalidates after every run."""
    settings.PSG_PAGECACHE_ENABLED = True
    client.get("/news/ruling/")
    assert client.get("/news/ruling/")["X-Cache"] == "HIT"
    restrict_in_bulk(article)
    call_command("migrate", verbosity=0)
    assert closed(client.get("/news/ruling/"))


def test_a_restriction_removed_in_bulk_opens_the_page_at_once(client, article, settings):
    settings.PSG_PAGECACHE_ENABLED = False
    restrict_in_bulk(article)
    assert closed(client.get("/news/ruling/"))
    PageViewRestriction.objects.filter(page_id=article.pk).delete()  # a queryset delete
    assert client.get("/news/ruling/").status_code == 200
