"""The production processes and deployment files, each with its own settings, database and
files: background tasks through the database worker, the file cache, gunicorn with whitenoise
serving compressed, immutable static files, the compose file, the Dockerfile, the systemd units.

None of these uses the test database, so they run in the SQLite pass of `make test` only
(`engine_agnostic`, docs/testing.md).
"""

import gzip
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest

from tests.conftest import require
from tests.gunicorn_helpers import free_port
from tests.production_helpers import GOOD_KEY, HOST, ROOT, run_production

pytestmark = pytest.mark.engine_agnostic


def test_production_runs_background_tasks_through_the_database_worker():
    result = run_production(
        [
            "-c",
            "import django; django.setup();"
            "from django_tasks import task_backends;"
            "from django.core.management import get_commands;"
            "backend = task_backends['default'];"
            "print(type(backend).__module__ + '.' + type(backend).__name__);"
            "print(get_commands()['db_worker'], get_commands()['publish_scheduled'])",
        ]
    )
    assert result.returncode == 0, result.stderr
    backend, commands = result.stdout.strip().splitlines()
    assert backend == "django_tasks_db.backend.DatabaseBackend"
    assert commands == "django_tasks_db wagtail"


def test_production_cache_is_shared_between_workers_without_redis(tmp_path):
    result = run_production(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.CACHES['default']['BACKEND']);"
            "print(settings.CACHES['default']['OPTIONS']['MAX_ENTRIES'])",
        ],
        REDIS_URL="",
        PSG_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    backend, max_entries = result.stdout.split()
    # Django's file cache, failing open when its folder cannot be written (psg/cache.py).
    assert backend == "psg.cache.FileBasedCache"
    # Room for the cached pages of a site with thousands of articles (Django's default: 300).
    assert int(max_entries) >= 5000


def fetch(url, headers):
    """GET straight from the server (no proxy from the environment), keeping our Host header."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=90)
    try:
        conn.request("GET", parts.path or "/", headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_gunicorn_serves_hashed_compressed_immutable_static_files(tmp_path):
    """Build the static files as the Dockerfile does, start gunicorn with deploy/gunicorn.conf.py."""
    static_root = tmp_path / "static"
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "STATIC_ROOT": str(static_root),
        "PSG_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "ELASTICSEARCH_URL": "",
        "HOME": str(home),
    }
    collect = run_production(["manage.py", "collectstatic", "--noinput", "-v0"], **env)
    assert collect.returncode == 0, collect.stderr

    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed_css = manifest["css/site.css"]
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", hashed_css)
    assert (static_root / f"{hashed_css}.br").exists() and (
        static_root / f"{hashed_css}.gz"
    ).exists()

    port = free_port()
    process_env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    process_env.update(
        env,
        DJANGO_SETTINGS_MODULE="psg.settings.production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS=HOST,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_COLLECTSTATIC="false",  # collected above, as the Docker image is built
    )
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    https_headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
    try:
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if gunicorn.poll() is not None:
                    break
                time.sleep(0.2)
        assert gunicorn.poll() is None, gunicorn.stdout.read().decode()

        original = (static_root / hashed_css).read_bytes()
        status, headers, body = fetch(
            f"{base}/static/{hashed_css}", {**https_headers, "Accept-Encoding": "br"}
        )
        assert status == 200
        assert headers["Content-Encoding"] == "br"
        assert "immutable" in headers["Cache-Control"]
        assert "max-age=315360000" in headers["Cache-Control"]
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert brotli.decompress(body) == original

        status, headers, body = fetch(
            f"{base}/static/{hashed_css}", {**https_headers, "Accept-Encoding": "gzip"}
        )
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == original

        # The unhashed name is served too, but only briefly cached.
        status, headers, _ = fetch(f"{base}/static/css/site.css", https_headers)
        assert status == 200 and "immutable" not in headers.get("Cache-Control", "")

        # Plain HTTP is redirected; unknown hosts are refused.
        status, headers, _ = fetch(f"{base}/static/{hashed_css}", {"Host": HOST})
        assert status == 301 and headers["Location"].startswith("https://")
        status, _, _ = fetch(f"{base}/", {"Host": "evil.example", "X-Forwarded-Proto": "https"})
        assert status == 400
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
            gunicorn.wait()
    # No control socket was left in the home folder.
    assert not (home / ".gunicorn").exists()


def test_compose_file_describes_every_process():
    """Docker is not available to the test suite: the compose file is checked as data."""
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {
        "web",
        "worker",
        "scheduler",
        "migrate",
        "postgres",
        "redis",
        "elasticsearch",
        "proxy",
    } <= set(services)
    assert services["web"]["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert services["worker"]["command"][:3] == ["python", "manage.py", "db_worker"]
    assert "publish_scheduled" in " ".join(services["scheduler"]["command"])
    assert "purge_membership_applications" in " ".join(services["scheduler"]["command"])
    assert "/healthz/" in " ".join(services["web"]["healthcheck"]["test"])
    env = services["web"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "psg.settings.production"
    assert env["TASKS_BACKEND"] == "django_tasks_db.DatabaseBackend"
    for name in ("worker", "scheduler"):
        assert services[name]["environment"] == env
    assert re.search(
        r"elasticsearch:(\$\{ELASTICSEARCH_VERSION:-)?9\.", services["elasticsearch"]["image"]
    ), "the server's major version must match the client's (9)"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_dockerfile_installs_from_the_lock_file_and_runs_as_a_user():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert 'pip install --no-cache-dir "uv==0.13.8"' in text
    assert "uv sync --frozen --no-dev" in text
    assert "DJANGO_SETTINGS_MODULE=psg.settings.production" in text
    assert "collectstatic --noinput" in text
    assert re.search(r"^USER psg$", text, re.M)
    assert not re.search(r"^(ARG|ENV) .*SECRET_KEY", text, re.M), (
        "no secret is baked into the image"
    )


def test_systemd_units_are_valid(tmp_path):
    """systemd itself checks the units (with this checkout standing in for /srv/psg/app)."""
    analyze = shutil.which("systemd-analyze")
    require(analyze is not None, "systemd-analyze", "Debian's systemd package provides it")
    units = sorted((ROOT / "deploy" / "systemd").glob("psg-*.*"))
    assert {unit.name for unit in units} >= {
        "psg-web.service",
        "psg-worker.service",
        "psg-publish-scheduled.service",
        "psg-publish-scheduled.timer",
        "psg-backup.service",
        "psg-backup.timer",
        "psg-purge-applications.service",
        "psg-purge-applications.timer",
    }
    for unit in units:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/psg/app", str(ROOT)))
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / unit.name) for unit in units)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "ignoring" not in result.stderr, result.stderr
    timer = (ROOT / "deploy/systemd/psg-publish-scheduled.timer").read_text()
    assert "OnCalendar=*-*-* *:*:00" in timer, "publish_scheduled runs every minute"
