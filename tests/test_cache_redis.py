"""With REDIS_URL set, Django's cache really lives in Redis (docs/configuration.md).

`make test` sets REDIS_URL for the PostgreSQL pass when a Redis server answers. Without it
these tests are skipped (tests/conftest.py: require), except in the PostgreSQL pass under
PSG_REQUIRE_ALL=1 (CI), where a missing Redis is a failure rather than a quiet skip.
"""

import os
import pickle
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.conftest import require, run_in_pass
from tests.factories import PASSWORD

REDIS_URL = os.environ.get("REDIS_URL", "").strip()


@pytest.fixture
def raw_redis():
    if not REDIS_URL:
        run_in_pass("postgresql", "the Redis cache is tested there, with REDIS_URL")
        require(False, "Redis", "REDIS_URL is not set; `make test` sets it when Redis answers")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


def raw_key(key, version=1):
    """The key Django's cache stores under: KEY_PREFIX:VERSION:key."""
    return f"{settings.CACHES['default']['KEY_PREFIX']}:{version}:{key}".encode()


def test_the_cache_is_configured_from_redis_url(raw_redis):
    default = settings.CACHES["default"]
    assert default["BACKEND"] == "psg.cache.RedisCache"
    assert default["LOCATION"] == REDIS_URL
    assert raw_redis.ping()


def test_one_redis_client_serves_every_operation_and_thread(raw_redis):
    """Django's own Redis cache builds a client per operation; this one keeps it, and the
    shared client still answers from other threads."""
    import threading

    from django.core.cache import cache

    client = cache._cache.get_client()
    cache.set("psg-test-shared-client", "first", 60)
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client

    seen = []
    thread = threading.Thread(target=lambda: seen.append(cache.get("psg-test-shared-client")))
    thread.start()
    thread.join()
    assert seen == ["first"]
    assert raw_redis.get(raw_key("psg-test-shared-client")) is not None


def test_a_value_set_through_django_is_stored_in_redis(raw_redis):
    key = f"psg-test-{uuid.uuid4().hex}"
    value = {"title": "Perú: Truth Commission", "items": [1, 2, 3]}
    cache.set(key, value, timeout=120)

    stored = raw_redis.get(raw_key(key))
    assert stored is not None, "the value is not in the Redis database REDIS_URL names"
    assert pickle.loads(stored) == value  # noqa: S301 - our own test value
    assert 0 < raw_redis.ttl(raw_key(key)) <= 120

    cache.delete(key)
    assert raw_redis.get(raw_key(key)) is None


def test_a_value_written_to_redis_is_read_through_django(raw_redis):
    key = f"psg-test-{uuid.uuid4().hex}"
    raw_redis.set(raw_key(key), pickle.dumps("written straight to Redis"), ex=60)
    assert cache.get(key) == "written straight to Redis"
    # Versions are part of the key: version 2 is a different entry.
    assert cache.get(key, version=2) is None


def test_counters_are_atomic_in_redis(raw_redis):
    key = f"psg-test-{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=60)
    assert cache.incr(key, 4) == 5
    # Integers are stored as plain numbers, so Redis itself incremented them.
    assert int(raw_redis.get(raw_key(key))) == 5


@pytest.mark.django_db
def test_failed_sign_ins_are_counted_in_the_database_not_in_redis(raw_redis, client, editor):
    """The sign-in lockout is shared by every web worker through the database: emptying Redis
    (or Redis evicting keys under a flood of page views) does not lift it."""
    from axes.models import AccessAttempt

    before = set(raw_redis.scan_iter(match=raw_key("*")))
    for attempt in range(5):
        client.post("/admin/login/", {"username": "edith", "password": f"wrong-{attempt}"})
    assert set(raw_redis.scan_iter(match=raw_key("*"))) - before == set()
    assert AccessAttempt.objects.get().failures_since_start == 5

    raw_redis.flushdb()
    right = {"username": "edith", "password": PASSWORD}
    assert client.post("/admin/login/", right).status_code == 429
