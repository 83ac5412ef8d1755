"""Load a benchmark database: `python -m bench.fill --articles 10000 [--db sqlite|postgres]`.

Migrates the database, imports the legacy home page (site skeleton, two campaigns, join page,
mission section), then adds topics, generated pictures, a content page and enough synthetic
articles to reach --articles, and indexes them for search. Prints how long each step took.

Databases (never the development one): SQLite in var/bench/bench.sqlite3, or the PostgreSQL
database psg_bench_perf on 127.0.0.1 (`--dataset NAME` picks var/bench/NAME.sqlite3 or
psg_bench_perf_NAME instead). Media go to var/bench/media.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
POSTGRES_NAME = "psg_bench_perf"


def database_name(kind, dataset="bench"):
    if kind == "postgres":
        return POSTGRES_NAME if dataset == "bench" else f"{POSTGRES_NAME}_{dataset}"
    return str(BENCH_DIR / f"{dataset}.sqlite3")


def database_url(kind, dataset="bench"):
    if kind == "postgres":
        return f"{POSTGRES_SERVER}/{database_name(kind, dataset)}"
    return f"sqlite:///{database_name(kind, dataset)}"


def bench_environment(kind, dataset="bench"):
    """Environment shared by the loader and the runner."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "DATABASE_URL": database_url(kind, dataset),
        "MEDIA_ROOT": str(BENCH_DIR / "media"),
        "STATIC_ROOT": str(BENCH_DIR / "static"),
        "PSG_VAR_DIR": str(BENCH_DIR),
    }


def ensure_postgres_database(name):
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


class Timer:
    def __init__(self):
        self.steps = []

    def __call__(self, label):
        timer = self

        class Step:
            def __enter__(self):
                self.start = time.perf_counter()
                print(f"{label}...", flush=True)

            def __exit__(self, *exc):
                seconds = time.perf_counter() - self.start
                timer.steps.append((label, seconds))
                print(f"{label}: {seconds:.1f} s", flush=True)

        return Step()


def setup_django(kind, dataset):
    os.environ.update(bench_environment(kind, dataset))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psg.settings.dev")
    import django

    django.setup()


def ensure_content_page(home, images):
    from home.models import StandardPage

    page = StandardPage.objects.filter(slug="about").first()
    if page:
        return page
    import random

    from bench.content import article_body

    rng = random.Random(7)
    page = home.add_child(
        instance=StandardPage(
            title="About the Peru Support Group",
            slug="about",
            show_in_menus=True,
            intro="The Peru Support Group works for human rights, social inclusion and "
            "sustainable development in Peru.",
            body=article_body(rng, images) + article_body(rng, images),
        )
    )
    page.save_revision().publish()
    return page


def index_articles(ids, chunk=1000, progress=None):
    from wagtail.search.backends import get_search_backend

    from news.models import NewsArticlePage

    backend = get_search_backend()
    for start in range(0, len(ids), chunk):
        batch = list(NewsArticlePage.objects.filter(pk__in=ids[start : start + chunk]))
        backend.add_bulk(NewsArticlePage, batch)
        if progress:
            progress(start + len(batch))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, required=True, help="articles wanted in total")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--dataset",
        default="bench",
        help="name of the data set: var/bench/NAME.sqlite3, or psg_bench_perf[_NAME]",
    )
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--no-index", action="store_true", help="skip search indexing")
    parser.add_argument(
        "--reindex", action="store_true", help="index every article, not only the new ones"
    )
    args = parser.parse_args(argv)

    if args.db == "postgres":
        ensure_postgres_database(database_name("postgres", args.dataset))
    setup_django(args.db, args.dataset)

    from django.conf import settings
    from django.core.management import call_command

    timer = Timer()
    with timer("migrate"):
        call_command("migrate", verbosity=0, interactive=False)

    from wagtail.images import get_image_model

    from bench.content import add_articles, ensure_topics, make_images
    from home.models import HomePage
    from news.models import NewsArticlePage, NewsIndexPage
    from pagecache import store

    with store.muted():
        with timer("legacy import (site skeleton, campaigns, mission)"):
            call_command("import_legacy", str(settings.PSG_SEED_FILE), verbosity=0)
        home = HomePage.objects.get()
        news = NewsIndexPage.objects.get()
        if not news.show_in_menus:
            news.show_in_menus = True
            news.save_revision().publish()
        from campaigns.models import CampaignPage

        campaigns = list(CampaignPage.objects.order_by("pk"))
        topics = ensure_topics()
        images = list(get_image_model().objects.filter(title__startswith="Landscape in the Andes"))
        if len(images) < args.images:
            with timer(f"{args.images - len(images)} generated pictures"):
                images += make_images(args.images - len(images), seed=len(images) + 1)
        ensure_content_page(home, images)

        existing = NewsArticlePage.objects.count()
        wanted = max(0, args.articles - existing)
        print(f"{existing} articles present, adding {wanted}", flush=True)
        before = set(NewsArticlePage.objects.values_list("pk", flat=True)) if wanted else set()

        def report(done):
            if done % 10_000 == 0 or done == wanted:
                print(f"  {done} / {wanted}", flush=True)

        if wanted:
            with timer(f"{wanted} articles"):
                add_articles(
                    news,
                    wanted,
                    campaigns=campaigns,
                    topics=topics,
                    images=images,
                    seed=existing,
                    batch_size=args.batch,
                    progress=report,
                )
            if not args.no_index:
                new_ids = sorted(set(NewsArticlePage.objects.values_list("pk", flat=True)) - before)
                with timer(f"search index for {len(new_ids)} articles"):
                    index_articles(new_ids, progress=lambda n: n % 10_000 == 0 and report(n))
            # Fresh planner statistics, as autovacuum would gather after a while: straight
            # after a bulk load PostgreSQL takes the articles for a handful of rows.
            with timer("ANALYZE"):
                from django.db import connection

                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
    print(f"Database: {settings.DATABASES['default']['NAME']}")
    print(f"Articles: {NewsArticlePage.objects.count()}")
    for label, seconds in timer.steps:
        print(f"| {label} | {seconds:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
