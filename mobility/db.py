"""Declarative base with a constraint naming convention, shared mixins and the enum column type."""
from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session
from sqlalchemy.types import TypeDecorator

# Named constraints make Alembic migrations deterministic on every backend (Indico does the same).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# The app's notion of now is the real clock, except inside `clock_at()`: the demo plays a programme's past
# through the services (a call decided months ago, grants reported since), and each service stamps what it
# does with the instant being played. Nothing else sets it.
_PLAYED_NOW: ContextVar[datetime | None] = ContextVar("mobility_played_now", default=None)


def utcnow() -> datetime:
    played = _PLAYED_NOW.get()
    return played if played is not None else datetime.now(timezone.utc)


@contextmanager
def clock_at(instant: datetime) -> Iterator[datetime]:
    """Inside the block `utcnow()` is `instant` (an aware instant, never in the future): work done there is
    dated then, as if it had happened at that moment."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given where a UTC instant is required")
    instant = instant.astimezone(timezone.utc)
    if instant > datetime.now(timezone.utc):
        raise ValueError("the clock cannot be set to the future")
    token = _PLAYED_NOW.set(instant)
    try:
        yield instant
    finally:
        _PLAYED_NOW.reset(token)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC instants on every backend (SQLite forgets the zone otherwise)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_column(enum_cls: type[enum.Enum], name: str | None = None, **kwargs) -> sa.Enum:
    """A portable enum column: the member *values* stored as strings, with a named CHECK constraint.

    Give `name` when a table has two columns of the same enum: constraint names must be unique.
    """
    return sa.Enum(
        enum_cls,
        name=name or _snake(enum_cls.__name__),
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def bulk_insert(session, table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows of one shape: COPY on PostgreSQL (several times faster than a multi-row INSERT
    for tens of thousands of rows), executemany elsewhere. Rows carry plain column values."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    raw = connection.connection.driver_connection  # the psycopg connection of this transaction
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([v.value if isinstance(v, enum.Enum) else v for v in (row[c] for c in columns)])


def on_transaction_end(*, committed, rolled_back) -> None:
    """Run `committed(session)` after every commit and `rolled_back(session)` after every rollback of the
    app's sessions: work that must follow the transaction's fate (mail, jobs, stored files). Registering the
    same pair again (one more app in the same process, as in tests) changes nothing."""
    # On the session class Flask-SQLAlchemy makes every app session of (this module sits below the
    # extensions, so it does not reach for `db.session` itself).
    if committed not in _ENDS:
        _ENDS[committed] = _at_the_end(committed)
        _ENDS[rolled_back] = _at_the_end(rolled_back)
        event.listen(FlaskSession, "after_commit", _ENDS[committed])
        event.listen(FlaskSession, "after_rollback", _ENDS[rolled_back])


_ENDS: dict = {}  # each hook and the listener that runs it


def _at_the_end(hook):
    """`hook(session)` when the transaction itself ends: SQLAlchemy also reports a SAVEPOINT released or
    rolled back inside it (`begin_nested()`, a one-time row made once) as a commit or a rollback, and the mail,
    jobs and files of the unit of work must wait for the unit of work."""
    def run(session) -> None:
        if not session.in_nested_transaction():
            hook(session)
    return run


def locked(obj):
    """`obj` read again under its row lock (PostgreSQL; SQLite has one writer): two requests changing the
    same row are answered one after the other, and the second sees what the first did."""
    model = type(obj)
    from_db = sa.select(model).where(model.id == obj.id).with_for_update()
    return object_session(obj).execute(from_db.execution_options(populate_existing=True)).scalar_one()
