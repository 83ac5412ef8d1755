"""Restoring safely (docs/deployment.md, "Backup and restore"): what restore_site refuses, what
it keeps, and what it does to the caches, the search index and the local admin password.

The tests run the commands on installations of their own (tests/test_restore_drill.py makes
them): `manage.py` in a process of its own, as an operator runs it.
"""

import hashlib
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_restore_drill import (
    ON_POSTGRES,
    assert_refused,
    postgres_url,
    restore,
    restore_template,
    site,
)

__all__ = ["restore_template", "site"]  # fixtures


# 1. Migrations: a backup from newer code is refused; one from older code is migrated ----------


def test_a_backup_from_newer_code_is_refused_naming_its_migrations(site):
    """After a rollback of an upgrade, the upgrade's backups must not be restored silently."""
    site, _ = site
    # The newer release had one more migration in an app, and an app this code does not have.
    site.sql(
        "INSERT INTO django_migrations (app, name, applied) VALUES "
        "('membership', '0099_from_a_newer_release', '2026-12-01'), "
        "('volunteering', '0001_initial', '2026-12-01')"
    )
    newer_backup = site.backup()
    site.sql("DELETE FROM wagtailcore_pagelogentry")
    before = site.state()

    done = restore(site, newer_backup)

    assert_refused(
        done,
        "membership 0099_from_a_newer_release",
        "volunteering 0001_initial (this code has no app volunteering)",
        "Nothing was changed",
    )
    assert site.state() == before
    assert not list(site.root.glob("media.before-restore-*"))


def test_a_backup_from_older_code_is_restored_then_migrated(site):
    site, _ = site
    # A backup made by an older release, before the shared draft links (editorial) existed;
    # then the upgrade.
    site.shell(
        "from django.core.management import call_command\n"
        "call_command('migrate', 'editorial', 'zero', verbosity=0)\n"
        f"call_command('backup_site', '--output-dir={site.root / 'older'}')\n"
        "call_command('migrate', verbosity=0)"
    )
    [older_backup] = (site.root / "older").iterdir()
    site.sql("DELETE FROM wagtailcore_pagelogentry")

    done = restore(site, older_backup)

    assert done.returncode == 0, done.stdout + done.stderr
    # The editorial migrations, and those of other apps that depend on them (which `migrate
    # editorial zero` unapplied too), named in the order they ran.
    assert re.search(
        r"applied \d+ migration\(s\) to bring it up to date \(editorial 0001_initial, "
        r"editorial 0002_roles_and_moderation[,)]",
        done.stdout,
    )
    migrated = site.manage("migrate", "--check")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert site.tables()["editorial_shareddraftlink"] == []
    assert site.tables()["wagtailcore_pagelogentry"]  # the content came back


# 3. A safety copy of the live site first --------------------------------------------------------


def test_restoring_over_the_live_site_keeps_a_safety_copy_first(site):
    """Restoring the wrong backup must not lose what was written since."""
    site, backup = site
    site.shell(
        "from home.models import HomePage\n"
        "home = HomePage.objects.get()\n"
        "home.title = 'Written after the backup'\n"
        "home.save_revision().publish()"
    )
    (site.media / "documents" / "written-after.txt").write_text("new upload")
    written = site.state()

    done = restore(site, backup)

    assert done.returncode == 0, done.stderr
    named = "Safety copy of the current database and media: "
    assert named in done.stdout
    safety = Path(done.stdout.split(named, 1)[1].splitlines()[0])
    assert safety.parent == backup.parent  # beside the backups: pruned by --keep like them
    assert safety.name.startswith("psg-backup-") and safety.name > backup.name
    assert f"To undo this restore: python manage.py restore_site {safety}" in done.stdout
    assert "admin-password.txt" not in done.stdout  # it still opens the restored account
    assert site.state()["media"].get("documents/written-after.txt") is None
    assert "Written after the backup" not in str(site.tables()["wagtailcore_page"])

    # Undo: the safety copy brings back everything written since the backup.
    undone = restore(site, safety, f"--safety-dir={site.root / 'second-thoughts'}")
    assert undone.returncode == 0, undone.stderr
    assert site.state() == written


# 6. A database-only restore when the media archive is lost ----------------------------------


@pytest.mark.parametrize("loss", ["missing", "damaged"])
def test_a_database_only_restore_works_without_the_media_archive(site, loss):
    site, backup = site
    if loss == "missing":
        (backup / "media.tar.gz").unlink()
    else:
        (backup / "media.tar.gz").write_bytes(b"not an archive")
    site.sql("DELETE FROM wagtailcore_pagelogentry")
    (site.media / "written-after.txt").write_text("kept")
    after_loss = site.state()

    refused = restore(site, backup)
    assert_refused(refused, "media.tar.gz", "Nothing was changed", "pass --skip-media")
    assert site.state() == after_loss

    done = restore(site, backup, "--skip-media")
    assert done.returncode == 0, done.stderr
    assert site.tables()["wagtailcore_pagelogentry"]  # the database came back
    assert site.state()["media"] == after_loss["media"]  # the media folder was left alone
    assert not list(site.root.glob("media.before-restore-*"))


# 7. Caches: only this site's entries, through generation tokens ---------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of the test's own, on a free port, stopped afterwards."""
    import redis

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield client, f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def test_a_restore_invalidates_this_sites_cache_only(site, own_redis):
    site, backup = site
    redis_client, redis_url = own_redis
    env = {"REDIS_URL": redis_url, "CACHE_KEY_PREFIX": "psg"}
    redis_client.set("other-app:session:42", "still here")
    redis_client.set("othersite:1:pagecache:gen:global", "another site's token")

    status, cached, body = site.get(
        "/",
        before=(
            "from home.models import HomePage\n"
            "home = HomePage.objects.get()\n"
            "home.title = 'Written after the backup'\n"
            "home.save_revision().publish()\n"
            "Client(HTTP_HOST='localhost').get('/')\n"
        ),
        **env,
    )
    assert (status, cached) == (200, "HIT")
    assert "Written after the backup" in body

    done = restore(site, backup, f"--safety-dir={site.root / 'safety'}", **env)
    assert done.returncode == 0, done.stderr
    assert "other keys in the cache are left alone" in done.stdout

    status, cached, body = site.get("/", **env)
    assert (status, cached) == (200, "MISS")
    assert "Written after the backup" not in body
    assert redis_client.get("other-app:session:42") == b"still here"
    assert redis_client.get("othersite:1:pagecache:gen:global") == b"another site's token"


# 8. Clear answers instead of tracebacks, with nothing changed ------------------------------------


@pytest.mark.skipif(ON_POSTGRES, reason="a SQLite file's folder: the SQLite pass")
def test_a_missing_var_folder_gets_an_answer(site):
    site, backup = site
    shutil.rmtree(site.var)
    before = site.state()

    done = restore(site, backup)

    assert_refused(done, f"mkdir -p {site.var}", "Nothing was changed")
    assert not site.var.exists()
    assert site.state() == before


@pytest.mark.skipif(ON_POSTGRES, reason="a SQLite file: the SQLite pass")
def test_a_damaged_live_database_file_gets_an_answer(site):
    site, backup = site
    Path(site.database).write_bytes(b"this is not a database" * 100)

    done = restore(site, backup)

    assert_refused(done, "is damaged", f"mv {site.database} {site.database}.damaged")
    assert Path(site.database).read_bytes() == b"this is not a database" * 100


def test_a_damaged_database_file_in_the_backup_gets_an_answer(site):
    """A backup whose database file matches its checksum but is no database (a backup of a
    damaged database, or one copied badly before its manifest was written)."""
    site, backup = site
    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["database"]["file"]
    dump.write_bytes(b"garbage" * 1000)
    manifest["files"][dump.name] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))
    site.sql("DELETE FROM wagtailcore_pagelogentry")
    before = site.state()

    done = restore(site, backup)

    assert_refused(done, f"The backup's database file {dump.name} cannot be read", "another backup")
    assert site.state() == before


def test_a_restore_without_a_terminal_asks_for_yes(site):
    site, backup = site
    site.sql("DELETE FROM wagtailcore_pagelogentry")
    before = site.state()

    done = site.manage("restore_site", str(backup), stdin="")

    assert_refused(done, "Pass --yes", "Nothing was changed")
    assert site.state() == before


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL server: the PostgreSQL pass")
def test_a_missing_postgresql_database_gets_an_answer(site):
    site, backup = site
    missing = f"{site.database}_gone"

    done = site.manage("restore_site", str(backup), "--yes", DATABASE_URL=postgres_url(missing))

    assert_refused(done, f"createdb {missing}", "Nothing was changed")


# 10. After the restore: the local admin password, the Elasticsearch index -------------------


def test_the_restore_says_when_the_local_admin_password_no_longer_matches(site):
    """The template's backup has the local admin with the password in var/admin-password.txt."""
    site, with_admin = site
    password_file = site.var / "admin-password.txt"
    # A backup without the account; then the account is made again (ensure_local_admin's own
    # advice), so the file now holds a new password.
    site.shell(
        "from django.contrib.auth.models import User\n"
        "from django.core.management import call_command\n"
        "User.objects.filter(username='admin').delete()\n"
        f"call_command('backup_site', '--output-dir={site.root / 'no-admin'}')\n"
        "call_command('ensure_local_admin')"
    )
    [without_admin] = (site.root / "no-admin").iterdir()

    stale = restore(site, with_admin)
    assert stale.returncode == 0, stale.stderr
    assert f"The password in {password_file} no longer matches" in stale.stdout
    assert "python manage.py changepassword admin" in stale.stdout

    no_admin = restore(site, without_admin)
    assert no_admin.returncode == 0, no_admin.stderr
    assert "has no 'admin' account" in no_admin.stdout
    assert "python manage.py ensure_local_admin" in no_admin.stdout


# The Elasticsearch client's requests, captured in the restoring process by the fake server of
# tests/es_fake.py (at the client's transport): there is no Elasticsearch server here.
CAPTURE = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from tests.es_fake import FakeElasticsearch
fake = FakeElasticsearch()
try:
    with fake.installed():
        call_command(*sys.argv[2:])
finally:
    sent = {
        "requests": [[request.method, request.path] for request in fake.requests],
        "documents": [d for index in fake.indices.values() for d in index.documents.values()],
    }
    open(sys.argv[1], "w").write(json.dumps(sent, default=str))
"""


def test_the_restore_rebuilds_an_elasticsearch_index_and_leaves_a_database_index(site, tmp_path):
    site, backup = site
    site.lose_database()
    shutil.rmtree(site.media)
    es = {"ELASTICSEARCH_URL": "http://es.invalid:9200", "ELASTICSEARCH_INDEX_PREFIX": "psgtest_"}
    captured = tmp_path / "es.json"

    done = site.run(
        sys.executable, "-c", CAPTURE, str(captured), "restore_site", str(backup), "--yes", **es
    )

    assert done.returncode == 0, done.stderr
    assert "Rebuilt the search index of the 'default' backend" in done.stdout
    sent = json.loads(captured.read_text())
    assert any(
        method == "PUT" and path.startswith("/psgtest_") for method, path in sent["requests"]
    )
    titles = {document.get("title") for document in sent["documents"]}
    assert {"Truth Commission", "Fujimori extradition"} <= titles

    # The database backends keep their index in the database: nothing more to do.
    restored = site.state()
    again = site.run(
        sys.executable, "-c", CAPTURE, str(captured), "restore_site", str(backup), "--yes"
    )
    assert again.returncode == 0, again.stderr
    assert "Rebuilt" not in again.stdout
    assert "The search index is kept in the database" in again.stdout
    assert json.loads(captured.read_text())["requests"] == []
    assert site.state()["tables"] == restored["tables"]
