"""The suite on every core (pytest-xdist, `-n`): each worker runs its share on data of its own.

Called from tests/__init__.py, so before tests/conftest.py imports config: TestingConfig reads the
environment at import, and every app a test makes (its own configuration, a subprocess) must use the
worker's database and attachment directory, never another worker's.
"""
from __future__ import annotations

import os

import sqlalchemy as sa


def isolate() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1"… in a worker; unset without -n
    if not worker:
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql"):
        os.environ["TEST_DATABASE_URL"] = worker_database(url, worker)
    # SQLite in memory is each process's own already.
    os.environ.setdefault("TEST_ATTACHMENT_DIR", f"/tmp/mobility-test-attachments-{worker}")


def worker_database(url: str, worker: str) -> str:
    """The PostgreSQL database `<name>_<worker>` on the same server, created when missing."""
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    if base.database and base.database.endswith(f"_{worker}"):
        return url  # already the worker's (a subprocess of a worker inherits it)
    server = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)
