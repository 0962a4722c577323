"""A test inside one transaction that is rolled back at its end (tests/conftest.py, the `app` fixture).

SQLAlchemy's "joining a session into an external transaction": the test opens one connection and begins a
transaction on it; every session of the app under test (the test's own, each request's, each job's) is bound
to that connection with `join_transaction_mode="create_savepoint"`, so what the app commits is a savepoint
released inside the test's transaction and what it rolls back is a savepoint rolled back. What follows a
commit still runs: the sessions' after_commit events fire when their savepoint is released, and
`unit_of_work.finish()` runs the after-commit hooks (mail, jobs) itself once the commit returned.

What one connection cannot do, and what then happens:

- Another connection to the test database (`db.engine` used directly, another app on the same PostgreSQL
  database, a thread of the app) would not see the test's rows, and on SQLite in memory would end the test's
  transaction. It is refused (`OutsideTheTestTransaction`) and the test fails, asking for
  `@pytest.mark.commits`: such a test really commits, and every table is emptied after it.
- Savepoints nest where real transactions would not: a job that a request runs after its commit commits
  inside the savepoint that the request's session began again to read what it had committed (see
  `_Savepoints`).
"""
from __future__ import annotations

import re
import threading

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from mobility.extensions import db


class OutsideTheTestTransaction(RuntimeError):
    """A connection was asked for next to the one the test runs in: it would not see the test's rows."""


MARK_IT = "mark the test @pytest.mark.commits"

# Statements that change no row; anything else counts as a write of the savepoint it runs in (a WITH that
# names a writing statement too).
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "PRAGMA", "SHOW", "WITH")
_WRITING_WITH = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b")


def _writes(statement: str) -> bool:
    head = statement.lstrip().upper()
    return not head.startswith(_READS) or (head.startswith("WITH") and _WRITING_WITH.search(head) is not None)


class _State:
    engine: Engine | None = None          # the test database's engine (the schema app's)
    postgres = False
    connection: Connection | None = None  # the connection of the test running in its transaction, if one is
    thread: int | None = None             # the thread that test runs in
    problems: list[str] = []              # what the test did that one transaction cannot hold


def _refuse(what: str) -> OutsideTheTestTransaction:
    _State.problems.append(what)  # raised in a thread, the error itself may go unseen
    return OutsideTheTestTransaction(f"{what}: it would not see the test's uncommitted rows; {MARK_IT}")


class _Savepoints:
    """The savepoints open on the test's connection, innermost last, and what was written in each.

    Each session has its savepoint on the one connection, so a session that began its savepoint first holds
    the savepoints of the sessions that begin after it: the job a request runs after its commit (in a session
    of its own) commits inside the savepoint the request's session began again to read what it had
    committed. On a real database that job's transaction is its own; here, rolling back the request's
    savepoint would undo it. So a savepoint rolled back without a write of its own, but holding work committed
    inside it, is released instead (with nothing of its own to undo, that is the same rollback, and the
    committed work stays). One that wrote and also holds committed work cannot keep the one and undo the
    other: the test fails, asking for @pytest.mark.commits.
    """

    def __init__(self):
        self.open: list[dict] = []
        self.keeping = False
        self.next_is_nested = False  # the next SAVEPOINT is a session's begin_nested(), inside its own work

    def nested_begun(self, session, transaction) -> None:
        if transaction.nested:
            self.next_is_nested = True

    def executing(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if conn is not _State.connection or self.keeping:
            return
        if statement.startswith("SAVEPOINT "):  # the `savepoint` event comes before the name is chosen
            self.open.append({"name": statement.split()[1], "wrote": False, "holds_commits": False,
                              "nested": self.next_is_nested})
            self.next_is_nested = False
        elif self.open and _writes(statement):
            self.open[-1]["wrote"] = True

    def _ended(self, name: str) -> dict | None:
        while self.open:
            savepoint = self.open.pop()
            if savepoint["name"] == name:
                return savepoint
            _State.problems.append(f"savepoint {savepoint['name']} was ended by the end of {name}, around it")
        return None

    def _held_by_parent(self, savepoint: dict) -> None:
        if not self.open:
            return
        parent = self.open[-1]
        if savepoint["nested"]:  # a session's own SAVEPOINT released: its writes are the session's own
            parent["wrote"] = parent["wrote"] or savepoint["wrote"]
            parent["holds_commits"] = parent["holds_commits"] or savepoint["holds_commits"]
        elif savepoint["wrote"] or savepoint["holds_commits"]:
            parent["holds_commits"] = True

    def released(self, conn, name, context) -> None:
        if conn is _State.connection and (savepoint := self._ended(name)) is not None:
            self._held_by_parent(savepoint)

    def rolling_back(self, conn, name, context) -> None:
        if conn is not _State.connection or (savepoint := self._ended(name)) is None:
            return
        if not savepoint["holds_commits"]:
            return  # nothing committed inside it: the ROLLBACK TO that follows undoes its own writes only
        if savepoint["wrote"]:
            _State.problems.append(f"savepoint {name} was rolled back holding both its own writes and work "
                                   "another session committed inside it")
            return
        # Keep what was committed inside: release it, and let the ROLLBACK TO that follows undo an empty one.
        self.keeping = True
        try:
            conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
            conn.exec_driver_sql(f"SAVEPOINT {name}")
        finally:
            self.keeping = False
        self._held_by_parent(savepoint)


_savepoints = _Savepoints()
_LISTENERS = (("before_cursor_execute", _savepoints.executing), ("release_savepoint", _savepoints.released),
              ("rollback_savepoint", _savepoints.rolling_back))


def _joined_get_bind(flask_get_bind):
    """Flask-SQLAlchemy's sessions choose their engine themselves (a `bind` given to the session is not
    used): while a test runs in its transaction, the sessions of the app on the test database use its
    connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and _State.connection is not None and has_app_context() and self._db.engine is _State.engine:
            if threading.get_ident() != _State.thread:
                raise _refuse("a session in another thread")
            bind = _State.connection
        return flask_get_bind(self, mapper, clause=clause, bind=bind, **kwargs)

    return get_bind


def _refuse_other_connections(conn: Connection) -> None:
    if _State.connection is None or conn is _State.connection:
        return
    # SQLite in memory: another engine is another database; PostgreSQL: the same URL is the same database.
    if conn.engine is _State.engine or (_State.postgres and conn.engine.url == _State.engine.url):
        raise _refuse("a connection of its own to the test database (db.engine, another app)")


def install(engine: Engine) -> None:
    """Once per run, with the test database's engine: sessions may join a test's transaction."""
    _State.engine, _State.postgres = engine, engine.dialect.name == "postgresql"
    factory = db.session.session_factory
    factory.configure(join_transaction_mode="create_savepoint")
    factory.class_.get_bind = _joined_get_bind(factory.class_.get_bind)
    for name, listener in _LISTENERS:
        event.listen(engine, name, listener)
    event.listen(Engine, "engine_connect", _refuse_other_connections)
    event.listen(factory.class_, "after_transaction_create", _savepoints.nested_begun)


def uninstall() -> None:
    event.remove(db.session.session_factory.class_, "after_transaction_create", _savepoints.nested_begun)
    event.remove(Engine, "engine_connect", _refuse_other_connections)
    for name, listener in _LISTENERS:
        event.remove(_State.engine, name, listener)
    del db.session.session_factory.class_.get_bind
    _State.engine = None


def begin() -> None:
    """Open the test's connection and begin its transaction (in an app context of the schema app)."""
    connection = _State.engine.connect()
    connection.begin()
    if connection.dialect.name == "sqlite":
        # pysqlite begins a transaction only before a write, and commits by itself before some statements: let
        # SQLAlchemy's BEGIN and SAVEPOINTs through as written (SQLAlchemy's "Serializable isolation /
        # Savepoints / Transactional DDL" notes for pysqlite; Python 3.11 has no `autocommit=False` yet).
        # Put back before the connection returns to the pool.
        connection.connection.driver_connection.isolation_level = None
        connection.exec_driver_sql("BEGIN")
    _State.connection, _State.thread, _State.problems = connection, threading.get_ident(), []


def problems() -> list[str]:
    """What the test did so far that one transaction cannot hold (it then fails, asking for the marker)."""
    return list(_State.problems)


def roll_back() -> None:
    """Roll the test's transaction back and close its connection (its sessions are closed already)."""
    connection, _State.connection, _State.thread = _State.connection, None, None
    _savepoints.open, _State.problems = [], []
    try:
        connection.rollback()
    finally:
        if connection.dialect.name == "sqlite":
            connection.connection.driver_connection.isolation_level = ""  # pysqlite's default (deferred)
        connection.close()
