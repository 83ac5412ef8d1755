"""Restore a backup made by `backup_site`.

    python manage.py restore_site BACKUP_FOLDER [--yes] [--database-url URL]
                                  [--skip-database] [--skip-media]

Checks every file against the manifest's checksums before touching anything. The database
is restored into the configured database, or into the one named by --database-url (for
example a fresh, empty database to check a backup without touching the live site). The
media folder is replaced by the backup's, and the previous media folder is kept beside it
as `<MEDIA_ROOT>.before-restore-<time>`: nothing is deleted. See docs/deployment.md.
"""

import datetime
import json
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from .backup_site import MANIFEST_NAME, engine_kind, postgres_environment, sha256


class Command(BaseCommand):
    help = "Restore the database and media files from a backup_site folder."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup folder (psg-backup-…) to restore.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation before restoring."
        )
        parser.add_argument(
            "--database-url",
            help="Restore the database into this database instead of the configured one.",
        )
        parser.add_argument("--skip-database", action="store_true", help="Leave the database.")
        parser.add_argument("--skip-media", action="store_true", help="Leave the media files.")

    def handle(self, *args, backup, yes, database_url, skip_database, skip_media, **options):
        folder = Path(backup)
        manifest = self.read_manifest(folder)
        restore_database = "database" in manifest and not skip_database
        restore_media = "media" in manifest and not skip_media
        if not (restore_database or restore_media):
            raise CommandError("Nothing to restore from this backup with the options given.")

        if database_url:
            target = dj_database_url.parse(database_url)
        else:
            target = connections["default"].settings_dict

        if restore_database and manifest["database"]["engine"] != engine_kind(target):
            raise CommandError(
                f"This backup holds a {manifest['database']['engine']} database; the target "
                f"database is {engine_kind(target)}. Restore it into a database of the same kind."
            )

        if not yes:
            what = " and ".join(
                part
                for part, wanted in (
                    (f"the database {target['NAME']}", restore_database),
                    (f"the media folder {settings.MEDIA_ROOT}", restore_media),
                )
                if wanted
            )
            answer = input(
                f"This replaces {what} with the backup of {manifest['created']}. Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")

        if restore_database:
            self.restore_database(folder / manifest["database"]["file"], target, database_url)
            self.stdout.write(f"Database restored into {target['NAME']}.")
        if restore_media:
            kept = self.restore_media(folder / "media.tar.gz")
            self.stdout.write(f"Media restored into {settings.MEDIA_ROOT}.")
            if kept:
                self.stdout.write(f"The previous media folder is kept at {kept}.")
        if restore_database and not database_url:
            # Cached pages, site root paths and settings describe the old content.
            for cache in caches.all():
                cache.clear()

    def read_manifest(self, folder):
        manifest_path = folder / MANIFEST_NAME
        if not manifest_path.is_file():
            raise CommandError(f"{folder} is not a backup folder: it has no {MANIFEST_NAME}.")
        try:
            manifest = json.loads(manifest_path.read_text())
        except ValueError as exc:
            raise CommandError(f"{manifest_path} is damaged: {exc}") from exc
        for name, expected in manifest.get("files", {}).items():
            path = folder / name
            if not path.is_file():
                raise CommandError(f"The backup is incomplete: {name} is missing.")
            if sha256(path) != expected:
                raise CommandError(
                    f"The backup is damaged: {name} does not match its checksum. Nothing was changed."
                )
        return manifest

    def restore_database(self, dump, target, database_url):
        kind = engine_kind(target)
        if not database_url:
            connections["default"].close()
        if kind == "postgresql":
            result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [
                    shutil.which("pg_restore") or "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={target['NAME']}",
                    str(dump),
                ],
                env=postgres_environment(target),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise CommandError(
                    f"pg_restore failed and the database was left as it was: {result.stderr.strip()}"
                )
        else:
            with sqlite3.connect(dump) as source, sqlite3.connect(target["NAME"]) as destination:
                source.backup(destination)
            source.close()
            destination.close()

    def restore_media(self, archive_path):
        media_root = Path(settings.MEDIA_ROOT)
        media_root.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
        incoming = media_root.with_name(f".{media_root.name}.restoring-{stamp}")
        incoming.mkdir()
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                # The "data" filter refuses absolute paths, links out of the folder and devices.
                archive.extractall(incoming, filter="data")
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        kept = None
        if media_root.exists():
            kept = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
            media_root.rename(kept)
        incoming.rename(media_root)
        return kept
