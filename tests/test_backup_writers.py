"""A backup of a running SQLite site does not cost anyone their membership application.

A real server (`manage.py runserver`) on a temporary SQLite file receives join-form submissions
from a thread, the way a browser sends them (GET the form, then POST it with its CSRF and
timing tokens), while `manage.py backup_site` copies the database. The database is padded to
200 MB, and the server's busy timeout is cut from 20 s to 0.1 s (`?timeout=0.1`), so that this
small database shows what a 1.26 GB one did with Python's default of 5 s: a backup that keeps
writers waiting longer than that loses submissions with "database is locked". Without WAL the
backup keeps writers out from its first read until it ends (the copy, its integrity check and
its checksum), well over 0.1 s for 200 MB even on a fast machine, and the test fails.
docs/deployment.md, "Backup and restore", gives the measured times.

SQLite only (PostgreSQL readers never block writers): it runs in the SQLite pass.
"""

import http.client
import re
import socket
import sqlite3
import threading
import time
from urllib.parse import urlencode

import pytest
from django.db import connection

from tests.backup_helpers import add_padding, finish, partials_in, start_manage, wait_for
from tests.conftest import DATABASE_PASSES

# Skipped when collected, not inside the test as run_in_pass does: the test is transactional, and
# setting it up in the PostgreSQL pass would flush that pass's reused test database afterwards.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason=f"runs in the {DATABASE_PASSES['sqlite']} pass of `make test`: SQLite's locking "
    "(PostgreSQL's readers never block its writers)",
)

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
APPLICATIONS = "SELECT email FROM membership_membershipapplication"


def answers(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/join/")
        return conn.getresponse().status == 200
    except OSError:
        return False


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Applicant:
    """Sends the join form again and again, as different people, until told to stop."""

    def __init__(self, port):
        self.port = port
        self.sent = []  # (email, sent at, answered at, status, location)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            conn.close()

    def join(self, number):
        email = f"applicant-{number}@example.org"
        shown_at = time.monotonic()
        status, headers, page = self.request("GET", "/join/")
        if status != 200:
            self.sent.append((email, shown_at, time.monotonic(), status, "the form itself"))
            return
        cookie = headers["Set-Cookie"].split(";")[0]
        form = {
            "csrfmiddlewaretoken": CSRF_RE.search(page).group(1),
            "started": STARTED_RE.search(page).group(1),
            "name": f"Applicant {number}",
            "email": email,
            "membership_type": "individual",
            "organisation": "",
            "country": "Peru",
            "heard_about": "event",
            "consent": "on",
            "website": "",
        }
        sent_at = time.monotonic()
        status, headers, _ = self.request(
            "POST",
            "/join/",
            body=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        self.sent.append((email, sent_at, time.monotonic(), status, headers.get("Location")))

    def run(self):
        number = 0
        while not self.stop.is_set():
            number += 1
            self.join(number)


@pytest.fixture
def site_file(tmp_path):
    """The migrated test database with a join page, copied to a file and padded."""
    from home.models import HomePage
    from membership.models import JoinPage

    HomePage.objects.get().add_child(
        instance=JoinPage(title="Become a member", slug="join", notification_emails="o@psg.example")
    )
    path = tmp_path / "site.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    add_padding(path, megabytes=200)
    yield path
    for leftover in tmp_path.rglob("*.sqlite3*"):
        leftover.unlink()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_join_submissions_during_a_backup_all_succeed_and_are_all_kept(site_file, tmp_path):
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{site_file}?timeout=0.1",
        "MEDIA_ROOT": tmp_path / "media",
        "MEMBERSHIP_MIN_FILL_SECONDS": "0",
        "MEMBERSHIP_RATE_LIMIT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    output = tmp_path / "backups"
    server = start_manage(
        "runserver", "--noreload", f"127.0.0.1:{port}", log=tmp_path / "server.log", **env
    )
    applicant = Applicant(port)
    try:
        wait_for(lambda: answers(port), "the server to answer")
        applicant.thread.start()
        wait_for(lambda: len(applicant.sent) >= 2, "the first applications")

        backup = start_manage(
            "backup_site", f"--output-dir={output}", log=tmp_path / "backup.log", **env
        )
        # The backup's read snapshot begins after its partial folder appears: whatever was
        # answered before a look that found no such folder is certainly in the snapshot.
        copy_started = None
        no_copy_yet = time.monotonic()
        give_up = time.monotonic() + 180
        while backup.poll() is None and time.monotonic() < give_up:
            if copy_started is None:
                looked = time.monotonic()
                if partials_in(output):
                    copy_started = time.monotonic()
                else:
                    no_copy_yet = looked
            time.sleep(0.02)
        backup_ended = time.monotonic()
        if backup.poll() is None:
            backup.kill()
            backup.wait()
            pytest.fail("the backup had not finished after 3 minutes of applications")
        backup_status = backup.returncode
        wait_for(
            lambda: applicant.sent[-1][1] > backup_ended or not applicant.thread.is_alive(),
            "an application after the backup",
        )
    finally:
        applicant.stop.set()
        if applicant.thread.is_alive():
            applicant.thread.join(timeout=120)
        server.terminate()
        finish(server)
    log = (tmp_path / "backup.log").read_text()
    assert backup_status == 0, log
    backup_file = output / log.strip().splitlines()[-1].rsplit("/", 1)[-1] / "database.sqlite3"

    # Every application got its thank-you page...
    failed = [sent for sent in applicant.sent if sent[3:] != (302, "/join/thank-you/")]
    errors = [
        line for line in (tmp_path / "server.log").read_text().splitlines() if "Error" in line
    ]
    assert not failed, f"{len(failed)} of {len(applicant.sent)} failed: {failed[:3]} {errors[:3]}"
    # ...including some sent and answered while the database was being copied...
    assert copy_started is not None, "the backup was over before its copy could be seen"
    during = [
        email
        for email, sent, answered, *_ in applicant.sent
        if copy_started <= sent and answered < backup_ended
    ]
    assert during, "no application was sent during the copy: make the database bigger"
    # ...and every one is in the database, once.
    emails = [email for email, *_ in applicant.sent]
    with sqlite3.connect(site_file) as db:
        stored = [row[0] for row in db.execute(APPLICATIONS)]
    db.close()
    assert sorted(stored) == sorted(emails)

    # The backup holds one moment: everything answered before its copy began, nothing unknown.
    with sqlite3.connect(backup_file) as db:
        backed_up = {row[0] for row in db.execute(APPLICATIONS)}
    db.close()
    before_copy = {email for email, _, answered, *_ in applicant.sent if answered < no_copy_yet}
    assert before_copy <= backed_up <= set(emails)
