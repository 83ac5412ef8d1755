"""A real gunicorn with the production settings, for the tests of what a visitor meets.

It is started as the deployment docs start it (`gunicorn -c deploy/gunicorn.conf.py`), on a
free port, against a SQLite file copied from the test database (so a test can put users and
pages in it first). SQLite only: the copy is taken with SQLite's backup API.
"""

import http.client
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import DATABASE_PASSES

ROOT = Path(__file__).resolve().parent.parent
SECRET = "g" * 20 + "-production-test-key-that-is-long-and-random-9z8y7x6w"
# Variables the server gets from the test; the rest of the environment (PATH, ...) is passed on.
OWN_ENV = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}


# For the tests that copy the test database. Skipped when collected, not inside the test as
# run_in_pass does: the test is transactional, and setting it up in the PostgreSQL pass would
# flush that pass's reused test database afterwards.
sqlite_pass_only = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason=f"runs in the {DATABASE_PASSES['sqlite']} pass of `make test`: the server gets a copy "
    "of the SQLite test database",
)


def copy_test_database(path):
    """The test database, with what the running test wrote, in the file `path`.

    The test must be transactional (`django_db(transaction=True, serialized_rollback=True)`):
    SQLite's backup waits forever for the write transaction that wraps an ordinary test.
    """
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py` with the production settings; a context manager."""

    def __init__(self, tmp_path, **env):
        self.port = free_port()
        self.log = tmp_path / "gunicorn.log"
        self.env = {k: v for k, v in os.environ.items() if k not in OWN_ENV}
        self.env.update(
            DJANGO_SETTINGS_MODULE="psg.settings.production",
            SECRET_KEY=SECRET,
            DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
            PSG_VAR_DIR=str(tmp_path / "var"),
            STATIC_ROOT=str(tmp_path / "static"),
            HOME=str(tmp_path),
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            WEB_CONCURRENCY="1",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            **env,
        )
        self.process = None

    def __enter__(self):
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # Collecting static files at start takes a while on a busy machine.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.output()}")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self):
        return self.log.read_text()

    def get(self, path, headers):
        """GET straight from the server: status, headers, body (text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            conn.close()
