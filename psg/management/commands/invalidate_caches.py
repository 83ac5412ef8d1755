"""`manage.py invalidate_caches`: the one remedy after a change that sent no signal.

Raw SQL, `QuerySet.update()`, `bulk_create` and the like change the database without telling
the site's caches (psg/invalidation.py listens to signals). This makes every entry the site
keeps stale at once (stored pages, the menu and sections, listings' counts and filter choices,
Wagtail's site root paths), in every process that shares the cache, without removing anyone
else's keys. `restore_site` and every run of `migrate` do the same by themselves.
"""

from django.core.management.base import BaseCommand

from psg import generations


class Command(BaseCommand):
    help = "Make every page and listing the site keeps in its cache stale (after a bulk change)."

    def handle(self, *args, **options):
        generations.invalidate_all()
        self.stdout.write("Every cached page and listing of this site is now stale.")
