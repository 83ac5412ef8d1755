"""Where a page's time goes: `python -m bench.profile [PATH ...] [--db postgres] [--profile]`.

Renders each page in this process with the production settings against a benchmark data set
(`python -m bench.fill` first), the page cache bypassed as `bench.run` does (`?nocache=1`),
and prints for each:

- CPU ms per request, the best of several batches (the least disturbed by other work on the
  machine), split into the page's `get_context`, its template rendering and SQL execution;
- Python function calls per request: unlike time, the same from run to run, so a change that
  saves work shows even on a busy machine;
- with `--profile`, the functions that take the most time (cProfile, sorted by own time).

Without a path it takes bench.run's pages (home, news index first and last page and filtered
by a campaign, an article, a campaign hub, a content page, search, the feed) and the campaign
index and the join page. The queries column counts the SQL queries of one request.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict

from bench.fill import bench_environment


def environment(kind, dataset):
    env = bench_environment(kind, dataset)
    env.update(
        DJANGO_SETTINGS_MODULE="psg.settings.production",
        SECRET_KEY="bench-profile-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        DATABASE_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        CACHE_KEY_PREFIX=f"psgprofile{os.getpid()}",
        REDIS_URL=os.environ.get("PSG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
    )
    return env


class Timers:
    """Own CPU time spent inside a few methods, summed over requests."""

    def __init__(self):
        self.totals = defaultdict(float)

    def wrap(self, owner, name, label):
        original = getattr(owner, name)
        totals = self.totals

        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] += time.process_time() - start

        setattr(owner, name, timed)


def install_timers():
    from django.apps import apps
    from django.db.backends.utils import CursorWrapper
    from django.template.response import SimpleTemplateResponse
    from wagtail.models import Page

    timers = Timers()
    timers.wrap(SimpleTemplateResponse, "render", "template")
    timers.wrap(CursorWrapper, "execute", "SQL")
    for model in apps.get_models():
        if issubclass(model, Page) and "get_context" in vars(model):
            timers.wrap(model, "get_context", "get_context")
    return timers


def count_queries(client, url):
    from django.db import connection

    queries = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(url)
    return len(queries)


def measure(client, url, timers, batches, per_batch):
    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            return None
    queries = count_queries(client, url)
    best = None
    for _ in range(batches):
        timers.totals.clear()
        start = time.process_time()
        for _ in range(per_batch):
            client.get(url)
        elapsed = (time.process_time() - start) / per_batch * 1000
        if best is None or elapsed < best[0]:
            best = (elapsed, {k: v / per_batch * 1000 for k, v in timers.totals.items()})
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    return best[0], best[1], stats.total_calls / 10, queries, stats


def default_paths():
    from bench.run import page_urls
    from campaigns.models import CampaignIndexPage
    from membership.models import JoinPage

    paths = list(page_urls()[0].values())
    for model in (CampaignIndexPage, JoinPage):
        page = model.objects.live().first()
        if page is not None:
            paths.append(page.url)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--dataset", default="bench", help="as for bench.fill")
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--requests", type=int, default=20, help="requests per batch")
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)

    os.environ.update(environment(args.db, args.dataset))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)
    paths = args.paths or default_paths()
    timers = install_timers()
    client = Client()
    print("| page | CPU ms/req | get_context | template | SQL | calls/req | queries |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    profiles = []
    for path in paths:
        url = path + ("&" if "?" in path else "?") + "nocache=1"
        result = measure(client, url, timers, args.batches, args.requests)
        if result is None:
            print(f"| {path} | not 200 | | | | | |")
            continue
        cpu, parts, calls, queries, stats = result
        print(
            f"| {path} | {cpu:.1f} | {parts.get('get_context', 0):.1f} | "
            f"{parts.get('template', 0):.1f} | {parts.get('SQL', 0):.1f} | {calls:,.0f} | "
            f"{queries} |"
        )
        profiles.append((path, stats))
    if args.profile:
        for path, stats in profiles:
            print(f"\n## {path}\n")
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    sys.exit(main())
