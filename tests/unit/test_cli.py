"""The commands cron runs are units of work like requests: `finish()` commits, then the mail they queued is
handed to the delivery job (in-process here: no JOB_QUEUE_URL)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mobility.core.mail import committed_messages, queue_mail
from mobility.core.models import MailStatus, OutboxMessage
from mobility.core.storage import get_storage
from mobility.db import utcnow
from mobility.extensions import db
from mobility.jobs import runner
from mobility.jobs.models import BackgroundJob
from mobility.review import services as review
from tests.factories import make_juror, make_reviewable_call, make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def console_mail(app):
    app.config["MAIL_BACKEND"] = "console"
    yield
    app.config["MAIL_BACKEND"] = "outbox"


def _statuses() -> list[MailStatus]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_review_remind_commits_and_its_mail_is_delivered_after_the_commit(app, console_mail):
    with app.test_request_context():
        jurors = [make_juror(city="Chemnitz", locale="ko"), make_juror(city="Nara", locale="ja")]
        manager, call, _apps = make_reviewable_call(jurors=jurors, applications=1)
        review.run_assignment(manager, call)
        db.session.commit()
    db.session.execute(OutboxMessage.__table__.delete())  # the assignment's own mail: not this test's
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["review", "remind"])
    assert result.exit_code == 0, result.output
    assert "2 reminder(s) sent" in result.output
    assert _statuses() == [MailStatus.SENT, MailStatus.SENT]



def _reminders_sent() -> int:
    from mobility.core.models import SentReminder
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SentReminder))


def test_review_remind_run_twice_sends_nothing_twice(app):
    with app.test_request_context():
        jurors = [make_juror(city="Chemnitz", locale="ko"), make_juror(city="Nara", locale="ja")]
        manager, call, _apps = make_reviewable_call(jurors=jurors, applications=1)
        review.run_assignment(manager, call)
        db.session.commit()
    runner = app.test_cli_runner()
    assert "2 reminder(s) sent" in runner.invoke(args=["review", "remind"]).output
    assert "0 reminder(s) sent" in runner.invoke(args=["review", "remind"]).output  # the same week
    assert _reminders_sent() == 2
    with app.test_request_context():  # next week: reminded again
        assert review.send_reminders(today=utcnow().date() + timedelta(days=7)) == 2


def test_reports_remind_run_twice_sends_nothing_twice(app):
    from mobility.awards import services as awards
    from mobility.reports.services import REPORT_DUE_DAYS
    from tests.factories import make_awardable
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.end_date = utcnow().date() - timedelta(days=REPORT_DUE_DAYS + 2)  # overdue by two days
        grant.start_date = grant.end_date - timedelta(days=10)
        db.session.commit()
    runner = app.test_cli_runner()
    assert "1 reminder(s) sent" in runner.invoke(args=["reports", "remind"]).output
    assert "0 reminder(s) sent" in runner.invoke(args=["reports", "remind"]).output
    assert _reminders_sent() == 1


def test_outbox_send_sweeps_what_is_still_queued(app, console_mail):
    with app.test_request_context():
        user = make_user()
        queue_mail(user.email, "en", _l("Your password was changed"), "accounts/mail/password_changed.txt",
                   user=user)
    db.session.commit()
    committed_messages()  # nobody delivered them after that commit: the sweep does

    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "1 message(s) sent" in result.output, result.output
    assert _statuses() == [MailStatus.SENT]


def test_jobs_prune_deletes_old_jobs_and_their_files_once_committed(app):
    job = runner.start("export", make_user("manager"), "tests.job_functions.count", n=3)
    db.session.commit()
    runner.dispatch_committed()
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    job.finished_at = utcnow() - timedelta(days=31)
    key = job.storage_key
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["jobs", "prune"])
    assert "1 finished job(s) deleted" in result.output, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 0
    with pytest.raises(FileNotFoundError):
        get_storage().read(key)
