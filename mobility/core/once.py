"""One-time rows made once, however many requests ask at the same moment: the unique key decides.

A read-then-write ("is there one? no: insert") lets two requests both read "no"; a unique key lets only one
insert through. `once()` makes the row in a savepoint and, when the key refuses it, answers with the row the
other request made — the second click gets the first one's result, never a unique-key 500.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from mobility.extensions import db

T = TypeVar("T")


def once(make: Callable[[], T], existing: Callable[[], T | None]) -> T:
    """`make()` in a savepoint; when a unique key refuses what it inserts (another request made the same
    one-time row first), the row that request made. Any other refusal goes on as it was."""
    connection = db.session.connection()  # the unit of work's own transaction first: the savepoint nests in it
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:
        # pysqlite begins a transaction only before its first INSERT/UPDATE/DELETE: a SAVEPOINT before any
        # would be the transaction itself, and releasing it would commit the request's work half-done.
        connection.exec_driver_sql("BEGIN")
    try:
        with db.session.begin_nested():
            return make()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found
