"""Gunicorn settings for the PSG site: `gunicorn -c deploy/gunicorn.conf.py`.

Each value can be changed through the environment, so the same file serves a small
single machine and a container behind a load balancer (docs/deployment.md).
"""

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path


def _env(name, default):
    value = os.environ.get(name, "").strip()
    return value or default


wsgi_app = "psg.wsgi:application"
raw_env = [f"DJANGO_SETTINGS_MODULE={_env('DJANGO_SETTINGS_MODULE', 'psg.settings.production')}"]

# Where to listen: a TCP address ("0.0.0.0:8000") or a Unix socket ("unix:/run/psg/gunicorn.sock").
bind = [_env("GUNICORN_BIND", f"0.0.0.0:{_env('PORT', '8000')}")]

# Synchronous workers with a few threads each; two per core plus one by default.
workers = int(_env("WEB_CONCURRENCY", str(min(multiprocessing.cpu_count() * 2 + 1, 9))))
threads = int(_env("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(_env("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that slow leaks never grow. Evenly loaded workers reach the
# limit together; a jitter of half the limit spreads their restarts, so that a small
# installation is never left with every worker loading the code at the same moment.
max_requests = int(_env("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 2

# Headers from the reverse proxy (X-Forwarded-Proto) are trusted only from these addresses.
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Request line and header limits; the body limit is PSG_MAX_REQUEST_BODY in Django.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Logs go to the process manager (journald, docker logs).
accesslog = "-"
errorlog = "-"
loglevel = _env("GUNICORN_LOG_LEVEL", "info")

# Gunicorn 25+ opens a control socket in the home folder unless told not to. The service
# user may have no writable home, and two instances on one machine would share the socket.
control_socket_disable = True

# Workers' heartbeat files; containers point this at /dev/shm (a memory file system).
worker_tmp_dir = _env("GUNICORN_WORKER_TMP_DIR", None)

# Static files are collected (hashed and compressed, `manage.py collectstatic`) before the
# first worker starts, and again on a reload (HUP, `systemctl reload psg-web`) before the new
# workers start, so a release's pages never name files that are not there. It runs as a
# separate process: the master never imports Django, so a reload still loads the new code.
# If it fails at start, gunicorn does not start. The Docker image collects them when it is
# built (its folder is read-only at run time) and sets GUNICORN_COLLECTSTATIC=false.
collect_static = _env("GUNICORN_COLLECTSTATIC", "true").lower() in {"1", "true", "yes", "on"}


def _collect_static(server):
    started = time.monotonic()
    server.log.info("Collecting static files (manage.py collectstatic)")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, **dict(item.split("=", 1) for item in raw_env)},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        server.log.error("collectstatic failed:\n%s", result.stderr or result.stdout)
        return False
    server.log.info("Static files collected in %.0f s", time.monotonic() - started)
    return True


def on_starting(server):
    if collect_static and not _collect_static(server):
        raise RuntimeError("the static files could not be collected (see the log above)")


def on_reload(server):
    # The workers already running keep serving; a failure is logged, never raised (an
    # exception here would stop the master).
    if collect_static:
        _collect_static(server)
