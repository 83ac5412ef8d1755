"""Reading mutmut's records for `make mutate` (scripts/mutate.py): which mutants to try when a
run leaves out the cheapest, the score and the survivors (in the copy, where mutmut keeps its
records), and the report."""

import ast
import json
import re
import sys
from pathlib import Path

# mutmut's exit codes per mutant (mutmut/stats.py): what counts as caught.
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


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
