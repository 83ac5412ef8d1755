"""Measure the site under gunicorn: `python -m bench.run [--db sqlite|postgres]`.

Run `python -m bench.fill` first. The runner collects static files, starts gunicorn with the
production settings on 127.0.0.1 (its own SECRET_KEY and ALLOWED_HOSTS, DEBUG off, whitenoise),
warms it, and for each page type reports:

- SQL queries of one request, counted in this process with Django's test client
  (uncached: page cache off; cached: a page-cache hit);
- median and p95 latency of sequential requests (Python http.client);
- requests per second with a few concurrent connections (wrk if installed, else threads),
  each run bounded in time;
- server CPU time per request: the gunicorn workers' user+system time from /proc/<pid>/stat
  before and after the sequential requests, divided by their number.

"Uncached" requests add `?nocache=1` (a parameter the page cache does not store), so they
render in full; "cached" requests are page-cache hits (X-Cache: HIT is checked). A static file
served by whitenoise is measured in the same run for comparison. Only loopback is used.
"""

import argparse
import gzip
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.fill import ROOT, bench_environment

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def server_environment(kind, cache, dataset="bench", redis_url="redis://127.0.0.1:6379/11"):
    env = dict(os.environ)
    env.update(bench_environment(kind, dataset))
    env.update(
        DJANGO_SETTINGS_MODULE="psg.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        DATABASE_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        CACHE_KEY_PREFIX=f"psgbench{os.getpid()}",
    )
    env.pop("ELASTICSEARCH_URL", None)
    if cache == "redis":
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
        env["CACHE_DIR"] = str(Path(bench_environment(kind, dataset)["PSG_VAR_DIR"]) / "cache")
    return env


# Server ----------------------------------------------------------------------------------------


class Server:
    def __init__(self, env, port, workers):
        self.port = port
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [
            gunicorn,
            "psg.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--no-control-socket",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _, _ = request(port, "/static/does-not-exist")
                if status:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError("gunicorn did not start")
        time.sleep(1)

    def workers(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def cpu_seconds(self):
        total = 0
        for pid in self.workers():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except FileNotFoundError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def request(port, url):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", url, headers={"Host": "127.0.0.1", "Accept-Encoding": "gzip"})
        response = connection.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body
    finally:
        connection.close()


# Measurements -----------------------------------------------------------------------------------


def sequential(server, url, count):
    """Median and p95 latency (ms) and server CPU ms per request over `count` requests."""
    timings = []
    states = set()
    cpu_before = server.cpu_seconds()
    for number in range(count):
        target = url(number)
        start = time.perf_counter()
        status, headers, _ = request(server.port, target)
        timings.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"{target} answered {status}")
        states.add(headers.get("X-Cache", "-"))
    cpu = (server.cpu_seconds() - cpu_before) * 1000 / count
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)]
    return statistics.median(timings), p95, cpu, states


def throughput(server, url, seconds, connections):
    """Requests per second with `connections` concurrent clients for `seconds`."""
    if shutil.which("wrk") and "{n}" not in url:
        result = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "-H",
                "Accept-Encoding: gzip",
                f"http://127.0.0.1:{server.port}{url}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        for line in result.stdout.splitlines():
            if line.startswith("Requests/sec:"):
                return float(line.split()[1]), "wrk"
            if "Non-2xx" in line:
                raise RuntimeError(f"{url}: {line.strip()}")
        raise RuntimeError(result.stdout)
    done = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset):
        number = offset
        while time.perf_counter() < stop:
            request(server.port, url.replace("{n}", str(number)))
            number += connections
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.perf_counter() - start), "threads"


def with_param(url, param):
    return url + ("&" if "?" in url else "?") + param


# In-process checks ----------------------------------------------------------------------------------


def page_urls():
    import math

    from campaigns.models import CampaignPage
    from news.models import NEWS_PER_PAGE, NewsArticlePage

    articles = NewsArticlePage.objects.live().order_by("-date", "-pk")
    total = articles.count()
    middle = articles[total // 2]
    hub = CampaignPage.objects.live().order_by("pk").first()
    return {
        "home": "/",
        "news index, page 1": "/news/",
        "news index, last page": f"/news/?page={max(1, math.ceil(total / NEWS_PER_PAGE))}",
        "news index, by campaign": f"/news/?campaign={hub.slug}",
        "article": middle.url,
        "campaign hub": hub.url,
        "content page": "/about/",
        "search": "/search/?q=peru",
        "news feed": "/news/feed/",
    }, total


def query_counts(urls):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, url in urls.items():
        with override_settings(PSG_PAGECACHE_ENABLED=False):
            first = client.get(url)
            if first.status_code != 200:
                counts[name] = None
                continue
            with CaptureQueriesContext(connection) as uncached:
                client.get(url)
            # Counted now: the captured list is a view of the connection's log, which the
            # next request resets.
            uncached_count = len(uncached)
        client.get(url)
        with CaptureQueriesContext(connection) as cached:
            response = client.get(url)
        cached_count = len(cached) if response.get("X-Cache") == "HIT" else None
        counts[name] = (uncached_count, cached_count, len(first.content))
    return counts


def asset_report():
    """Sizes and cache headers of the site's own CSS and JavaScript (hashed by the manifest)."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest = json.loads((Path(settings.STATIC_ROOT) / "staticfiles.json").read_text())
    rows = []
    for name in sorted(manifest["paths"]):
        if not name.endswith((".css", ".js")):
            continue
        if name.startswith(("wagtail", "admin", "modeladmin", "wagtail_modeladmin")):
            continue
        hashed = manifest["paths"][name]
        path = Path(settings.STATIC_ROOT) / hashed
        data = path.read_bytes()
        rows.append((name, staticfiles_storage.url(name), len(data), len(gzip.compress(data))))
    return rows


# Main -----------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--dataset", default="bench", help="as for bench.fill")
    parser.add_argument("--cache", choices=["redis", "file"], default="redis")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/11",
        help="the Redis database for --cache redis (emptied at the start of the run)",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=60, help="sequential requests per row")
    parser.add_argument("--seconds", type=int, default=5, help="length of each throughput run")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args(argv)

    env = server_environment(args.db, args.cache, args.dataset, args.redis_url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)

    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.cache import cache

    cache.clear()
    urls, total = page_urls()
    counts = query_counts(urls)
    assets = asset_report()
    static_url = staticfiles_storage.url("css/site.css")

    server = Server(env, args.port, args.workers)
    rows = []
    try:
        for name, url in urls.items():
            if counts.get(name) is None:
                print(f"skipping {name}: {url} does not answer 200", flush=True)
                continue
            uncached_url = with_param(url, "nocache=1")
            for _ in range(3):
                request(server.port, uncached_url)
            med, p95, cpu, _ = sequential(server, lambda n, u=uncached_url: u, args.requests)
            rps, tool = throughput(server, uncached_url, args.seconds, args.connections)
            rows.append((name, "uncached", counts[name][0], med, p95, rps, cpu))
            print(rows[-1], flush=True)
            if name == "search":
                continue
            for _ in range(3):
                request(server.port, url)
            med, p95, cpu, states = sequential(server, lambda n, u=url: u, args.requests * 3)
            mode = "cached (HIT)" if states == {"HIT"} else "not cached: " + "/".join(states)
            rps, tool = throughput(server, url, args.seconds, args.connections)
            rows.append((name, mode, counts[name][1], med, p95, rps, cpu))
            print(rows[-1], flush=True)
        med, p95, cpu, _ = sequential(server, lambda n: static_url, args.requests * 3)
        rps, tool = throughput(server, static_url, args.seconds, args.connections)
        rows.append(("static file (whitenoise)", static_url, 0, med, p95, rps, cpu))
        _, headers, _ = request(server.port, static_url)
        static_cache_control = headers.get("Cache-Control", "")
        status, headers, article_body = request(server.port, urls["article"])
    finally:
        server.stop()

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[1]
    print()
    print(
        f"{total:,} articles, {database}, cache {args.cache}, gunicorn {args.workers} sync "
        f"workers, {os.cpu_count()} cores; {args.requests} sequential requests per uncached "
        f"row ({args.requests * 3} cached), throughput: {tool}, {args.connections} connections, "
        f"{args.seconds} s"
    )
    print()
    print("| page | mode | SQL queries | median ms | p95 ms | req/s | server CPU ms/req |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, mode, queries, med, p95, rps, cpu in rows:
        print(
            f"| {name} | {mode} | {'-' if queries is None else queries} | {med:.1f} | {p95:.1f} | {rps:.0f} | {cpu:.1f} |"
        )
    print()
    print("| page | HTML bytes | gzip bytes |")
    print("| --- | ---: | ---: |")
    for name, value in counts.items():
        if value:
            print(f"| {name} | {value[2]:,} | |")
    print(
        f"| article over HTTP ({headers.get('Content-Encoding', 'identity')}) | "
        f"{len(gzip.decompress(article_body)) if headers.get('Content-Encoding') == 'gzip' else len(article_body):,} | "
        f"{len(article_body) if headers.get('Content-Encoding') == 'gzip' else len(gzip.compress(article_body)):,} |"
    )
    print()
    print(f"Static files: Cache-Control `{static_cache_control}`")
    print()
    print("| asset | URL | bytes | gzip bytes |")
    print("| --- | --- | ---: | ---: |")
    for name, url, size, gz in assets:
        print(f"| {name} | `{url}` | {size:,} | {gz:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
