"""Back up the database and the uploaded media into one dated folder.

    python manage.py backup_site [--output-dir DIR] [--keep N] [--skip-database] [--skip-media]

The folder holds `database.dump` (PostgreSQL, pg_dump's custom format) or `database.sqlite3`
(SQLite, an online copy), `media.tar.gz`, and `manifest.json` with the checksum of each file.
`restore_site` reads it back. See docs/deployment.md, "Backup and restore".
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

BACKUP_PREFIX = "psg-backup-"
MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def postgres_environment(settings_dict):
    """Connection details for pg_dump/pg_restore as libpq environment variables."""
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = settings_dict.get(key)
        if value:
            env[name] = str(value)
        else:
            env.pop(name, None)
    options = settings_dict.get("OPTIONS") or {}
    for option, name in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[name] = str(options[option])
    return env


def engine_kind(settings_dict):
    engine = settings_dict["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise CommandError(f"Backups of {engine} databases are not supported.")


def default_backup_dir():
    return Path(os.environ.get("PSG_BACKUP_DIR") or Path(settings.VAR_DIR) / "backups")


class Command(BaseCommand):
    help = "Back up the database and media files into a dated folder (see docs/deployment.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            help="Folder that receives the dated backup folder (default: PSG_BACKUP_DIR or var/backups).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="Keep only this many most recent backups in the output folder (0 keeps all).",
        )
        parser.add_argument("--skip-database", action="store_true", help="Leave out the database.")
        parser.add_argument("--skip-media", action="store_true", help="Leave out the media files.")
        parser.add_argument("--database", default="default", help="Database alias to back up.")

    def handle(self, *args, output_dir, keep, skip_database, skip_media, database, **options):
        if skip_database and skip_media:
            raise CommandError("Nothing to back up: both --skip-database and --skip-media given.")
        output = Path(output_dir) if output_dir else default_backup_dir()
        output.mkdir(parents=True, exist_ok=True)

        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
        final = output / f"{BACKUP_PREFIX}{stamp}"
        partial = output / f".{BACKUP_PREFIX}{stamp}.partial"
        partial.mkdir()
        try:
            manifest = {
                "format": FORMAT_VERSION,
                "created": datetime.datetime.now(datetime.UTC).isoformat(),
                "files": {},
            }
            if not skip_database:
                connection = connections[database]
                manifest["database"] = self.dump_database(connection, partial)
                manifest["migrations"] = self.migration_state(connection)
                manifest["files"][manifest["database"]["file"]] = sha256(
                    partial / manifest["database"]["file"]
                )
            if not skip_media:
                manifest["media"] = self.archive_media(partial)
                manifest["files"]["media.tar.gz"] = sha256(partial / "media.tar.gz")
            (partial / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))
            partial.rename(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise

        if keep > 0:
            self.prune(output, keep)
        self.stdout.write(str(final))
        return None

    def dump_database(self, connection, folder):
        settings_dict = connection.settings_dict
        kind = engine_kind(settings_dict)
        if kind == "postgresql":
            target = folder / "database.dump"
            result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [
                    shutil.which("pg_dump") or "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={target}",
                ],
                env=postgres_environment(settings_dict),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            name = str(settings_dict["NAME"])
            if name == ":memory:" or "mode=memory" in name:
                raise CommandError("An in-memory SQLite database cannot be backed up.")
            target = folder / "database.sqlite3"
            # SQLite's online backup: a consistent copy even while the site is running.
            with sqlite3.connect(name) as source, sqlite3.connect(target) as destination:
                source.backup(destination)
            destination.close()
            source.close()
        return {"engine": kind, "file": target.name, "name": str(settings_dict["NAME"])}

    def migration_state(self, connection):
        recorder = MigrationRecorder(connection)
        latest = {}
        for app, name in recorder.migration_qs.values_list("app", "name").order_by("app", "name"):
            latest[app] = name
        return latest

    def archive_media(self, folder):
        media_root = Path(settings.MEDIA_ROOT)
        count = 0
        size = 0
        with tarfile.open(folder / "media.tar.gz", "w:gz") as archive:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        archive.add(path, arcname=str(path.relative_to(media_root)))
                        count += 1
                        size += path.stat().st_size
        return {"files": count, "bytes": size}

    def prune(self, output, keep):
        backups = sorted(
            (path for path in output.glob(f"{BACKUP_PREFIX}*") if path.is_dir()),
            key=lambda path: path.name,
        )
        for old in backups[:-keep]:
            shutil.rmtree(old)
            self.stderr.write(f"Removed old backup {old}")
