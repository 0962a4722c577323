"""A version number per table, raised in the same transaction as every write to that table.

What a page read can then be recognised in one small statement (`current()`): the page cache
(mobility/core/page_cache.py) keeps a page with the versions of the tables it read, and serves it
again only while none of them has moved.

Writes are seen where every one of them passes, the engine: INSERT, UPDATE and DELETE statements name
their table first, so each connection notes the tables it wrote, and its commit raises their versions
just before the database commits. The raise is part of the transaction: nobody sees the new version
before the change, nor the change without the new version (a rollback raises nothing). Tables read are
noted the same way, as every table name a statement mentions outside a qualified column (mentioning one
more table than a statement really reads only costs a cache entry, never a stale page).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from mobility.extensions import db

WRITTEN_KEY = "mobility_written_tables"  # in Connection.info: the tables this transaction wrote
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
# A name, unless it follows a dot: "city_1.programme" is a column, not the table of that name.
_NAME = re.compile(r'(?<![.\w"])"?(\w+)')
_READ = "SELECT name, n FROM data_version"


def current() -> dict[str, int]:
    """Every table's version now (a table never written since the database was made is 0)."""
    # Read on every request of a cached page, so the driver's statement without the ORM's work; on
    # PostgreSQL outside any transaction: one round trip, where the request's session would add a BEGIN
    # and a ROLLBACK (and a page served from the cache needs no session at all).
    if db.engine.dialect.name != "postgresql":  # SQLite: tests share one connection with the session
        return dict(db.session.connection().exec_driver_sql(_READ).all())
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return dict(conn.exec_driver_sql(_READ).all())


def begin_request() -> None:
    """Read every version before anything else this request reads, and note from now on every table its
    statements mention: what the request then shows can only be newer than these versions, never older."""
    g.mobility_versions = current()
    g.mobility_tables_read = set()
    g.mobility_wrote = False


def at_start() -> dict[str, int] | None:
    """The versions begin_request() read, if it ran for this request."""
    return g.get("mobility_versions") if has_request_context() else None


def versions_of(tables: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """(table, version) of these tables as begin_request() read them, for the key of a result computed
    from them. Read any later, a version could be newer than rows the request had already loaded."""
    known = at_start()
    if known is None:
        raise RuntimeError("versions_of() needs begin_request() first (a view marked @cached_page)")
    tables = sorted(tables)
    # A result found under these versions was read from these tables, even if no statement of this
    # request mentions them: a page showing it depends on them.
    g.mobility_tables_read.update(tables)
    return tuple((table, known.get(table, 0)) for table in tables)


def note_written(conn: Connection, table: str) -> None:
    """For a write the engine does not see (COPY through the driver): its commit raises the table's version."""
    conn.info.setdefault(WRITTEN_KEY, set()).add(table)


def tables_read() -> set[str]:
    return g.get("mobility_tables_read") or set()


def request_wrote() -> bool:
    return bool(g.get("mobility_wrote"))


@lru_cache(maxsize=4096)
def _tables_in(statement: str, known: frozenset[str]) -> frozenset[str]:
    return frozenset(name for name in _NAME.findall(statement) if name in known and name != "data_version")


_EXISTS = {"sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_version'",
           "postgresql": "SELECT to_regclass('data_version')::text"}
_SCHEMA_CHANGE = re.compile(r"\s*(?:CREATE|DROP)\s+TABLE\b.*\bdata_version\b", re.IGNORECASE | re.DOTALL)


def _listen(engine: Engine, known: frozenset[str]) -> None:
    # Whether data_version exists, once known: before the migration that makes it (or after a downgrade
    # that drops it) writes commit without counting, as they did before it existed.
    table_exists = False

    def execute(conn: Connection, sql: str, params=()) -> list[tuple]:
        # The DBAPI cursor, not conn.execute: this runs inside the connection's commit, and must not be
        # noted as a write of its own.
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    @event.listens_for(engine, "after_cursor_execute")
    def note(conn: Connection, _cursor, statement: str, _params, _context, _many) -> None:
        nonlocal table_exists
        written = _WRITE.match(statement)
        if written and written.group(1) != "data_version":
            note_written(conn, written.group(1))
        elif _SCHEMA_CHANGE.match(statement):
            table_exists = False
        if has_request_context() and "mobility_tables_read" in g:
            g.mobility_tables_read |= _tables_in(statement, known)
            g.mobility_wrote = g.mobility_wrote or bool(written)

    @event.listens_for(engine, "commit")
    def raise_versions(conn: Connection) -> None:
        """Called just before the database commits: the new versions are part of the transaction."""
        nonlocal table_exists
        written = conn.info.pop(WRITTEN_KEY, None)
        if not written or "alembic_version" in written:  # a migration: the app starts afresh after it
            return
        if not table_exists:
            if not any(row[0] for row in execute(conn, _EXISTS[conn.dialect.name])):
                return
            table_exists = True
        names = sorted(written)  # one order for every transaction: two of them never wait on each other
        marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        rows = ", ".join(f"({marker}, 1)" for _ in names)
        execute(conn, f"INSERT INTO data_version (name, n) VALUES {rows} "
                      "ON CONFLICT (name) DO UPDATE SET n = data_version.n + 1", names)

    @event.listens_for(engine, "rollback")
    def forget(conn: Connection) -> None:
        conn.info.pop(WRITTEN_KEY, None)


def init_app(app: Flask) -> None:
    with app.app_context():
        known = frozenset(db.metadata.tables)
        for engine in db.engines.values():
            _listen(engine, known)
