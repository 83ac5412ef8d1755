"""Restore a backup made by `backup_site`.

    python manage.py restore_site BACKUP_FOLDER [--yes] [--skip-database] [--skip-media]
                                  [--safety-dir DIR] [--no-safety-copy]
                                  [--database-url URL] [--media-root DIR]

Before changing anything it checks, and refuses with nothing changed when one fails: the
files it restores against the manifest's checksums (only those: `--skip-media` restores the
database of a backup whose media archive is lost); that the backup's database file is readable;
that the backup holds no migration this code does not have (a backup made by newer code, after
a rollback of an upgrade); and that the target database can be written.

Restoring over the live site (the configured database and MEDIA_ROOT), it first makes a safety
copy of the current database and media with `backup_site`, beside the backup being restored
(or in --safety-dir), and names it. Then it restores the database and the media folder (the
previous folder is kept beside it as `<MEDIA_ROOT>.before-restore-<time>`), migrates a backup
made by older code forward, makes every cache entry the site keeps stale (not the whole cache:
other sites and applications may share it), rebuilds a search index kept outside the database
(Elasticsearch), and says what to do when the local admin password file no longer matches.

--database-url and --media-root restore into another database and folder instead, to check a
backup without touching the site (`restore_drill` does this). See docs/deployment.md.
"""

import datetime
import io
import json
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from contextlib import closing
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from psg import generations

from .backup_site import MANIFEST_NAME, engine_kind, postgres_environment, sha256

MEDIA_ARCHIVE = "media.tar.gz"
LOCAL_ADMIN = "admin"
NOTHING_CHANGED = "Nothing was changed."
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


def same_database(one, other):
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(str(one.get(key) or "") == str(other.get(key) or "") for key in keys)


def pg_connect(settings_dict, **kwargs):
    """A psycopg connection to the database `settings_dict` describes."""
    import psycopg

    options = settings_dict.get("OPTIONS") or {}
    params = {
        "dbname": settings_dict.get("NAME"),
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        **{key: options[key] for key in ("sslmode", "sslrootcert") if options.get(key)},
    }
    return psycopg.connect(**{key: value for key, value in params.items() if value}, **kwargs)


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def is_database_backend(backend):
    """True when the search backend keeps its index in the database (it came back with it)."""
    return any(
        cls.__module__.startswith("modelsearch.backends.database") for cls in type(backend).__mro__
    )


class Command(BaseCommand):
    help = "Restore the database and media files from a backup_site folder (docs/deployment.md)."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup folder (psg-backup-…) to restore.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation before restoring."
        )
        parser.add_argument("--skip-database", action="store_true", help="Leave the database.")
        parser.add_argument("--skip-media", action="store_true", help="Leave the media files.")
        parser.add_argument(
            "--safety-dir",
            help="Where the safety copy of the current site goes (default: beside the backup).",
        )
        parser.add_argument(
            "--no-safety-copy",
            action="store_true",
            help="Restore over the site without a safety copy of it (only if it is worthless).",
        )
        parser.add_argument(
            "--database-url",
            help="Restore the database into this database instead of the configured one.",
        )
        parser.add_argument(
            "--media-root", help="Restore the media files into this folder instead of MEDIA_ROOT."
        )

    def handle(self, *args, backup, yes, skip_database, skip_media, **options):
        folder = Path(backup)
        manifest = self.read_manifest(folder)
        restore_database = "database" in manifest and not skip_database
        restore_media = "media" in manifest and not skip_media
        if not (restore_database or restore_media):
            raise CommandError("Nothing to restore from this backup with the options given.")
        self.check_files(folder, manifest, restore_database, restore_media)

        default = connections["default"].settings_dict
        target = (
            dj_database_url.parse(options["database_url"]) if options["database_url"] else default
        )
        live_database = restore_database and same_database(target, default)
        media_root = Path(options["media_root"] or settings.MEDIA_ROOT)
        live_media = restore_media and media_root.resolve() == Path(settings.MEDIA_ROOT).resolve()

        dump = None
        current_tables = set()
        self.dump_tables = set()
        if restore_database:
            dump = folder / manifest["database"]["file"]
            kind = engine_kind(target)
            if manifest["database"].get("engine") != kind:
                raise CommandError(
                    f"This backup holds a {manifest['database'].get('engine')} database; the target "
                    f"database is {kind}. Restore it into a database of the same kind."
                )
            applied = self.backup_migrations(dump, kind, manifest)
            self.refuse_newer(applied)
            current_tables = self.current_tables(target, kind)

        if not yes:
            self.confirm(
                manifest,
                target,
                media_root,
                restore_database,
                restore_media,
                safety=(live_database or live_media) and not options["no_safety_copy"],
            )

        safety = None
        if (live_database or live_media) and not options["no_safety_copy"]:
            safety = self.safety_copy(
                Path(options["safety_dir"] or folder.resolve().parent),
                database=live_database and bool(current_tables),
                media=live_media and media_root.is_dir() and any(media_root.iterdir()),
            )

        incoming = self.unpack_media(folder / MEDIA_ARCHIVE, media_root) if restore_media else None
        try:
            stale_renditions = (
                self.rendition_cache_keys() if live_database and current_tables else set()
            )
            if restore_database:
                self.restore_database(dump, target, live_database, current_tables)
                self.stdout.write(f"Database restored into {target['NAME']}.")
        except BaseException:
            if incoming is not None:
                shutil.rmtree(incoming, ignore_errors=True)
            raise
        if restore_media:
            kept = self.swap_media(incoming, media_root)
            self.stdout.write(f"Media restored into {media_root}.")
            if kept:
                self.stdout.write(f"The previous media folder is kept at {kept}.")

        if restore_database and not live_database:
            self.say_if_behind(applied)
        problems = []
        if live_database or live_media:
            try:
                if live_database:
                    self.migrate_forward()
            finally:
                if live_database:
                    # Renditions cached under the keys of the old rows or of the restored ones.
                    stale_renditions |= self.rendition_cache_keys()
                self.invalidate_caches(stale_renditions)
        if live_database:
            problems = self.rebuild_external_search_indexes()
            self.check_local_admin_password()
        if safety:
            self.stdout.write(f"To undo this restore: python manage.py restore_site {safety}")
        if problems:
            raise CommandError("\n".join(problems))

    # Checks: nothing is changed until they all pass --------------------------------------------

    def read_manifest(self, folder):
        manifest_path = folder / MANIFEST_NAME
        if not manifest_path.is_file():
            raise CommandError(f"{folder} is not a backup folder: it has no {MANIFEST_NAME}.")
        try:
            manifest = json.loads(manifest_path.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{manifest_path} is damaged: {exc}. {NOTHING_CHANGED}") from exc
        if not (
            isinstance(manifest, dict)
            and isinstance(manifest.get("files", {}), dict)
            and isinstance(manifest.get("database", {}), dict)
            and isinstance(manifest.get("migrations") or {}, dict)
        ):
            raise CommandError(f"{manifest_path} is damaged: it is not a backup manifest.")
        return manifest

    def check_files(self, folder, manifest, restore_database, restore_media):
        """The files to be restored are there and match their checksums (only those)."""
        needed = []
        if restore_database:
            needed.append((manifest["database"].get("file", ""), "--skip-database"))
        if restore_media:
            needed.append((MEDIA_ARCHIVE, "--skip-media"))
        checksums = manifest.get("files", {})
        for name, option in needed:
            path = folder / name
            if name not in checksums or not path.is_file():
                raise CommandError(
                    f"The backup is incomplete: {name or 'the database file'} is missing. "
                    f"{NOTHING_CHANGED} To restore the rest of it, pass {option}."
                )
            if sha256(path) != checksums[name]:
                raise CommandError(
                    f"The backup is damaged: {name} does not match its checksum. "
                    f"{NOTHING_CHANGED} To restore the rest of it, pass {option}."
                )

    def backup_migrations(self, dump, kind, manifest):
        """(app, name) of every migration applied in the backup's database, read from the
        database file itself (the manifest keeps only each app's last one)."""
        applied = set((manifest.get("migrations") or {}).items())
        damaged = (
            f"The backup's database file {dump.name} cannot be read: it is damaged or not a "
            f"database of this site. {NOTHING_CHANGED} Choose another backup"
        )
        if kind == "sqlite":
            try:
                with closing(sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)) as db:
                    check = db.execute("PRAGMA quick_check").fetchone()[0]
                    if check != "ok":
                        raise sqlite3.DatabaseError(check)
                    applied.update(db.execute("SELECT app, name FROM django_migrations"))
            except sqlite3.Error as exc:
                raise CommandError(f"{damaged} ({exc}).") from exc
            return applied

        listing = self.pg_restore("--list", str(dump))
        if listing.returncode != 0:
            raise CommandError(f"{damaged} ({listing.stderr.strip()}).")
        self.dump_tables = {
            match.group(2)
            for match in map(TOC_TABLE.match, listing.stdout.splitlines())
            if match and match.group(1) == "public"
        }
        data = self.pg_restore("--data-only", "--table=django_migrations", "--file=-", str(dump))
        recorded = set()
        lines = iter(data.stdout.splitlines())
        for line in lines:
            if line.startswith("COPY ") and "django_migrations" in line:
                columns = [c.strip() for c in line.split("(", 1)[1].split(")", 1)[0].split(",")]
                for row in lines:
                    if row == "\\.":
                        break
                    values = row.split("\t")
                    recorded.add((values[columns.index("app")], values[columns.index("name")]))
        if data.returncode != 0 or not recorded:
            raise CommandError(f"{damaged} (it holds no migration history).")
        return applied | recorded

    def pg_restore(self, *args):
        return subprocess.run(  # noqa: S603 - fixed program, arguments from the command line
            [shutil.which("pg_restore") or "pg_restore", *args],
            capture_output=True,
            text=True,
            check=False,
        )

    def refuse_newer(self, applied):
        """Refuse a backup holding migrations (or apps) this code does not have."""
        loader = MigrationLoader(None, ignore_no_migrations=True)
        known = set(loader.disk_migrations)
        for migration in loader.disk_migrations.values():
            known.update(migration.replaces or ())
        known_apps = {app for app, _ in known}
        unknown = sorted(applied - known)
        if not unknown:
            return
        lines = [
            f"  {app} {name}" + ("" if app in known_apps else f" (this code has no app {app})")
            for app, name in unknown
        ]
        raise CommandError(
            "This backup was made by newer code: its database has migrations that this code does "
            "not have:\n" + "\n".join(lines) + "\nThis code cannot use that database. "
            f"{NOTHING_CHANGED} Restore it with the release that made it, or choose a backup made "
            "by this release or an older one."
        )

    def current_tables(self, target, kind):
        """The tables the target database has now; refuses a target that cannot be written."""
        if kind == "sqlite":
            name = str(target["NAME"])
            if name == ":memory:" or "mode=memory" in name:
                raise CommandError("A backup cannot be restored into an in-memory SQLite database.")
            path = Path(name)
            if not path.parent.is_dir():
                raise CommandError(
                    f"The folder of the database, {path.parent}, does not exist. {NOTHING_CHANGED} "
                    f"Create it (mkdir -p {path.parent}), or set DATABASE_URL to where the "
                    "database belongs, and run the restore again."
                )
            if not path.exists() or path.stat().st_size == 0:
                return set()
            try:
                with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                    check = db.execute("PRAGMA quick_check").fetchone()[0]
                    if check != "ok":
                        raise sqlite3.DatabaseError(check)
                    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                    return {row[0] for row in rows}
            except sqlite3.Error as exc:
                raise CommandError(
                    f"The current database file {path} is damaged ({exc}): it cannot be read, "
                    f"nor kept in a safety copy. {NOTHING_CHANGED} Move it aside "
                    f"(mv {path} {path}.damaged) and run the restore again."
                ) from exc

        import psycopg

        try:
            with pg_connect(target, connect_timeout=10) as conn:
                rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                return {row[0] for row in rows}
        except psycopg.Error as exc:
            raise CommandError(
                f"Cannot open the database {target['NAME']}: {str(exc).strip()}. {NOTHING_CHANGED} "
                f"If it does not exist, create it (createdb {target['NAME']}); otherwise check "
                "DATABASE_URL (or --database-url)."
            ) from exc

    def confirm(self, manifest, target, media_root, restore_database, restore_media, safety):
        what = " and ".join(
            part
            for part, wanted in (
                (f"the database {target['NAME']}", restore_database),
                (f"the media folder {media_root}", restore_media),
            )
            if wanted
        )
        try:
            answer = input(
                f"This replaces {what} with the backup of {manifest.get('created')}"
                + (" (after a safety copy of the current site)" if safety else "")
                + ". Type 'yes' to go on: "
            )
        except EOFError as exc:
            raise CommandError(
                f"No answer to the confirmation question. {NOTHING_CHANGED} "
                "Pass --yes to restore without being asked."
            ) from exc
        if answer.strip().lower() != "yes":
            raise CommandError(f"Restore cancelled. {NOTHING_CHANGED}")

    # The safety copy --------------------------------------------------------------------------

    def safety_copy(self, output, database, media):
        if not (database or media):
            self.stdout.write("No safety copy: the current database and media folder are empty.")
            return None
        what = " and ".join(
            part for part, wanted in (("database", database), ("media", media)) if wanted
        )
        args = [f"--output-dir={output}"]
        args += [] if database else ["--skip-database"]
        args += [] if media else ["--skip-media"]
        before = set(output.iterdir()) if output.is_dir() else set()
        out = io.StringIO()
        try:
            call_command("backup_site", *args, stdout=out, stderr=io.StringIO())
        except (CommandError, OSError, DatabaseError) as exc:
            raise CommandError(
                f"The safety copy of the current {what} could not be made in {output}: {exc} "
                f"{NOTHING_CHANGED} Give another folder with --safety-dir (or, only if the "
                "current site is worthless, pass --no-safety-copy)."
            ) from exc
        made = [
            path
            for path in set(output.iterdir()) - before
            if path.is_dir() and (path / MANIFEST_NAME).is_file()
        ]
        printed = [line.strip() for line in out.getvalue().splitlines() if line.strip()]
        safety = next((path for path in made if str(path) in printed), made[0] if made else None)
        self.stdout.write(f"Safety copy of the current {what}: {safety}")
        return safety

    # Restoring --------------------------------------------------------------------------------

    def unpack_media(self, archive_path, media_root):
        """The archive unpacked beside `media_root`, ready to take its place."""
        media_root.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
        incoming = media_root.with_name(f".{media_root.name}.restoring-{stamp}")
        incoming.mkdir()
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                # The "data" filter refuses absolute paths, links out of the folder and devices.
                archive.extractall(incoming, filter="data")
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            shutil.rmtree(incoming, ignore_errors=True)
            raise CommandError(
                f"The media archive cannot be unpacked into {media_root.parent}: {exc}. "
                f"{NOTHING_CHANGED}"
            ) from exc
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        return incoming

    def swap_media(self, incoming, media_root):
        kept = None
        if media_root.exists():
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
            kept = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
            media_root.rename(kept)
        incoming.rename(media_root)
        return kept

    def restore_database(self, dump, target, live, current_tables):
        if live:
            connections["default"].close()
        if engine_kind(target) == "postgresql":
            self.restore_postgresql(dump, target, current_tables)
        else:
            try:
                with (
                    closing(sqlite3.connect(dump)) as source,
                    closing(sqlite3.connect(target["NAME"])) as destination,
                ):
                    source.backup(destination)
            except sqlite3.Error as exc:
                raise CommandError(
                    f"Restoring the database into {target['NAME']} failed, and it was left as it "
                    f"was: {exc}"
                ) from exc
        if live:
            from django.contrib.contenttypes.models import ContentType

            ContentType.objects.clear_cache()

    def restore_postgresql(self, dump, target, current_tables):
        """pg_restore's statements run by psql in one transaction: all or nothing.

        Tables of this code's models that the backup does not have (made by migrations newer
        than the backup) are dropped in the same transaction, so that `migrate` can create
        them again; `pg_restore --clean` alone only replaces the tables the backup has.
        """
        django_tables = set(connections["default"].introspection.django_table_names())
        extra = sorted((current_tables & django_tables) - self.dump_tables)
        prelude = "SET client_min_messages = warning;\nBEGIN;\n" + "".join(
            f"DROP TABLE IF EXISTS public.{quote(table)} CASCADE;\n" for table in extra
        )
        env = postgres_environment(target)
        with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
            producer = subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
                [
                    shutil.which("pg_restore") or "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--file=-",
                    str(dump),
                ],
                stdout=subprocess.PIPE,
                stderr=restore_errors,
                env=env,
            )
            consumer = subprocess.Popen(  # noqa: S603 - fixed program, arguments from settings
                [
                    shutil.which("psql") or "psql",
                    "--no-psqlrc",
                    "--quiet",
                    "--set=ON_ERROR_STOP=1",
                    f"--dbname={target['NAME']}",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=psql_errors,
                env=env,
            )
            try:
                consumer.stdin.write(prelude.encode())
                shutil.copyfileobj(producer.stdout, consumer.stdin, 1024 * 1024)
                if producer.wait() == 0:
                    # Only a complete script is committed; psql rolls back anything else.
                    consumer.stdin.write(b"COMMIT;\n")
                consumer.stdin.close()
            except BrokenPipeError:
                pass
            finally:
                producer.stdout.close()
                producer.wait()
                consumer.wait()
            if producer.returncode or consumer.returncode:
                errors = []
                for handle in (restore_errors, psql_errors):
                    handle.seek(0)
                    errors.append(handle.read().decode(errors="replace").strip())
                raise CommandError(
                    "Restoring the database failed, and it was left as it was: "
                    + "\n".join(error for error in errors if error)
                )
        if extra:
            self.stdout.write(
                "Dropped the tables the backup does not have (newer migrations made them): "
                + ", ".join(extra)
            )

    # After the restore ------------------------------------------------------------------------

    def migrate_forward(self):
        """A backup made by older code is brought up to this code's migrations."""
        executor = MigrationExecutor(connections["default"])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if not plan:
            return
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except Exception as exc:
            raise CommandError(
                f"The backup is restored, but migrating it to this code failed: {exc}. "
                "Fix the cause and run `python manage.py migrate`."
            ) from exc
        names = ", ".join(f"{migration.app_label} {migration.name}" for migration, _ in plan)
        self.stdout.write(
            f"The backup was made by older code: applied {len(plan)} migration(s) to bring it up "
            f"to date ({names})."
        )

    def say_if_behind(self, applied):
        loader = MigrationLoader(None, ignore_no_migrations=True)
        missing = []
        for node, migration in loader.graph.nodes.items():
            replaced = set(migration.replaces or ())
            if node not in applied and not (replaced and replaced <= applied):
                missing.append(node)
        if missing:
            self.stdout.write(
                f"This backup was made by older code ({len(missing)} migration(s) behind): before "
                "this code uses that database, run `python manage.py migrate` with DATABASE_URL "
                "set to it."
            )

    def rendition_cache_keys(self):
        """Wagtail's cache keys of the image renditions the current database has."""
        from wagtail.images import get_image_model

        rendition_model = get_image_model().get_rendition_model()
        keys = set()
        try:
            rows = rendition_model.objects.values_list(
                "image_id", "image__file_hash", "focal_point_key", "filter_spec"
            )
            for image_id, file_hash, focal_point_key, filter_spec in rows.iterator():
                image = type("Image", (), {"id": image_id, "file_hash": file_hash})
                keys.add(rendition_model.construct_cache_key(image, focal_point_key, filter_spec))
        except DatabaseError:
            connections["default"].close()  # an empty or unfinished database has none
        return keys

    def invalidate_caches(self, rendition_keys):
        """Every entry the site keeps in the cache is made stale; nothing else is removed."""
        generations.invalidate_all()
        from wagtail.images import get_image_model

        backend = get_image_model().get_rendition_model().cache_backend
        rendition_keys = sorted(rendition_keys)
        for start in range(0, len(rendition_keys), 1000):
            backend.delete_many(rendition_keys[start : start + 1000])
        self.stdout.write(
            "Cached pages, site data and image renditions of this site are invalidated "
            "(other keys in the cache are left alone)."
        )
        if isinstance(caches["default"], LocMemCache):
            self.stdout.write(
                "The cache is kept in each process's memory (no REDIS_URL): restart the site's "
                "processes so that they forget what they cached."
            )

    def rebuild_external_search_indexes(self):
        from wagtail.search.backends import get_search_backend

        problems = []
        external = []
        for name in settings.WAGTAILSEARCH_BACKENDS:
            if not is_database_backend(get_search_backend(name)):
                external.append(name)
        if not external:
            self.stdout.write("The search index is kept in the database: it is restored with it.")
        for name in external:
            try:
                call_command("update_index", backend_name=name, stdout=io.StringIO())
            except Exception as exc:  # noqa: BLE001 - report it; the restore itself is done
                problems.append(
                    f"The database and media are restored, but rebuilding the search index of "
                    f"the '{name}' backend failed: {exc}. Run `python manage.py update_index "
                    f"--backend {name}` once it answers."
                )
            else:
                self.stdout.write(
                    f"Rebuilt the search index of the '{name}' backend from the restored pages."
                )
        return problems

    def check_local_admin_password(self):
        """Say what to do when var/admin-password.txt no longer opens the restored account."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import check_password

        path = Path(settings.VAR_DIR) / "admin-password.txt"
        if not path.is_file():
            return
        password = path.read_text().strip()
        try:
            user = get_user_model().objects.filter(username=LOCAL_ADMIN).first()
        except DatabaseError:
            return  # not a site's database (no accounts table): nothing to compare
        if user is None:
            self.stdout.write(
                self.style.WARNING(
                    f"The restored database has no '{LOCAL_ADMIN}' account, so the password in "
                    f"{path} opens nothing. To have a local admin again: delete {path}, then run "
                    "`python manage.py ensure_local_admin`."
                )
            )
        elif not check_password(password, user.password):
            self.stdout.write(
                self.style.WARNING(
                    f"The password in {path} no longer matches the restored '{LOCAL_ADMIN}' "
                    "account (the backup has the password it had then). Sign in with that one, "
                    f"or set a new one: `python manage.py changepassword {LOCAL_ADMIN}`, and "
                    f"write it into {path} or delete that file."
                )
            )
