"""Throw-away databases for tests that need a schema of their own (migrations, backups), row checksums,
and the SQL statements a piece of work runs."""
from __future__ import annotations

import hashlib
import uuid
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event

from mobility.extensions import db
from tests.conftest import DATABASE_URL, IS_POSTGRES

SAVEPOINT_CONTROL = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


@contextmanager
def empty_database(tmp_path, name: str = "migrations"):
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        return
    name = f"mobility_mig_{uuid.uuid4().hex[:10]}"
    server = sa.create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def table_digests() -> dict[str, str]:
    """A checksum of every row of every table, read by reflection so it sees the schema as it is now."""
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    digests = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            # Bookkeeping, not data: the migrations' own record, and the write counters two revisions
            # kept (dropped since; the downgrade back through them recreates them empty).
            if table.name in {"alembic_version", "data_version"}:
                continue
            columns = sorted(table.columns, key=lambda c: c.name)
            order = list(table.primary_key.columns) or columns
            digest = hashlib.sha256()
            for row in conn.execute(sa.select(*columns).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            digests[table.name] = digest.hexdigest()
    return digests


@contextmanager
def counting():
    """The SQL statements run inside the block, as a list filled while it runs (exact: never a time).

    Savepoints are left out: a test running in one transaction (tests/transactions.py) has a savepoint where the
    app has a transaction, whose beginning is no statement."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(SAVEPOINT_CONTROL):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
