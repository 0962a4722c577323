"""Fixtures: an app per test on SQLite (in memory) or, when TEST_DATABASE_URL is set, PostgreSQL.

The schema is built once per run; each test starts from empty tables, in one of two ways:

- By default a test runs inside one transaction, rolled back at its end: every session of the app is bound
  to the test's connection and the app's commits are savepoints released inside it (tests/transactions.py).
- A test marked `@pytest.mark.commits` really commits, and every table is emptied after it: one whose rows
  must be seen from another connection (`db.engine` used directly, another app on the same database,
  threads, other processes). A test that asks for such a connection without the marker fails, saying so.
"""
from __future__ import annotations

import itertools
import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestingConfig
from mobility import create_app
from mobility.core import memo
from mobility.core.storage import BACKENDS, storage_from_config
from mobility.core.unit_of_work import writes_on_read
from mobility.extensions import db as _db
from mobility.extensions import limiter
from tests import factories, transactions

DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
IS_POSTGRES = DATABASE_URL.startswith("postgresql")


class Config(TestingConfig):
    SQLALCHEMY_DATABASE_URI = DATABASE_URL
    SERVER_NAME = "mobility.test"
    # One shared in-memory SQLite database for the whole app.
    SQLALCHEMY_ENGINE_OPTIONS = (
        {"connect_args": {"check_same_thread": False}, "poolclass": __import__("sqlalchemy").pool.StaticPool}
        if DATABASE_URL == "sqlite://" else {"pool_pre_ping": True}
    )


class RequestScopedClient(FlaskClient):
    """Each request runs in its own app context, as under a real server.

    Without this, a request reuses the test's app context: `g` (and so the CSRF token cache)
    would leak from one request to the next. The test's own session is expired afterwards so
    it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def _schema_app():
    app = create_app(Config)
    app.test_client_class = RequestScopedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        transactions.install(_db.engine)
    yield app
    transactions.uninstall()
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    if IS_POSTGRES:
        names = ", ".join(f'"{t.name}"' for t in tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture
def app(_schema_app, request):
    app = _schema_app
    writes = writes_on_read(app)
    writes.clear()
    in_transaction = request.node.get_closest_marker("commits") is None
    with app.app_context():
        if in_transaction:
            transactions.begin()
        yield app
        problems = transactions.problems() if in_transaction else []  # the test's own, not the clean-up's
        _db.session.rollback()
        _db.session.remove()
        if in_transaction:
            transactions.roll_back()
        else:
            _empty_tables()
        memo.clear()  # ids may start again in the next test: nothing computed for this one may be found
    limiter.reset()
    assert not writes, f"GET or HEAD requests wrote to the database: {writes}"
    assert not problems, f"this test cannot run in one transaction ({'; '.join(problems)}): {transactions.MARK_IT}"


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3-compatible server (moto in server mode, its own process), started once per run."""
    from tests.s3 import aws_credentials, moto_server

    with aws_credentials(), moto_server() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def new_store_config(request, tmp_path):
    """Makes the settings of a fresh, empty attachment store: a directory, and in a second run an S3 bucket."""
    if request.param == "s3":
        from tests.s3 import new_bucket_config

        endpoint = request.getfixturevalue("s3_endpoint")
        return lambda: new_bucket_config(endpoint)
    numbers = itertools.count()
    return lambda: {"STORAGE_BACKEND": "local", "ATTACHMENT_DIR": str(tmp_path / f"store-{next(numbers)}")}


@pytest.fixture
def store(app, new_store_config, monkeypatch):
    """The app keeps files in this test's own empty store, so "the whole store" is what the test wrote."""
    storage = storage_from_config(new_store_config())
    monkeypatch.setitem(app.extensions, "mobility_storage", storage)
    return storage


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    return factories.make_user


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, email: str, password: str = factories.PASSWORD):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password,
                                         "csrf_token": csrf_from(page.get_data(as_text=True))})


@pytest.fixture
def signed_in(client, make_user):
    """A client signed in as a new user with the given roles: signed_in("manager")."""

    def _sign_in(*roles: str, **kwargs):
        user = make_user(*roles, **kwargs)
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _sign_in


def export_through_job(client, url: str, fmt: str, page_url: str = "/"):
    """Press an export button (POST `url`), follow to the job's page and download its file."""
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    started = client.post(url, data={"format": fmt, "csrf_token": token})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"], started.status_code
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/jobs/\d+/download)"', page)
    assert link, page
    return client.get(link.group(1))
