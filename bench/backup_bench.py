"""Backup benchmark: `backup_site` on a 1 GB SQLite database while people send the join form.

    .venv/bin/python -m bench.backup_bench                       # 1 GB, the site's settings (WAL)
    .venv/bin/python -m bench.backup_bench --size-mb 2048
    .venv/bin/python -m bench.backup_bench --rollback-journal    # the settings before WAL

Builds, once, var/bench/backup-<size>mb.sqlite3: the migrated site with the seed content (its
join page, as `make run` has it), then a table of random bytes up to the size asked for. Serves
it with gunicorn (deploy/gunicorn.conf.py, 2 workers of 2 threads, development settings, the
join form's spam limits off). One applicant sends the join form in a loop, as a browser does
(GET the form, then POST it with its CSRF and timing tokens): first for --baseline seconds
without a backup, then while `manage.py backup_site --skip-media` runs. Prints how long the
backup took, and for each phase the applications sent, thanked (302 to the thank-you page) and
failed, with the POST's latency (p50, p95, max).

--rollback-journal serves the database as the settings did before WAL was turned on
(journal_mode=DELETE, Python's busy timeout of 5 s), for comparison. Nothing is downloaded;
var/bench/ is ignored by git.
"""

import argparse
import http.client
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
ROW_BYTES = 64 * 1024


def log(message):
    print(message, flush=True)


def environment(url, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PSG_VAR_DIR", "MEDIA_ROOT", "PSG_BACKUP_DIR"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="psg.settings.dev",
        DATABASE_URL=url,
        MEDIA_ROOT=str(BENCH_DIR / "media"),
        MEMBERSHIP_MIN_FILL_SECONDS="0",
        MEMBERSHIP_RATE_LIMIT="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **extra,
    )
    return env


def manage(*args, url):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment(url), check=True)


def build(path, size_mb):
    """The site's database with its seed content, padded with random bytes (once)."""
    if path.exists():
        return
    building = path.with_name(path.name + ".building")
    for leftover in building.parent.glob(building.name + "*"):
        leftover.unlink()
    url = f"sqlite:///{building}"
    started = time.perf_counter()
    manage("migrate", "--verbosity=0", url=url)
    manage("import_legacy", url=url)
    with sqlite3.connect(building, isolation_level=None) as db:
        db.execute("PRAGMA journal_mode=DELETE")  # a bulk load; the site turns WAL on again
        db.execute("CREATE TABLE bench_padding (id integer primary key, body blob)")
        target = size_mb * 1024 * 1024
        while building.stat().st_size < target:
            db.execute("BEGIN")
            db.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1600) "
                "INSERT INTO bench_padding (body) SELECT randomblob(?) FROM n",
                (ROW_BYTES,),
            )
            db.execute("COMMIT")
    db.close()
    building.rename(path)
    log(
        f"built {path} ({path.stat().st_size / 2**30:.2f} GB) in {time.perf_counter() - started:.0f}s"
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Applicant(threading.Thread):
    """Sends the join form again and again, each time as someone new."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.results = []  # (sent at, answered at, thanked)
        self.halt = threading.Event()
        self.number = 0

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.headers, response.read().decode()
        finally:
            conn.close()

    def send_form(self):
        self.number += 1
        status, headers, page = self.request("GET", "/join/")
        if status != 200:
            now = time.monotonic()
            self.results.append((now, now, False))
            return
        form = {
            "csrfmiddlewaretoken": CSRF_RE.search(page).group(1),
            "started": STARTED_RE.search(page).group(1),
            "name": f"Bench applicant {self.number}",
            "email": f"bench-{time.time_ns()}@example.org",
            "membership_type": "individual",
            "country": "Peru",
            "heard_about": "event",
            "consent": "on",
        }
        sent = time.monotonic()
        status, headers, _ = self.request(
            "POST",
            "/join/",
            body=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": headers["Set-Cookie"].split(";")[0],
            },
        )
        thanked = status == 302 and headers.get("Location") == "/join/thank-you/"
        self.results.append((sent, time.monotonic(), thanked))

    def run(self):
        while not self.halt.is_set():
            try:
                self.send_form()
            except OSError:
                now = time.monotonic()
                self.results.append((now, now, False))


def summary(label, results):
    if not results:
        return f"  {label:<20} {'no application was sent':>40}"
    latencies = sorted((answered - sent) * 1000 for sent, answered, _ in results)
    thanked = sum(1 for *_, ok in results if ok)
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    return (
        f"  {label:<20} {len(results):>5} {thanked:>9} {len(results) - thanked:>7} "
        f"{statistics.median(latencies):>8.0f} {p95:>8.0f} {latencies[-1]:>8.0f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="database size (default 1024)")
    parser.add_argument("--baseline", type=float, default=10, help="seconds without a backup")
    parser.add_argument(
        "--rollback-journal",
        action="store_true",
        help="serve the database as before WAL: journal_mode=DELETE, busy timeout 5 s",
    )
    options = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"backup-{options.size_mb}mb.sqlite3"
    build(path, options.size_mb)
    url = f"sqlite:///{path}"
    mode = "WAL, busy timeout 20 s (the site's settings)"
    if options.rollback_journal:
        url += "?timeout=5&init_command=" + quote("PRAGMA journal_mode=DELETE")
        mode = "rollback journal (DELETE), busy timeout 5 s (the settings before WAL)"
    output = BENCH_DIR / "backups"

    port = free_port()
    server_log = open(BENCH_DIR / "gunicorn.log", "w")  # noqa: SIM115 - open while it runs
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "deploy/gunicorn.conf.py",
            "--no-control-socket",
        ],
        stdout=server_log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env=environment(url, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2"),
    )
    applicant = Applicant(port)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if applicant.request("GET", "/join/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer; see var/bench/gunicorn.log")
            time.sleep(0.2)

        applicant.start()
        baseline_from = time.monotonic()
        time.sleep(options.baseline)
        started = time.monotonic()
        backup = subprocess.Popen(
            [sys.executable, "manage.py", "backup_site", f"--output-dir={output}", "--skip-media"],
            cwd=ROOT,
            env=environment(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        writing_from = None
        while backup.poll() is None:
            if writing_from is None and any(output.glob(".psg-backup-*.partial")):
                writing_from = time.monotonic()
            time.sleep(0.01)
        ended = time.monotonic()
        out, errors = backup.communicate()
        time.sleep(1)
    finally:
        applicant.halt.set()
        if applicant.is_alive():
            applicant.join(timeout=130)
        server.terminate()
        server.wait(timeout=60)
        server_log.close()

    if backup.returncode != 0:
        raise SystemExit(f"backup_site failed ({backup.returncode}): {errors.strip()}")
    made = Path(out.strip().splitlines()[-1])
    writing_from = writing_from or started
    results = applicant.results
    log(f"database: {path} ({path.stat().st_size / 2**30:.2f} GB), {mode}")
    log(
        f"backup_site: {ended - started:.1f} s in all, of which {ended - writing_from:.1f} s "
        "writing the backup (copy, integrity check, checksum) after Django had started"
    )
    log("join form, one applicant (GET the form, POST it); POST latency in ms:")
    log(f"  {'':<20} {'sent':>5} {'thank-you':>9} {'failed':>7} {'p50':>8} {'p95':>8} {'max':>8}")
    log(summary("without a backup", [r for r in results if baseline_from <= r[0] < started]))
    log(summary("during the backup", [r for r in results if writing_from <= r[0] < ended]))
    for leftover in made.iterdir():
        leftover.unlink()
    made.rmdir()


if __name__ == "__main__":
    main()
