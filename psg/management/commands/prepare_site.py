"""Bring a local site up to date in one process: migrate, collect static files, import the
seed content and make sure the local admin account exists. `make run` calls this; it ends by
saying where backups go."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from .backup_site import data_folders, is_inside


class Command(BaseCommand):
    help = "Migrate, collect static files, import the seed content, ensure the local admin."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("import_legacy", stdout=self.stdout)
        call_command("ensure_local_admin", stdout=self.stdout)
        self.say_where_backups_go()

    def say_where_backups_go(self):
        folder = Path(settings.PSG_BACKUP_DIR)
        self.stdout.write(
            f"Backups: `.venv/bin/python manage.py backup_site` saves the database and media "
            f"files to {folder}"
        )
        inside = [path for path in data_folders().values() if is_inside(folder, path)]
        if inside:
            self.stdout.write(
                self.style.WARNING(
                    f"  That folder is inside {inside[0]}: losing one loses the other. Set "
                    "PSG_BACKUP_DIR to a folder outside it, ideally on another disk."
                )
            )
        else:
            self.stdout.write(
                f"  (outside {settings.VAR_DIR}, so deleting or losing it keeps them; set "
                "PSG_BACKUP_DIR to choose another folder, ideally on another disk)."
            )
