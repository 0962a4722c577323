"""Archive and re-publish of one call at once (PostgreSQL): one of them wins, the other is refused by the
table, and the call is never left archived and published. The same holds for every lifecycle: the state is
read again under the row's lock before the table is checked (core/lifecycle.py)."""
from __future__ import annotations

import threading

import pytest

from mobility import create_app
from mobility.calls import services
from mobility.calls.enums import CallStatus
from mobility.calls.models import Call
from mobility.core.errors import DomainError
from mobility.extensions import db
from tests.conftest import IS_POSTGRES, Config
from tests.factories import make_call, make_user

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.commits]


def test_archive_and_republish_at_once_leave_one_consistent_state(app):
    with app.test_request_context():
        manager = make_user("manager")
        call = make_call(actor=manager, publish=True)
        services.set_call_status(manager, call, CallStatus.CLOSED)
        db.session.commit()
        call_id, manager_id = call.id, manager.id

    class Pool(Config):
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 4}

    twin = create_app(Pool)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(target: CallStatus):
        with twin.app_context(), twin.test_request_context():
            from mobility.accounts.models import User

            actor, mine = db.session.get(User, manager_id), db.session.get(Call, call_id)
            assert mine.status is CallStatus.CLOSED  # both read "closed" before either writes
            start.wait()
            try:
                services.set_call_status(actor, mine, target, confirmed=True)
                db.session.commit()
                outcomes[target.value] = "done"
            except DomainError:
                db.session.rollback()
                outcomes[target.value] = "refused"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(s,)) for s in (CallStatus.ARCHIVED, CallStatus.PUBLISHED)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with twin.app_context():
        final = db.session.get(Call, call_id).status
        db.session.remove()
        db.engine.dispose()
    assert sorted(outcomes.values()) == ["done", "refused"], outcomes
    winner = next(s for s, o in outcomes.items() if o == "done")
    assert final.value == winner  # what the winner did stands; the other never undid it
