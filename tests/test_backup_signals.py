"""A backup that is stopped leaves nothing behind (docs/deployment.md, "Backup and restore").

systemd and `docker compose stop` send SIGTERM: the backup removes its unfinished folder and
exits with 143. A backup killed outright (SIGKILL) cannot clean up: the next backup removes
its folder, but never the folder of a backup that is still running.

Real processes and real signals. To hit a backup in the middle of its work every time, the
SQLite tests pause it with SIGSTOP once its copy has started; the PostgreSQL tests hold a lock
that pg_dump waits for. The PostgreSQL tests run in the PostgreSQL pass (DATABASE_URL=postgres://…).
"""

import signal
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.backup_helpers import (
    backups_in,
    finish,
    manage,
    partials_in,
    site_like_database,
    start_manage,
    wait_for,
)
from tests.conftest import run_in_pass


@pytest.fixture(scope="module")
def big_database(tmp_path_factory):
    """A site-like SQLite database of 200 MB: its copy takes long enough to be caught."""
    path = tmp_path_factory.mktemp("signals") / "db.sqlite3"
    site_like_database(path, megabytes=200)
    yield path
    path.unlink()


def copy_started(output):
    def started():
        return any(
            (output / name / "database.sqlite3").is_file()
            and (output / name / "database.sqlite3").stat().st_size > 0
            for name in partials_in(output)
        )

    return started


def start_sqlite_backup(database, output, log):
    backup = start_manage(
        "backup_site",
        f"--output-dir={output}",
        "--skip-media",
        log=log,
        DATABASE_URL=f"sqlite:///{database}",
    )
    wait_for(copy_started(output), "the backup to start copying the database")
    backup.send_signal(signal.SIGSTOP)
    return backup


def media_only_backup(output, media):
    """Another backup into the same folder (media only: quick)."""
    return manage("backup_site", f"--output-dir={output}", "--skip-database", MEDIA_ROOT=media)


@pytest.fixture
def media(tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 report")
    return folder


def assert_stopped_cleanly(returncode, log):
    output = Path(log).read_text()
    assert returncode == 143, f"exit status {returncode}, output: {output!r}"
    assert output.startswith("CommandError: Backup stopped by SIGTERM"), output
    assert "Traceback" not in output


# SQLite ------------------------------------------------------------------------------------


def test_sigterm_removes_the_unfinished_sqlite_backup(big_database, tmp_path):
    output = tmp_path / "backups"
    backup = start_sqlite_backup(big_database, output, tmp_path / "backup.log")

    backup.send_signal(signal.SIGTERM)
    backup.send_signal(signal.SIGCONT)

    assert_stopped_cleanly(finish(backup), tmp_path / "backup.log")
    assert (partials_in(output), backups_in(output)) == ([], [])


def test_the_next_backup_removes_what_a_killed_one_left_but_not_a_running_one(
    big_database, tmp_path, media
):
    output = tmp_path / "backups"
    running = start_sqlite_backup(big_database, output, tmp_path / "running.log")
    try:
        other = media_only_backup(output, media)
        assert other.returncode == 0, other.stderr
        assert len(partials_in(output)) == 1, "a running backup's folder is left alone"
    finally:
        running.send_signal(signal.SIGCONT)
    assert finish(running) == 0, (tmp_path / "running.log").read_text()
    assert len(backups_in(output)) == 2

    killed = start_sqlite_backup(big_database, output, tmp_path / "killed.log")
    killed.send_signal(signal.SIGKILL)
    finish(killed)
    left = partials_in(output)
    assert len(left) == 1, "SIGKILL leaves the unfinished folder behind"

    after = media_only_backup(output, media)

    assert after.returncode == 0, after.stderr
    assert partials_in(output) == []
    assert f"Removed {output / left[0]}: an unfinished backup" in after.stderr
    assert len(backups_in(output)) == 3


# PostgreSQL --------------------------------------------------------------------------------


def server():
    settings_dict = connection.settings_dict
    return {
        "host": settings_dict.get("HOST") or "localhost",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }


def admin(statement):
    with psycopg.connect(dbname="postgres", autocommit=True, **server()) as conn:
        conn.execute(statement)


@pytest.fixture
def pg_database():
    """A small database of its own, with the migrations table and a table to lock."""
    run_in_pass("postgresql", "pg_dump is stopped while it waits for a lock on the server")
    name = f"{connection.settings_dict['NAME']}_signals_{uuid.uuid4().hex[:6]}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(dbname=name, autocommit=True, **server()) as conn:
            conn.execute(
                "CREATE TABLE django_migrations (id serial primary key, app text, name text, "
                "applied timestamptz)"
            )
            conn.execute(
                "INSERT INTO django_migrations (app, name, applied) "
                "VALUES ('wagtailcore', '0100_example', now())"
            )
            conn.execute("CREATE TABLE notes (id serial primary key, body text)")
        params = server()
        password = f":{params['password']}" if params["password"] else ""
        yield (
            name,
            f"postgres://{params['user'] or ''}{password}@{params['host']}:{params['port']}/{name}",
        )
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_dump_sessions(name, waiting=False):
    with psycopg.connect(dbname="postgres", autocommit=True, **server()) as conn:
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = 'pg_dump'"
        )
        if waiting:
            query += " AND wait_event_type = 'Lock'"
        return [row[0] for row in conn.execute(query, (name,))]


def start_pg_backup(name, url, output, log, lock):
    """A backup whose pg_dump waits for the lock held by `lock`, the test's own session."""
    lock.execute("LOCK TABLE notes IN ACCESS EXCLUSIVE MODE")
    backup = start_manage(
        "backup_site", f"--output-dir={output}", "--skip-media", log=log, DATABASE_URL=url
    )
    wait_for(lambda: pg_dump_sessions(name, waiting=True), "pg_dump to wait for the lock")
    return backup


def test_sigterm_stops_pg_dump_and_removes_the_unfinished_backup(pg_database, tmp_path):
    name, url = pg_database
    output = tmp_path / "backups"
    with psycopg.connect(dbname=name, **server()) as lock:
        backup = start_pg_backup(name, url, output, tmp_path / "backup.log", lock)
        assert len(partials_in(output)) == 1

        backup.send_signal(signal.SIGTERM)

        assert_stopped_cleanly(finish(backup), tmp_path / "backup.log")
        assert (partials_in(output), backups_in(output)) == ([], [])
        # pg_dump's session ends too, lock or no lock: nothing is left holding locks.
        wait_for(lambda: not pg_dump_sessions(name), "pg_dump's session to end", timeout=30)
        lock.rollback()


def test_a_killed_pg_backup_is_cleaned_up_by_the_next_but_a_running_one_is_not(
    pg_database, tmp_path, media
):
    name, url = pg_database
    output = tmp_path / "backups"
    with psycopg.connect(dbname=name, **server()) as lock:
        backup = start_pg_backup(name, url, output, tmp_path / "backup.log", lock)
        left = partials_in(output)

        other = media_only_backup(output, media)
        assert other.returncode == 0, other.stderr
        assert partials_in(output) == left, "a running backup's folder is left alone"

        backup.send_signal(signal.SIGKILL)
        finish(backup)
        assert partials_in(output) == left, "SIGKILL leaves the unfinished folder behind"
        # Its pg_dump, orphaned, would wait for the lock for ever.
        for pid in pg_dump_sessions(name):
            lock.execute("SELECT pg_terminate_backend(%s)", (pid,))
        lock.rollback()

    after = media_only_backup(output, media)

    assert after.returncode == 0, after.stderr
    assert partials_in(output) == []
    assert f"Removed {output / left[0]}: an unfinished backup" in after.stderr
    assert len(backups_in(output)) == 2
