"""The platform boots as documented: production settings demand their secrets, pass Django's
deployment checks, and the two-command set-up's management commands behave."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "x" * 20 + "-production-test-key-that-is-long-and-random-9f8e7d6c"


def run_manage(*args, env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "psg.settings.production"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.engine_agnostic  # settings checked by a manage.py process of its own
def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", env_overrides={"ALLOWED_HOSTS": "www.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.engine_agnostic  # settings checked by a manage.py process of its own
def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", env_overrides={"SECRET_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.engine_agnostic  # settings checked by a manage.py process of its own
def test_production_passes_deployment_checks_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "www.example.org"},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.engine_agnostic  # settings checked by a manage.py process of its own
def test_deployment_check_catches_a_weak_secret_key():
    """The check above can fail: a short key is reported at WARNING level."""
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={"SECRET_KEY": "short", "ALLOWED_HOSTS": "www.example.org"},
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


@pytest.mark.django_db
def test_local_admin_is_created_once_with_a_password_that_logs_in(tmp_path, client):
    password_file = tmp_path / "admin-password.txt"
    call_command("ensure_local_admin", password_file=str(password_file))
    password = password_file.read_text().strip()
    assert len(password) >= 20
    assert oct(password_file.stat().st_mode)[-3:] == "600"

    # A second run keeps the account and the password.
    call_command("ensure_local_admin", password_file=str(password_file))
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert password_file.read_text().strip() == password

    response = client.post(
        "/admin/login/", {"username": "admin", "password": password}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].is_authenticated
    assert response.context["user"].is_superuser


@pytest.mark.django_db
def test_admin_login_page_is_served(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content
