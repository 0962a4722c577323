"""Alembic and the models agree, and upgrade → downgrade → upgrade works on a populated database."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from mobility import create_app
from mobility.demo import load_demo
from mobility.extensions import db
from tests.conftest import DATABASE_URL, IS_POSTGRES, Config


@contextmanager
def _empty_database(tmp_path):
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
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


@pytest.fixture
def migration_app(tmp_path):
    with _empty_database(tmp_path) as url:
        class MigrationConfig(Config):
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = {}
        app = create_app(MigrationConfig)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def _diff():
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)


def _counts() -> dict[str, int]:
    counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    db.session.rollback()  # release the read locks before Alembic drops tables (PostgreSQL waits otherwise)
    return counts


def test_migrations_match_the_models(migration_app):
    upgrade()
    assert _diff() == []


def test_upgrade_downgrade_upgrade_on_a_populated_database(migration_app):
    upgrade()
    with migration_app.test_request_context():
        load_demo()
    db.session.commit()
    before = _counts()
    assert before["user"] == 4 and before["city"] > 60
    downgrade(revision="base")
    assert sa.inspect(db.engine).get_table_names() in ([], ["alembic_version"])
    upgrade()
    with migration_app.test_request_context():
        load_demo()
    db.session.commit()
    assert _counts() == before
    assert _diff() == []


def test_revision_files_follow_the_naming_pattern():
    versions = os.path.join(os.path.dirname(__file__), "..", "..", "migrations", "versions")
    import re

    names = [n for n in os.listdir(versions) if n.endswith(".py")]
    assert names and all(re.fullmatch(r"\d{8}_\d{4}_[0-9a-f]+_\w+\.py", n) for n in names)
