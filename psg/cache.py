"""Django's Redis cache, keeping one Redis client per connection pool.

Django's `RedisCacheClient` builds a new `redis.Redis` for every cache operation, and each one
fills its table of several hundred reply handlers: about a quarter of a millisecond of CPU,
several times a request (the page cache, generation tokens, site data, renditions). A
`redis.Redis` is safe to share between threads and forked workers (its connection pool checks
the process it runs in), so one per pool is kept and reused.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


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


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
