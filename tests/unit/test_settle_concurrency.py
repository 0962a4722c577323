"""`flask applications settle` on two machines at once, and the office closing the call meanwhile
(PostgreSQL, threads in parallel): a reopened application is restored to its last submission once, with one
audit entry and one mail to its applicant."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mobility.applications import services
from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.calls.models import Call
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.db import utcnow
from mobility.extensions import db
from tests.concurrency import in_parallel
from tests.conftest import IS_POSTGRES
from tests.factories import make_application

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.postgres_only, pytest.mark.commits]
WORKERS = 4


def test_simultaneous_settle_runs_restore_once(app):
    with app.app_context(), app.test_request_context():
        application = make_application()
        services.submit_application(application.applicant, application)
        services.reopen_application(application.applicant, application)
        application.call.opens_at = utcnow() - timedelta(days=20)
        application.call.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        application_id, call_id, email = application.id, application.call_id, application.applicant.email

    runs = [services.settle_deadlines for _ in range(WORKERS - 1)]
    runs.append(lambda: services.settle_deadline(None, db.session.get_one(Call, call_id)))
    assert in_parallel(runs) == ["done"] * WORKERS
    with app.app_context():
        assert db.session.get_one(Application, application_id).status is ApplicationStatus.SUBMITTED
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "application.restored")) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.recipient == email, OutboxMessage.subject.contains("is the one reviewed"))) == 1
