"""Database connections that died while idle are replaced before use, without a round trip for busy ones.

SQLAlchemy's `pool_pre_ping` asks the server on every checkout (a SELECT 1 inside the transaction it
opens): on a page served from the page cache that check was a fifth of the request. Under load a
connection comes back to the pool within milliseconds of its last use; the ones that may have died are
those left idle (a quiet night, a database restart, a firewall that closes idle connections). So only a
connection idle for more than IDLE_CHECK_SECONDS is checked, with SQLAlchemy's documented pessimistic
recipe: a checkout event that raises DisconnectionError makes the pool replace the connection and retry.
A connection that breaks while in use is detected by SQLAlchemy as before, and the pool is renewed.
"""
from __future__ import annotations

import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from mobility.extensions import db

IDLE_CHECK_SECONDS = 10.0
_IDLE_SINCE = "mobility_idle_since"


def _listen(pool: Pool) -> None:
    @event.listens_for(pool, "checkin")
    def note_idle(_dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def check_if_idle_long(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_CHECK_SECONDS:
            return  # new, or back in the pool a moment ago
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:  # any failure here means the connection cannot be trusted
            raise DisconnectionError(f"an idle database connection was closed: {error}") from error


def init_app(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            _listen(engine.pool)
