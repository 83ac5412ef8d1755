"""The copy `make mutate` runs mutmut in (scripts/mutate.py): the project copied to
build/mutate/<module>/, its decorators moved so that mutmut reaches decorated functions, and
mutmut's configuration for the module written into the copy's pyproject.toml."""

import ast
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
