"""Settings for the test suite (pytest reads DJANGO_SETTINGS_MODULE from pyproject.toml)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

# A Redis server has 16 databases unless its `databases` setting says otherwise.
_REDIS_DATABASES = 16


def worker_redis_url(url, worker, workers):
    """The Redis database of parallel test worker `worker` ("gw0", "gw1", ...) of `workers`.

    The suite empties the cache (FLUSHDB) around every test, so each worker needs a database
    of its own: the one `url` names for gw0, the next ones up for the others (or down, when
    going up would pass the last database).
    """
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    database = base + index if base + workers <= _REDIS_DATABASES else base - index
    if not 0 <= database < _REDIS_DATABASES:
        raise ImproperlyConfigured(
            f"{workers} parallel test workers need as many Redis databases, counted from the one "
            f"{url} names, and a Redis server has {_REDIS_DATABASES}: run fewer (TEST_WORKERS)."
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


# In a parallel run (pytest-xdist sets PYTEST_XDIST_WORKER), REDIS_URL is changed to the
# worker's own database before base.py reads it, so the cache and the tests that talk to Redis
# themselves agree. Processes the tests start inherit it unchanged.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if (
    _worker
    and os.environ.get("REDIS_URL", "").strip()
    and os.environ.get("PSG_REDIS_WORKER") != _worker
):
    os.environ["REDIS_URL"] = worker_redis_url(
        os.environ["REDIS_URL"].strip(), _worker, int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    )
    os.environ["PSG_REDIS_WORKER"] = _worker

from .base import DATABASES, env  # noqa: E402
from .dev import *  # noqa: E402, F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Fast hashing: tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Mail is kept in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tasks run inline so that a publish is searchable at once.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

WAGTAILADMIN_BASE_URL = "http://testserver"

# Uploads (images, documents, renditions) go to a folder of this test process's own, removed
# when it ends: parallel workers never share one, and var/media keeps only the local site's.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="psg-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)

# Static files come from the apps' folders (no collectstatic before a test run): WhiteNoise looks
# them up per request instead of listing a STATIC_ROOT that may not exist yet.
WHITENOISE_AUTOREFRESH = True

# Mutation testing (scripts/mutate.py) starts one test session per mutant. PSG_TEST_SQLITE_FILE
# names a SQLite file for the test database so that, with --reuse-db, those sessions share one
# migrated database instead of migrating an in-memory one each time. Unset, nothing changes.
if env("PSG_TEST_SQLITE_FILE") and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": env("PSG_TEST_SQLITE_FILE")}
