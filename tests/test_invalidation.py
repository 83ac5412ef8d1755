"""psg owns invalidation (psg/invalidation.py): its caches follow every change without the page
cache app, and a change that sent no signal has one remedy that `migrate` applies by itself."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from home.models import StandardPage
from psg import sitedata
from tests.factories import publish

ROOT = Path(__file__).resolve().parent.parent


def test_psgs_caches_follow_changes_without_the_page_cache_app():
    """A process whose settings leave out `pagecache` (tests/settings_without_pagecache.py)
    sees the menu and the topic choices change with each change (tests/without_pagecache.py)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.without_pagecache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "menu after a title change: ['Who we are']" in result.stdout


def menu_titles(rf):
    return [page.title for page in sitedata.menu(rf.get("/"))]


@pytest.mark.django_db
def test_an_update_without_signals_shows_after_the_one_remedy(rf, site_tree):
    about = publish(
        site_tree["home"].add_child(
            instance=StandardPage(title="About us", slug="about", show_in_menus=True)
        )
    )
    assert "About us" in menu_titles(rf)
    StandardPage.objects.filter(pk=about.pk).update(title="Who we are")  # no signal
    assert "About us" in menu_titles(rf)  # the cached menu cannot know
    call_command("invalidate_caches", stdout=io.StringIO())
    assert "Who we are" in menu_titles(rf)


@pytest.mark.django_db
def test_every_migrate_run_applies_the_remedy(rf, site_tree):
    about = publish(
        site_tree["home"].add_child(
            instance=StandardPage(title="About us", slug="about", show_in_menus=True)
        )
    )
    assert "About us" in menu_titles(rf)
    StandardPage.objects.filter(pk=about.pk).update(title="Who we are")  # a data migration's way
    call_command("migrate", verbosity=0)
    assert "Who we are" in menu_titles(rf)
