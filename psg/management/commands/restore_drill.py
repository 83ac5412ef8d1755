"""Prove that the site's backups restore: back up, restore into scratch, compare everything.

    python manage.py restore_drill [--backup FOLDER] [--work-dir DIR]

1. Backs up the live site with `backup_site` (into the work folder), or takes --backup, an
   existing backup folder.
2. Restores it with `restore_site` into a scratch database and a scratch media folder: on
   PostgreSQL a new database on the same server, created here and dropped at the end; on SQLite
   a file in the work folder. The live database and media folder are only read.
3. Compares every table's rows and every media file with the live site's, prints one line per
   table, and fails (exit status 1) on any difference.

The live site is read before the backup and again after the restore: a table that a visitor or
an editor changed while the drill ran is reported as such. With --backup the differences are
what changed since that backup was made, which is what restoring it would undo.
The work folder (default: a new temporary folder, removed afterwards) must have room for a
backup and a copy of the site. `scripts/restore-drill.sh` runs this command.
"""

import hashlib
import io
import shutil
import sqlite3
import tempfile
import uuid
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import quote as url_quote

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from .backup_site import engine_kind
from .restore_site import pg_connect, quote

LISTED_DIFFERENCES = 20


def sqlite_rows(path):
    """{table: sorted row digests} of a SQLite database file, opened read-only."""
    tables = {}
    with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as db:
        names = [
            row[0]
            for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        ]
        for name in names:
            rows = db.execute(f"SELECT * FROM {quote(name)}")  # noqa: S608 - names from the schema
            tables[name] = sorted(
                hashlib.blake2b(repr(row).encode(), digest_size=16).digest() for row in rows
            )
    return tables


def postgres_rows(settings_dict):
    """{table: sorted row digests} of a PostgreSQL database (its public schema)."""
    tables = {}
    with pg_connect(settings_dict) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        for name in names:
            with conn.cursor(name="restore_drill") as cursor:
                cursor.itersize = 10_000
                cursor.execute(f"SELECT md5(t::text) FROM public.{quote(name)} AS t")  # noqa: S608
                tables[name] = sorted(bytes.fromhex(row[0]) for row in cursor)
        # Where each sequence stands: the ids that the next rows get.
        sequences = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        tables["(sequences)"] = sorted(
            hashlib.blake2b(repr(row).encode(), digest_size=16).digest() for row in sequences
        )
    return tables


def media_files(folder):
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(chunk)
            files[str(path.relative_to(folder))] = digest.hexdigest()
    return files


def row_difference(live, restored):
    """(rows only in the live table, rows only in the restored one)."""
    live, restored = Counter(live), Counter(restored)
    return sum((live - restored).values()), sum((restored - live).values())


class Command(BaseCommand):
    help = (
        "Back up the site, restore the backup into a scratch database and media folder, and "
        "compare every table and media file (docs/deployment.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--backup",
            help="Check this existing backup folder instead of making a new backup: the "
            "differences are then what changed on the site since it was made.",
        )
        parser.add_argument(
            "--work-dir",
            help="Folder for the backup and the scratch copy (default: a temporary folder).",
        )

    def handle(self, *args, backup, work_dir, **options):
        live = connections["default"].settings_dict
        self.kind = engine_kind(live)
        work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="psg-restore-drill-"))
        scratch = work / f"restore-drill-{uuid.uuid4().hex[:8]}"
        scratch.mkdir(parents=True)
        scratch_db = None
        try:
            before = None
            if backup:
                folder = Path(backup)
            else:
                before = self.snapshot(live, settings.MEDIA_ROOT)
                out = io.StringIO()
                call_command("backup_site", f"--output-dir={scratch / 'backups'}", stdout=out)
                folder = next(p for p in (scratch / "backups").iterdir() if p.is_dir())
            self.stdout.write(f"Backup: {folder}")

            scratch_db = self.create_scratch_database(live, scratch)
            self.stdout.write(f"Restoring it into {scratch_db['NAME']} and {scratch / 'media'}")
            call_command(
                "restore_site",
                str(folder),
                "--yes",
                f"--database-url={self.url(scratch_db)}",
                f"--media-root={scratch / 'media'}",
                stdout=io.StringIO(),
            )
            restored = self.snapshot(scratch_db, scratch / "media")
            after = self.snapshot(live, settings.MEDIA_ROOT)
            differences = self.report(before, after, restored)
        finally:
            if scratch_db is not None and self.kind == "postgresql":
                self.drop_scratch_database(live, scratch_db["NAME"])
            shutil.rmtree(work if not work_dir else scratch, ignore_errors=True)
        if differences:
            raise CommandError(
                f"The restored copy differs from the live site in {differences}: see above."
            )

    # Scratch database -------------------------------------------------------------------------

    def create_scratch_database(self, live, scratch):
        if self.kind == "sqlite":
            return {**live, "NAME": str(scratch / "db.sqlite3")}
        import psycopg

        name = f"{live['NAME'][:40]}_drill_{uuid.uuid4().hex[:8]}"
        try:
            with pg_connect(live, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {quote(name)}")
        except psycopg.Error as exc:
            raise CommandError(
                f"Cannot create the scratch database {name}: {str(exc).strip()}. The database "
                "user needs the right to create databases (ALTER ROLE … CREATEDB)."
            ) from exc
        return {**live, "NAME": name}

    def drop_scratch_database(self, live, name):
        with pg_connect(live, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
        self.stdout.write(f"Dropped the scratch database {name}.")

    def url(self, settings_dict):
        if self.kind == "sqlite":
            return f"sqlite:///{settings_dict['NAME']}"
        user = url_quote(str(settings_dict.get("USER") or ""), safe="")
        password = url_quote(str(settings_dict.get("PASSWORD") or ""), safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or ""
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        options = settings_dict.get("OPTIONS") or {}
        query = "&".join(
            f"{key}={url_quote(str(options[key]))}"
            for key in ("sslmode", "sslrootcert")
            if options.get(key)
        )
        name = url_quote(settings_dict["NAME"], safe="")
        return f"postgres://{credentials}{host}{port}/{name}" + (f"?{query}" if query else "")

    # Comparison -------------------------------------------------------------------------------

    def snapshot(self, settings_dict, media_root):
        if self.kind == "sqlite":
            path = Path(settings_dict["NAME"])
            rows = sqlite_rows(path) if path.is_file() else {}
        else:
            rows = postgres_rows(settings_dict)
        return {"tables": rows, "media": media_files(media_root)}

    def report(self, before, after, restored):
        """Print one line per table and the media files; return what differs, or ''."""
        tables = sorted(set(after["tables"]) | set(restored["tables"]))
        width = self.width = max([len(name) for name in tables] + [20])
        self.stdout.write(f"{'table':<{width}}  {'rows':>9}  result")
        different = 0
        total_rows = 0
        for name in tables:
            live_rows = after["tables"].get(name)
            copy_rows = restored["tables"].get(name)
            rows = len(copy_rows if copy_rows is not None else live_rows)
            total_rows += rows
            if live_rows == copy_rows:
                result = "identical"
            elif before is not None and before["tables"].get(name) == copy_rows:
                result = "identical to the live table at the backup (it changed since)"
            elif copy_rows is None:
                result = "DIFFERENT: missing from the restored copy"
            elif live_rows is None:
                result = "DIFFERENT: not in the live database"
            else:
                only_live, only_copy = row_difference(live_rows, copy_rows)
                result = (
                    f"DIFFERENT: {only_live} row(s) only in the live table, {only_copy} only in "
                    "the restored copy"
                )
                if before is not None and before["tables"].get(name) != live_rows:
                    result += " (the live table changed while the drill ran: run it again)"
            different += result.startswith("DIFFERENT")
            self.stdout.write(f"{name:<{width}}  {rows:>9}  {result}")

        media_differences = self.media_report(before, after, restored)
        if different or media_differences:
            parts = [f"{different} table(s)"] if different else []
            parts += [f"{media_differences} media file(s)"] if media_differences else []
            return " and ".join(parts)
        self.stdout.write(
            f"Every table's rows ({len(tables)} tables, {total_rows} rows) and every media file "
            f"({len(restored['media'])} files) are identical."
        )
        return ""

    def media_report(self, before, after, restored):
        live, copy = after["media"], restored["media"]
        if live != copy and before is not None and before["media"] == copy:
            self.stdout.write(
                f"{'media files':<{self.width}}  {len(copy):>9}  identical to the live folder at the "
                "backup (it changed since)"
            )
            return 0
        lines = []
        for name in sorted(set(live) | set(copy)):
            if live.get(name) == copy.get(name):
                continue
            if name not in copy:
                lines.append(f"  {name}: missing from the restored copy")
            elif name not in live:
                lines.append(f"  {name}: not in the live media folder")
            else:
                lines.append(f"  {name}: different content")
        if not lines:
            self.stdout.write(f"{'media files':<{self.width}}  {len(copy):>9}  identical")
            return 0
        self.stdout.write(f"{'media files':<{self.width}}  {len(copy):>9}  DIFFERENT:")
        for line in lines[:LISTED_DIFFERENCES]:
            self.stdout.write(line)
        if len(lines) > LISTED_DIFFERENCES:
            self.stdout.write(f"  … and {len(lines) - LISTED_DIFFERENCES} more")
        return len(lines)
