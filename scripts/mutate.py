"""Mutation testing of the riskiest modules: `make mutate`, or `make mutate MODULE=pagecache`.

    python scripts/mutate.py [MODULE ...] [--max-minutes 20] [--jobs N] [--skip N]
                             [--survivors DIR]

For each module (all of them, smallest first, when none is named) this copies the project to
build/mutate/<module>/, runs mutmut there over the module's files with only the module's own
tests (tests/ files matched by the patterns below, so new test modules are picked up), prints
the score and writes every surviving mutant, as a diff with its file and line, to
build/mutate/survivors/<module>.txt. docs/testing.md explains how to read the results.

Why a copy: mutmut writes its mutants next to a copy of the sources; running it in a copy of
the whole project keeps the work tree untouched (others may be running tests on it) and lets
each module have its own configuration (pyproject's [tool.mutmut] table, written below).

Two things make it fit a small machine:
- mutmut forks one process per mutant from a process that has already imported Django and the
  tests, and runs only the tests that call the mutated function, stopping at the first failure;
- each mutant's test session reuses a migrated test database (--reuse-db): a SQLite file
  named by PSG_TEST_SQLITE_FILE (psg/settings/test.py), or a PostgreSQL test database for the
  modules that run there, instead of migrating a new one.

mutmut tries the mutants cheapest to test first, so a run stopped by its time limit has tried
the first N of that order; `--skip N` leaves those out, to finish a long module in parts.

Each module tests one mutant at a time. `--jobs N` runs N modules at once instead: each has its
own copy and its own test database (a SQLite file, or a PostgreSQL database named after the
module), so no two test sessions ever share one.

mutmut mutates the code inside functions and methods only, and leaves decorated functions alone.
So that views such as `search` (@require_GET) and properties are mutated too, the copy has its
decorators moved to the end of the module (`search = require_GET(search)`), which keeps every
line number. Module-level constants are still not mutated (docs/testing.md lists them).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from mutate_copy import ROOT, configure, copy_project, move_decorators, mutmut_patterns
from mutate_results import cheapest_left_out, collect, print_table, write_survivors

WORK = ROOT / "build" / "mutate"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/psg_mutate"


@dataclass
class Module:
    """Files to mutate, optionally restricted to some functions ("name" or "Class.*"), and the
    test files (glob patterns under the project) that are its own tests."""

    targets: dict
    tests: list
    database: str = "sqlite"
    note: str = ""


# Smallest first: a mistake in the configuration shows up within minutes.
MODULES = {
    "routing": Module(
        targets={"psg/routing.py": None},
        tests=["tests/test_routing*.py"],
    ),
    "shared_drafts": Module(
        targets={"editorial/views.py": None, "editorial/models.py": None},
        tests=["tests/test_editorial*.py", "tests/test_shared_draft*.py"],
    ),
    "membership": Module(
        targets={
            "membership/spam.py": None,
            "membership/wagtail_hooks.py": [
                "ApplicationIndexView.*",
                "MembershipApplicationAdmin.*",
            ],
        },
        tests=["tests/test_membership*.py"],
        note="export (CSV cells, headings) and spam controls",
    ),
    "permissions": Module(
        targets={
            "editorial/admin_views.py": None,
            "editorial/wagtail_hooks.py": None,
            "membership/panels.py": ["user_may_see_applications"],
            "membership/wagtail_hooks.py": [
                "ApplicationPermissionHelper.*",
                "ApplicationHistoryView.*",
            ],
        },
        tests=[
            "tests/test_editorial*.py",
            "tests/test_shared_draft*.py",
            "tests/test_membership*.py",
            "tests/test_admin_journeys*.py",
        ],
        note="who may share drafts, see and export applications",
    ),
    "pagecache": Module(
        targets={"pagecache/middleware.py": None, "pagecache/store.py": None},
        tests=["tests/test_pagecache*.py"],
        database="postgres",
        note="on PostgreSQL, where the publish/render race test runs",
    ),
    "search_view": Module(
        targets={"search/views.py": None, "search/text.py": None, "search/stats.py": None},
        tests=["tests/test_search*.py"],
        note="the search page, its snippets and its statistics",
    ),
    "search_backends": Module(
        targets={
            "search/backends/sqlite.py": None,
            "search/backends/ranked.py": None,
            "search/backends/database.py": None,
            "search/backends/elasticsearch9.py": None,
            "search/synonyms.py": None,
            # Everything but postgres_fix, which runs on PostgreSQL only (search_postgres).
            "search/spelling.py": [
                "correct",
                "_same_case",
                "edits",
                "_pages_with",
                "sqlite_vocabulary",
                "sqlite_fix",
            ],
        },
        tests=["tests/test_search*.py"],
        note="SQLite, bounded ranking, database and Elasticsearch backends, synonyms and "
        "spelling, on SQLite",
    ),
    "search_postgres": Module(
        targets={
            "search/backends/postgres.py": None,
            "search/backends/ranked.py": None,
            "search/spelling.py": ["postgres_fix"],
        },
        tests=["tests/test_search*.py"],
        database="postgres",
        note="PostgreSQL backend and its spelling, on PostgreSQL",
    ),
}


def module_postgres_url(url, name):
    """The module's own database on the server of `url`: `psg_mutate` becomes
    `psg_mutate_pagecache`, so that modules run at once never share a test database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{name}"))


def postgres_reachable(url):
    probe = [sys.executable, "-m", "psg.probe", "postgres", url]
    return subprocess.run(probe, cwd=ROOT, check=False).returncode == 0  # noqa: S603


def run_module(name, module, args):
    dest = WORK / name
    tests = sorted(
        {str(p.relative_to(ROOT)) for pattern in module.tests for p in ROOT.glob(pattern)}
    )
    if not tests:
        return {"module": name, "error": f"no test files match {module.tests}"}

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PSG_REQUIRE_ALL"}}
    env["DJANGO_SETTINGS_MODULE"] = "psg.settings.test"
    if module.database == "postgres":
        if not postgres_reachable(args.postgres_url):
            return {"module": name, "error": f"PostgreSQL not reachable at {args.postgres_url}"}
        env["DATABASE_URL"] = module_postgres_url(args.postgres_url, name)
    else:
        (WORK / "db").mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = ""
        env["PSG_TEST_SQLITE_FILE"] = str(WORK / "db" / f"{name}.sqlite3")

    copy_project(dest)
    for file in module.targets:
        move_decorators(dest / file)
    configure(dest, module, tests)

    log_path = WORK / f"{name}.log"
    print(f"== {name}: {', '.join(module.targets)} with {len(tests)} test file(s)", flush=True)
    started = time.monotonic()
    deadline = started + args.max_minutes * 60
    selection = mutmut_patterns(module)
    stopped = False
    with open(log_path, "w") as log:
        if args.skip:
            # mutmut tries the mutants cheapest to test first (by the time their tests took
            # in its clean run); list them in that order and leave out the first. A run asked
            # for a mutant that does not exist writes the mutants and that record, then stops.
            prepare = [sys.executable, "-m", "mutmut", "run", "--max-children", "1", "none"]
            stopped = run_until(prepare, dest, env, deadline, log)
            stats = dest / "mutants" / "mutmut-stats.json"
            if not stats.exists():
                return {"module": name, "error": f"mutmut failed; see {log_path}"}
            selection = cheapest_left_out(dest / "mutants", selection, args.skip)
            print(f"   leaving out the {args.skip} cheapest; {len(selection)} to try", flush=True)
        if not stopped and selection:
            # One mutant at a time: every test session of this module uses one test database.
            command = [sys.executable, "-m", "mutmut", "run", "--max-children", "1", *selection]
            stopped = run_until(command, dest, env, deadline, log)
    seconds = time.monotonic() - started

    collected = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "_collect", *mutmut_patterns(module)],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if collected.returncode != 0:
        return {
            "module": name,
            "error": f"mutmut failed; see {log_path}",
            "seconds": seconds,
        }
    result = json.loads(collected.stdout)
    result.update(module=name, seconds=seconds, stopped=stopped, tests=tests, skipped=args.skip)
    write_survivors(Path(args.survivors) / f"{name}.txt", result)
    return result


def run_until(command, cwd, env, deadline, log):
    """Run a mutmut command, stopping it (and every test process it started) at the deadline.
    Tells whether it was stopped."""
    process = subprocess.Popen(  # noqa: S603
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    stopped = False
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        stopped = True
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return stopped


# Command line --------------------------------------------------------------------------------


def main(argv):
    if argv[:1] == ["_collect"]:
        collect(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=float(os.environ.get("MUTATE_MAX_MINUTES", "20")),
        help="stop a module's run after this long and report what was tried",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=int(os.environ.get("MUTATE_JOBS", "1")),
        help="modules run at once, each on its own copy and test database (default 1)",
    )
    parser.add_argument(
        "--skip",
        type=int,
        default=int(os.environ.get("MUTATE_SKIP", "0")),
        help="leave out the N mutants cheapest to test, which a stopped run tried first, to "
        "finish a long module in parts (default 0)",
    )
    parser.add_argument("--survivors", default=str(WORK / "survivors"))
    parser.add_argument(
        "--postgres-url", default=os.environ.get("MUTATE_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    )
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")

    if args.jobs < 1:
        parser.error("--jobs must be at least 1")

    def run(name):
        result = run_module(name, MODULES[name], args)
        print_table([result])
        return result

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run, args.modules or MODULES))
    if len(results) > 1:
        print_table(results)
    print(f"\nSurvivors: {args.survivors}/<module>.txt; mutmut's logs: {WORK}/<module>.log")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
