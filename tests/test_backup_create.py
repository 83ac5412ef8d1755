"""Taking a backup: where it goes, clear refusals instead of tracebacks, the nightly schedule.

Each test runs `manage.py backup_site` as its own process (tests/backup_helpers.py), on SQLite
files in a temporary folder; the PostgreSQL cases need no server (they stop before connecting,
or find none). docs/deployment.md, "Backup and restore", describes the behaviour.
"""

import datetime
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from tests.backup_helpers import ROOT, backups_in, manage, manage_env, site_like_database
from tests.conftest import require

# Each test runs manage.py on SQLite files of its own (or a PostgreSQL address that is refused),
# never on the pass's test database: the SQLite pass of `make test` runs them (docs/testing.md).
pytestmark = pytest.mark.engine_agnostic

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "psg.settings.production",
    "SECRET_KEY": "backup-tests-only-" + "x" * 40,
    "ALLOWED_HOSTS": "www.example.org",
}


def tree(folder):
    folder = Path(folder)
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def made_backup(result):
    assert result.returncode == 0, result.stderr
    backup = Path(result.stdout.strip().splitlines()[-1])
    assert (backup / "manifest.json").is_file()
    return backup


def refused(result, *phrases):
    """A CommandError: exit status 1, one clear message, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("CommandError: "), result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase.lower() in result.stderr.lower(), result.stderr


@pytest.fixture
def site(tmp_path):
    """A data folder as `make run` or a small SQLite server has it: database and media."""
    var = tmp_path / "var"
    (var / "media" / "images").mkdir(parents=True)
    (var / "media" / "images" / "banner.png").write_bytes(b"\x89PNG banner")
    site_like_database(var / "db.sqlite3")
    return var


# Where backups go --------------------------------------------------------------------------


def test_a_development_backup_goes_outside_the_data_folder(site, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    before = tree(site)

    backup = made_backup(manage("backup_site", HOME=home, PSG_VAR_DIR=site))

    assert backup.parent == home / "psg-backups"
    assert tree(site) == before, "nothing is written into the data folder"
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["migrations"] == {"wagtailcore": "0100_example"}
    assert manifest["media"]["files"] == 1


def test_production_refuses_a_backup_without_a_folder_outside_the_data(site, tmp_path):
    env = {**PRODUCTION, "PSG_VAR_DIR": site}

    refused(manage("backup_site", **env), "No backup folder given", "PSG_BACKUP_DIR")
    refused(
        manage("backup_site", f"--output-dir={site / 'backups'}", **env),
        f"inside PSG_VAR_DIR ({site})",
    )
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    refused(
        manage("backup_site", **env, MEDIA_ROOT=uploads, PSG_BACKUP_DIR=uploads / "backups"),
        f"inside MEDIA_ROOT ({uploads})",
    )
    assert [path for path in tree(tmp_path) if "backup" in path] == [], "no folder was made"

    backup = made_backup(manage("backup_site", **env, PSG_BACKUP_DIR=tmp_path / "backups"))
    assert backup.parent == tmp_path / "backups"


@pytest.mark.django_db
def test_the_make_run_set_up_says_where_backups_go(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.STATIC_ROOT = str(tmp_path / "static")
    out = io.StringIO()

    call_command("prepare_site", stdout=out)

    text = out.getvalue()
    assert f"backup_site` saves the database and media files to {settings.PSG_BACKUP_DIR}" in text
    assert f"outside {settings.VAR_DIR}" in text
    if not os.environ.get("PSG_BACKUP_DIR"):
        assert Path(settings.PSG_BACKUP_DIR) == Path.home() / "psg-backups", "outside var/"


# Clear refusals, nothing changed ---------------------------------------------------------


def test_a_missing_data_folder_is_a_clear_error_and_creates_nothing(tmp_path):
    var = tmp_path / "var"

    result = manage("backup_site", PSG_VAR_DIR=var, PSG_BACKUP_DIR=tmp_path / "backups")

    refused(result, f"The data folder {var} does not exist", "restore_site")
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("garbage", "cannot be read as a SQLite database (file is not a database)"),
        ("truncated", "cannot be read as a SQLite database (database disk image is malformed)"),
        ("damaged pages", "failed SQLite's integrity check"),
        ("another database", "has no django_migrations table"),
    ],
)
def test_a_damaged_or_wrong_database_file_is_refused_and_left_as_it_was(tmp_path, damage, message):
    database = tmp_path / "db.sqlite3"
    if damage == "garbage":
        database.write_bytes(b"not a database " * 1000)
    elif damage == "another database":
        database.touch()
    else:
        site_like_database(database, megabytes=8)
        size = database.stat().st_size
        with database.open("r+b") as handle:
            if damage == "truncated":
                handle.truncate(size // 2)
            else:
                for offset in range(8192, size, 4096 * 7):
                    handle.seek(offset)
                    handle.write(b"\xa5" * 4096)
    before = digest(database)
    output = tmp_path / "backups"

    result = manage(
        "backup_site",
        f"--output-dir={output}",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=tmp_path / "media",
    )

    refused(result, str(database), message, "nothing was changed")
    assert digest(database) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["db.sqlite3"]


def test_an_output_folder_that_is_a_file_is_a_clear_error(site, tmp_path):
    output = tmp_path / "backups"
    output.write_text("a file, not a folder")

    result = manage("backup_site", f"--output-dir={output}", PSG_VAR_DIR=site)

    refused(result, f"Cannot use {output} as the backup folder: it is a file")
    assert output.read_text() == "a file, not a folder"


def test_postgresql_without_pg_dump_is_a_clear_error(tmp_path):
    result = manage(
        "backup_site",
        f"--output-dir={tmp_path / 'backups'}",
        DATABASE_URL="postgres://psg@127.0.0.1:5432/psg",
        MEDIA_ROOT=tmp_path / "media",
        PATH=tmp_path / "no-programs-here",
    )

    refused(result, "pg_dump was not found on PATH", "postgresql-client")
    assert sorted(tmp_path.iterdir()) == []


def test_an_unreachable_postgresql_server_is_a_clear_error(tmp_path):
    require(shutil.which("pg_dump"), "pg_dump", "Debian's postgresql-client package")
    # Port 9 (discard) on this machine: nothing listens, the connection is refused at once.
    result = manage(
        "backup_site",
        f"--output-dir={tmp_path / 'backups'}",
        DATABASE_URL="postgres://psg@127.0.0.1:9/psg",
        MEDIA_ROOT=tmp_path / "media",
    )

    refused(result, "Cannot read the database psg", "Check DATABASE_URL")
    assert sorted(tmp_path.iterdir()) == []


# The nightly schedule ----------------------------------------------------------------------


def old_backups(folder, count):
    """`count` earlier backups, one a night."""
    folder.mkdir(parents=True, exist_ok=True)
    for night in range(count):
        (folder / f"psg-backup-202601{night + 1:02d}-023000-000000").mkdir()
    return backups_in(folder)


def unit_settings(path):
    """The [Service] or [Timer] lines of a systemd unit, as (key, value) pairs."""
    return [
        tuple(line.split("=", 1))
        for line in path.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    ]


def test_the_systemd_backup_service_takes_a_backup_and_keeps_fourteen(site, tmp_path):
    service = ROOT / "deploy/systemd/psg-backup.service"
    settings = unit_settings(service)
    command = dict(settings)["ExecStart"]
    backups = tmp_path / "backups"
    earlier = old_backups(backups, 15)
    # The unit's paths, with this checkout and temporary folders standing in for /srv/psg.
    command = command.replace("/srv/psg/app", str(ROOT)).replace("/srv/psg/backups", str(backups))
    env = dict(
        value.split("=", 1) for key, value in settings if key == "Environment" and "=" in value
    )
    env.update({key: value for key, value in PRODUCTION.items() if key != "DJANGO_SETTINGS_MODULE"})
    env["PSG_VAR_DIR"] = str(site)

    result = subprocess.run(
        shlex.split(command),
        cwd=dict(settings)["WorkingDirectory"].replace("/srv/psg/app", str(ROOT)),
        env=manage_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    backup = made_backup(result)
    assert backups_in(backups) == [*earlier[2:], backup.name], "the newest 14 are kept"
    assert {"database", "media"} <= set(json.loads((backup / "manifest.json").read_text()))


def test_the_systemd_timer_fires_every_night_and_catches_up_after_a_night_off():
    timer = dict(unit_settings(ROOT / "deploy/systemd/psg-backup.timer"))
    assert timer["Persistent"] == "true", "a night missed while the machine was off is caught up"
    analyze = shutil.which("systemd-analyze")
    require(analyze is not None, "systemd-analyze", "Debian's systemd package provides it")
    listed = subprocess.run(
        [analyze, "calendar", "--iterations=3", timer["OnCalendar"]],
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    times = [
        datetime.datetime.strptime(found, "%Y-%m-%d %H:%M:%S")
        for found in re.findall(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", listed)
    ]
    assert len(times) == 3, listed
    assert {second - first for first, second in zip(times, times[1:], strict=False)} == {
        datetime.timedelta(days=1)
    }


def test_the_compose_backup_service_takes_a_backup_every_night_and_keeps_fourteen(site, tmp_path):
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["backup"]
    web = compose["services"]["web"]
    assert service["image"] == web["image"] and service["environment"] == web["environment"]
    mounts = {volume.split(":")[1]: volume for volume in service["volumes"]}
    assert mounts["/var/lib/psg"] == "psg-data:/var/lib/psg:ro", "the data, read only"
    backups_volume = mounts["/backups"].split(":")[0]
    assert backups_volume in compose["volumes"] and backups_volume != "psg-data"

    # One turn of its loop, for real: `sleep` stands in, notes how long it would wait, and
    # stops the loop the way `docker compose stop` does.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = shlex.quote(str(ROOT / ".venv/bin/python"))
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec {python} "$@"\n')
    slept = tmp_path / "slept"
    (bin_dir / "sleep").write_text(f'#!/bin/sh\necho "$1" > {slept}\nkill -TERM $PPID\n')
    for program in bin_dir.iterdir():
        program.chmod(0o755)
    backups = tmp_path / "backups"
    earlier = old_backups(backups, 15)
    env = manage_env(**PRODUCTION, PSG_VAR_DIR=site)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"

    def run(command):
        shell, flag, script = command
        script = script.replace("$$", "$").replace("/backups", str(backups))
        return subprocess.run(
            [shell, flag, script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )

    result = run(service["command"])

    assert result.returncode == 143, (result.returncode, result.stderr)
    made = backups_in(backups)
    assert made[:-1] == earlier[2:] and len(made) == 14, "the newest 14 are kept"
    assert (backups / made[-1] / "manifest.json").is_file(), result.stderr
    assert 0 < int(slept.read_text()) <= 24 * 60 * 60, "the next backup is at most a day away"

    health = service["healthcheck"]["test"]
    assert health[0] == "CMD-SHELL"
    assert run(["sh", "-c", health[1]]).returncode == 0, "healthy after a backup"
    two_days_ago = datetime.datetime.now().timestamp() - 2 * 24 * 60 * 60
    for name in made:
        os.utime(backups / name, (two_days_ago, two_days_ago))
    assert run(["sh", "-c", health[1]]).returncode != 0, "unhealthy when backups stop"
