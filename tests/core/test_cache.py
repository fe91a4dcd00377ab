import os

import pytest
from django.core.cache import caches

from apps.core.cache import RedisCache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


def test_redis_cache_reuses_one_client_and_still_reads_and_writes():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-client-reuse"})
    cache.set("a", {"value": 1}, 30)
    cache.set_many({"b": 2, "c": 3}, 30)
    assert cache.get("a") == {"value": 1}
    assert cache.get_many(["b", "c", "missing"]) == {"b": 2, "c": 3}
    cache.delete_many(["a", "b", "c"])
    assert cache.get("a") is None
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    assert caches["default"].__class__ is RedisCache  # what settings use with REDIS_URL
