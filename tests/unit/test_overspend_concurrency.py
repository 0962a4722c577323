"""Managers award at the same moment against a budget that pays only one: exactly one wins.

The award takes the call's row lock (as every panel write does) and the budget row lock while the
committed total is counted, so a second award waits, counts again and is refused. Without those locks
this test fails. PostgreSQL only: that is where the race is real.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from mobility import create_app
from mobility.accounts.models import User
from mobility.applications.models import Application
from mobility.awards import services
from mobility.awards.models import Grant
from mobility.core.errors import DomainError
from mobility.extensions import db
from tests.conftest import IS_POSTGRES, Config
from tests.factories import make_awardable, make_user

# Other connections, in threads, read what the test wrote: it is really committed.
pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.commits]


MANAGERS = 8


def test_simultaneous_awards_never_overspend(app):
    with app.test_request_context():
        _manager, _call, applications = make_awardable(budget="5000", applications=MANAGERS)  # 3,350 each
        managers = [make_user("manager") for _ in range(MANAGERS)]
        db.session.commit()
        pairs = [(m.id, a.id) for m, a in zip(managers, applications)]

    crowd = create_app(Config)
    start = threading.Barrier(MANAGERS)
    outcomes: list[str] = []

    def award(manager_id: int, application_id: int):
        with crowd.app_context(), crowd.test_request_context():
            actor, application = db.session.get(User, manager_id), db.session.get(Application, application_id)
            start.wait()
            try:
                services.award_application(actor, application, "Excellent")
                db.session.commit()
                outcomes.append("awarded")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=award, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd.app_context():
        db.engine.dispose()

    assert sorted(outcomes) == ["awarded"] + ["refused"] * (MANAGERS - 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1
    assert db.session.scalar(select(func.sum(Grant.amount))) <= 5000
