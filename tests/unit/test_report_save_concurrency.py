"""Two windows save the same final report at the same moment (issue 18, drafts are never lost): one save is
stored, the other is told it meets a newer version (the page then shows both); never a lost update, never a
500 — also when both are the report's very first save.

Only PostgreSQL runs connections truly in parallel with row locks, so this runs in the PostgreSQL pass."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mobility import create_app
from mobility.awards import services as awards
from mobility.awards.models import Grant
from mobility.core.models import AuditEntry
from mobility.extensions import db
from mobility.reports import services
from mobility.reports.models import FinalReport
from tests.conftest import IS_POSTGRES, Config
from tests.factories import make_awardable

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="parallel connections and row locks: PostgreSQL"),
              pytest.mark.postgres_only, pytest.mark.commits]

WINDOWS = 6


def _grant(app) -> int:
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.created_at -= timedelta(days=60)
        db.session.commit()
        return grant.id


def _save_at_once(grant_id: int, expected_version: int) -> tuple[list[str], list[str], list[str]]:
    class Crowded(Config):
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": WINDOWS + 2, "max_overflow": 4, "pool_timeout": 60}

    crowd_app = create_app(Crowded)
    start = threading.Barrier(WINDOWS)
    stored, conflicts, errors = [], [], []
    today = date.today()

    def window(n: int) -> None:
        with crowd_app.app_context(), crowd_app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            try:
                grant = db.session.get_one(Grant, grant_id)
                grantee = grant.application.applicant
                start.wait()
                report = services.report_for(grant)
                services.save_report(grantee, report, services.ReportData(
                    actual_start=today - timedelta(days=9), actual_end=today - timedelta(days=2),
                    activities=f"Written in window {n}."), expected_version=expected_version, save_id=f"w{n}")
                db.session.commit()
                stored.append(f"Written in window {n}.")
            except services.VersionConflict:
                db.session.rollback()
                conflicts.append(str(n))
            except Exception as error:  # noqa: BLE001 (every other failure is reported below)
                db.session.rollback()
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=window, args=(n,)) for n in range(WINDOWS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd_app.app_context():
        db.engine.dispose()
    return stored, conflicts, errors


def test_simultaneous_first_saves_make_one_report_and_the_others_compare(app):
    grant_id = _grant(app)
    stored, conflicts, errors = _save_at_once(grant_id, expected_version=1)  # a page shows version 1 before
    assert errors == []
    assert len(stored) == 1 and len(conflicts) == WINDOWS - 1
    db.session.expire_all()
    report = db.session.scalars(select(FinalReport).where(FinalReport.grant_id == grant_id)).one()
    assert report.activities == stored[0]


def test_simultaneous_saves_of_one_version_store_one_and_lose_none_silently(app):
    grant_id = _grant(app)
    with app.test_request_context():
        grant = db.session.get_one(Grant, grant_id)
        report = services.report_for(grant)
        services.save_report(grant.application.applicant, report, services.ReportData(activities="First."))
        db.session.commit()
        version = report.version
    stored, conflicts, errors = _save_at_once(grant_id, expected_version=version)
    assert errors == []
    assert len(stored) == 1 and len(conflicts) == WINDOWS - 1
    db.session.expire_all()
    report = db.session.scalars(select(FinalReport).where(FinalReport.grant_id == grant_id)).one()
    assert report.activities == stored[0] and report.version == version + 1
    saves = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.saved"))
    assert saves == 2  # the first save and the one stored: a refused save leaves no trace of having saved
