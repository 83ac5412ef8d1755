"""`manage.py import_legacy [FILE] [--rules RULES]`: import a capture of the old home page."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from home.importer import ImportRulesError, import_legacy
from news.legacy import LegacyFormatError


class Command(BaseCommand):
    help = (
        "Import a capture of the old PSG home page: dated items become news articles, "
        "attached to campaigns by the rules file; undated sections fill the mission section. "
        "Safe to run again: unchanged content is left as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", default=str(settings.PSG_SEED_FILE), help="The capture to import."
        )
        parser.add_argument(
            "--rules",
            default=str(settings.PSG_IMPORT_RULES_FILE),
            help="JSON file saying which campaign each item belongs to.",
        )

    def handle(self, *args, path, rules, **options):
        try:
            report = import_legacy(path, rules)
        except (LegacyFormatError, ImportRulesError) as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        self.stdout.write(f"Imported {path}: {report.summary()}.")
        for url_path in report.kept_editor_changes:
            self.stdout.write(f"  kept the editors' version of {url_path}")
