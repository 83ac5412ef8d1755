"""The cache fails open: pages keep coming from the database while Redis or the file cache is away.

Each Redis test starts its own `redis-server` on a free port between 16380 and 16384, points the
site's cache at it, then stops it, hangs it (SIGSTOP) or brings it back. /healthz/ still names the
cache as failing, the failure is logged once, and the cache is used again by itself.
"""

import logging
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis

import psg.cache
from tests.conftest import require
from tests.factories import PASSWORD, add_article

pytestmark = pytest.mark.django_db

# Five ports for each parallel test worker (gw0, gw1, ...): a worker never starts its Redis on a
# port another worker's stopped Redis has just left, where that worker would then find it.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
PORTS = range(16380 + 5 * _WORKER, 16385 + 5 * _WORKER)
TIMEOUT = 0.2  # seconds, for connecting to and reading from the test server


class RedisServer:
    """A redis-server of the test's own, which it can stop, hang and bring back."""

    def __init__(self, port):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        for _ in range(100):
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"redis-server did not start on port {self.port}")
        client.close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def hang(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)


def free_port():
    for port in PORTS:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as redis-server does
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port for a test Redis between {PORTS.start} and {PORTS.stop - 1}")


@pytest.fixture(autouse=True)
def _fresh_breakers(monkeypatch):
    """Each test starts with caches nobody has seen fail in this process."""
    monkeypatch.setattr(psg.cache, "_breakers", {})


@pytest.fixture
def redis_server():
    require(shutil.which("redis-server"), "redis-server", "Debian's redis-server package")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def use_redis(settings, server, retry_after):
    settings.CACHES = {
        "default": {
            "BACKEND": "psg.cache.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "psg-faults",
            "OPTIONS": {
                "socket_connect_timeout": TIMEOUT,
                "socket_timeout": TIMEOUT,
                "RETRY_AFTER": retry_after,
            },
        }
    }


@pytest.fixture
def pages(site_tree):
    """Addresses a visitor uses, each with words it must show."""
    add_article(site_tree["news"], "Mining conflict at Las Bambas", slug="las-bambas")
    return {
        "/": "Peru Support Group",
        "/news/las-bambas/": "Mining conflict at Las Bambas",
        "/news/": "Mining conflict at Las Bambas",
        "/search/?q=Bambas": 'href="/news/las-bambas/"',  # the title has the match marked
    }


def assert_served(client, pages):
    for url, words in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert words in response.content.decode(), url


@pytest.fixture
def redis_uses(monkeypatch):
    """How many times the site asked a Redis connection pool for a connection."""
    uses = []
    real = redis.ConnectionPool.get_connection

    def counted(self, *args, **kwargs):
        uses.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(redis.ConnectionPool, "get_connection", counted)
    return uses


def cache_warnings(caplog):
    return [r for r in caplog.records if r.name == "psg.cache" and r.levelno == logging.WARNING]


def test_a_stopped_redis_leaves_pages_served_and_healthz_failing(
    client, settings, redis_server, pages, caplog
):
    use_redis(settings, redis_server, retry_after=0.1)
    assert_served(client, pages)  # the cache works and is filled
    redis_server.stop()

    with caplog.at_level(logging.WARNING, logger="psg.cache"):
        for _ in range(3):
            assert_served(client, pages)
            time.sleep(0.1)  # past the breaker's interval: every round tries Redis again
        health = client.get("/healthz/")

    assert health.status_code == 503
    assert health.json() == {"status": "failing", "database": "ok", "cache": "failing"}
    warnings = cache_warnings(caplog)
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    message = warnings[0].getMessage()
    assert "RedisCache" in message and "ConnectionError" in message
    assert f"127.0.0.1:{redis_server.port}" in message


def test_editors_sign_in_and_use_the_admin_while_redis_is_stopped(
    client, settings, redis_server, pages, editor
):
    use_redis(settings, redis_server, retry_after=3600)
    redis_server.stop()
    response = client.post(
        "/admin/login/", {"username": editor.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == editor  # sessions are kept in the database
    assert client.get("/admin/pages/", follow=True).status_code == 200


def test_a_hanging_redis_is_tried_once_per_interval_not_once_per_cache_call(
    client, settings, redis_server, pages, redis_uses, caplog
):
    use_redis(settings, redis_server, retry_after=3600)
    assert_served(client, pages)
    redis_server.hang()
    redis_uses.clear()

    with caplog.at_level(logging.WARNING, logger="psg.cache"):
        for _ in range(3):
            assert_served(client, pages)

    # The first cache call waited for its timeout; the breaker spared every later one.
    assert len(redis_uses) == 1
    [warning] = cache_warnings(caplog)
    assert "TimeoutError" in warning.getMessage()


def test_healthz_sees_a_hanging_redis(client, settings, redis_server):
    use_redis(settings, redis_server, retry_after=3600)
    assert client.get("/healthz/").status_code == 200
    redis_server.hang()
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["cache"] == "failing"


def test_healthz_reports_the_cache_as_it_is_not_as_pages_last_found_it(
    client, settings, redis_server, pages
):
    """Pages leave a failed Redis alone for a while; /healthz/ asks it at once, and a cache
    that answers it is used by pages again straight away."""
    use_redis(settings, redis_server, retry_after=3600)
    redis_server.stop()
    assert client.get("/news/las-bambas/").status_code == 200  # Redis is now left alone
    redis_server.start()

    assert client.get("/healthz/").status_code == 200
    client.get("/news/las-bambas/")
    assert client.get("/news/las-bambas/")["X-Cache"] == "HIT"


def wait_for_hit(client, url):
    """Visit `url` until it comes from the cache; give up after five seconds."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        response = client.get(url)
        assert response.status_code == 200
        if response["X-Cache"] == "HIT":
            return response
        time.sleep(0.05)
    pytest.fail(f"{url} was not served from the cache again within five seconds")


@pytest.mark.parametrize("outage", ["hang", "stop"])
def test_the_cache_is_used_again_by_itself_once_redis_answers(
    client, settings, redis_server, pages, outage
):
    use_redis(settings, redis_server, retry_after=0.2)
    url = "/news/las-bambas/"
    client.get(url)
    assert client.get(url)["X-Cache"] == "HIT"

    if outage == "hang":
        redis_server.hang()
    else:
        redis_server.stop()
    for _ in range(2):
        response = client.get(url)
        assert (response.status_code, response["X-Cache"]) == (200, "MISS")
    assert client.get("/healthz/").status_code == 503

    if outage == "hang":
        redis_server.resume()
    else:
        redis_server.start()  # empty: the page is stored again on the next visit
    response = wait_for_hit(client, url)
    assert "Mining conflict at Las Bambas" in response.content.decode()
    assert client.get("/healthz/").json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_cache_operations_answer_like_an_empty_cache_while_redis_is_away(settings, redis_server):
    from django.core.cache import cache

    use_redis(settings, redis_server, retry_after=3600)
    cache.set("counter", 1)
    assert cache.incr("counter") == 2
    redis_server.stop()

    assert cache.get("counter") is None
    assert cache.get("counter", "fallback") == "fallback"
    assert cache.get_many(["counter", "other"]) == {}
    assert cache.has_key("counter") is False
    assert cache.set("counter", 5) is None
    assert cache.set_many({"a": 1}) == []
    assert cache.add("new", 1) is True  # as if stored and evicted at once
    with pytest.raises(ValueError):
        cache.incr("counter")  # a missing key, as Django says
    assert cache.get_or_set("built", lambda: "from the database") == "from the database"
    assert cache.delete("counter") is False
    cache.delete_many(["a", "b"])
    cache.clear()


@pytest.fixture
def unusable_folder(tmp_path):
    """A cache folder that cannot be created: its parent is a regular file (root can write
    anywhere, so a read-only folder would not do)."""
    parent = tmp_path / "not-a-folder"
    parent.write_text("a file where the cache's parent folder should be")
    return str(parent / "cache")


def test_a_file_cache_that_cannot_be_written_leaves_pages_served(
    client, settings, pages, unusable_folder, caplog
):
    settings.CACHES = {
        "default": {"BACKEND": "psg.cache.FileBasedCache", "LOCATION": unusable_folder}
    }
    with caplog.at_level(logging.WARNING, logger="psg.cache"):
        assert_served(client, pages)
        assert_served(client, pages)
        health = client.get("/healthz/")

    assert health.status_code == 503
    assert health.json() == {"status": "failing", "database": "ok", "cache": "failing"}
    [warning] = cache_warnings(caplog)
    assert "FileBasedCache" in warning.getMessage()
    assert "NotADirectoryError" in warning.getMessage()


def test_a_working_file_cache_serves_pages_and_answers_healthz(client, settings, pages, tmp_path):
    settings.CACHES = {
        "default": {"BACKEND": "psg.cache.FileBasedCache", "LOCATION": str(tmp_path / "cache")}
    }
    client.get("/news/las-bambas/")
    assert client.get("/news/las-bambas/")["X-Cache"] == "HIT"
    assert client.get("/healthz/").json() == {"status": "ok", "database": "ok", "cache": "ok"}
