"""The restore drill: a backup restores every table's rows and every media file, on SQLite and
PostgreSQL alike; `restore_drill` (scripts/restore-drill.sh) proves it for a live site without
touching it.

Each test works on an installation of its own: a database, a media folder and a var/ folder,
copied from one template that is migrated and filled with the seed content once per run (a
SQLite file in the SQLite pass; a PostgreSQL database copied from the migrated test database in
the PostgreSQL pass). The commands run as an operator runs them: `manage.py` in a process of its
own, with the installation's DATABASE_URL, MEDIA_ROOT and PSG_VAR_DIR. tests/test_restore.py
uses the same installations.
"""

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.db import connection

from tests.factories import restore_migrated_rows

ROOT = Path(__file__).resolve().parent.parent
ON_POSTGRES = connection.vendor == "postgresql"
OWN_ENV = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "MEDIA_ROOT",
    "PSG_VAR_DIR",
    "PSG_BACKUP_DIR",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "ELASTICSEARCH_URL",
    "ELASTICSEARCH_INDEX_PREFIX",
}
SEED = """
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.documents.models import Document
from wagtail.images.models import Image
call_command("import_legacy")
png = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077"
    "53de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)
Image.objects.create(title="Protest in Lima", file=ContentFile(png, name="lima.png"))
Document.objects.create(title="Annual report", file=ContentFile(b"%PDF-1.4 report", name="r.pdf"))
call_command("ensure_local_admin")
"""


def server():
    settings_dict = connection.settings_dict
    return {
        "host": settings_dict.get("HOST") or "localhost",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }


def admin_sql(*statements):
    with psycopg.connect(dbname="postgres", autocommit=True, **server()) as admin:
        for statement in statements:
            admin.execute(statement)


def postgres_url(name):
    params = server()
    password = f":{params['password']}" if params["password"] else ""
    return f"postgres://{params['user'] or ''}{password}@{params['host']}:{params['port']}/{name}"


def checksums(folder):
    folder = Path(folder)
    if not folder.is_dir():
        return None
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


class Site:
    """One installation: its database, media folder, var/ folder and backups folder."""

    def __init__(self, root, database):
        self.root = Path(root)
        self.database = database  # the SQLite file, or the PostgreSQL database's name
        self.media = self.root / "media"
        self.var = self.root / "var"
        self.backups = self.root / "backups"

    @property
    def database_url(self):
        return postgres_url(self.database) if ON_POSTGRES else f"sqlite:///{self.database}"

    def env(self, **extra):
        env = {key: value for key, value in os.environ.items() if key not in OWN_ENV}
        env.update(
            DJANGO_SETTINGS_MODULE="psg.settings.dev",
            DATABASE_URL=self.database_url,
            MEDIA_ROOT=str(self.media),
            PSG_VAR_DIR=str(self.var),
        )
        env.update(extra)
        return env

    def run(self, *command, stdin=None, **env):
        return subprocess.run(
            command,
            cwd=ROOT,
            env=self.env(**env),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def manage(self, *args, stdin=None, **env):
        return self.run(sys.executable, "manage.py", *args, stdin=stdin, **env)

    def ok(self, *args, **env):
        done = self.manage(*args, **env)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def shell(self, code, **env):
        return self.ok("shell", "--no-imports", "-c", code, **env)

    def backup(self):
        self.ok("backup_site", f"--output-dir={self.backups}")
        return max(self.backups.glob("psg-backup-*"))

    def sql(self, statement, params=()):
        if ON_POSTGRES:
            with psycopg.connect(dbname=self.database, autocommit=True, **server()) as db:
                db.execute(statement, params)
        else:
            with sqlite3.connect(self.database) as db:
                db.execute(statement, params)
            db.close()

    def tables(self):
        """{table: sorted rows} of every table (the database as it is, read directly)."""
        if ON_POSTGRES:
            with psycopg.connect(dbname=self.database, **server()) as db:
                names = db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                ).fetchall()
                return {
                    name: sorted(row[0] for row in db.execute(f'SELECT t::text FROM "{name}" t'))  # noqa: S608
                    for (name,) in names
                }
        if not Path(self.database).exists():
            return None
        with sqlite3.connect(self.database) as db:
            names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            tables = {
                name: sorted(repr(row) for row in db.execute(f'SELECT * FROM "{name}"'))  # noqa: S608
                for (name,) in names
            }
        db.close()
        return tables

    def state(self):
        """Everything a restore may change: every table's rows and every media file."""
        return {"tables": self.tables(), "media": checksums(self.media)}

    def lose_database(self):
        if ON_POSTGRES:
            admin_sql(
                f'DROP DATABASE "{self.database}" WITH (FORCE)',
                f'CREATE DATABASE "{self.database}"',
            )
        else:
            Path(self.database).unlink()

    def get(self, path, before="", **env):
        """(status, X-Cache, body) of an anonymous GET, answered by the site's own code (after
        the code `before`, in the same process)."""
        out = self.shell(
            "from django.test import Client\n"
            + before
            + f"r = Client(HTTP_HOST='localhost').get({path!r})\n"
            "print(r.status_code, r.get('X-Cache'))\n"
            "print(r.content.decode())",
            **env,
        )
        head, _, body = out.partition("\n")
        status, cache_state = head.split()
        return int(status), cache_state, body


_TEMPLATE = {}


def build_template(root):
    """The seeded installation every test copies, and a backup of it."""
    if ON_POSTGRES:
        test_database = connection.settings_dict["NAME"]
        name = f"{test_database}_restore_tpl"
        connection.close()
        admin_sql(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{test_database}"',
        )
        site = Site(root, name)
    else:
        site = Site(root, str(root / "var" / "db.sqlite3"))
    site.var.mkdir(parents=True)
    site.ok("migrate", "--verbosity=0")
    site.shell(SEED)
    backup = site.backup()
    return site, backup


@pytest.fixture(scope="session")
def restore_template(request, tmp_path_factory, django_db_blocker):
    built = "site" not in _TEMPLATE
    if built:
        with django_db_blocker.unblock():
            if ON_POSTGRES:
                request.getfixturevalue("django_db_setup")
                configured = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
                if connection.settings_dict["NAME"] == configured:
                    # Set up only when some collected test uses the database; these do not.
                    connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
            restore_migrated_rows()
            _TEMPLATE["site"], _TEMPLATE["backup"] = build_template(
                tmp_path_factory.mktemp("restore-template")
            )
    yield _TEMPLATE["site"], _TEMPLATE["backup"]
    if built and ON_POSTGRES:
        admin_sql(f'DROP DATABASE IF EXISTS "{_TEMPLATE["site"].database}" WITH (FORCE)')


@pytest.fixture
def site(restore_template, tmp_path):
    """A live installation made from the template, with the template's backup in its backups
    folder; returns (site, backup)."""
    template, template_backup = restore_template
    root = tmp_path / "site"
    shutil.copytree(template.var, root / "var")
    shutil.copytree(template.media, root / "media")
    backup = root / "backups" / template_backup.name
    shutil.copytree(template_backup, backup)
    if ON_POSTGRES:
        name = f"{template.database[:40]}_{os.getpid()}_{tmp_path.name[-12:]}".replace("-", "_")
        admin_sql(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"',
        )
        live = Site(root, name)
    else:
        live = Site(root, str(root / "var" / "db.sqlite3"))
    yield live, backup
    if ON_POSTGRES:
        admin_sql(f'DROP DATABASE IF EXISTS "{live.database}" WITH (FORCE)')


def restore(site, backup, *args, **env):
    return site.manage("restore_site", str(backup), "--yes", *args, **env)


def assert_refused(done, *phrases):
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert "CommandError:" in done.stderr
    for phrase in phrases:
        assert phrase in done.stderr, done.stderr


def scratch_databases(site):
    """The drill's scratch copies of `site`'s database (restore_drill names them after it):
    another installation's drill, in a parallel test or another run, is not this one's."""
    if not ON_POSTGRES:
        return set()
    import psycopg

    prefix = f"{site.database[:40]}_drill_"
    with psycopg.connect(dbname="postgres", **server()) as db:
        rows = db.execute("SELECT datname FROM pg_database")
        return {row[0] for row in rows if row[0].startswith(prefix)}


def test_backup_lose_everything_restore_every_row_and_file(site):
    site, _ = site
    site.shell(
        "from home.models import HomePage\n"
        "from editorial.models import SharedDraftLink\n"
        "from wagtail.models import Page\n"
        "home = HomePage.objects.get()\n"
        "home.title = 'Draft title never published'\n"
        "home.save_revision()\n"
        "SharedDraftLink.objects.create(page=Page.objects.get(pk=home.pk), note='Trustees')"
    )
    before = site.state()
    assert before["tables"]["wagtailcore_page"] and before["tables"]["wagtailimages_image"]
    assert before["tables"]["editorial_shareddraftlink"]
    assert len(before["media"]) >= 2
    backup = site.backup()

    # Everything is lost: the database and the media folder.
    site.lose_database()
    shutil.rmtree(site.media)

    done = restore(site, backup)

    assert done.returncode == 0, done.stderr
    after = site.state()
    assert sorted(after["tables"]) == sorted(before["tables"])
    for table, rows in before["tables"].items():
        assert after["tables"][table] == rows, f"{table} differs after the restore"
    assert after["media"] == before["media"]


def drill_lines(output):
    """{table: result} from the drill's report."""
    return {
        match.group(1): match.group(2)
        for match in re.finditer(r"^(\S+(?: files)?)\s+\d+\s+(.+)$", output, re.MULTILINE)
    }


def test_the_drill_compares_every_table_and_file_and_leaves_the_site_alone(site):
    site, _ = site
    before = site.state()
    databases = scratch_databases(site)

    done = site.run("scripts/restore-drill.sh", f"--work-dir={site.root / 'drill'}")

    assert done.returncode == 0, done.stdout + done.stderr
    results = drill_lines(done.stdout)
    assert set(before["tables"]) <= set(results)
    assert {results[table] for table in before["tables"]} == {"identical"}
    assert results["media files"] == "identical"
    assert "Every table's rows (" in done.stdout and "are identical." in done.stdout
    assert site.state() == before
    assert scratch_databases(site) == databases
    assert not any((site.root / "drill").iterdir())


def test_the_drill_fails_on_a_difference_and_names_it(site):
    """Checking an older backup: what changed since is what a restore would undo."""
    site, backup = site
    site.sql("DELETE FROM wagtailcore_pagelogentry")
    (site.media / "documents" / "written-after.txt").write_text("new upload")
    before = site.state()
    databases = scratch_databases(site)

    done = site.manage("restore_drill", f"--backup={backup}")

    assert done.returncode == 1
    results = drill_lines(done.stdout)
    assert results["wagtailcore_pagelogentry"].startswith("DIFFERENT: 0 row(s) only in the live")
    assert results["wagtailcore_page"] == "identical"
    assert results["media files"] == "DIFFERENT:"
    assert "  documents/written-after.txt: missing from the restored copy" in done.stdout
    assert "differs from the live site in 1 table(s) and 1 media file(s)" in done.stderr
    assert site.state() == before
    assert scratch_databases(site) == databases
