"""Django's Redis cache with one client object per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache operation, and building one
fills a table of some 170 response callbacks: with five or six cache reads per page (session, college,
membership, menu, unread notices) that was a measurable share of a page's time (bench/pages.py). A ``redis.Redis``
over a connection pool is safe to share, so it is built once per pool.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    @cached_property
    def _cache(self):
        return ReusedClientRedisCacheClient(self._servers, **self._options)


def cache_is_shared() -> bool:
    """True when every process reads the same cache (Redis). Facts that another process may change (a user, the
    calendar's overrides) are cached only then: a per-process cache would not hear of the change."""
    return bool(settings.REDIS_URL)
