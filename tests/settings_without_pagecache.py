"""Test settings without the page cache app (tests/test_invalidation.py runs a process with them):
psg's own caches must still follow every change."""

from psg.settings.test import *  # noqa: F403
from psg.settings.test import INSTALLED_APPS, MIDDLEWARE, WAGTAILSEARCH_BACKENDS

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "pagecache"]
MIDDLEWARE = [entry for entry in MIDDLEWARE if not entry.startswith("pagecache.")]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}


# The tables straight from the models (no migrations): the process builds its own small tree.
class _NoMigrations:
    def __contains__(self, app_label):
        return True

    def __getitem__(self, app_label):
        return None


MIGRATION_MODULES = _NoMigrations()
WAGTAILSEARCH_BACKENDS = {
    name: dict(backend, AUTO_UPDATE=False) for name, backend in WAGTAILSEARCH_BACKENDS.items()
}
