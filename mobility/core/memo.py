"""Expensive results kept for their next reader: a call's ranking, the dashboard's figures.

A result is kept (Flask-Caching: Redis when CACHE_REDIS_URL is set, else each process's memory) under its
name, its part (a call, a set of filters), the release and the *generations* of its scopes. A generation
is a random token kept in the same cache; the services that change a result's inputs bump it
(`ranking_changed(call_id)`, `dashboard_changed(programme_id)`), and the next reader computes anew. So an
autosave in one call never touches another call's ranking, and no SQL is read to know what changed.

A bump waits for the transaction's commit (`on_transaction_end`): a rolled-back change forgets nothing,
a committed one is never missed. A reader reads the generations before the data, so a result stored
under a generation is never older than it. A generation is a fresh random token, never a count: one
lost from the cache (evicted, flushed) only costs a computation, never serves an older result.

Values are JSON, never pickle: whoever can write to Redis can at worst make a page wrong, not run code.
The reader's types decide how JSON becomes Decimal, enums and dataclasses again (`decode`).
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import secrets
import types
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
from cachelib.serializers import BaseSerializer
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_caching import Cache
from flask_caching.backends.rediscache import RedisCache
from flask_caching.backends.simplecache import SimpleCache
from redis.exceptions import RedisError

from mobility.db import on_transaction_end
from mobility.extensions import db

T = TypeVar("T")
TIMEOUT_SECONDS = 3600  # a result nobody asks for again leaves within the hour
# A generation outlives the results kept under it (an in-memory cache evicts what expires first).
GENERATION_SECONDS = 7 * 24 * 3600
_PENDING_KEY = "memo_changed"  # session.info: the scopes this transaction changed
_EVERYTHING = "everything"

cache = Cache()
UNREACHABLE = (RedisError, OSError)  # Redis stopped, restarted or cut off


# ---- what the services call ------------------------------------------------------------------

def ranking_changed(call_id: int) -> None:
    """Once this transaction commits, the call's ranking is computed again."""
    changed(f"ranking:{call_id}")


def rankings_changed() -> None:
    """Every call's ranking (a city moved, a pair changed, personal data erased)."""
    changed("ranking:*")


def dashboard_changed(programme_id: int | None) -> None:
    """Once this transaction commits, the figures of this programme (and of all programmes) are counted
    again. None: a call of no programme, which only the all-programmes view counts."""
    changed(f"dashboard:{programme_id if programme_id is not None else 'none'}", "dashboard:any")


def dashboards_changed() -> None:
    changed("dashboard:*")


def everything_changed() -> None:
    """Once this transaction commits, every kept result is deleted, not only made unreachable: after an
    erasure no copy of what it removed stays in Redis; after a restore or a demo load nothing from the
    database that was there before."""
    changed(_EVERYTHING)


def ranking_scopes(call_id: int) -> tuple[str, ...]:
    return f"ranking:{call_id}", "ranking:*"


def dashboard_scopes(programme_ids: Iterable[int] | None) -> tuple[str, ...]:
    """The generations a dashboard depends on: its programmes', or any programme's when it counts all."""
    if programme_ids is None:
        return "dashboard:any", "dashboard:*"
    return (*(f"dashboard:{p}" for p in sorted(programme_ids)), "dashboard:*")


# ---- the mechanism -------------------------------------------------------------------------

def changed(*scopes: str) -> None:
    """Bump these scopes' generations after the commit of the current transaction."""
    db.session.info.setdefault(_PENDING_KEY, set()).update(scopes)


def _on_commit(session) -> None:
    scopes = session.info.pop(_PENDING_KEY, None)
    if scopes and _EVERYTHING in scopes:
        clear()
    elif scopes:
        bump(*scopes)


def _on_rollback(session) -> None:
    session.info.pop(_PENDING_KEY, None)


def bump(*scopes: str) -> None:
    """New generations now (what _on_commit does; tests and commands that rewrite data use it directly).

    Redis unreachable: the scopes are kept and bumped before this process next reads a kept result, and
    until then it reads none (computes everything), so it never serves what the change made wrong."""
    _unsent.update(scopes)
    _send_bumps()


# Scopes whose new generation could not be written (Redis unreachable), in this process.
_unsent: set[str] = set()


def _send_bumps() -> bool:
    """Write the generations still owed; False when Redis is still out of reach."""
    if not _unsent:
        return True
    scopes = set(_unsent)
    try:
        cache.set_many({_generation_key(s): secrets.token_hex(8) for s in scopes}, timeout=GENERATION_SECONDS)
    except UNREACHABLE as error:
        current_app.logger.warning("memo: Redis unreachable (%s); results are computed without it", error)
        return False
    _unsent.difference_update(scopes)
    return True


def remember(name: str, part: object, scopes: Iterable[str], kind: Any, compute: Callable[[], T]) -> T:
    """The kept result of `compute()` for `part`, or `compute()` kept for the next reader.

    `kind` is the result's type (e.g. `list[RankedRow]`), which turns its JSON back into it. Without Redis
    the result is computed each time: slower pages, never an error page."""
    if not _send_bumps():
        return compute()
    try:
        return _remember(name, part, tuple(scopes), kind, compute)
    except UNREACHABLE as error:
        current_app.logger.warning("memo: Redis unreachable (%s); %s computed without it", error, name)
        return compute()


def _remember(name: str, part: object, scopes: tuple[str, ...], kind: Any, compute: Callable[[], T]) -> T:
    generations = _generations(scopes)  # before any data is read: see the module's docstring
    digest = hashlib.sha256(repr((part, generations)).encode()).hexdigest()[:32]
    key = f"{name}:{release()}:{digest}"
    kept = cache.get(key)
    if kept is not None:
        try:
            return decode(kind, kept)
        except (TypeError, ValueError, KeyError, ArithmeticError):
            pass  # not what this code writes (a hand-edited entry): computed again
    value = compute()
    cache.set(key, encode(value), timeout=TIMEOUT_SECONDS)
    return value


def _generations(scopes: tuple[str, ...]) -> tuple[str, ...]:
    keys = [_generation_key(s) for s in scopes]
    found = cache.get_many(*keys)
    missing = [k for k, v in zip(keys, found) if not isinstance(v, str)]
    if missing:
        for key in missing:  # add, not set: two first readers at once agree on one token
            cache.add(key, secrets.token_hex(8), timeout=GENERATION_SECONDS)
        found = cache.get_many(*keys)
    return tuple(str(v) for v in found)


def _generation_key(scope: str) -> str:
    return f"generation:{scope}"


def clear() -> None:
    """Forget every kept result and generation (tests; after a restore or an erasure). Redis unreachable:
    every scope this process knows is owed a new generation instead (bump), so nothing old is read again."""
    try:
        cache.clear()
    except UNREACHABLE:
        bump("ranking:*", "dashboard:*")  # every ranking's and dashboard's scopes include these


# ---- JSON both ways ------------------------------------------------------------------------

def encode(value: Any) -> Any:
    """Plain JSON values: Decimal as its exact string, an enum as its value, a dataclass as the list of
    its fields (in order), a dict as a list of pairs (so keys keep their type)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, dict):
        return [[encode(k), encode(v)] for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    raise TypeError(f"{type(value).__name__} cannot be kept as JSON")


def decode(kind: Any, data: Any) -> Any:
    converter = _converter(kind)
    return data if converter is None else converter(data)


@functools.cache
def _converter(kind: Any) -> Callable[[Any], Any] | None:
    """A function turning JSON into `kind`, or None where the JSON value already is one (str, int...)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        others = [a for a in args if a is not type(None)]
        if len(others) != 1:
            raise TypeError(f"cannot decode {kind}")
        inner = _converter(others[0])
        return None if inner is None else (lambda v: None if v is None else inner(v))
    if origin in (list, tuple):
        item = _converter(args[0]) if args else None
        if origin is list:
            return list if item is None else (lambda v: [item(x) for x in v])
        return tuple if item is None else (lambda v: tuple(item(x) for x in v))
    if origin is dict:
        key, value = _converter(args[0]), _converter(args[1])
        key, value = key or _identity, value or _identity
        return lambda v: {key(k): value(x) for k, x in v}
    if kind is Decimal:
        return lambda v: Decimal(_str(v))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass_converter(kind)
    if kind is float:
        return float
    if kind in (int, str, bool, Any):
        return None
    raise TypeError(f"cannot decode {kind}")


def _dataclass_converter(kind: type) -> Callable[[list], Any]:
    hints = typing.get_type_hints(kind)
    fields = dataclasses.fields(kind)
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(hints[f.name])) is not None]

    def convert(row: list) -> Any:
        if len(row) != len(fields):
            raise ValueError(f"{kind.__name__} has {len(fields)} fields")
        row = list(row)
        for i, converter in converters:
            row[i] = converter(row[i])
        return kind(*row)

    return convert


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("a Decimal is kept as a string")
    return value


class JSONSerializer(BaseSerializer):
    """What the cache backends store: JSON text, never pickle. (An integer is its digits, as Redis's
    INCR writes it.) Anything else found is treated as missing."""

    def dumps(self, value: Any, *args: Any, **kwargs: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()

    def loads(self, value: bytes | str | None) -> Any:
        if value is None:
            return None
        try:
            return json.loads(value)
        except ValueError:
            return None


class JSONRedisCache(RedisCache):
    serializer = JSONSerializer()  # type: ignore[assignment]  # cachelib types its default; any serializer works


class JSONSimpleCache(SimpleCache):
    serializer = JSONSerializer()  # type: ignore[assignment]  # cachelib types its default; any serializer works


# ---- the release -----------------------------------------------------------------------------

def release() -> str:
    return current_app.extensions["mobility_release"]


@functools.cache  # once per process, however many apps it makes (the tests make many)
def _release(*roots: Path) -> str:
    """A digest of the code, templates and compiled translations: another release computes its results
    anew at once, even with the previous release's still in Redis; machines running the same release
    share them. (About 20 ms, once per process.)"""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".html", ".mo"}):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def init_app(app: Flask) -> None:
    app.extensions["mobility_release"] = _release(Path(app.root_path),
                                                  Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    url = app.config.get("CACHE_REDIS_URL")
    # The prefix keeps several apps apart in one Redis, and lets clear() delete only our own keys.
    settings = {"CACHE_KEY_PREFIX": app.config.get("RATELIMIT_KEY_PREFIX", "mobility") + ":memo:",
                "CACHE_DEFAULT_TIMEOUT": TIMEOUT_SECONDS}
    if url:
        settings |= {"CACHE_TYPE": "mobility.core.memo.JSONRedisCache", "CACHE_REDIS_URL": url}
    else:
        settings |= {"CACHE_TYPE": "mobility.core.memo.JSONSimpleCache", "CACHE_THRESHOLD": 500}
    cache.init_app(app, config=settings)
    on_transaction_end(committed=_on_commit, rolled_back=_on_rollback)
    app.cli.add_command(commands)


commands = AppGroup("memo", help="The memoised rankings and dashboard figures.")


@commands.command("clear")
def clear_command() -> None:
    """Forget them all: after rows were changed by hand (psql), which no service saw."""
    clear()
    click.echo("Every memoised ranking and dashboard figure is forgotten.")


def _identity(value):
    return value
