"""Back up the database and the uploaded media into one dated folder.

    python manage.py backup_site [--output-dir DIR] [--keep N] [--skip-database] [--skip-media]

The folder holds `database.dump` (PostgreSQL, pg_dump's custom format) or `database.sqlite3`
(SQLite, an online copy), `media.tar.gz`, and `manifest.json` with the checksum of each file.
`restore_site` reads it back. See docs/deployment.md, "Backup and restore".

Where it goes: --output-dir, else PSG_BACKUP_DIR (settings). Production has no default and
refuses a folder inside PSG_VAR_DIR or MEDIA_ROOT; elsewhere such a folder gets a warning.

A backup is written as `.psg-backup-<time>.partial` and renamed when complete. SIGTERM, SIGINT
or SIGHUP removes the unfinished folder and exits with 128 + the signal's number. A process
killed outright (SIGKILL, power loss) cannot clean up: the next backup removes its folder,
recognised by the lock that only a running backup holds.
"""

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tarfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

BACKUP_PREFIX = "psg-backup-"
MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
# Inside an unfinished folder: locked (flock) by the backup writing it, for as long as it runs.
LOCK_NAME = ".in-progress"
# An unfinished folder without a lock file (left by an older version of this command) is
# removed once it has not changed for this long.
UNLOCKED_PARTIAL_MAX_AGE_SECONDS = 60 * 60
# SQLite pages copied per step (4 MB with the default 4 KB pages).
SQLITE_STEP_PAGES = 1024
# SQLite errors that come from writing the copy (a full disk, say), not from the database.
WRITING_ERRORS = {"SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_IOERR_WRITE"}
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


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
    """PSG_BACKUP_DIR from the settings, or None where there is no default (production)."""
    folder = getattr(settings, "PSG_BACKUP_DIR", None)
    return Path(folder) if folder else None


def data_folders():
    """The folders a backup must not live in: losing them would take the backup too."""
    return {"PSG_VAR_DIR": Path(settings.VAR_DIR), "MEDIA_ROOT": Path(settings.MEDIA_ROOT)}


def is_inside(path, folder):
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


class BackupInterrupted(BaseException):
    """Raised by the signal handler, so that every layer below lets it through."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stopped_by_signals():
    """Turn SIGTERM, SIGINT and SIGHUP into BackupInterrupted (once: cleaning up goes on)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []

    def stop(signum, frame):
        if not received:
            received.append(signum)
            raise BackupInterrupted(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def partial_in_progress(folder):
    """True while the backup writing this unfinished folder still runs."""
    try:
        with open(folder / LOCK_NAME, "rb") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False
    except FileNotFoundError:
        # Just created, just finished, or left by an older version of this command.
        try:
            age = time.time() - folder.stat().st_mtime
        except FileNotFoundError:
            return False
        return age < UNLOCKED_PARTIAL_MAX_AGE_SECONDS


class SqliteSnapshot:
    """A read transaction on the live SQLite database, held for the whole copy.

    How the copy is taken, and why (measured on a 1 GB database with a writer committing
    every 20 ms; docs/deployment.md, "Backup and restore"):

    - sqlite3's backup API in one step holds a read lock for the whole copy. In rollback
      journal mode that lock keeps every writer out: a 1 GB copy took 5.5 s and a writer
      waited 4.9 s; a little more data and, past Python's 5 s busy timeout, a join
      submission fails with "database is locked". In WAL mode a reader does not block
      writers: the site's settings turn WAL on (psg/settings/base.py), and the mode is kept
      in the database file.
    - The backup API in small steps, as usually recommended, starts again whenever another
      connection writes between two steps: under a steady trickle of writes the 1 GB copy had
      not finished after 40 s, and never would.
    - VACUUM INTO holds one snapshot too (writers go on, 6.9 s), but it runs as one call that
      a signal cannot interrupt, and it rewrites the database rather than copying it.

    So: in WAL mode, begin a read transaction and copy in steps of SQLITE_STEP_PAGES pages
    inside it. The transaction pins one snapshot, so writers between steps are not seen and
    the copy never starts again (5.6 s for 1 GB, no writer failed); between steps Python runs,
    so SIGTERM stops the copy at once.
    """

    kind = "sqlite"
    file_name = "database.sqlite3"

    def __init__(self, name):
        self.name = str(name)
        self.path = Path(name)
        if not self.path.is_file():
            folder = self.path.parent
            if not folder.is_dir():
                raise CommandError(
                    f"The data folder {folder} does not exist, so there is no SQLite database "
                    f"({self.path}) to back up. Nothing was changed. Check PSG_VAR_DIR and "
                    "DATABASE_URL; if the folder was lost, restore the last backup with "
                    '`manage.py restore_site` (docs/deployment.md, "Backup and restore").'
                )
            raise CommandError(
                f"The SQLite database {self.path} does not exist, so there is nothing to back "
                "up. Nothing was changed. Check DATABASE_URL; if the database was lost, restore "
                "the last backup with `manage.py restore_site`."
            )
        try:
            # mode=rw: never create an empty database where the real one is missing.
            self.connection = sqlite3.connect(
                f"{self.path.absolute().as_uri()}?mode=rw",
                uri=True,
                timeout=30,
                isolation_level=None,
            )
        except sqlite3.Error as exc:
            raise self.unreadable(exc) from exc
        try:
            self.connection.execute("BEGIN")
            # The first read starts the snapshot: the migrations recorded are the copy's.
            self.migrations = self.read_migrations()
        except BaseException:
            self.connection.close()
            raise

    def unreadable(self, exc):
        return CommandError(
            f"{self.path} cannot be read as a SQLite database ({exc}). Nothing was backed up "
            "and nothing was changed. If the file is damaged, keep it aside for inspection and "
            "restore the last good backup with `manage.py restore_site`."
        )

    def read_migrations(self):
        try:
            rows = self.connection.execute(
                "SELECT app, name FROM django_migrations ORDER BY app, name"
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise CommandError(
                    f"{self.path} has no django_migrations table: it is not this site's "
                    "database, or it was never set up. Nothing was changed. Check DATABASE_URL, "
                    "or run `manage.py migrate` to set up a new site."
                ) from exc
            raise self.unreadable(exc) from exc
        except sqlite3.DatabaseError as exc:
            raise self.unreadable(exc) from exc
        return dict(rows)

    def copy_to(self, target):
        destination = None
        try:
            destination = sqlite3.connect(target, isolation_level=None)
            # The progress callback runs Python between steps: that is where a signal lands.
            self.connection.backup(
                destination, pages=SQLITE_STEP_PAGES, progress=lambda *step: None
            )
            # One self-contained file: no -wal or -shm beside it when it is read.
            destination.execute("PRAGMA journal_mode=DELETE")
            check = destination.execute("PRAGMA quick_check(3)").fetchall()
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorname", "") in WRITING_ERRORS:
                raise OSError(f"the copy of the database could not be written ({exc})") from exc
            raise self.unreadable(exc) from exc
        finally:
            if destination is not None:
                destination.close()
        if check != [("ok",)]:
            problems = "; ".join(" ".join(row[0].split()) for row in check)
            raise CommandError(
                f"The copy of {self.path} failed SQLite's integrity check ({problems}): the "
                "database itself is damaged. No backup was made and nothing was changed. Keep "
                "the file aside and restore the last good backup with `manage.py restore_site`."
            )

    def close(self):
        self.connection.close()


class PostgresSource:
    """The PostgreSQL database, dumped by pg_dump (its own consistent snapshot)."""

    kind = "postgresql"
    file_name = "database.dump"

    def __init__(self, connection):
        self.settings_dict = connection.settings_dict
        self.name = str(self.settings_dict["NAME"])
        self.program = shutil.which("pg_dump")
        if self.program is None:
            raise CommandError(
                "pg_dump was not found on PATH, so the PostgreSQL database cannot be backed "
                "up. Install the PostgreSQL client tools of the server's major version or "
                "newer (Debian: apt install postgresql-client), then run the backup again. "
                "Nothing was changed."
            )
        try:
            recorder = MigrationRecorder(connection)
            rows = recorder.migration_qs.values_list("app", "name").order_by("app", "name")
            self.migrations = dict(list(rows))
        except DatabaseError as exc:
            raise CommandError(
                f"Cannot read the database {self.settings_dict['NAME']}: {str(exc).strip()}. "
                "Check DATABASE_URL, that PostgreSQL is running and that the site is migrated. "
                "Nothing was changed."
            ) from exc

    def copy_to(self, target):
        with subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
            [self.program, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
            env=postgres_environment(self.settings_dict),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            try:
                _, errors = process.communicate()
            except BaseException:
                # Stopped: pg_dump cancels its query on SIGTERM, so its server session ends
                # and lets go of its locks at once (a killed client's session would linger).
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                raise
        if process.returncode != 0:
            raise CommandError(
                f"pg_dump failed: {errors.strip()}. No backup was made; nothing was changed."
            )

    def close(self):
        pass


class Command(BaseCommand):
    help = "Back up the database and media files into a dated folder (see docs/deployment.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            help=(
                "Folder that receives the dated backup folder (default: PSG_BACKUP_DIR; "
                "required in production). Keep it outside PSG_VAR_DIR and MEDIA_ROOT."
            ),
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
        if keep < 0:
            raise CommandError("--keep must be 0 (keep every backup) or a positive number.")
        output = self.output_folder(output_dir)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
        final = output / f"{BACKUP_PREFIX}{stamp}"

        source = None
        with stopped_by_signals():
            try:
                # Everything is checked before anything is written.
                if not skip_database:
                    source = self.open_database(connections[database])
                created = self.create_folder(output)
                try:
                    self.remove_stale_partials(output)
                    self.write_backup(output, stamp, source, skip_media)
                except BaseException:
                    if created:
                        with contextlib.suppress(OSError):
                            output.rmdir()  # only if empty: leave things as they were
                    raise
                if keep > 0:
                    self.prune(output, keep)
            except BackupInterrupted as stop:
                name = signal.Signals(stop.signum).name
                if final.is_dir():
                    message = f"Stopped by {name} after the backup {final} was complete."
                else:
                    message = (
                        f"Backup stopped by {name}: no backup was made this time, and its "
                        "unfinished folder was removed. Nothing else was changed."
                    )
                raise CommandError(message, returncode=128 + stop.signum) from None
            finally:
                if source is not None:
                    source.close()
        self.stdout.write(str(final))
        return None

    # Where ---------------------------------------------------------------------------------

    def output_folder(self, output_dir):
        if output_dir:
            output = Path(output_dir)
        else:
            output = default_backup_dir()
            if output is None:
                raise CommandError(
                    "No backup folder given. Set PSG_BACKUP_DIR or pass --output-dir, naming a "
                    "folder outside the data folder (PSG_VAR_DIR) and MEDIA_ROOT, ideally on "
                    "another disk: a backup lost with the data is no backup. Nothing was changed."
                )
        for setting, folder in data_folders().items():
            if not is_inside(output, folder):
                continue
            problem = (
                f"The backup folder {output} is inside {setting} ({folder}): losing that "
                "folder would take its backups with it."
            )
            if getattr(settings, "PSG_BACKUP_REFUSE_INSIDE_DATA", False):
                raise CommandError(
                    f"{problem} Choose a folder outside it (--output-dir or PSG_BACKUP_DIR). "
                    "Nothing was changed."
                )
            self.stderr.write(f"Warning: {problem}")
        return output

    def create_folder(self, output):
        """Create the output folder if needed; True when this call created it."""
        try:
            output.mkdir(parents=True)
        except FileExistsError as exc:
            if output.is_dir():
                return False
            raise CommandError(
                f"Cannot use {output} as the backup folder: it is a file. Choose a folder "
                "(--output-dir or PSG_BACKUP_DIR). Nothing was changed."
            ) from exc
        except OSError as exc:
            raise CommandError(
                f"Cannot create the backup folder {output}: {exc.strerror or exc}. Choose a "
                "folder this user can write to (--output-dir or PSG_BACKUP_DIR). Nothing was "
                "changed."
            ) from exc
        return True

    # What ----------------------------------------------------------------------------------

    def open_database(self, connection):
        settings_dict = connection.settings_dict
        if engine_kind(settings_dict) == "postgresql":
            return PostgresSource(connection)
        name = str(settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise CommandError("An in-memory SQLite database cannot be backed up.")
        return SqliteSnapshot(name)

    # Writing -------------------------------------------------------------------------------

    def write_backup(self, output, stamp, source, skip_media):
        partial = output / f".{BACKUP_PREFIX}{stamp}.partial"
        try:
            partial.mkdir()
            with open(partial / LOCK_NAME, "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                lock.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
                lock.flush()
                self.fill(partial, source, skip_media)
                # Unlinked while still locked, then renamed: never a finished backup with a
                # lock file, never an unfinished one that looks abandoned.
                (partial / LOCK_NAME).unlink()
                partial.rename(output / f"{BACKUP_PREFIX}{stamp}")
        except OSError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise CommandError(
                f"The backup into {output} could not be made: {exc}. Its unfinished folder was "
                "removed; nothing else was changed."
            ) from exc
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise

    def fill(self, partial, source, skip_media):
        manifest = {
            "format": FORMAT_VERSION,
            "created": datetime.datetime.now(datetime.UTC).isoformat(),
            "files": {},
        }
        if source is not None:
            name = source.file_name
            source.copy_to(partial / name)
            manifest["database"] = {"engine": source.kind, "file": name, "name": source.name}
            manifest["migrations"] = source.migrations
            manifest["files"][name] = sha256(partial / name)
        if not skip_media:
            manifest["media"] = self.archive_media(partial)
            manifest["files"]["media.tar.gz"] = sha256(partial / "media.tar.gz")
        (partial / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True))

    def archive_media(self, folder):
        media_root = Path(settings.MEDIA_ROOT)
        if not media_root.is_dir():
            self.stderr.write(
                f"Warning: the media folder {media_root} does not exist; this backup holds no "
                "media files. Check MEDIA_ROOT if the site has uploads."
            )
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

    # Tidying -------------------------------------------------------------------------------

    def remove_stale_partials(self, output):
        """Remove unfinished folders whose backup no longer runs (killed, or the power went)."""
        for folder in sorted(output.glob(f".{BACKUP_PREFIX}*.partial")):
            if folder.is_dir() and not partial_in_progress(folder):
                shutil.rmtree(folder, ignore_errors=True)
                self.stderr.write(
                    f"Removed {folder}: an unfinished backup whose process no longer runs."
                )

    def prune(self, output, keep):
        backups = sorted(
            (path for path in output.glob(f"{BACKUP_PREFIX}*") if path.is_dir()),
            key=lambda path: path.name,
        )
        for old in backups[:-keep]:
            try:
                shutil.rmtree(old)
            except OSError as exc:
                self.stderr.write(f"Warning: could not remove the old backup {old}: {exc}")
            else:
                self.stderr.write(f"Removed old backup {old}")
