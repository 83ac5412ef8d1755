"""Backups can be restored: database and media come back complete (docs/deployment.md).

The database round trips need PostgreSQL (pg_dump/pg_restore); the SQLite pass runs the
media-only tests, which need no database server.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page

from tests.factories import restore_migrated_rows

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump/pg_restore round trip: runs in the PostgreSQL pass (DATABASE_URL=postgres://…)",
)


def png_bytes(colour):
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def checksums(folder):
    folder = Path(folder)
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def run_backup(output, *extra):
    out = io.StringIO()
    call_command("backup_site", f"--output-dir={output}", *extra, stdout=out)
    return Path(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    Path(settings.MEDIA_ROOT).mkdir()
    return Path(settings.MEDIA_ROOT)


def add_media_files(media_root):
    (media_root / "images").mkdir(parents=True, exist_ok=True)
    (media_root / "images" / "banner.png").write_bytes(png_bytes("red"))
    (media_root / "documents").mkdir(exist_ok=True)
    (media_root / "documents" / "annual-report-2006.pdf").write_bytes(b"%PDF-1.4 report")


def test_media_round_trip_keeps_every_file_and_the_previous_folder(media_root, tmp_path):
    add_media_files(media_root)
    before = checksums(media_root)

    backup = run_backup(tmp_path / "backups", "--skip-database")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["media"] == {
        "files": 2,
        "bytes": sum(p.stat().st_size for p in media_root.rglob("*") if p.is_file()),
    }

    # Disaster: the media folder is lost, then something new is written to it.
    shutil.rmtree(media_root)
    media_root.mkdir()
    (media_root / "written-after-the-loss.txt").write_text("kept")

    call_command("restore_site", str(backup), "--yes", stdout=io.StringIO())

    assert checksums(media_root) == before
    kept = list(media_root.parent.glob("media.before-restore-*"))
    assert len(kept) == 1
    assert (kept[0] / "written-after-the-loss.txt").read_text() == "kept"


def test_a_damaged_backup_is_refused_before_anything_changes(media_root, tmp_path):
    add_media_files(media_root)
    backup = run_backup(tmp_path / "backups", "--skip-database")
    with (backup / "media.tar.gz").open("ab") as archive:
        archive.write(b"corruption")
    (media_root / "images" / "banner.png").unlink()
    after_loss = checksums(media_root)

    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore_site", str(backup), "--yes", stdout=io.StringIO())
    assert checksums(media_root) == after_loss
    assert not list(media_root.parent.glob("media.before-restore-*"))


def test_backup_keeps_only_the_newest_when_asked(media_root, tmp_path):
    add_media_files(media_root)
    output = tmp_path / "backups"
    made = [run_backup(output, "--skip-database", "--keep=2") for _ in range(3)]
    assert sorted(p.name for p in output.iterdir()) == sorted(p.name for p in made[1:])


def test_restore_without_confirmation_changes_nothing(media_root, tmp_path, monkeypatch):
    add_media_files(media_root)
    backup = run_backup(tmp_path / "backups", "--skip-database")
    shutil.rmtree(media_root / "images")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore_site", str(backup), stdout=io.StringIO())
    assert not (media_root / "images").exists()


def server_parameters():
    settings_dict = connection.settings_dict
    return {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }


def table_counts(dbname):
    with psycopg.connect(dbname=dbname, **server_parameters()) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def admin_sql(*statements):
    with psycopg.connect(dbname="postgres", autocommit=True, **server_parameters()) as admin:
        for statement in statements:
            admin.execute(statement)


@pytest.fixture
def scratch_database(django_db_setup, django_db_blocker):
    """A committed copy of the freshly migrated test database, used and dropped by one test.

    pg_dump only sees committed data, so these tests cannot run inside the usual test
    transaction; working on a copy leaves the shared test database exactly as it was.
    """
    with django_db_blocker.unblock():
        configured = dj_database_url.parse(os.environ["DATABASE_URL"])["NAME"]
        if connection.settings_dict["NAME"] == configured:
            # pytest-django sets up the test database only when some collected test is
            # marked django_db; these are not (they must not run inside a transaction).
            connection.creation.create_test_db(verbosity=0, keepdb=True, serialize=False)
        restore_migrated_rows()
        original = connection.settings_dict["NAME"]
        scratch = f"{original}_backup_scratch"
        connection.close()
        admin_sql(
            f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)',
            f'CREATE DATABASE "{scratch}" TEMPLATE "{original}"',
        )
        connection.settings_dict["NAME"] = scratch
        try:
            yield scratch
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original
            admin_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def build_site():
    from campaigns.models import CampaignIndexPage, CampaignPage
    from home.models import HomePage
    from news.models import NewsIndexPage

    home = HomePage.objects.get()
    home.add_child(instance=NewsIndexPage(title="News", slug="news"))
    campaigns = home.add_child(instance=CampaignIndexPage(title="Campaigns", slug="campaigns"))
    fujimori = campaigns.add_child(
        instance=CampaignPage(
            title="Fujimori extradition",
            slug="fujimori-extradition",
            summary="Bring Alberto Fujimori to justice in Peru.",
        )
    )
    fujimori.title = "Fujimori extradition (revised)"
    fujimori.save_revision().publish()
    return campaigns, fujimori


@on_postgres
def test_database_and_media_survive_a_wipe_and_restore(scratch_database, media_root, tmp_path):
    campaigns, fujimori = build_site()
    image = Image.objects.create(
        title="Protest in Lima", file=ContentFile(png_bytes("blue"), name="lima.png")
    )
    document = Document.objects.create(
        title="Annual report", file=ContentFile(b"%PDF-1.4 annual report", name="report.pdf")
    )
    pages_before = sorted(Page.objects.values_list("url_path", "title", "live"))
    media_before = checksums(media_root)
    assert len(media_before) == 2

    backup = run_backup(tmp_path / "backups")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "postgresql"
    assert manifest["migrations"]["wagtailcore"]

    # Disaster: the campaigns section, the image and the document are deleted, and the
    # media folder is lost.
    Page.objects.get(pk=campaigns.pk).delete()
    image.delete()
    document.delete()
    shutil.rmtree(media_root)
    assert not Page.objects.filter(url_path__contains="/campaigns/").exists()

    call_command("restore_site", str(backup), "--yes", stdout=io.StringIO())

    assert sorted(Page.objects.values_list("url_path", "title", "live")) == pages_before
    restored = Page.objects.get(pk=fujimori.pk)
    assert restored.title == "Fujimori extradition (revised)"
    assert restored.revisions.count() == 1
    assert Image.objects.get().title == "Protest in Lima"
    assert Document.objects.get().title == "Annual report"
    assert checksums(media_root) == media_before
    with Image.objects.get().file.open("rb") as handle:
        assert handle.read() == png_bytes("blue")


@on_postgres
def test_restore_into_a_fresh_database_has_every_row(scratch_database, media_root, tmp_path):
    """A backup checked by restoring it into a new, empty database: every table, every row."""
    build_site()
    backup = run_backup(tmp_path / "backups", "--skip-media")

    fresh = f"{scratch_database}_fresh"
    server = server_parameters()
    admin_sql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)', f'CREATE DATABASE "{fresh}"')
    try:
        url = "postgres://{user}{password}@{host}:{port}/{name}".format(
            user=server["user"] or "",
            password=f":{server['password']}" if server["password"] else "",
            host=server["host"] or "localhost",
            port=server["port"] or 5432,
            name=fresh,
        )
        call_command(
            "restore_site", str(backup), "--yes", f"--database-url={url}", stdout=io.StringIO()
        )
        source = table_counts(scratch_database)
        assert source["wagtailcore_page"] >= 5
        assert table_counts(fresh) == source
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_a_postgresql_backup_is_not_restored_into_sqlite(media_root, tmp_path):
    """Engines must match; the refusal names both and nothing changes."""
    backup = tmp_path / "psg-backup-x"
    backup.mkdir()
    (backup / "database.dump").write_bytes(b"dump")
    (backup / "manifest.json").write_text(
        json.dumps(
            {
                "format": 1,
                "created": "2026-01-01T00:00:00+00:00",
                "database": {"engine": "postgresql", "file": "database.dump", "name": "psg"},
                "files": {"database.dump": hashlib.sha256(b"dump").hexdigest()},
            }
        )
    )
    with pytest.raises(
        CommandError, match="holds a postgresql database; the target database is sqlite"
    ):
        call_command(
            "restore_site",
            str(backup),
            "--yes",
            f"--database-url=sqlite:///{tmp_path / 'target.sqlite3'}",
            stdout=io.StringIO(),
        )
    assert not (tmp_path / "target.sqlite3").exists()


def manage(*args, database_path, media_root):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="psg.settings.dev",
        DATABASE_URL=f"sqlite:///{database_path}",
        MEDIA_ROOT=str(media_root),
        PSG_VAR_DIR=str(Path(database_path).parent / "var"),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sqlite_database_file_round_trip(tmp_path):
    """The one-machine set-up without PostgreSQL: the SQLite file is backed up online and restored.

    The database records every migration of this code (neither newer nor older than it), so the
    restore neither refuses it nor migrates it (tests/test_restore.py covers both)."""
    database_path = tmp_path / "site.sqlite3"
    media_root = tmp_path / "media"
    media_root.mkdir()
    (media_root / "note.txt").write_text("media")
    code_migrations = sorted(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    with sqlite3.connect(database_path) as db:
        db.execute(
            "CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)"
        )
        db.executemany(
            "INSERT INTO django_migrations (app, name, applied) VALUES (?, ?, '2026-01-01')",
            code_migrations,
        )
        db.execute("CREATE TABLE notes (id integer primary key, body text)")
        db.executemany("INSERT INTO notes (body) VALUES (?)", [("Perú",), ("Truth Commission",)])
    db.close()

    made = manage(
        "backup_site",
        f"--output-dir={tmp_path / 'backups'}",
        database_path=database_path,
        media_root=media_root,
    )
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "sqlite"
    assert manifest["migrations"]["wagtailcore"] == max(
        name for app, name in code_migrations if app == "wagtailcore"
    )

    with sqlite3.connect(database_path) as db:
        db.execute("DELETE FROM notes")
    db.close()

    restored = manage(
        "restore_site", str(backup), "--yes", database_path=database_path, media_root=media_root
    )
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(database_path) as db:
        assert [row[0] for row in db.execute("SELECT body FROM notes ORDER BY id")] == [
            "Perú",
            "Truth Commission",
        ]
    db.close()
    assert (media_root / "note.txt").read_text() == "media"
