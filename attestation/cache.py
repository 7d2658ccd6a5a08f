"""Django's Redis cache with one client object per connection pool, that tolerates Redis being down.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache operation, and building one
fills a table of some 170 response callbacks: with five or six cache reads per page (session, college,
membership, menu, unread notices) that was a measurable share of a page's time (bench/pages.py). A ``redis.Redis``
over a connection pool is safe to share, so it is built once per pool.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
# After a failed call, Redis is left alone this long: a request must not wait for a connection timeout per read.
RETRY_AFTER_SECONDS = 2.0


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
    """While Redis cannot be reached, the cache is this process's memory: reads miss and fall back to the database
    as on a cold cache, writes stay local, allauth's sign-in limiter still counts (per process). Every fact kept here
    has a copy in the database (DESIGN.md: the cache is an optimisation). The keys deleted during the outage (facts
    that changed) are deleted again from Redis as soon as it answers, so no stale copy comes back with it."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._fallback = LocMemCache(f"redis-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10000}})
        self._down_until = 0.0
        self._missed_deletes: set[tuple[str, int | None]] = set()
        self._lock = threading.Lock()

    @cached_property
    def _cache(self):
        return ReusedClientRedisCacheClient(self._servers, **self._options)

    @property
    def is_available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _call(self, name: str, *args, **kwargs):
        if self.is_available:
            try:
                if self._missed_deletes:
                    self._replay_deletes()
                return getattr(DjangoRedisCache, name)(self, *args, **kwargs)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                if self.is_available:
                    log.warning("Redis cache unreachable, using this process's memory for %ss: %s",
                                RETRY_AFTER_SECONDS, exc)
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
        if name in ("delete", "delete_many"):
            keys = args[0] if name == "delete_many" else [args[0]]
            version = kwargs.get("version", args[1] if len(args) > 1 else None)
            with self._lock:
                self._missed_deletes.update((key, version) for key in keys)
        return getattr(self._fallback, name)(*args, **kwargs)

    def _replay_deletes(self) -> None:
        with self._lock:
            missed, self._missed_deletes = self._missed_deletes, set()
        try:
            for key, version in missed:
                DjangoRedisCache.delete(self, key, version=version)
        except Exception:
            with self._lock:
                self._missed_deletes |= missed
            raise
        self._fallback.clear()  # what was kept locally during the outage may be older than what Redis gets now


def _tolerant(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in ("add", "get", "set", "touch", "delete", "has_key", "incr", "get_many", "set_many", "delete_many",
              "clear"):
    setattr(RedisCache, _name, _tolerant(_name))


def cache_is_shared() -> bool:
    """True when every process reads the same cache (Redis, and it answers). Facts that another process may change
    (the calendar's overrides) are cached only then: a per-process cache would not hear of the change."""
    from django.core.cache import cache

    return bool(settings.REDIS_URL) and getattr(cache, "is_available", True)
