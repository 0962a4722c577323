"""100 simultaneous submissions of one application: exactly one submission and one receipt.

Only PostgreSQL shows real row locking between connections, so this runs in the PostgreSQL pass
(`make test` with TEST_DATABASE_URL set, as CI does).
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from mobility import create_app
from mobility.applications import services
from mobility.applications.models import Application, Receipt
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.extensions import db
from tests.conftest import IS_POSTGRES, Config
from tests.factories import make_application

# Other connections, in threads, read what the test wrote: it is really committed.
pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.commits]

THREADS = 100


def test_a_hundred_concurrent_submits_make_exactly_one_receipt(app):
    with app.test_request_context():
        application = make_application()
    application_id, applicant_id = application.id, application.applicant_id

    class Crowded(Config):
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 20, "max_overflow": 30, "pool_timeout": 60}

    crowd_app = create_app(Crowded)
    start = threading.Barrier(THREADS)
    references, errors = [], []

    def submit():
        with crowd_app.app_context(), crowd_app.test_request_context():
            start.wait()
            try:
                row = db.session.get(Application, application_id)
                receipt = services.submit_application(row.applicant, row)
                reference = receipt.reference
                db.session.commit()
                references.append(reference)
            except Exception as error:  # noqa: BLE001 (every failure is reported below)
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd_app.app_context():
        db.engine.dispose()

    assert errors == []
    assert len(references) == THREADS and len(set(references)) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "application.submitted")) == 1
    receipt_mails = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject.contains(references[0])))
    assert receipt_mails == 1
    assert db.session.get(Application, application_id).reference == references[0]
    assert applicant_id


def test_a_reopened_application_submitted_again_by_many_requests_gets_exactly_one_second_receipt(app):
    with app.test_request_context():
        application = make_application()
        services.submit_application(application.applicant, application)
        services.reopen_application(application.applicant, application)
        db.session.commit()
    application_id = application.id

    class Crowded(Config):
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 20, "max_overflow": 10, "pool_timeout": 60}

    crowd_app = create_app(Crowded)
    threads_count = 20
    start = threading.Barrier(threads_count)
    references, errors = [], []

    def submit():
        with crowd_app.app_context(), crowd_app.test_request_context():
            start.wait()
            try:
                row = db.session.get(Application, application_id)
                reference = services.submit_application(row.applicant, row).reference
                db.session.commit()
                references.append(reference)
            except Exception as error:  # noqa: BLE001 (every failure is reported below)
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd_app.app_context():
        db.engine.dispose()

    assert errors == []
    assert len(references) == threads_count and len(set(references)) == 1 and references[0].endswith("-2")
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Receipt.number).where(Receipt.application_id == application_id))) \
        == [1, 2]
