"""Settings for the test suite (pytest reads DJANGO_SETTINGS_MODULE from pyproject.toml)."""

from .base import DATABASES, env
from .dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Fast hashing: tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Mail is kept in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tasks run inline so that a publish is searchable at once.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

WAGTAILADMIN_BASE_URL = "http://testserver"

# Static files come from the apps' folders (no collectstatic before a test run): WhiteNoise looks
# them up per request instead of listing a STATIC_ROOT that may not exist yet.
WHITENOISE_AUTOREFRESH = True

# Mutation testing (scripts/mutate.py) starts one test session per mutant. PSG_TEST_SQLITE_FILE
# names a SQLite file for the test database so that, with --reuse-db, those sessions share one
# migrated database instead of migrating an in-memory one each time. Unset, nothing changes.
if env("PSG_TEST_SQLITE_FILE") and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": env("PSG_TEST_SQLITE_FILE")}
