"""Actions run truly in parallel on PostgreSQL: each in its own thread, app context and connection, all let go
at once by a barrier, each committed (or rolled back when refused) as one request's unit of work."""
from __future__ import annotations

import threading
from collections.abc import Callable

from mobility import create_app
from mobility.core.errors import DomainError
from mobility.extensions import db
from tests.conftest import Config


def in_parallel(actions: list[Callable[[], object]]) -> list[str]:
    """Run `actions` at the same moment; returns "done" or "refused" (a DomainError) for each, in the order
    they finished."""

    class Pool(Config):  # a connection per thread, and room for the test's own
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": len(actions) + 2}

    worker_app = create_app(Pool)
    start, outcomes = threading.Barrier(len(actions)), []

    def run(action):
        with worker_app.app_context(), worker_app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.1"}):
            start.wait()
            try:
                action()
                db.session.commit()
                outcomes.append("done")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with worker_app.app_context():
        db.engine.dispose()
    return outcomes
