"""Bring a local site up to date in one process: migrate, collect static files, import the
seed content and make sure the local admin account exists. `make run` calls this."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, collect static files, import the seed content, ensure the local admin."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("import_legacy", stdout=self.stdout)
        call_command("ensure_local_admin", stdout=self.stdout)
