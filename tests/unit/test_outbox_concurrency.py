"""Several processes delivering the outbox at once send each message exactly once (PostgreSQL)."""
from __future__ import annotations

import threading
import time

import pytest

from mobility import create_app
from mobility.core import mail
from mobility.core.models import OutboxMessage
from mobility.extensions import db
from tests.conftest import IS_POSTGRES, Config

# Other connections, in threads, read what the test wrote: it is really committed.
pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.commits]
WORKERS = 6


def test_concurrent_deliveries_send_each_message_once(app, monkeypatch):
    with app.app_context():
        db.session.add_all([OutboxMessage(recipient=f"artist{i}@example.org", locale="en", subject="Receipt",
                                          body="Thank you") for i in range(20)])
        db.session.commit()

    class Smtp(Config):
        MAIL_BACKEND = "console"
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": WORKERS + 2}

    sent, lock = [], threading.Lock()

    def slow_send(backend, message):
        time.sleep(0.02)  # a real SMTP server takes time: the window in which a second sender could step in
        with lock:
            sent.append(message.id)

    monkeypatch.setattr(mail, "_send", slow_send)
    worker_app = create_app(Smtp)
    start = threading.Barrier(WORKERS)

    def deliver():
        with worker_app.app_context():
            start.wait()
            mail.deliver()
            db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with worker_app.app_context():
        db.engine.dispose()
    assert len(sent) == 20 and len(set(sent)) == 20
