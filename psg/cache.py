"""Django's Redis and file caches, failing open: the site keeps serving while its cache is away.

Everything the cache holds (cached pages, generation tokens, site data, Wagtail's own entries,
renditions) can be rebuilt from the database, so a cache that cannot be reached must not take
the site down with it. While it fails, these backends behave like Django's dummy cache: reads
miss, writes are dropped (`add` answers True, `incr` raises ValueError as for a missing key),
and pages are built from the database.

- A breaker per cache and process: after a failure the cache is left alone for `RETRY_AFTER`
  seconds (OPTIONS, default 2), then one call tries it again. A Redis that accepts connections
  but never answers costs one socket timeout per interval, not one per cache call.
- The failure is logged (logger "psg.cache", WARNING) at most once a minute per cache and
  process, naming the backend and the error class; the recovery once after that (INFO).
- `ping()` asks the real cache, bypassing the breaker, and raises what it raised: /healthz/
  reports the cache as failing even though pages are still served (psg/health.py).

Django's `RedisCacheClient` builds a new `redis.Redis` for every cache operation, and each one
fills its table of several hundred reply handlers: about a quarter of a millisecond of CPU,
several times a request (the page cache, generation tokens, site data, renditions). A
`redis.Redis` is safe to share between threads and forked workers (its connection pool checks
the process it runs in), so one per pool is kept and reused.
"""

import logging
import pickle
import threading
import time
import uuid
import zlib
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

logger = logging.getLogger("psg.cache")

RETRY_AFTER = 2.0
LOG_EVERY = 60.0


class Breaker:
    """Whether one cache is failing in this process, and when that was last logged."""

    def __init__(self, name, retry_after):
        self.name = name
        self.retry_after = retry_after
        self.open_until = None
        self.logged_at = None
        self.failure_logged = False
        self.lock = threading.Lock()

    def allows(self):
        """True when the cache may be tried; while open, only one caller per interval."""
        if self.open_until is None:
            return True
        with self.lock:
            now = time.monotonic()
            if self.open_until is None or now >= self.open_until:
                if self.open_until is not None:
                    self.open_until = now + self.retry_after
                return True
            return False

    def failed(self, error):
        with self.lock:
            now = time.monotonic()
            self.open_until = now + self.retry_after
            if self.logged_at is not None and now - self.logged_at < LOG_EVERY:
                return
            self.logged_at = now
            self.failure_logged = True
        logger.warning(
            "Cache %s is failing (%s: %s); pages are served without it and it is tried again "
            "every %g s",
            self.name,
            type(error).__name__,
            error,
            self.retry_after,
        )

    def succeeded(self):
        if self.open_until is None:
            return
        with self.lock:
            self.open_until = None
            logged, self.failure_logged = self.failure_logged, False
        if logged:
            logger.info("Cache %s answers again", self.name)


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(name, retry_after):
    """The process's breaker for the cache called `name` (Django keeps a backend per thread)."""
    breaker = _breakers.get(name)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.setdefault(name, Breaker(name, retry_after))
    return breaker


class FailOpenMixin:
    """Runs each operation of the cache class it is mixed into, failing open (module docstring).

    `failures` are the errors that mean the cache is unavailable; any other error (a value
    that cannot be pickled, say) is a bug and is raised.
    """

    failures = ()

    def _setup_fail_open(self, params, where):
        options = dict(params.get("OPTIONS") or {})
        retry_after = float(options.pop("RETRY_AFTER", RETRY_AFTER))
        self._breaker = breaker_for(f"{type(self).__name__} {where}", retry_after)
        self._local = threading.local()
        return {**params, "OPTIONS": options}

    def _try(self, method, *args, **kwargs):
        """(True, result) of `method`, or (False, None) while the cache fails."""
        local = self._local
        if getattr(local, "inside", False):  # called by another operation, which handles it
            return True, method(*args, **kwargs)
        if not self._breaker.allows():
            return False, None
        local.inside = True
        try:
            result = method(*args, **kwargs)
        except self.failures as error:
            self._breaker.failed(error)
            return False, None
        finally:
            local.inside = False
        self._breaker.succeeded()
        return True, result

    def ping(self):
        """Store, read and delete a key in the real cache; raise what failed."""
        key = f"psg:ping:{uuid.uuid4().hex}"
        local = self._local
        local.inside = True
        try:
            super().set(key, "1", 10)
            try:
                if super().get(key) != "1":
                    raise RuntimeError("the cache did not return what was stored")
            finally:
                super().delete(key)
        except self.failures as error:
            self._breaker.failed(error)
            raise
        finally:
            local.inside = False
        self._breaker.succeeded()

    def get(self, key, default=None, version=None):
        ok, value = self._try(super().get, key, default, version)
        return value if ok else default

    def get_many(self, keys, version=None):
        ok, values = self._try(super().get_many, keys, version)
        return values if ok else {}

    def has_key(self, key, version=None):
        ok, found = self._try(super().has_key, key, version)
        return found if ok else False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._try(super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        ok, failed = self._try(super().set_many, data, timeout, version)
        return failed if ok else []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        ok, added = self._try(super().add, key, value, timeout, version)
        return added if ok else True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        ok, touched = self._try(super().touch, key, timeout, version)
        return touched if ok else False

    def incr(self, key, delta=1, version=None):
        ok, value = self._try(super().incr, key, delta, version)
        if not ok:
            raise ValueError(f"Key '{key}' not found")
        return value

    def delete(self, key, version=None):
        ok, deleted = self._try(super().delete, key, version)
        return deleted if ok else False

    def delete_many(self, keys, version=None):
        self._try(super().delete_many, keys, version)

    def clear(self):
        self._try(super().clear)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(FailOpenMixin, DjangoRedisCache):
    """Django's Redis cache with one client per pool, failing open. Give it short socket
    timeouts in OPTIONS (`socket_connect_timeout`, `socket_timeout`: psg/settings/base.py)."""

    def __init__(self, server, params):
        import redis

        self.failures = (redis.RedisError, OSError)
        params = self._setup_fail_open(params, _without_credentials(server))
        super().__init__(server, params)
        self._class = RedisCacheClient


class FileBasedCache(FailOpenMixin, DjangoFileBasedCache):
    """Django's file cache, failing open when its folder cannot be written or read."""

    failures = (OSError, EOFError, pickle.UnpicklingError, zlib.error)

    def __init__(self, dir, params):
        params = self._setup_fail_open(params, dir)
        super().__init__(dir, params)

    def _createdir(self):
        # Django also creates the folder when the backend is set up, outside any operation.
        self._try(super()._createdir)


def _without_credentials(server):
    """The Redis address(es) without any user name or password, for the log."""
    servers = server if isinstance(server, (list, tuple)) else str(server).split(",")
    return ",".join(urlsplit(url.strip()).netloc.rpartition("@")[2] for url in servers)
