"""Idle database connections closed by the server are replaced before use (mobility/core/connections.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobility.core import connections
from tests.conftest import DATABASE_URL, IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="the server closes a connection: PostgreSQL")


def _engine(monkeypatch, idle_check_seconds: float) -> sa.Engine:
    monkeypatch.setattr(connections, "IDLE_CHECK_SECONDS", idle_check_seconds)
    engine = sa.create_engine(DATABASE_URL, pool_size=1)  # no pool_pre_ping
    connections._listen(engine.pool)
    return engine


def _backend_closed_while_idle(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        pid = conn.scalar(sa.text("SELECT pg_backend_pid()"))
    killer = sa.create_engine(DATABASE_URL, poolclass=sa.pool.NullPool)
    with killer.begin() as other:  # another client closes it, as a restart or a firewall would
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    return pid


def test_a_connection_closed_while_idle_is_replaced_before_the_request_uses_it(monkeypatch):
    engine = _engine(monkeypatch, idle_check_seconds=0.0)
    try:
        closed = _backend_closed_while_idle(engine)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != closed
    finally:
        engine.dispose()


def test_a_connection_back_in_the_pool_a_moment_ago_is_used_without_a_check(monkeypatch):
    engine = _engine(monkeypatch, idle_check_seconds=3600.0)
    try:
        closed = _backend_closed_while_idle(engine)
        with pytest.raises(sa.exc.OperationalError), engine.connect() as conn:  # not checked: it fails in use
            conn.scalar(sa.text("SELECT 1"))
        with engine.connect() as conn:  # and SQLAlchemy renews the pool after the failure
            assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != closed
    finally:
        engine.dispose()
