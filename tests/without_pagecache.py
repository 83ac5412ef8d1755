"""Run by tests/test_invalidation.py in a process of its own, with the page cache app left out
(tests/settings_without_pagecache.py): psg's caches (the menu in the site data, the listings'
filter choices) follow each change. Prints one line per check; exits non-zero on a stale one."""

import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings_without_pagecache"
os.environ["DATABASE_URL"] = ""

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from wagtail.coreutils import get_supported_content_language_variant  # noqa: E402
from wagtail.models import Locale, Page, Site  # noqa: E402


def main():
    assert not apps.is_installed("pagecache"), "the page cache app is still installed"
    call_command("migrate", run_syncdb=True, verbosity=0)
    from home.models import HomePage, StandardPage
    from news.models import Topic, topic_choices
    from psg import sitedata

    Locale.objects.create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="Home", slug="home"))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    about = home.add_child(instance=StandardPage(title="About", slug="about", show_in_menus=True))
    about.save_revision().publish()

    def menu():
        request = RequestFactory().get("/", HTTP_HOST="localhost")
        return [page.title for page in sitedata.menu(request)]

    failures = []

    def check(what, found, expected):
        print(f"{what}: {found!r}")
        if found != expected:
            failures.append(f"{what}: {found!r}, expected {expected!r}")

    check("menu", menu(), ["About"])
    about.title = "Who we are"
    about.save_revision().publish()
    check("menu after a title change", menu(), ["Who we are"])
    Topic.objects.create(name="Mining", slug="mining")
    check("topics", [t.name for t in topic_choices()], ["Mining"])
    Topic.objects.create(name="Justice", slug="justice")
    check("topics after adding one", sorted(t.name for t in topic_choices()), ["Justice", "Mining"])
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
