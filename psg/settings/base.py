"""Settings shared by every environment.

Everything that differs between a laptop and a server is read from the environment
(see docs/configuration.md). Defaults serve a laptop: SQLite under var/, Wagtail's
database search backend, a local-memory cache and media files under var/media.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("PSG_VAR_DIR", BASE_DIR / "var"))


def env(name, default=None):
    """Return an environment variable, treating an empty value as unset."""
    value = os.environ.get(name, "")
    return value if value.strip() else default


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = env(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name):
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be set for this configuration "
            "(see docs/configuration.md)."
        )
    return value


# Application definition

INSTALLED_APPS = [
    # Project apps: psg is the ground floor, the others sit on it.
    "psg",
    "campaigns",
    "membership",
    "news",
    "home",
    "search",
    "pagecache",
    "editorial",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "axes",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Refuse oversized request bodies before anything reads them (413).
    "psg.middleware.RequestSizeLimitMiddleware",
    # Content-Security-Policy: strict on the public site, the admin's own policy under /admin/.
    "psg.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous page views from the cache (pagecache/, docs/performance.md).
    "pagecache.middleware.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Too many failed sign-ins for one username from one address: 429 for a while (last, as
    # django-axes asks; psg/protections.py).
    "axes.middleware.AxesMiddleware",
]

# django-axes refuses a locked-out username and address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "psg.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "psg.wsgi.application"


# Database: SQLite under var/ unless DATABASE_URL says otherwise.

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL full-text search and accent folding (unaccent) for the database backend.
    INSTALLED_APPS.append("django.contrib.postgres")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write-ahead logging: readers (page views, a backup) and the one writer no longer block
    # each other, so a backup taken while the site runs keeps the join form working
    # (docs/deployment.md, "Backup and restore"). Each transaction takes the write lock as it
    # begins (BEGIN IMMEDIATE): while another writer holds it, it waits up to `timeout` seconds
    # instead of failing at once with "database is locked", as a read-then-write transaction
    # would. In-memory test databases ignore the journal mode. Options in DATABASE_URL
    # (`?timeout=2.5`) win.
    _sqlite_options = DATABASES["default"].get("OPTIONS", {})
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL",
        "transaction_mode": "IMMEDIATE",
        **_sqlite_options,
        "timeout": float(_sqlite_options.get("timeout", 20)),  # DATABASE_URL gives text
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache: Redis when REDIS_URL is set, local memory otherwise. The Redis backend fails open
# (psg/cache.py): while Redis cannot be reached in REDIS_TIMEOUT seconds, pages come from the
# database and /healthz/ says the cache is failing.

if env("REDIS_URL"):
    _redis_timeout = float(env("REDIS_TIMEOUT", "0.25"))
    CACHES = {
        "default": {
            "BACKEND": "psg.cache.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "psg"),
            "OPTIONS": {
                "socket_connect_timeout": _redis_timeout,
                "socket_timeout": _redis_timeout,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "psg",
        }
    }


# Search: the database's own full-text search (SQLite FTS5 / PostgreSQL) unless
# ELASTICSEARCH_URL is set. Both fold accents and case (search/backends/, docs/search.md).

WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "search.backends.database",
        # PostgreSQL only: text search configurations that fold accents (search.0001).
        "SEARCH_CONFIG": "psg_english",
        "AUTOCOMPLETE_CONFIG": "psg_simple",
    }
}
if env("ELASTICSEARCH_URL"):
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "search.backends.elasticsearch9",
        "URLS": [env("ELASTICSEARCH_URL")],
        "INDEX_PREFIX": env("ELASTICSEARCH_INDEX_PREFIX", "psg_"),
        "TIMEOUT": int(env("ELASTICSEARCH_TIMEOUT", "10")),
        "OPTIONS": {},
        "INDEX_SETTINGS": {},
    }


# Background tasks (search index updates and the like). Immediate by default; production
# stores them in the database for a `manage.py db_worker` process.

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}


# Passwords

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# Internationalisation: a UK charity writing in British English.

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True


# Static files and media

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = env("MEDIA_URL", "/media/")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The page editor of a long page can exceed Django's default of 1,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000


# Request and upload limits (docs/deployment.md). A request body larger than
# PSG_MAX_REQUEST_BODY is refused with 413 before it is read; form fields without files
# are held in memory up to DATA_UPLOAD_MAX_MEMORY_SIZE; uploaded files above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file instead of memory.
PSG_MAX_REQUEST_BODY = int(env("PSG_MAX_REQUEST_BODY", str(12 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("DATA_UPLOAD_MAX_MEMORY_SIZE", str(5 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = int(env("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2_621_440)))
FILE_UPLOAD_PERMISSIONS = 0o644


# Content-Security-Policy (django-csp 4). The public site runs no inline script or style,
# so its policy allows only this origin (plus the video players editors may embed). The
# Wagtail admin still renders inline <script> for its form widgets and sets inline styles,
# so /admin/ (which also serves previews) gets its own, looser policy from
# psg.middleware.ContentSecurityPolicyMiddleware. See docs/deployment.md.


def _origin(url):
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# The default matches WAGTAILADMIN_BASE_URL below.
_ADMIN_ORIGIN = _origin(env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000"))
_ASSET_ORIGINS = [
    origin for origin in [_origin(env("MEDIA_URL")), *env_list("CSP_EXTRA_ASSET_ORIGINS")] if origin
]
_EMBED_ORIGINS = env_list(
    "CSP_FRAME_ORIGINS",
    ["https://www.youtube-nocookie.com", "https://www.youtube.com", "https://player.vimeo.com"],
)
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        # The admin origin: the editor's userbar on public pages loads from it.
        "script-src": [_SELF, *filter(None, [_ADMIN_ORIGIN]), *_ASSET_ORIGINS],
        "style-src": [_SELF, *filter(None, [_ADMIN_ORIGIN]), *_ASSET_ORIGINS],
        "img-src": [_SELF, "data:", *_ASSET_ORIGINS],
        "media-src": [_SELF, *_ASSET_ORIGINS],
        "font-src": [_SELF, *_ASSET_ORIGINS],
        "connect-src": [_SELF],
        "frame-src": [_SELF, *_EMBED_ORIGINS],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": ["'none'"],
    }
}
PSG_ADMIN_URL_PREFIX = "/admin/"
PSG_ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF, "'unsafe-inline'", *_ASSET_ORIGINS],
        "style-src": [_SELF, "'unsafe-inline'", *_ASSET_ORIGINS],
        # Embed and image thumbnails in choosers; blob: for upload previews.
        "img-src": [_SELF, "data:", "blob:", "https:"],
        "media-src": [_SELF, "blob:", *_ASSET_ORIGINS],
        "font-src": [_SELF, "data:", *_ASSET_ORIGINS],
        "connect-src": [_SELF],
        "frame-src": [_SELF, *_EMBED_ORIGINS],
        "worker-src": [_SELF, "blob:"],
        "object-src": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        # The editor's live preview frames admin URLs from the same origin.
        "frame-ancestors": [_SELF],
    }
}
if env("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env("CSP_REPORT_URI")]
    PSG_ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env("CSP_REPORT_URI")]

# Admin sign-in throttling (django-axes, counted in the database): after this many failed
# attempts for one username from one address, that pair is refused (429) until the window
# has passed since the last failure. Wrong page passwords ("Private, password") have the same
# limit per address and page (psg/protections.py).
PSG_LOGIN_FAILURE_LIMIT = int(env("LOGIN_FAILURE_LIMIT", "5"))
PSG_LOGIN_FAILURE_WINDOW = int(env("LOGIN_FAILURE_WINDOW", str(15 * 60)))
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = "psg.protections.login_failure_limit"
AXES_COOLOFF_TIME = "psg.protections.login_cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "psg.protections.login_client_address"
AXES_USERNAME_CALLABLE = "psg.protections.login_username"
AXES_LOCKOUT_CALLABLE = "psg.protections.login_lockout_response"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused unchecked and do not lengthen it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Only failures are kept (until their window ends), not a record of every sign-in.
AXES_DISABLE_ACCESS_LOG = True
# Log lines name the username and address as "****"; no start-up banner.
AXES_VERBOSE = False
# Password reset mails (Wagtail admin, "Forgotten password?"): at most this many per email
# address and per client address in the window; further requests get the usual answer but
# no mail (psg/protections.py).
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "psg.protections.ThrottledPasswordResetForm"  # noqa: S105
PSG_PASSWORD_RESET_ACCOUNT_LIMIT = int(env("PASSWORD_RESET_ACCOUNT_LIMIT", "3"))
PSG_PASSWORD_RESET_CLIENT_LIMIT = int(env("PASSWORD_RESET_CLIENT_LIMIT", "10"))
PSG_PASSWORD_RESET_WINDOW = int(env("PASSWORD_RESET_WINDOW", str(60 * 60)))
# How many reverse proxies in front of the site append to X-Forwarded-For (0: use the
# connection's address). Only set it when every request passes through those proxies.
PSG_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

# Editors' email addresses are not sent to Gravatar to draw their avatars.
WAGTAIL_GRAVATAR_PROVIDER_URL = None


# Email

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", "Peru Support Group <noreply@perusupportgroup.org.uk>"
)
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Moderation emails (submitted, approved, rejected, comments). Moderators get them; superusers
# only if they are also in the Moderators group. Links in them start with WAGTAILADMIN_BASE_URL.
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = env(
    "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", DEFAULT_FROM_EMAIL
)
WAGTAILADMIN_NOTIFICATION_USE_HTML = True
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False


# Logging: to the console, so the process manager keeps it.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Server errors mailed to ADMINS through the task queue (psg/errormail.py).
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "psg.errormail.QueuedAdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
        "django.security": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
        # Requests for host names the site does not serve (scanners): logged, not mailed.
        "django.security.DisallowedHost": {
            "handlers": ["console"],
            "level": "WARNING",
            "propagate": False,
        },
        # Each background task logs its start and end at INFO: too chatty for the console.
        "django_tasks": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Sign-in failures and lockouts are warnings; the INFO lines repeat each step.
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Page created/published lines are kept in Wagtail's own audit log in the database.
        "wagtail": {
            "handlers": ["console"],
            "level": env("WAGTAIL_LOG_LEVEL", "WARNING"),
            "propagate": False,
        },
    },
}


# Wagtail

WAGTAIL_SITE_NAME = "Peru Support Group"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"bmp": "png", "gif": "png"}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True

# Backups: where `manage.py backup_site` writes when --output-dir is not given. By default a
# folder in the home folder, outside var/ (PSG_VAR_DIR), so that deleting or losing var/ leaves
# the backups. Production has no default and refuses folders inside the data (production.py).
PSG_BACKUP_DIR = Path(env("PSG_BACKUP_DIR", Path.home() / "psg-backups"))
PSG_BACKUP_REFUSE_INSIDE_DATA = False

# Legacy content: the capture of the old site that `make run` imports into a fresh database.
PSG_SEED_FILE = Path(
    env("PSG_SEED_FILE", BASE_DIR / "content" / "legacy" / "psg-homepage-2006.txt")
)
# Which campaign each imported news item belongs to (see home/importer.py).
PSG_IMPORT_RULES_FILE = Path(
    env("PSG_IMPORT_RULES_FILE", BASE_DIR / "content" / "legacy" / "campaign-rules.json")
)


# Membership: the join form's spam controls and how long applications are kept
# (docs/membership.md).
MEMBERSHIP_MIN_FILL_SECONDS = float(env("MEMBERSHIP_MIN_FILL_SECONDS", "3"))
MEMBERSHIP_FORM_MAX_AGE_SECONDS = int(env("MEMBERSHIP_FORM_MAX_AGE_SECONDS", str(24 * 60 * 60)))
MEMBERSHIP_RATE_LIMIT = int(env("MEMBERSHIP_RATE_LIMIT", "5"))
MEMBERSHIP_RATE_LIMIT_WINDOW_SECONDS = int(env("MEMBERSHIP_RATE_LIMIT_WINDOW_SECONDS", "3600"))
MEMBERSHIP_DUPLICATE_WINDOW_HOURS = float(env("MEMBERSHIP_DUPLICATE_WINDOW_HOURS", "24"))
# Staff mails go through the task queue: the first retry after this many seconds, doubling
# each time, until this many tries have failed (membership/tasks.py).
MEMBERSHIP_NOTIFY_RETRY_SECONDS = float(env("MEMBERSHIP_NOTIFY_RETRY_SECONDS", "300"))
MEMBERSHIP_NOTIFY_ATTEMPTS = int(env("MEMBERSHIP_NOTIFY_ATTEMPTS", "6"))
MEMBERSHIP_RETENTION_DAYS = int(env("MEMBERSHIP_RETENTION_DAYS", "365"))
MEMBERSHIP_DECLINED_RETENTION_DAYS = int(env("MEMBERSHIP_DECLINED_RETENTION_DAYS", "30"))
# Set to e.g. HTTP_X_FORWARDED_FOR behind a reverse proxy (its last entry is used).
MEMBERSHIP_CLIENT_IP_HEADER = env("MEMBERSHIP_CLIENT_IP_HEADER", "REMOTE_ADDR")
