"""Django's Redis cache whose clear() deletes only its own keys.

Django's clear() is FLUSHDB; but REDIS_URL's database also holds Celery's queues, and
in the test suite the other test processes' keys.
"""

import re

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        # The first server is the one Django writes to (LOCATION as for Django's own cache).
        self._primary = re.split("[;,]", server)[0] if isinstance(server, str) else server[0]

    def clear(self) -> None:
        """Delete the keys this cache made (`<KEY_PREFIX>:<version>:<key>`), nothing else."""
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        with redis.Redis.from_url(self._primary) as client:
            batch = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) == 1000:
                    client.delete(*batch)
                    batch.clear()
            if batch:
                client.delete(*batch)
