"""Fault drill: what visitors and applicants get while parts of the production stack fail.

`make drill` (or `.venv/bin/python scripts/fault_drill.py --help`). The drill builds a site of
its own in a temporary folder (PSG_VAR_DIR: a SQLite database migrated and filled with the seed
content, collected static files) and starts the production processes on loopback:

- gunicorn with deploy/gunicorn.conf.py and psg.settings.production;
- the task worker (`manage.py db_worker --interval 1`, as deploy/systemd runs it);
- a redis-server of its own (REDIS_URL points at it; nothing else uses it);
- a small SMTP server of its own that counts delivered messages and can be switched to
  "accept connections and never answer".

Then it runs phases of a few seconds each, with threads reading pages (home, news index, a
campaign hub, an article) and sending the join form the way a browser does (GET the form,
wait the minimum fill time, POST it with its CSRF cookie and tokens), and prints one row per
phase: requests served and failed, failures by status, page-cache hits, latency, join forms
thanked, applications stored and staff emails delivered.

1. normal                 - everything up
2. Redis stopped          - the cache server is down (connections refused)
3. Redis hanging          - the cache server is frozen (SIGSTOP): connections open, no answer
4. Redis back             - SIGCONT; also how long until pages come from the cache again
5. worker stopped         - no task worker while people join; mails counted after it restarts
6. database locked        - another process holds SQLite's write lock (BEGIN EXCLUSIVE)
7. mail server down       - the SMTP server accepts connections and never answers; mails
                            counted after it answers again
8. junk listing URLs      - listing parameters with junk values: cache keys added (DBSIZE)
9. double submissions     - identical join POSTs sent in pairs at the same instant: duplicate
                            applications stored

What the drill changes from a real installation, and why:

- MEMBERSHIP_MIN_FILL_SECONDS is lowered (--fill-seconds, 0.3 s), and every applicant waits
  that long between showing and sending the form; otherwise each applicant takes 3 s.
- MEMBERSHIP_RATE_LIMIT is raised to 1,000,000: every applicant comes from 127.0.0.1. The
  limit's cache reads and writes still happen on every submission.
- MEMBERSHIP_NOTIFY_RETRY_SECONDS, the first wait before a failed staff email is tried again,
  is lowered (--retry-seconds, 3 s), so that a retry can be seen within the drill.
- Plain HTTP on loopback: SECURE_SSL_REDIRECT=false and the plain-HTTP trial setting
  (--plain-http, default PSG_PLAIN_HTTP_TRIAL=true; also FAULT_DRILL_PLAIN_HTTP).
- Gunicorn's worker recycling is off (GUNICORN_MAX_REQUESTS=0; --max-requests sets it). The
  drill sends a few thousand requests a phase, so with the production setting (1000 per
  worker) every worker restarts every few seconds, all at about the same time, and nothing
  serves while the new ones load Django: several seconds, more on a busy machine. That gap
  would land in whichever phase happens to be running. Every worker (re)started during a
  phase is named in its note, so a restart (recycling or a crash) is never mistaken for the
  fault's effect.

Every process the drill starts runs in its own process group and is stopped at the end, also
on Ctrl-C, SIGTERM or an error. Only the standard library is used. The drill exits 0 when it
ran; its numbers are for reading, not a pass/fail verdict.
"""

import argparse
import contextlib
import http.client
import itertools
import os
import random
import re
import secrets
import shutil
import signal
import socket
import socketserver
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from math import ceil
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_RE = re.compile(r'name="started" value="([^"]+)"')
THANK_YOU = "/join/thank-you/"
# The staff email links to the application in the admin: /admin/.../inspect/<id>/.
ADMIN_LINK_RE = re.compile(rb"/inspect/(\d+)/")
APPLICATIONS = "membership_membershipapplication"


def say(message):
    print(message, file=sys.stderr, flush=True)


# SMTP --------------------------------------------------------------------------------------------


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take messages and count them; `hanging` makes it accept and say nothing.

    A connection opened while hanging stays silent until the client gives up, even if the
    server answers again meanwhile (as a frozen mail server would).
    """

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, port=0):
        super().__init__(("127.0.0.1", port), SmtpHandler)
        self.port = self.server_address[1]
        self.hanging = False
        self.closing = False
        self.messages = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True, name="smtp")

    @property
    def delivered(self):
        with self.lock:
            return len(self.messages)

    def linked_ids(self):
        """The application id in each delivered message's admin link (None when it has none)."""
        with self.lock:
            messages = list(self.messages)
        ids = []
        for message in messages:
            match = ADMIN_LINK_RE.search(message.replace(b"=\r\n", b""))
            ids.append(int(match.group(1)) if match else None)
        return ids

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.closing = True
        self.shutdown()
        self.server_close()


class SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        if self.server.hanging:
            self.hang()
            return
        self.reply("220 drill ESMTP")
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"HELO", b"EHLO"):
                self.reply("250 drill")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline(65537)) not in (b".\r\n", b".\n", b""):
                    lines.append(line)
                with self.server.lock:
                    self.server.messages.append(b"".join(lines))
                self.reply("250 OK queued")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def hang(self):
        self.request.settimeout(0.2)
        while not self.server.closing:
            try:
                if not self.request.recv(4096):
                    return
            except TimeoutError:
                continue
            except OSError:
                return


# Counting ----------------------------------------------------------------------------------------


class Tally:
    """What one phase's requests got: served, failed (by kind), page-cache hits, latencies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.served = 0
        self.failed = 0
        self.failures = Counter()
        self.latencies = []
        self.pages = 0
        self.hits = 0
        self.joins_thanked = 0
        self.joins_failed = 0

    def record(self, seconds, failure=None, cache=None):
        """One request: `failure` is None when it got what it asked for, else a short label."""
        with self.lock:
            self.latencies.append(seconds)
            if failure is None:
                self.served += 1
            else:
                self.failed += 1
                self.failures[failure] += 1
            if cache is not None:
                self.pages += 1
                self.hits += cache == "HIT"

    def join(self, thanked):
        with self.lock:
            if thanked:
                self.joins_thanked += 1
            else:
                self.joins_failed += 1

    def percentile(self, fraction):
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[max(0, ceil(fraction * len(ordered)) - 1)]

    def summary(self):
        with self.lock:
            p95 = self.percentile(0.95)
            return {
                "served": self.served,
                "failed": self.failed,
                "failures": ", ".join(f"{kind} x{n}" for kind, n in self.failures.most_common()),
                "hits": f"{100 * self.hits / self.pages:.0f}%" if self.pages else "-",
                "median_ms": statistics.median(self.latencies) * 1000 if self.latencies else None,
                "p95_ms": None if p95 is None else p95 * 1000,
                "joins": self.joins_thanked,
            }


def failure_label(error):
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (ConnectionResetError, http.client.RemoteDisconnected)):
        return "reset"
    return type(error).__name__


# HTTP clients ------------------------------------------------------------------------------------


class Site:
    def __init__(self, port, timeout):
        self.port = port
        self.timeout = timeout

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def read(self, tally, path):
        start = time.perf_counter()
        try:
            status, headers, _ = self.request("GET", path)
        except OSError as error:
            tally.record(time.perf_counter() - start, failure_label(error))
            return None
        failure = None if status == 200 else str(status)
        tally.record(time.perf_counter() - start, failure, headers.get("X-Cache", "-"))
        return headers.get("X-Cache")

    def show_form(self, tally):
        """GET the join form: (cookie, form fields) or None."""
        start = time.perf_counter()
        try:
            status, headers, body = self.request("GET", "/join/")
        except OSError as error:
            tally.record(time.perf_counter() - start, failure_label(error))
            return None
        page = body.decode("utf-8", "replace")
        csrf, started = CSRF_RE.search(page), STARTED_RE.search(page)
        cookies = [
            value.split(";")[0]
            for value in headers.get_all("Set-Cookie") or []
            if value.startswith("csrftoken=")
        ]
        if status != 200 or not (csrf and started and cookies):
            tally.record(time.perf_counter() - start, f"join form {status}")
            return None
        tally.record(time.perf_counter() - start)
        fields = {"csrfmiddlewaretoken": csrf.group(1), "started": started.group(1)}
        return cookies[0], fields, time.monotonic()

    def send_form(self, tally, form, email, name):
        """POST the join form; True when the thank-you page is where it leads."""
        cookie, fields, shown_at = form
        data = {
            **fields,
            "name": name,
            "email": email,
            "membership_type": "individual",
            "organisation": "",
            "country": "Peru",
            "heard_about": "event",
            "consent": "on",
            "website": "",
        }
        start = time.perf_counter()
        try:
            status, headers, _ = self.request(
                "POST",
                "/join/",
                body=urlencode(data),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
            )
        except OSError as error:
            tally.record(time.perf_counter() - start, "join " + failure_label(error))
            tally.join(False)
            return False
        thanked = status == 302 and (headers.get("Location") or "").endswith(THANK_YOU)
        failure = None if thanked else f"join {status}"
        tally.record(time.perf_counter() - start, failure)
        tally.join(thanked)
        return thanked


def reader(site, tally, stop, paths, offset):
    for path in itertools.islice(itertools.cycle(paths), offset, None):
        if stop.is_set():
            return
        site.read(tally, path)


def joiner(site, tally, stop, tag, number, fill_seconds):
    count = 0
    while not stop.is_set():
        count += 1
        form = site.show_form(tally)
        if form is None:
            time.sleep(0.1)
            continue
        time.sleep(max(0.0, form[2] + fill_seconds + 0.05 - time.monotonic()))
        email = f"drill-{tag}-{number}-{count}@example.org"
        site.send_form(tally, form, email, f"Drill Applicant {tag} {number} {count}")


def run_load(site, paths, seconds, readers, joiners, tag, fill_seconds, during=None):
    """Readers and joiners for `seconds`; each thread then finishes its request in flight."""
    tally = Tally()
    stop = threading.Event()
    threads = [
        threading.Thread(target=reader, args=(site, tally, stop, paths, n), daemon=True)
        for n in range(readers)
    ] + [
        threading.Thread(target=joiner, args=(site, tally, stop, tag, n, fill_seconds), daemon=True)
        for n in range(joiners)
    ]
    for thread in threads:
        thread.start()
    if during is not None:
        during()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join()
    return tally


# Processes ---------------------------------------------------------------------------------------


class Process:
    """A child in a process group of its own, logging to a file; stopped group and all."""

    def __init__(self, name, command, env, log_dir):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = Path(log_dir) / f"{name}.log"
        self.popen = None

    def start(self):
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603 - the drill's own commands
            self.command,
            env=self.env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def signal(self, number):
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, number)

    def stop(self, grace=15):
        if self.popen is None:
            return
        self.signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait()
        self.popen = None

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def tail(self, lines=15):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_command(port, *words, timeout=2):
    """One command in RESP; the reply's first line without its type byte."""
    payload = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(payload.encode())
        reply = b""
        while not reply.endswith(b"\r\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply.decode().strip()[1:]


def redis_keys(port, timeout=5):
    """Every key in the drill's own Redis (KEYS * is fine for a scratch server this small)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(b"*2\r\n$4\r\nKEYS\r\n$1\r\n*\r\n")
        reader = connection.makefile("rb")
        count = int(reader.readline()[1:])
        keys = []
        for _ in range(count):
            length = int(reader.readline()[1:])
            keys.append(reader.read(length + 2)[:-2].decode("utf-8", "replace"))
    return keys


def wait_for(check, what, seconds=60, interval=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"gave up waiting for {what} after {seconds} s")


class Stack:
    """The site, its processes and the drill's own Redis and SMTP servers."""

    def __init__(self, args):
        self.args = args
        self.folder = Path(tempfile.mkdtemp(prefix="psg-fault-drill-"))
        self.database = self.folder / "db.sqlite3"
        self.redis_port = args.redis_port or free_port()
        self.web_port = args.web_port or free_port()
        self.sink = SmtpSink(args.smtp_port).start()
        self.env = self.environment()
        python = sys.executable
        self.redis = Process(
            "redis",
            [
                args.redis_server,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory",
                "256mb",
                "--maxmemory-policy",
                "allkeys-lru",
            ],
            self.env,
            self.folder,
        )
        self.worker = Process(
            "worker",
            [python, "manage.py", "db_worker", "--interval", "1"],
            self.env,
            self.folder,
        )
        gunicorn = str(Path(python).with_name("gunicorn"))
        self.web = Process(
            "web", [gunicorn, "-c", "deploy/gunicorn.conf.py"], self.env, self.folder
        )
        self.processes = [self.web, self.worker, self.redis]

    def environment(self):
        kept = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
        env = {name: os.environ[name] for name in kept if name in os.environ}
        env.update(
            PSG_VAR_DIR=str(self.folder),
            DJANGO_SETTINGS_MODULE="psg.settings.production",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECURE_SSL_REDIRECT="false",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.sink.port),
            MEMBERSHIP_MIN_FILL_SECONDS=str(self.args.fill_seconds),
            MEMBERSHIP_RATE_LIMIT="1000000",
            MEMBERSHIP_NOTIFY_RETRY_SECONDS=str(self.args.retry_seconds),
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
            WEB_CONCURRENCY=str(self.args.workers),
            GUNICORN_MAX_REQUESTS=str(self.args.max_requests),
            # INFO: gunicorn logs each worker it starts ("Booting worker"), counted per phase.
            GUNICORN_LOG_LEVEL="info",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        for item in self.args.plain_http.split(","):
            name, _, value = item.partition("=")
            if name.strip():
                env[name.strip()] = value.strip()
        return env

    def manage(self, *words, **env):
        step = Process(
            f"manage-{words[0]}",
            [sys.executable, "manage.py", *words],
            {**self.env, **env},
            self.folder,
        )
        self.processes.append(step)
        return step

    def build(self):
        say(f"Building the site in {self.folder} (migrate, seed content, collectstatic)")
        began = time.monotonic()
        static = self.manage("collectstatic", "--noinput", "-v0").start()
        # The seed content's search index updates run at once, not later in the worker.
        immediate = {"TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        for words, env in ((("migrate", "--noinput", "-v0"), {}), (("import_legacy",), immediate)):
            step = self.manage(*words, **env).start()
            if step.popen.wait() != 0:
                raise RuntimeError(f"manage.py {words[0]} failed:\n{step.tail()}")
        if static.popen.wait() != 0:
            raise RuntimeError(f"collectstatic failed:\n{static.tail()}")
        say(f"  built in {time.monotonic() - began:.0f} s")

    def start(self):
        self.start_redis()
        self.worker.start()
        self.web.start()
        began = time.monotonic()
        site = Site(self.web_port, self.args.timeout)
        wait_for(lambda: site.request("GET", "/")[0] == 200, "gunicorn to serve the home page")
        wait_for(lambda: self.queued_tasks() == 0, "the worker to run the queued tasks", 90)
        say(f"  serving after {time.monotonic() - began:.0f} s")
        return site

    def start_redis(self):
        self.redis.start()
        wait_for(lambda: redis_command(self.redis_port, "PING") == "PONG", "redis-server")

    def stop(self):
        for process in self.processes:
            try:
                process.stop()
            except Exception as error:  # noqa: BLE001 - keep stopping the others
                say(f"stopping {process.name}: {error}")
        with contextlib.suppress(OSError):
            self.sink.stop()

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    # Reading the database, as an outsider --------------------------------------------------------

    def query(self, sql, *params):
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=60)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def worker_boots(self):
        """Gunicorn workers started so far (by the lines its master logs)."""
        try:
            return self.web.log_path.read_text(errors="replace").count("Booting worker with pid")
        except OSError:
            return 0

    def queued_tasks(self):
        return self.query(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
        )[0][0]

    def stored(self, tag):
        """(applications, distinct addresses) sent with this tag."""
        return self.query(
            f"SELECT COUNT(*), COUNT(DISTINCT email) FROM {APPLICATIONS} "  # noqa: S608
            "WHERE email LIKE ?",
            f"drill-{tag}-%",
        )[0]

    def application_ids(self, tag):
        rows = self.query(
            f"SELECT id FROM {APPLICATIONS} WHERE email LIKE ?",  # noqa: S608
            f"drill-{tag}-%",
        )
        return {row[0] for row in rows}

    def mails(self, tag, since):
        """Staff emails delivered for this tag's applications (by the admin link they carry);
        when the emails carry no link, all emails delivered after the first `since`."""
        linked = self.sink.linked_ids()
        if not any(linked):
            return len(linked) - since
        ids = self.application_ids(tag)
        return sum(1 for pk in linked if pk in ids)

    def notification_note(self, tag):
        """Applications of this tag whose staff email has not gone out, and failed tries."""
        columns = {row[1] for row in self.query(f"PRAGMA table_info({APPLICATIONS})")}
        tries = "SUM(notification_attempts)" if "notification_attempts" in columns else "0"
        unsent, tries, sent = self.query(
            f"SELECT SUM(notified_at IS NULL), {tries}, SUM(notified_at IS NOT NULL) "  # noqa: S608
            f"FROM {APPLICATIONS} WHERE email LIKE ?",
            f"drill-{tag}-%",
        )[0]
        parts = []
        if unsent:
            parts.append(f"{unsent} staff emails not sent (yet)")
        if tries and tries > (sent or 0):
            parts.append(f"{tries - (sent or 0)} failed tries to send")
        return "; ".join(parts)

    def page_paths(self):
        """Home, news index, a campaign hub and an article, as the site serves them."""
        rows = self.query(
            "SELECT ct.app_label || '.' || ct.model, p.url_path FROM wagtailcore_page p "
            "JOIN django_content_type ct ON ct.id = p.content_type_id WHERE p.live "
            "ORDER BY p.path"
        )
        kinds = {}
        for kind, url_path in rows:
            kinds.setdefault(kind, url_path)
        root = kinds["home.homepage"]
        wanted = ("home.homepage", "news.newsindexpage", "campaigns.campaignpage")
        paths = ["/" + kinds[kind][len(root) :] for kind in wanted if kind in kinds]
        if "news.newsarticlepage" in kinds:
            paths.append("/" + kinds["news.newsarticlepage"][len(root) :])
        return paths


# Phases ------------------------------------------------------------------------------------------


class Drill:
    def __init__(self, stack, site, args):
        self.stack = stack
        self.site = site
        self.args = args
        self.paths = stack.page_paths()
        self.rows = []
        self.phase_began = time.monotonic()
        self.boots_before = 0

    def begin(self, name):
        say(f"Phase: {name}")
        self.phase_began = time.monotonic()
        self.boots_before = self.stack.worker_boots()
        return self.stack.sink.delivered

    def load(self, tag, joiners=None, during=None):
        return run_load(
            self.site,
            self.paths,
            self.args.seconds,
            self.args.readers,
            self.args.joiners if joiners is None else joiners,
            tag,
            self.args.fill_seconds,
            during,
        )

    def warm(self):
        for path in self.paths * 2:
            self.site.read(Tally(), path)

    def mails_for(self, tag, since, wait):
        """Wait up to `wait` s until every stored application of `tag` has had its mail."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.stack.mails(tag, since) >= self.stack.stored(tag)[0]:
                break
            time.sleep(0.25)
        return self.stack.mails(tag, since)

    def add(self, name, tally, tag=None, during=None, after=None, note=""):
        row = {"phase": name, **tally.summary(), "note": note}
        if tag is not None:
            row.update(stored=self.stack.stored(tag)[0], mails_during=during, mails_after=after)
            extra = self.stack.notification_note(tag)
            row["note"] = "; ".join(part for part in (note, extra) if part)
        boots = self.stack.worker_boots() - self.boots_before
        row["restarted"] = (
            f"{boots} gunicorn worker{'s' if boots > 1 else ''} (re)started" if boots else ""
        )
        row["note"] = "; ".join(part for part in (row["note"], row["restarted"]) if part)
        row["seconds"] = time.monotonic() - self.phase_began
        self.rows.append(row)
        say(f"  {row}")

    def join_phase(self, name, tag, fault=None, repair=None, settle=None):
        """A phase with readers and joiners: fault before, repair after, then wait for mails."""
        since = self.begin(name)
        if fault is not None:
            fault()
        tally = self.load(tag)
        during = self.stack.mails(tag, since)
        note = repair() if repair is not None else ""
        after = self.mails_for(tag, since, self.args.mail_wait if settle is None else settle)
        self.add(name, tally, tag, during, after - during, note or "")
        self.rows[-1]["since"] = since

    def run(self):
        stack = self.stack
        self.warm()
        self.join_phase("1. normal", "p1")

        self.join_phase("2. Redis stopped", "p2", fault=stack.redis.stop)
        stack.start_redis()
        self.warm()

        self.join_phase("3. Redis hanging (SIGSTOP)", "p3", fault=self.freeze_redis, settle=0)
        hanging = self.rows[-1]
        self.redis_back()
        # Requests the visitors had given up on may go on once Redis answers again.
        late = self.stack.stored("p3")[0] - hanging["stored"]
        late_note = f"{late} more stored after SIGCONT" if late else ""
        notes = (late_note, self.stack.notification_note("p3"), hanging["restarted"])
        hanging["note"] = "; ".join(part for part in notes if part)
        hanging["mails_after"] = self.stack.mails("p3", hanging["since"]) - hanging["mails_during"]

        def worker_back():
            stack.worker.start()
            return "worker restarted after the phase"

        self.join_phase("5. worker stopped", "p5", fault=stack.worker.stop, repair=worker_back)
        self.database_locked()

        def mail_back():
            stack.sink.hanging = False
            return "mail server answers again after the phase"

        self.join_phase("7. mail server down", "p7", fault=self.hang_mail, repair=mail_back)
        self.junk_listings()
        self.double_submissions()

    def freeze_redis(self):
        self.stack.redis.signal(signal.SIGSTOP)

    def hang_mail(self):
        self.stack.sink.hanging = True

    def redis_back(self):
        name = "4. Redis back (SIGCONT)"
        since = self.begin(name)
        resumed = time.monotonic()
        self.stack.redis.signal(signal.SIGCONT)
        seconds = [None]

        def probe():
            deadline = resumed + max(self.args.seconds * 3, 30)
            while time.monotonic() < deadline:
                if self.site.read(Tally(), self.paths[0]) == "HIT":
                    seconds[0] = time.monotonic() - resumed
                    return
                time.sleep(0.1)

        prober = threading.Thread(target=probe, daemon=True)
        tally = self.load("p4", during=prober.start)
        prober.join()
        during = self.stack.mails("p4", since)
        after = self.mails_for("p4", since, self.args.mail_wait)
        hit = f"{seconds[0]:.1f} s" if seconds[0] is not None else "not within the wait"
        self.add(name, tally, "p4", during, after - during, f"pages from the cache again: {hit}")

    def database_locked(self):
        name = "6. database locked"
        since = self.begin(name)
        locked = threading.Event()
        held = [0.0]

        def hold():
            connection = sqlite3.connect(self.stack.database, timeout=60, isolation_level=None)
            try:
                connection.execute("BEGIN EXCLUSIVE")
                start = time.monotonic()
                locked.set()
                time.sleep(self.args.lock_seconds)
                connection.execute("ROLLBACK")
                held[0] = time.monotonic() - start
            finally:
                locked.set()
                connection.close()

        locker = threading.Thread(target=hold, daemon=True)
        locker.start()
        locked.wait(60)
        tally = self.load("p6")
        locker.join()
        during = self.stack.mails("p6", since)
        after = self.mails_for("p6", since, self.args.mail_wait)
        note = f"write lock held {held[0]:.1f} s from the phase's start"
        self.add(name, tally, "p6", during, after - during, note)

    def junk_listings(self):
        name = f"8. {self.args.junk} junk listing requests"
        self.begin(name)
        before = int(redis_command(self.stack.redis_port, "DBSIZE"))
        keys_before = set(redis_keys(self.stack.redis_port))
        rng = random.Random(7)
        params = ("campaign", "topic", "year", "page")

        def junk(number):
            param = params[(number // len(self.paths)) % len(params)]
            if param in ("campaign", "topic"):
                value = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789-", k=12))
            elif param == "year":
                value = str(rng.randrange(1000, 10000))
            else:
                value = str(rng.randrange(2, 100000))
            return f"{self.paths[number % len(self.paths)]}?{param}={value}"

        urls = [junk(n) for n in range(self.args.junk)]
        tally = Tally()
        clients = self.args.readers + self.args.joiners
        chunks = [urls[n::clients] for n in range(clients)]
        threads = [
            threading.Thread(target=lambda c=chunk: [self.site.read(tally, u) for u in c])
            for chunk in chunks
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = int(redis_command(self.stack.redis_port, "DBSIZE"))
        new = sorted(set(redis_keys(self.stack.redis_port)) - keys_before)
        note = f"cache keys added: {after - before} ({before} -> {after})"
        if new:
            note += "; e.g. " + ", ".join(f"`{key[:90]}`" for key in new[:2])
        self.add(name, tally, note=note)

    def double_submissions(self):
        name = f"9. {self.args.pairs} double submissions"
        since = self.begin(name)
        tally = Tally()
        forms = [None] * self.args.pairs

        def fetch(numbers):
            for number in numbers:
                forms[number] = self.site.show_form(tally)

        batch = max(1, self.args.readers + self.args.joiners)
        fetchers = [
            threading.Thread(target=fetch, args=(range(n, self.args.pairs, batch),))
            for n in range(batch)
        ]
        for thread in fetchers:
            thread.start()
        for thread in fetchers:
            thread.join()
        time.sleep(self.args.fill_seconds + 0.05)

        def send(number, barrier):
            email = f"drill-p9-{number}@example.org"
            try:
                barrier.wait(self.args.timeout)
            except threading.BrokenBarrierError:
                return
            self.site.send_form(tally, forms[number], email, f"Drill Pair {number}")

        ready = [n for n in range(self.args.pairs) if forms[n] is not None]
        for start in range(0, len(ready), batch):
            threads = []
            for number in ready[start : start + batch]:
                barrier = threading.Barrier(2)
                threads += [threading.Thread(target=send, args=(number, barrier)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        stored, distinct = self.stack.stored("p9")
        during = self.stack.mails("p9", since)
        after = self.mails_for("p9", since, self.args.mail_wait)
        note = f"duplicate applications stored: {stored - distinct} ({distinct} people)"
        self.add(name, tally, "p9", during, after - during, note)


# Report ------------------------------------------------------------------------------------------


def table(rows):
    def number(value):
        return "-" if value is None else f"{value:.0f}"

    lines = [
        "| phase | served | failed | failures | cache hits | median ms | p95 ms | joins thanked "
        "| applications stored | mails in phase | mails after | seconds | note |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        cells = [
            row["phase"],
            str(row["served"]),
            str(row["failed"]),
            row["failures"] or "-",
            row["hits"],
            number(row["median_ms"]),
            number(row["p95_ms"]),
            str(row["joins"]) if "stored" in row else "-",
            str(row.get("stored", "-")),
            number(row.get("mails_during")),
            number(row.get("mails_after")),
            number(row.get("seconds")),
            row["note"] or "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--seconds", type=float, default=4, help="length of each phase (default 4)")
    add("--readers", type=int, default=3, help="threads reading pages (default 3)")
    add("--joiners", type=int, default=2, help="threads sending the join form (default 2)")
    add("--timeout", type=float, default=15, help="seconds a request may take (default 15)")
    add("--fill-seconds", type=float, default=0.3, help="the form's minimum fill time")
    add("--lock-seconds", type=float, default=3, help="how long the database stays locked")
    add("--mail-wait", type=float, default=15, help="seconds to wait for late mails")
    add("--retry-seconds", type=float, default=3, help="first wait before a mail is retried")
    add("--junk", type=int, default=600, help="junk listing requests (default 600)")
    add("--pairs", type=int, default=100, help="double submissions (default 100)")
    add("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    add(
        "--max-requests",
        type=int,
        default=0,
        help="requests before gunicorn restarts a worker (default 0: never, see above)",
    )
    add("--redis-port", type=int, default=0, help="the drill's redis-server port (default: any)")
    add("--smtp-port", type=int, default=0, help="the drill's SMTP port (default: any)")
    add("--web-port", type=int, default=0, help="gunicorn's port (default: any)")
    add("--redis-server", default=shutil.which("redis-server") or "redis-server")
    add(
        "--plain-http",
        default=os.environ.get("FAULT_DRILL_PLAIN_HTTP", "PSG_PLAIN_HTTP_TRIAL=true"),
        help="NAME=VALUE[,...] set for serving plain HTTP (default PSG_PLAIN_HTTP_TRIAL=true)",
    )
    add("--keep", action="store_true", help="keep the site folder and its logs")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which(args.redis_server):
        say("redis-server is needed (apt-get install redis-server).")
        return 2

    def terminated(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGINT, terminated)  # also when started in the background
    began = time.monotonic()
    stack = Stack(args)
    drill = None
    try:
        stack.build()
        site = stack.start()
        drill = Drill(stack, site, args)
        say(f"Serving on 127.0.0.1:{stack.web_port}; pages read: {', '.join(drill.paths)}")
        drill.run()
    except KeyboardInterrupt:
        say("Interrupted: stopping the drill's processes.")
        return 130
    except Exception:
        for process in stack.processes:
            say(f"--- {process.name} log (last lines) ---\n{process.tail()}")
        raise
    finally:
        stack.stop()
        if args.keep:
            say(f"Kept {stack.folder} (logs: web.log, worker.log, redis.log)")
        else:
            stack.remove()
        if drill is not None and drill.rows:
            print()
            print(
                f"Fault drill: {args.seconds:g} s phases, {args.readers} readers, "
                f"{args.joiners} joiners, gunicorn {args.workers} workers "
                f"(max requests {args.max_requests or 'off'}), request timeout "
                f"{args.timeout:g} s, fill time {args.fill_seconds:g} s, "
                f"{time.monotonic() - began:.0f} s in all"
            )
            print()
            print(table(drill.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
