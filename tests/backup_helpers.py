"""What the backup tests share: `manage.py` in a process of its own, and SQLite files to back up.

Backups are operated from the command line (systemd, cron, a terminal), so these tests run
`manage.py` as a separate process with its own environment: its exit status, its output and
the files it leaves are what an operator sees.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Variables a test sets itself; the rest of the environment (PATH, HOME, ...) is passed on.
OWN_ENV = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "MEDIA_ROOT",
    "PSG_VAR_DIR",
    "PSG_BACKUP_DIR",
    "PSG_TEST_SQLITE_FILE",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "ELASTICSEARCH_URL",
    "ELASTICSEARCH_INDEX_PREFIX",
}


def manage_env(**values):
    env = {key: value for key, value in os.environ.items() if key not in OWN_ENV}
    env["DJANGO_SETTINGS_MODULE"] = "psg.settings.dev"
    env.update({key: str(value) for key, value in values.items()})
    return env


def manage(*args, timeout=180, **values):
    """Run `manage.py ARGS` to the end; keyword arguments are environment variables."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=manage_env(**values),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_manage(*args, log, **values):
    """Start `manage.py ARGS` without waiting; its output goes to the file `log`."""
    with open(log, "w") as handle:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=manage_env(**values),
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
        )


def finish(process, timeout=180):
    """Wait for a started process; kill it if it outlives the timeout."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        raise


def wait_for(condition, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"Timed out waiting for {what}")


def add_padding(path, megabytes):
    """Make the database big enough that copying it takes a while (zero-filled rows)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE padding (id integer primary key, body blob)")
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO padding (body) SELECT zeroblob(1024 * 1024) FROM n",
            (megabytes,),
        )
    db.close()


def site_like_database(path, megabytes=0):
    """A SQLite file with the migrations table a site's database has, plus padding."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE django_migrations "
            "(id integer primary key, app text, name text, applied text)"
        )
        db.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('wagtailcore', '0100_example', '2026-01-01')"
        )
        db.execute("CREATE TABLE notes (id integer primary key, body text)")
        db.executemany("INSERT INTO notes (body) VALUES (?)", [("Perú",), ("Truth Commission",)])
    db.close()
    if megabytes:
        add_padding(path, megabytes)
    return path


def backups_in(folder):
    folder = Path(folder)
    return sorted(path.name for path in folder.glob("psg-backup-*")) if folder.is_dir() else []


def partials_in(folder):
    folder = Path(folder)
    return (
        sorted(path.name for path in folder.glob(".psg-backup-*.partial"))
        if folder.is_dir()
        else []
    )
