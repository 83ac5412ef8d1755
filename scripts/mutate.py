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
import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutate"
COPY_IGNORE = {
    ".git",
    ".venv",
    "var",
    "build",
    "mutants",
    "node_modules",
    "docs",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
}
# mutmut stops a mutant's tests after (their measured duration + constant) x multiplier x 2 CPU
# seconds. It measures only the tests' own calls, not their fixtures (most of the time here), so
# its defaults (1 s, x15) stop slow survivors and count them as caught; these leave room.
TIMEOUT_CONSTANT = 60
TIMEOUT_MULTIPLIER = 2
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/psg_mutate"
# mutmut's exit codes per mutant (mutmut/stats.py): what counts as caught.
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


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


# The copy ------------------------------------------------------------------------------------


def copy_project(dest):
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(
        ROOT,
        dest,
        ignore=lambda _dir, names: [n for n in names if n in COPY_IGNORE or n.endswith(".pyc")],
    )


def move_decorators(path):
    """Apply the decorators of functions and methods after the module body instead of on
    their definitions, so that mutmut mutates them too; line numbers stay the same."""
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    tail = []

    def simple(decorators, in_class):
        if not decorators:
            return True
        only = decorators[0]
        return (
            in_class
            and len(decorators) == 1
            and isinstance(only, ast.Name)
            and only.id in {"staticmethod", "classmethod"}
        )

    def take(node, in_class):
        exprs = [ast.get_source_segment(source, d) for d in node.decorator_list]
        for index in range(node.decorator_list[0].lineno - 1, node.lineno - 1):
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            lines[index] = f"{indent}# {lines[index].strip()}  (applied at the end of the module)\n"
        return exprs

    def applied(exprs, value):
        for expr in reversed(exprs):
            value = f"({expr})({value})"
        return value

    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not simple(node.decorator_list, False):
            tail.append(f"{node.name} = {applied(take(node, False), node.name)}\n")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not simple(item.decorator_list, True):
                    value = applied(take(item, True), f'vars({node.name})["{item.name}"]')
                    tail.append(
                        f"_moved = {value}\n"
                        f'setattr({node.name}, "{item.name}", _moved)\n'
                        f'getattr(type(_moved), "__set_name__", lambda *args: None)'
                        f'(_moved, {node.name}, "{item.name}")\n'
                    )
    if tail:
        path.write_text(
            "".join(lines) + "\n\n# Decorators, moved here for mutation testing.\n" + "".join(tail)
        )


def mutmut_patterns(module):
    patterns = []
    for file, selectors in module.targets.items():
        dotted = file.removesuffix(".py").replace("/", ".")
        if selectors is None:
            patterns.append(f"{dotted}.*")
            continue
        for selector in selectors:
            owner, _, name = selector.rpartition(".")
            if owner:
                patterns.append(f"{dotted}.xǁ{owner}ǁ{name.replace('*', '')}*")
            else:
                patterns.append(f"{dotted}.x_{name}__mutmut_*")
    return patterns


def toml_list(values):
    return "[" + ", ".join(json.dumps(str(v)) for v in values) + "]"


def configure(dest, module, tests):
    entries = sorted(p.name for p in dest.iterdir() if p.name not in {"mutants", "pyproject.toml"})
    table = f"""

[tool.mutmut]
source_paths = {toml_list(entries)}
only_mutate = {toml_list(module.targets)}
pytest_add_cli_args_test_selection = {toml_list(tests)}
pytest_add_cli_args = ["-p", "no:cacheprovider", "--reuse-db"]
timeout_multiplier = {TIMEOUT_MULTIPLIER}
timeout_constant = {TIMEOUT_CONSTANT}
use_git_change_detection = false
on_dependency_change = "ignore"
"""
    with open(dest / "pyproject.toml", "a") as f:
        f.write(table)


# Running -------------------------------------------------------------------------------------


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


def cheapest_left_out(mutants, patterns, count):
    """The mutants matching the patterns but the `count` cheapest to test (the ones a stopped
    run of the same code tried first), in mutmut's order: by the summed time of the tests that
    call their function. Mutants no test reaches stay in, so they still count as survivors."""
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    stats = json.loads((mutants / "mutmut-stats.json").read_text())
    tests_by_function = stats["tests_by_mangled_function_name"]
    duration = stats["duration_by_test"]
    untested, tested = [], []
    for _source, key, _code in mutant_results(mutants, patterns):
        tests = tests_by_function.get(mangled_name_from_mutant_name(key), [])
        if tests:
            tested.append((sum(duration.get(t, 0) for t in tests), key))
        else:
            untested.append(key)
    tested.sort(key=lambda item: item[0])
    return untested + [key for _, key in tested[count:]]


def write_survivors(path, result):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# {result['module']}: {len(result['survivors'])} surviving mutant(s) of {result['total']}",
        f"# own tests: {' '.join(result['tests'])}",
        "",
    ]
    for mutant in result["survivors"]:
        lines += [
            f"## {mutant['name']} ({mutant['status']})",
            f"{mutant['where']}",
            mutant["diff"],
            "",
        ]
    path.write_text("\n".join(lines))


# Reading mutmut's results (runs inside the copy, where mutmut keeps them) ---------------------


def mutant_results(mutants, patterns):
    """(source file, mutant name, mutmut's exit code or None) for every mutant matching the
    patterns, file by file in the order mutmut records them, from its records in `mutants`."""
    import fnmatch

    for meta in sorted(mutants.rglob("*.py.meta")):
        source_path = meta.relative_to(mutants).with_suffix("")
        for key, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if any(fnmatch.fnmatch(key, p) for p in patterns):
                yield source_path, key, code


def collect(patterns):
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    counts = {}
    survivors = []
    total = 0
    results = mutant_results(Path("mutants"), patterns)
    for source_path, key, code in sorted(results, key=lambda r: (r[0], natural(r[1]))):
        status = status_by_exit_code[code]
        counts[status] = counts.get(status, 0) + 1
        total += 1
        if status in KILLED or status == "not checked":
            continue
        diff = get_diff_for_mutant(key, path=source_path)
        function, owner = orig_function_and_class_names_from_key(key)
        diff, line = place_diff(source_path, diff, function, owner)
        survivors.append(
            {"name": key, "status": status, "where": f"{source_path}:{line}", "diff": diff}
        )
    killed = sum(n for status, n in counts.items() if status in KILLED)
    checked = total - counts.get("not checked", 0)
    json.dump(
        {
            "total": total,
            "killed": killed,
            "checked": checked,
            "counts": counts,
            "score": round(100 * killed / checked, 1) if checked else None,
            "survivors": survivors,
        },
        sys.stdout,
    )


def natural(key):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


def definition_line(source, function, owner):
    body = ast.parse(source).body
    if owner is not None:
        classes = [node for node in body if isinstance(node, ast.ClassDef) and node.name == owner]
        body = classes[0].body if classes else []
    lines = [
        node.lineno for node in body if isinstance(node, ast.FunctionDef) and node.name == function
    ]
    return lines[0] if lines else 1


def place_diff(source_path, diff, function, owner):
    """mutmut's diff counts lines from the function's start: count them from the file's, and
    return the line of the first changed line too."""
    source = source_path.read_text()
    lines = [line.strip() for line in source.splitlines()]
    def_line = definition_line(source, function, owner)
    diff_lines = diff.splitlines()
    out = []
    changed = None
    for index, text in enumerate(diff_lines):
        match = re.match(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@(.*)$", text)
        if not match:
            out.append(text)
            continue
        # The hunk's old side, found in the file nearest the function's definition.
        old = []
        for line in diff_lines[index + 1 :]:
            if line.startswith("@@"):
                break
            if line[:1] in {" ", "-"}:
                old.append(line[1:].strip())
        starts = [
            n for n in range(1, len(lines) - len(old) + 2) if lines[n - 1 : n - 1 + len(old)] == old
        ]
        start = min(starts, key=lambda n: abs(n - def_line)) if starts else int(match[1])
        offset = start - int(match[1])
        out.append(
            f"@@ -{start}{match[2] or ''} +{int(match[3]) + offset}{match[4] or ''} @@{match[5]}"
        )
        if changed is None:
            cursor = start
            for line in diff_lines[index + 1 :]:
                if line.startswith("-"):
                    changed = cursor
                    break
                if line.startswith(" "):
                    cursor += 1
    return "\n".join(out), changed or def_line


# Command line --------------------------------------------------------------------------------


def print_table(results):
    print()
    print(f"{'module':<16} {'score':>7} {'killed':>7} {'survived':>9} {'mutants':>8} {'time':>7}")
    for r in results:
        if "error" in r:
            print(f"{r['module']:<16} {'-':>7}  {r['error']}")
            continue
        score = "-" if r["score"] is None else f"{r['score']}%"
        flag = "  (stopped: time limit; not every mutant was tried)" if r["stopped"] else ""
        if r.get("skipped"):
            flag += f"  (the {r['skipped']} cheapest left out)"
        print(
            f"{r['module']:<16} {score:>7} {r['killed']:>7} {len(r['survivors']):>9} "
            f"{r['total']:>8} {r['seconds'] / 60:>6.1f}m{flag}"
        )


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
