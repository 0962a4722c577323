"""One-time rows made once, however many requests ask at the same moment: the unique key decides.

A read-then-write ("is there one? no: insert") lets two requests both read "no"; a unique key lets only one
insert through. `once()` makes the row in a savepoint and, when the key refuses it, answers with the row the
other request made — the second click gets the first one's result, never a unique-key 500.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from mobility.core.errors import DomainError
from mobility.extensions import db

T = TypeVar("T")


def savepoint():
    """A SAVEPOINT inside the unit of work's own transaction (`with savepoint(): …`). On SQLite the
    transaction is begun first: pysqlite begins one only before its first INSERT/UPDATE/DELETE, so a
    SAVEPOINT before any would be the transaction itself, and releasing it would commit the request's work
    half-done."""
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN")
    return db.session.begin_nested()


def once(make: Callable[[], T], existing: Callable[[], T | None]) -> T:
    """`make()` in a savepoint; when a unique key refuses what it inserts (another request made the same
    one-time row first), the row that request made. Any other refusal goes on as it was."""
    try:
        with savepoint():
            return make()
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found


@contextmanager
def refused_by_key(refusal: DomainError) -> Iterator[None]:
    """What the block inserts (and flushes) in a savepoint: when a unique key refuses it (the same name sent
    twice at once, past the check both requests made before), `refusal` — the field error the check gives —
    instead of a unique-key 500."""
    try:
        with savepoint():
            yield
    except IntegrityError as taken:
        raise refusal from taken
