"""Gunicorn settings for the PSG site: `gunicorn -c deploy/gunicorn.conf.py`.

Each value can be changed through the environment, so the same file serves a small
single machine and a container behind a load balancer (docs/deployment.md).
"""

import multiprocessing
import os


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
# Recycle workers now and then so that slow leaks never grow.
max_requests = int(_env("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100

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
