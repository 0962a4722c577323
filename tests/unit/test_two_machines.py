"""Two machines' worth of processes on one PostgreSQL and one Redis (issue 19): two app servers (gunicorn,
the production configuration, each on its own port), two outbox senders and two cron runs of `flask jobs
requeue`, then two job workers. A payment sent twenty times at once across both servers is stored once, a
sweep of thirty messages by two senders at once delivers each message once to the SMTP sink, and a job
abandoned by a killed worker is recovered once and run once. Real processes, real commits: PostgreSQL only."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from redis import Redis
from sqlalchemy import func, select

from bench.serve import ROOT, free_port, request, start_server
from bench.smtp_sink import SmtpSink
from mobility.awards import services as awards
from mobility.awards.models import Payment
from mobility.core.models import AuditEntry, MailStatus, OutboxMessage
from mobility.db import utcnow
from mobility.extensions import db
from mobility.jobs.models import BackgroundJob, JobStatus
from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.factories import make_accepted_grant, make_api_token
from tests.queues import REDIS_URL, require_redis

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="several processes on one database: PostgreSQL"),
              pytest.mark.postgres_only, pytest.mark.commits]
MESSAGES = 30
PAYMENTS = 20


def _flask(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _both(first: subprocess.Popen, second: subprocess.Popen) -> list[str]:
    """Wait for two processes started together; their output (each must have succeeded)."""
    outputs = []
    for process in (first, second):
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err[-2000:]
        outputs.append(out)
    return outputs


def _job_status(job_id: int) -> JobStatus:
    db.session.expire_all()
    status = db.session.scalar(select(BackgroundJob.status).where(BackgroundJob.id == job_id))
    db.session.rollback()
    return status


def test_two_apps_and_two_workers_do_each_thing_once(app, tmp_path):
    redis = require_redis()
    tally = tmp_path / "tally"
    with app.test_request_context():
        manager, _call, _application, grant = make_accepted_grant()
        _token, secret = make_api_token(manager, "read_write")
        due = awards.instalments(grant)[0].amount
        for n in range(MESSAGES):
            db.session.add(OutboxMessage(recipient=f"person{n}@example.org", locale="en", subject=f"Message {n}",
                                         body="Hello.", status=MailStatus.QUEUED))
        long_ago = utcnow() - timedelta(minutes=5)  # its worker was killed: no heartbeat for five minutes
        job = BackgroundJob(kind="export", owner_id=manager.id, function="tests.job_functions.slow_tally",
                            arguments={"tally": str(tally)}, status=JobStatus.RUNNING, attempts=1,
                            started_at=long_ago, updated_at=long_ago, result={})
        db.session.add(job)
        db.session.commit()
        grant_id, job_id = grant.id, job.id

    sink = SmtpSink(delay=0.25).start()  # thirty messages take each sender a while: the sweeps overlap
    queue_name = f"test-{uuid.uuid4().hex[:10]}"
    ports = (free_port(), free_port())
    env = {"JOB_QUEUE_URL": REDIS_URL, "JOB_QUEUE_NAME": queue_name, "JOB_RETRY_INTERVALS": "0",
           "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port), "SMTP_STARTTLS": "0",
           "ATTACHMENT_DIR": str(tmp_path / "store"), "RATELIMIT_KEY_PREFIX": queue_name}
    cli_env = {**os.environ, "DATABASE_URL": DATABASE_URL, "MOBILITY_CONFIG": "production",
               "SECRET_KEY": secrets.token_hex(32), "SERVER_NAME": f"127.0.0.1:{ports[0]}", **env}
    servers: list[subprocess.Popen] = []
    workers: list[subprocess.Popen] = []
    try:
        # Both servers and both job workers start together (starting a process is most of this test's time).
        workers = [_flask(cli_env, "jobs", "worker") for _ in range(2)]
        with ThreadPoolExecutor(2) as pool:
            servers = list(pool.map(lambda port: start_server(DATABASE_URL, port, 1, env=env), ports))

        # 1. The same payment twenty times at once, half to each server; ten of them other transfers for the
        # whole instalment too: one payment stored, every repeat answered with it, nothing beyond the grant.
        start, answers = threading.Barrier(PAYMENTS), []

        def pay(n: int):
            body = json.dumps({"instalment": 1, "amount": str(due), "paid_on": date.today().isoformat(),
                               "reference": "SEPA-2P" if n % 2 == 0 else f"SEPA-OTHER-{n}"})
            start.wait()
            reply = request(ports[n % 2], "POST", f"/api/v1/grants/{grant_id}/payments", body=body,
                            content_type="application/json", timeout=60,
                            headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"})
            answers.append((reply.status, json.loads(reply.text)))

        threads = [threading.Thread(target=pay, args=(n,)) for n in range(PAYMENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

        # 2. Two senders sweep the outbox at once, while two machines' cron runs `flask jobs requeue` at once;
        # the two workers take what was queued.
        sweeps = [_flask(cli_env, "outbox", "send") for _ in range(2)]
        requeues = [_flask(cli_env, "jobs", "requeue") for _ in range(2)]
        senders = _both(*sweeps)
        _both(*requeues)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _job_status(job_id) is not JobStatus.DONE:
            time.sleep(0.5)
        time.sleep(1)  # a second delivery of the job, if any, has had its chance to run it again
    finally:
        for process in servers + workers:
            process.terminate()
        for process in servers + workers:
            process.wait(timeout=30)
        sink.stop()
        for key in redis.scan_iter(f"*{queue_name}*"):
            redis.delete(key)
        Redis.from_url(REDIS_URL).close()

    db.session.expire_all()
    statuses = Counter(status for status, _body in answers)
    assert len(answers) == PAYMENTS and statuses[201] == 1 and set(statuses) <= {200, 201, 422}, answers
    stored = db.session.scalars(select(Payment).where(Payment.grant_id == grant_id)).all()
    assert len(stored) == 1 and stored[0].amount == due
    assert {body["id"] for status, body in answers if status in (200, 201)} == {stored[0].id}
    assert statuses[200] + statuses[201] == (PAYMENTS // 2 if stored[0].reference == "SEPA-2P" else 1)

    delivered = Counter(m["X-Mobility-Outbox-Id"] for m in sink.messages)
    ids = db.session.scalars(select(OutboxMessage.id)).all()
    assert len(ids) >= MESSAGES and set(delivered) == {str(i) for i in ids} and set(delivered.values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.status == MailStatus.SENT)) == len(ids)
    sent = [int(out.split()[0]) for out in senders]  # "N message(s) sent" from each
    assert sum(sent) == len(ids) and min(sent) > 0, sent  # both sent some: the sweeps overlapped

    job = db.session.get(BackgroundJob, job_id)
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)
    assert tally.read_text() == "x"  # ran once after the recovery, though queued by both machines
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "job.stalled")) == 1
