"""The job queue for real: RQ on Redis (database 5), an in-process `rq.SimpleWorker`, and the
`flask jobs worker --burst` command as its own process against a database file (or PostgreSQL).

These need Redis at 127.0.0.1:6379 (CI starts it): without it they fail, they never skip."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from mobility import create_app
from mobility.core import mail
from mobility.core.models import MailStatus, OutboxMessage
from mobility.core.storage import LocalStorage, get_storage
from mobility.extensions import db
from mobility.jobs import delivery, runner
from mobility.jobs.models import BackgroundJob, JobStatus
from tests.conftest import IS_POSTGRES, Config
from tests.databases import empty_database
from tests.factories import make_user
from tests.queues import REDIS_URL, on_queue, require_redis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queued(app):
    """The app with JOB_QUEUE_URL set, on a queue of its own; `queued.work()` runs a burst worker."""
    with on_queue(app) as queue:

        class Queued:
            @staticmethod
            def work() -> bool:
                return runner.run_worker(app, burst=True, worker_class=SimpleWorker)

        Queued.queue = queue
        yield Queued


def _start(function, **arguments) -> int:
    job = runner.start("export", make_user("manager"), function, **arguments)
    db.session.commit()
    job_id = job.id
    runner.dispatch_committed()
    return job_id


def _job(job_id) -> BackgroundJob:
    db.session.expire_all()
    return db.session.get(BackgroundJob, job_id)


def test_a_job_waits_in_redis_until_a_worker_performs_it(app, queued, tmp_path):
    job_id = _start("tests.job_functions.count", n=10)
    assert _job(job_id).status is JobStatus.QUEUED and queued.queue.count == 1  # the request did not run it
    assert queued.work()
    job = _job(job_id)
    assert (job.status, job.progress, job.attempts) == (JobStatus.DONE, 100, 1)
    assert get_storage().read(job.storage_key).startswith(b"0 1 2")


def test_rq_retries_a_job_that_fails_twice_then_it_is_done(app, queued, tmp_path):
    job_id = _start("tests.job_functions.flaky", tally=str(tmp_path / "tally"), failures=2)
    queued.work()
    job = _job(job_id)
    assert (job.status, job.attempts, job.result) == (JobStatus.DONE, 3, {"attempts": 3})
    assert FailedJobRegistry(queue=queued.queue).count == 0


def test_a_job_that_always_fails_ends_failed_in_the_record_and_in_rq(app, queued):
    job_id = _start("tests.job_functions.always_fails")
    queued.work()
    job = _job(job_id)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 4) and "4" in job.message
    assert FailedJobRegistry(queue=queued.queue).count == 1


def test_mail_goes_through_the_queue_and_a_failing_send_is_retried_then_left_for_the_sweep(app, queued):
    with app.test_request_context():
        from flask_babel import lazy_gettext as _l

        user = make_user()
        mail.queue_mail(user.email, "en", _l("Your password was changed"), "accounts/mail/password_changed.txt",
                        user=user)
        db.session.commit()
        delivery.deliver_committed()  # what the end of the request does: hand the delivery to the queue
    assert queued.queue.count == 1
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9, SMTP_STARTTLS=False)
    try:
        queued.work()
    finally:
        app.config["MAIL_BACKEND"] = "outbox"
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert message.status is MailStatus.FAILED and message.attempts == 4  # 1 + 3 retries by RQ
    assert FailedJobRegistry(queue=queued.queue).count == 1  # `flask outbox send` (cron) sweeps it up later


def test_the_worker_command_performs_a_job_in_its_own_process(tmp_path):
    require_redis()
    name = f"test-{uuid.uuid4().hex[:10]}"
    store = tmp_path / "store"
    with empty_database(tmp_path, "worker") as url:

        class FileConfig(Config):
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
            JOB_QUEUE_URL, JOB_QUEUE_NAME, ATTACHMENT_DIR = REDIS_URL, name, str(store)

        web = create_app(FileConfig)
        try:
            with web.app_context():
                db.create_all()
                job_id = _start("tests.job_functions.count", n=5)
                assert _job(job_id).status is JobStatus.QUEUED
            env = {**os.environ, "MOBILITY_CONFIG": "development", "DATABASE_URL": url, "JOB_QUEUE_URL": REDIS_URL,
                   "JOB_QUEUE_NAME": name, "JOB_RETRY_INTERVALS": "0", "ATTACHMENT_DIR": str(store),
                   "MAIL_BACKEND": "outbox"}
            worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"],
                                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert worker.returncode == 0, worker.stderr
            with web.app_context():
                job = _job(job_id)
                assert (job.status, job.progress) == (JobStatus.DONE, 100), worker.stderr
                assert LocalStorage(store).read(job.storage_key) == b"0 1 2 3 4"
                db.session.remove()
                db.engine.dispose()
        finally:
            runner.queue(web).delete(delete_jobs=True)


def test_an_assignment_run_through_the_queue_saves_reports_and_mails_with_links(app, queued):
    from mobility.review.models import Assignment
    from tests.factories import make_juror, make_reviewable_call

    with app.test_request_context():
        manager, call, _apps = make_reviewable_call(jurors=[make_juror(city="Chemnitz"), make_juror(city="Nara")])
        job = runner.start("assignment", manager, "mobility.review.jobs.assignment_job", call_id=call.id,
                           actor_id=manager.id, accept_partial=False)
        db.session.commit()
        job_id = job.id
        runner.dispatch_committed()
    assert db.session.scalar(select(Assignment)) is None  # queued, not run in the request
    queued.work()
    job = _job(job_id)
    assert job.status is JobStatus.DONE and job.result["saved"] and job.result["assigned"] == 4
    assert len(db.session.scalars(select(Assignment)).all()) == 4
    bodies = [m.body for m in db.session.scalars(select(OutboxMessage)) if "/review/" in m.body]
    assert len(bodies) == 2 and all("http://mobility.test/review/" in body for body in bodies)  # the starter's host


def test_jobs_lost_with_redis_are_queued_again(app, queued, tmp_path):
    job_id = _start("tests.job_functions.flaky", tally=str(tmp_path / "tally"), failures=0)
    queued.queue.empty()  # Redis lost its data: the record still says it waits
    assert runner.requeue_waiting() == 1 and queued.queue.count == 1
    queued.work()
    assert _job(job_id).status is JobStatus.DONE
    assert runner.requeue_waiting() == 0


def test_a_job_whose_worker_was_killed_runs_again_or_fails_once_its_attempts_are_spent(app, queued, tmp_path):
    from datetime import timedelta

    from mobility.db import utcnow

    job_id = _start("tests.job_functions.flaky", tally=str(tmp_path / "tally"), failures=0)
    queued.queue.empty()
    job = _job(job_id)  # a worker took it, then was killed (kill -9): the record still says running
    long_ago = utcnow() - timedelta(seconds=runner.STALE_HEARTBEAT_SECONDS + 5)  # no heartbeat for a minute
    job.status, job.attempts, job.updated_at = JobStatus.RUNNING, 1, long_ago
    busy = _start("tests.job_functions.count", n=3)
    _job(busy).status = JobStatus.RUNNING  # running now, within its time: left alone
    db.session.commit()
    queued.queue.empty()

    result = app.test_cli_runner().invoke(args=["jobs", "requeue"])  # from cron
    assert "1 abandoned job(s) recovered, 1 job(s) queued again" in result.output, result.output
    assert queued.queue.count == 1
    assert "trying again" in _job(job_id).message
    queued.work()
    assert _job(job_id).status is JobStatus.DONE and _job(busy).status is JobStatus.RUNNING

    spent = _job(job_id)
    spent.status, spent.attempts, spent.updated_at = JobStatus.RUNNING, app.config["JOB_RETRIES"] + 1, long_ago
    db.session.commit()
    assert runner.recover_stalled() == 1
    db.session.commit()
    spent = _job(job_id)
    assert spent.status is JobStatus.FAILED and spent.finished_at is not None
    assert "could not be finished" in spent.message and queued.queue.count == 0


def test_with_redis_unreachable_the_request_still_succeeds_and_the_job_waits(app, client, signed_in):
    from mobility.calls.models import Call
    from tests.conftest import csrf_from
    from tests.factories import make_call

    with app.test_request_context():
        call_id = make_call(publish=True).id
    signed_in("manager")
    token = csrf_from(client.get(f"/manage/calls/{call_id}/reports").get_data(as_text=True))
    app.config.update(JOB_QUEUE_URL="redis://127.0.0.1:6390/5")  # nothing listens there
    try:
        started = client.post(f"/manage/calls/{call_id}/exports/grants", data={"format": "csv", "csrf_token": token})
    finally:
        app.config.update(JOB_QUEUE_URL=None)
    assert started.status_code == 302 and db.session.get(Call, call_id) is not None
    assert db.session.scalar(select(BackgroundJob)).status is JobStatus.QUEUED  # `flask jobs requeue` later


@pytest.mark.commits  # the heartbeat writes in a connection of its own, as in a worker
def test_a_running_job_beats_so_it_is_never_taken_back_while_its_worker_lives(app, monkeypatch):
    import threading
    from datetime import timedelta

    from mobility.db import utcnow

    monkeypatch.setattr(runner, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(runner, "_worker_app", app)  # what `flask jobs worker` sets
    job = runner.start("export", make_user("manager"), "tests.job_functions.slow", seconds=0.8)
    db.session.commit()
    job_id = job.id
    worker = threading.Thread(target=runner.perform, args=("tests.job_functions.slow", {"seconds": 0.8}, job_id,
                                                           "http://mobility.test"), kwargs={"retries_left": 0})
    worker.start()
    import time

    while _job(job_id).status is not JobStatus.RUNNING:
        time.sleep(0.01)
    db.session.rollback()
    # Its row as a silent minute would leave it: only the beats that follow can show it is alive.
    db.session.execute(sa.update(BackgroundJob).where(BackgroundJob.id == job_id).values(
        updated_at=utcnow() - timedelta(seconds=runner.STALE_HEARTBEAT_SECONDS + 5)))
    db.session.commit()
    time.sleep(0.3)  # several beats
    assert runner.recover_stalled() == 0  # beating: left alone
    db.session.rollback()
    worker.join()
    assert _job(job_id).status is JobStatus.DONE



@pytest.mark.commits  # two workers: two connections
@pytest.mark.skipif(not IS_POSTGRES, reason="two workers at once: PostgreSQL")
def test_a_job_delivered_to_two_workers_at_once_runs_once(app, monkeypatch, tmp_path):
    """`jobs requeue` run on two machines at once hands the same job to two workers: one claims it."""
    import threading

    monkeypatch.setattr(runner, "_worker_app", app)  # what `flask jobs worker` sets
    tally = tmp_path / "tally"
    job = runner.start("export", make_user("manager"), "tests.job_functions.slow_tally", tally=str(tally))
    db.session.commit()
    job_id, start = job.id, threading.Barrier(2)

    def worker():
        start.wait()
        runner.perform("tests.job_functions.slow_tally", {"tally": str(tally)}, job_id, "http://mobility.test",
                       retries_left=0)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tally.read_text() == "x"  # the work itself ran once
    assert _job(job_id).status is JobStatus.DONE and _job(job_id).attempts == 1
