"""Search benchmark: index build time and /search/ latency at 10,000 or 100,000 articles.

    .venv/bin/python -m bench.search_bench --count 10000              # SQLite and PostgreSQL
    .venv/bin/python -m bench.search_bench --count 100000 --db postgres
    .venv/bin/python -m bench.search_bench --count 10000 --db sqlite --repeat 30

For each database it builds a fresh site (SQLite file var/bench/search-<count>.sqlite3, or the
PostgreSQL database ``psg_bench_search_<count>``, dropped and created again;
PSG_BENCH_POSTGRES_URL changes the server), loads ``count`` synthetic articles in bulk (bench/content.py), rebuilds the search
index with ``manage.py update_index`` (timed), refreshes the planner's statistics, then
requests a set of searches through Django's test client (the whole stack: middleware, view,
template) and prints the median and 95th percentile of each, for the whole request and for its
search part (finding, counting and ranking the results, loading the ten shown and their
snippets; for suggestions, finding the titles). The rest of a request is the page layout
(menus, footer, settings), the same for every search: the "no match" row shows it. The CPU
column is the mean processor time a request used, in this process and (PostgreSQL on this
machine) in the database server: on a busy machine it varies less than the clock does.
Database connections are kept between requests (DATABASE_CONN_MAX_AGE=60), as in production. Each database runs in its own process. Nothing is downloaded.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = os.environ.get("PSG_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def postgres_db(count):
    return f"psg_bench_search_{count}"


# (label, query-string parameters)
QUERIES = [
    ("one common word", {"q": "peru"}),
    ("accented word", {"q": "Perú"}),
    ("two words", {"q": "fujimori extradition"}),
    ("three words", {"q": "water contamination cajamarca"}),
    ("common + mid word", {"q": "peru courts"}),
    ("two mid words", {"q": "courts sterilisations"}),
    ("rare word", {"q": "sterilisations"}),
    ("no match", {"q": "xylophone"}),
    # Typos: the search finds fewer than three results, so a corrected spelling is tried.
    ("typo", {"q": "Cajamarka"}),
    ("typo, rare word", {"q": "sterilisatoins"}),
    ("typo + real word", {"q": "Fujimory extradition"}),
    ("page 5", {"q": "justice", "page": "5"}),
    ("newest first", {"q": "justice", "sort": "newest"}),
    ("news + campaign", {"q": "courts", "type": "news", "campaign": "fujimori-extradition"}),
    ("hostile", {"q": " AND ".join(["peru"] * 100)}),
    ("suggest", {"q": "caja", "_url": "/search/suggest/"}),
]


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def prepare_database(db, count):
    if db == "sqlite":
        path = ROOT / "var" / "bench" / f"search-{count}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {postgres_db(count)} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {postgres_db(count)}")
    return f"{POSTGRES_SERVER}/{postgres_db(count)}"


def analyse():
    """Refresh the planner's statistics and tidy the indexes, as autovacuum would after a bulk
    load (on PostgreSQL, VACUUM also empties the GIN indexes' pending lists)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def build_site(count, log):
    from django.core.management import call_command

    from bench.content import add_articles, ensure_topics
    from campaigns.models import CampaignIndexPage, CampaignPage
    from home.models import HomePage, StandardPage
    from news.models import NewsArticlePage, NewsIndexPage

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrated in {time.perf_counter() - started:.1f}s")

    home = HomePage.objects.get()
    news = home.add_child(instance=NewsIndexPage(title="News", slug="news"))
    hubs = home.add_child(instance=CampaignIndexPage(title="Campaigns", slug="campaigns"))
    campaigns = [
        hubs.add_child(
            instance=CampaignPage(
                title="Fujimori extradition",
                slug="fujimori-extradition",
                summary="Bring Alberto Fujimori to justice in Peru.",
            )
        ),
        hubs.add_child(
            instance=CampaignPage(
                title="Truth Commission",
                slug="truth-commission",
                summary="Implement the recommendations of the Truth Commission.",
            )
        ),
    ]
    home.add_child(
        instance=StandardPage(
            title="About the Peru Support Group",
            slug="about",
            intro="We campaign for human rights in Perú.",
        )
    )
    # A few accented titles among the synthetic ones.
    for number in range(20):
        news.add_child(
            instance=NewsArticlePage(
                title=f"Perú: informe número {number} sobre la extradición",
                slug=f"peru-informe-{number}",
                summary="Organizaciones en Lima y Cajamarca piden justicia.",
            )
        )

    started = time.perf_counter()
    add_articles(
        news,
        count,
        campaigns=campaigns,
        topics=ensure_topics(),
        seed=1,
        batch_size=1000,
        progress=lambda made: made % 20000 == 0 and log(f"  {made} articles"),
    )
    load_seconds = time.perf_counter() - started
    log(f"loaded {count} articles in {load_seconds:.1f}s")

    started = time.perf_counter()
    call_command("update_index", verbosity=0)
    index_seconds = time.perf_counter() - started
    log(f"indexed in {index_seconds:.1f}s")
    analyse()
    return load_seconds, index_seconds


# The search-specific part of a request: finding, counting and ranking the results, spelling
# corrections, reading the page of results, loading the pages shown and their snippets,
# promotions; or, for suggestions, finding the titles.
SEARCH_PARTS = ("find", "correct", "paginate", "build_results", "suggestions_for")


class SearchPartTimer:
    """Adds up the time spent in the view's search functions during one request."""

    def __init__(self):
        from modelsearch.backends.base import BaseSearchResults

        from search import views

        self.seconds = 0.0
        self.depth = 0
        for name in SEARCH_PARTS:
            setattr(views, name, self.wrap(getattr(views, name)))
        # The page of results is read (and, on SQLite, ranked) when the view lists it, between
        # ``paginate`` and ``build_results``: that is search work too.
        BaseSearchResults.results = self.wrap(BaseSearchResults.results)
        BaseSearchResults.count = self.wrap(BaseSearchResults.count)

    def wrap(self, function):
        def timed(*args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                result = function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += time.perf_counter() - started
            return result

        return timed


def server_cpu_ms():
    """CPU time the database server's process for this connection has used so far: PostgreSQL
    on this machine only (Linux), else 0 (SQLite runs inside this process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def measure(repeat, log):
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the client see each response's context (result counts)
    client = Client()
    timer = SearchPartTimer()
    rows = []
    for label, params in QUERIES:
        params = dict(params)
        url = params.pop("_url", "/search/")
        response = client.get(url, params)  # warm caches
        assert response.status_code == 200, (label, response.status_code)
        total = capped = None
        if response.context:
            total, capped = response.context["total"], response.context.get("capped")
        timings, parts = [], []
        # CPU time (this process and the database server's) depends less than the clock does
        # on what else the machine is doing.
        cpu_started = time.process_time() * 1000 + server_cpu_ms()
        for _ in range(repeat):
            timer.seconds = 0.0
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
            parts.append(timer.seconds * 1000)
            assert response.status_code == 200
        cpu_ms = (time.process_time() * 1000 + server_cpu_ms() - cpu_started) / repeat
        rows.append(
            {
                "query": label,
                "results": total,
                "capped": bool(capped),
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "search_p50_ms": round(statistics.median(parts), 1),
                "search_p95_ms": round(percentile(parts, 0.95), 1),
                "cpu_ms": round(cpu_ms, 1),
            }
        )
        log(
            f"  {label}: p50 {rows[-1]['p50_ms']} ms, p95 {rows[-1]['p95_ms']} ms "
            f"(search part p50 {rows[-1]['search_p50_ms']} ms, CPU {rows[-1]['cpu_ms']} ms)"
        )
    return rows


def database_url(db, count):
    if db == "sqlite":
        return f"sqlite:///{ROOT / 'var' / 'bench' / f'search-{count}.sqlite3'}"
    return f"{POSTGRES_SERVER}/{postgres_db(count)}"


def worker(db, count, repeat, measure_only=False):
    def log(message):
        print(f"[{db} {count}] {message}", file=sys.stderr, flush=True)

    os.environ["DATABASE_URL"] = (
        database_url(db, count) if measure_only else prepare_database(db, count)
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "psg.settings.test"
    # Connections kept between requests, as docs/deployment.md recommends for production.
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.getLogger("wagtail").setLevel(logging.WARNING)
    if measure_only:
        from django.core.management import call_command

        from news.models import NewsArticlePage

        call_command("migrate", verbosity=0)
        found = NewsArticlePage.objects.count()
        if found < count:
            raise SystemExit(
                f"--measure-only: the {db} bench site has {found} articles, not {count}; "
                "build it first (the same command without --measure-only)."
            )
        analyse()
        load_seconds = index_seconds = 0.0
    else:
        load_seconds, index_seconds = build_site(count, log)
    rows = measure(repeat, log)
    from wagtail.models import Page

    return {
        "db": db,
        "count": count,
        "pages": Page.objects.count(),
        "load_s": round(load_seconds, 1),
        "index_s": round(index_seconds, 1),
        "queries": rows,
    }


def print_table(results):
    for result in results:
        print(
            f"\n{result['db']}: {result['count']:,} synthetic articles "
            f"({result['pages']:,} pages); bulk load {result['load_s']} s, "
            f"update_index {result['index_s']} s"
        )
        print(
            "| query | results | p50 ms | p95 ms | search part p50 ms | search part p95 ms "
            "| CPU ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
        )
        for row in result["queries"]:
            if row["results"] is None:
                results_count = "-"
            elif row.get("capped"):
                results_count = f"> {row['results']:,}"
            else:
                results_count = f"{row['results']:,}"
            print(
                f"| {row['query']} | {results_count} | {row['p50_ms']} | {row['p95_ms']} | "
                f"{row['search_p50_ms']} | {row['search_p95_ms']} | {row['cpu_ms']} |"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="Also write the results to this file.")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="Reuse the site a previous run built (after migrating it) and only time searches.",
    )
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.db, args.count, args.repeat, args.measure_only)))
        return

    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.search_bench",
                "--worker",
                "--db",
                db,
                "--count",
                str(args.count),
                "--repeat",
                str(args.repeat),
                *(["--measure-only"] if args.measure_only else []),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        if completed.returncode:
            sys.exit(completed.returncode)  # the worker has said why on stderr
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
