"""The suite's own isolation (tests/transactions.py): a test runs in one transaction that is rolled back, the
app's commits and rollbacks inside it behave as on their own, and what one connection cannot hold is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mobility.accounts.models import User, UserSession
from mobility.extensions import db
from tests import transactions
from tests.conftest import sign_in
from tests.factories import make_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("run", ["first", "second"])
def test_what_a_test_commits_is_gone_in_the_next_one(app, client, run):
    assert (_count(User), _count(UserSession)) == (0, 0)  # whichever runs second sees nothing of the first
    user = make_user(email="isolation@example.org")  # committed by the factory
    assert sign_in(client, user.email).status_code == 302  # committed by the request
    assert (_count(User), _count(UserSession)) == (1, 1)


def test_a_unit_of_work_rolled_back_undoes_its_own_writes_only(app):
    make_user(email="kept@example.org")
    with app.app_context():
        db.session.add(User(name="Committed", email="committed@example.org", password_hash="x"))
        db.session.commit()
    with app.app_context():
        db.session.add(User(name="Abandoned", email="abandoned@example.org", password_hash="x"))
        db.session.flush()
        db.session.rollback()
    assert set(db.session.scalars(select(User.email))) == {"kept@example.org", "committed@example.org"}


def test_work_committed_while_another_session_reads_outlives_that_sessions_rollback(app):
    """As a job that a request runs after its commit: the job's commit stays when the request's session,
    which had begun again to read, is rolled back at its end."""
    assert _count(User) == 0  # the test's session has begun (a savepoint) to read
    with app.app_context():
        db.session.add(User(name="Job", email="job@example.org", password_hash="x"))
        db.session.commit()
    db.session.rollback()
    assert list(db.session.scalars(select(User.email))) == ["job@example.org"]


def test_a_connection_of_its_own_is_refused_and_fails_the_test(app):
    with pytest.raises(transactions.OutsideTheTestTransaction, match="pytest.mark.commits"):
        db.engine.connect()
    assert transactions.problems() == ["a connection of its own to the test database (db.engine, another app)"]
    transactions._State.problems.clear()  # expected here: the fixture would fail the test otherwise


@pytest.mark.commits
def test_a_test_marked_commits_really_commits(app):
    make_user(email="committed@example.org")
    with db.engine.connect() as connection:  # a connection of its own sees it
        assert connection.scalar(select(func.count()).select_from(User)) == 1
