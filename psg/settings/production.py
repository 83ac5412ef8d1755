"""Production settings: everything that matters comes from the environment.

SECRET_KEY and ALLOWED_HOSTS are required; the process refuses to start without them.
Every variable is listed in docs/configuration.md; docs/deployment.md shows how the
processes (web, task worker, scheduled publishing) fit together.
"""

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, TASKS, VAR_DIR, env, env_bool, env_list, env_required

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    env_required("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# `/healthz/` warns when the default Site still says localhost or names a host not in
# ALLOWED_HOSTS (psg/checks.py; `check --deploy` says so too).
PSG_SITE_ADDRESS_WARNINGS = True

# People told about unhandled errors by email ("Name <address>" or "address", comma-separated).
ADMINS = [("", address) for address in env_list("ADMINS")]

# HTTPS: the site is served over TLS, usually behind a proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Health probes come from inside the network over plain HTTP (docs/deployment.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Framing denied; Wagtail's preview views set SAMEORIGIN on their own responses, and the
# admin's Content-Security-Policy allows frame-ancestors 'self' for the same reason.
X_FRAME_OPTIONS = "DENY"

# A trial of these settings over plain HTTP (docs/deployment.md, "A trial over plain HTTP"):
# no redirect to HTTPS, no HSTS, cookies a browser keeps over HTTP (Secure ones it drops, and
# every form, the admin sign-in included, then fails its CSRF check), and the http:// address
# trusted for forms. Never for the public site: passwords and sessions cross the network
# unencrypted. `check --deploy` says so too.
PSG_PLAIN_HTTP_TRIAL = env_bool("PSG_PLAIN_HTTP_TRIAL")
if PSG_PLAIN_HTTP_TRIAL:
    import sys
    from urllib.parse import urlsplit

    SECURE_SSL_REDIRECT = False
    SECURE_HSTS_SECONDS = 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
    _base_url = urlsplit(env("WAGTAILADMIN_BASE_URL", ""))
    CSRF_TRUSTED_ORIGINS = [
        *CSRF_TRUSTED_ORIGINS,
        # A host ".example.org" (the domain and its subdomains) is the origin "http://*.example.org".
        *("http://" + ("*" + h if h.startswith(".") else h) for h in ALLOWED_HOSTS if h != "*"),
        *([f"http://{_base_url.netloc}"] if _base_url.scheme == "http" else []),
    ]
    sys.stderr.write(
        "WARNING: PSG_PLAIN_HTTP_TRIAL is on. This is a TRIAL over plain HTTP: no HTTPS "
        "redirect, no HSTS, cookies not marked Secure, so passwords and sessions cross the "
        "network unencrypted. Never serve the public site like this: unset "
        "PSG_PLAIN_HTTP_TRIAL once HTTPS works.\n"
    )

# Database: keep connections open between requests when asked to, and check them first.
if DATABASES["default"].get("CONN_MAX_AGE"):
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Cache: Redis when REDIS_URL is set (base.py). Without it, a file cache under PSG_VAR_DIR
# rather than local memory, so every gunicorn worker on the machine shares page caches
# (security counters are in the database: psg/throttle.py, django-axes).
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    CACHES = {
        "default": {
            "BACKEND": "psg.cache.FileBasedCache",  # fails open, like the Redis one
            "LOCATION": str(env("CACHE_DIR", VAR_DIR / "cache")),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "psg"),
            # Django's default of 300 entries would evict cached pages of even a small site;
            # each store lists the folder, so the limit stays in the thousands.
            "OPTIONS": {"MAX_ENTRIES": int(env("CACHE_MAX_ENTRIES", "5000"))},
        }
    }

# Background tasks go to the database and a `manage.py db_worker` process runs them.
TASKS = {
    "default": {
        **TASKS["default"],
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Backups: no default folder. backup_site refuses to run until PSG_BACKUP_DIR (or --output-dir)
# names one, and refuses one inside PSG_VAR_DIR or MEDIA_ROOT: losing the data folder must not
# take its backups with it (docs/deployment.md, "Backup and restore").
PSG_BACKUP_DIR = env("PSG_BACKUP_DIR")
PSG_BACKUP_REFUSE_INSIDE_DATA = True
