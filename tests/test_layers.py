"""The apps' floors (docs/architecture.md, "Which app may import which") hold, and cover every app.

`make lint` runs `lint-imports` too; this runs the same contract with the test suite and checks
that no project app is left out of it.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.engine_agnostic


def contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return config, layers


def test_the_import_contract_is_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_every_project_app_is_on_a_floor():
    config, layers = contract()
    project_apps = {app.name for app in apps.get_app_configs() if Path(app.path).parent == ROOT}
    on_floors = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    assert project_apps == set(config["root_packages"]) == on_floors
    # psg is the ground floor.
    assert layers["layers"][-1] == "psg"
