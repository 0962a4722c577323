"""Results that are expensive to compute and cheap to recognise, kept under a fingerprint of their inputs.

The caller passes a fingerprint that changes whenever the inputs change (usually the versions of the
tables they come from, mobility/core/data_versions.py). A stale entry can therefore never be served: a
change of inputs only means a new key, computed once. CACHE_REDIS_URL shares the entries between
workers and machines; without it each process keeps its own (still correct, just computed once per
process). Whole pages are kept here too (mobility/core/page_cache.py).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

import redis
from cachelib import BaseCache, RedisCache, SimpleCache
from flask import Flask, current_app

T = TypeVar("T")
TIMEOUT_SECONDS = 3600  # an entry nobody asks for again leaves within the hour


def remember(name: str, fingerprint: object, compute: Callable[[], T]) -> T:
    digest = hashlib.sha256(repr(fingerprint).encode()).hexdigest()
    cache: BaseCache = current_app.extensions["mobility_cache"]
    key = f"{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT_SECONDS)
    return value


def clear() -> None:
    current_app.extensions["mobility_cache"].clear()


class LayeredCache(BaseCache):
    """Redis, with this process's most recent entries in front of it: a repeated hit costs no round trip.

    Safe because an entry is found by a key that changes with its inputs (remember), or is checked by its
    reader before use (the page cache), so a copy kept here can never be taken for a newer one. The copies
    are pickled, like Redis's: a reader gets objects of its own, never one another request has touched."""

    def __init__(self, shared: BaseCache, threshold: int = 200):
        super().__init__()
        self.local = SimpleCache(threshold=threshold)
        self.shared = shared

    def get(self, key: str):
        value = self.local.get(key)
        if value is None:
            value = self.shared.get(key)
            if value is not None:
                self.local.set(key, value, timeout=TIMEOUT_SECONDS)
        return value

    def set(self, key: str, value, timeout=None) -> bool:
        self.local.set(key, value, timeout=timeout)
        return self.shared.set(key, value, timeout=timeout)

    def delete(self, key: str) -> bool:
        self.local.delete(key)
        return self.shared.delete(key)

    def clear(self) -> bool:
        self.local.clear()
        return self.shared.clear()


def init_app(app: Flask) -> None:
    url = app.config.get("CACHE_REDIS_URL")
    if url:
        # Our own values only (pickled by cachelib); the prefix keeps several apps apart in one Redis.
        cache: BaseCache = LayeredCache(RedisCache(
            host=redis.Redis.from_url(url), key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "mobility") + ":cache:"))
    else:
        cache = SimpleCache(threshold=200)
    app.extensions["mobility_cache"] = cache
