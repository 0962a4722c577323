"""Results that are expensive to compute and cheap to recognise, kept under a fingerprint of their inputs.

The caller passes a fingerprint that changes whenever the inputs change (row counts and last-modified
times, read in one small statement). A stale entry can therefore never be served: a change of inputs
only means a new key, computed once. CACHE_REDIS_URL shares the entries between workers and machines;
without it each process keeps its own (still correct, just computed once per process).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

import redis
from cachelib import BaseCache, RedisCache, SimpleCache
from flask import Flask, current_app
from sqlalchemy import Select, String, cast, func, literal, select, union_all

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


def changes(name: str, source, last, *where, join=None) -> Select:
    """One part of a fingerprint: how many rows of `source` (joined to `join`, filtered by `where`) and an
    aggregate that moves whenever one of them changes, usually `func.max(<its modification time>)`.
    count(*) beside max() lets PostgreSQL answer both from an index on the time alone."""
    stmt = select(literal(name), func.count(), cast(last, String)).select_from(source)
    return (stmt.join(join) if join is not None else stmt).where(*where)


def read_changes(*parts: Select) -> tuple:
    """The parts in one statement. Sorted: PostgreSQL may return the parts of a UNION ALL in any order
    (parallel append), and a fingerprint must not change when nothing did."""
    from mobility.extensions import db

    return tuple(sorted(tuple(row) for row in db.session.execute(union_all(*parts))))


def clear() -> None:
    current_app.extensions["mobility_cache"].clear()


def init_app(app: Flask) -> None:
    url = app.config.get("CACHE_REDIS_URL")
    if url:
        # Our own values only (pickled by cachelib); the prefix keeps several apps apart in one Redis.
        cache: BaseCache = RedisCache(host=redis.Redis.from_url(url),
                                      key_prefix=app.config.get("RATELIMIT_KEY_PREFIX", "mobility") + ":cache:")
    else:
        cache = SimpleCache(threshold=200)
    app.extensions["mobility_cache"] = cache
