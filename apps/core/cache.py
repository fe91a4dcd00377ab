"""Django's Redis cache, with one redis-py client per connection pool, whose clear()
deletes only its own keys.

Django builds a new `redis.Redis` object for every cache operation, and redis-py fills
about 170 response callbacks into a fresh dict each time: a page with a handful of cache
reads spent more on that than on the reads. A client is a thin, thread-safe wrapper
around its pool, so one per pool serves every operation.

Django's clear() is FLUSHDB; but REDIS_URL's database also holds Celery's queues, and
in the test suite the other test processes' keys.
"""

import re

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)  # random among read replicas: once
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def clear(self) -> None:
        """Delete the keys this cache made (`<KEY_PREFIX>:<version>:<key>`), nothing else."""
        client = self._cache.get_client(write=True)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
