"""Writes that race the panel lock on PostgreSQL: none gets through once the lock is taken.

The lock's transaction holds the call's row while twenty jurors try to save scores. Each save takes
the same row lock (SELECT … FOR UPDATE), waits, then sees the committed lock and is refused. A
check made on an unlocked read would pass and save: that is the bug this test would catch.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from mobility import create_app
from mobility.core.errors import DomainError
from mobility.extensions import db
from mobility.review import services
from mobility.review.models import Assignment, Review
from tests.conftest import IS_POSTGRES, Config
from tests.factories import make_juror, make_reviewable_call

# Other connections, in threads, read what the test wrote: it is really committed.
pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.commits]
WRITERS = 20


def test_no_score_change_gets_past_a_concurrent_lock(app):
    with app.test_request_context():
        jurors = [make_juror(city="Chemnitz", email=f"eu{n}@example.org") for n in range(2)] + \
                 [make_juror(city="Nara", email=f"ea{n}@example.org") for n in range(2)]
        manager, call, _applications = make_reviewable_call(jurors=jurors, applications=5)
        services.run_assignment(manager, call)
        for assignment in db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)):
            services.declare_no_conflict(assignment.juror, assignment)
        db.session.commit()
        assignment_ids = list(db.session.scalars(select(Assignment.id).where(Assignment.call_id == call.id)))
        call_id, manager_id = call.id, manager.id

    class Crowded(Config):
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 25, "max_overflow": 5}

    crowd = create_app(Crowded)
    lock_held = threading.Event()
    outcomes: list[str] = []

    def lock():
        with crowd.app_context(), crowd.test_request_context():
            from mobility.accounts.models import User
            from mobility.calls.models import Call

            services.lock_panel(db.session.get(User, manager_id), db.session.get(Call, call_id))
            lock_held.set()
            time.sleep(0.5)  # the writers are all waiting on the call's row now
            db.session.commit()
            db.session.remove()

    def write(n: int):
        lock_held.wait()
        with crowd.app_context(), crowd.test_request_context():
            assignment = db.session.get(Assignment, assignment_ids[n % len(assignment_ids)])
            try:
                services.save_review(assignment.juror, assignment, scores={}, comments={},
                                     overall_comment=f"late {n}", comment_language="en", submit=False)
                db.session.commit()
                outcomes.append("saved")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=lock)] + [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd.app_context():
        db.engine.dispose()

    assert outcomes == ["refused"] * WRITERS
    assert db.session.scalars(select(Review)).all() == []
