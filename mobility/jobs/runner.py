"""Background jobs on RQ (Redis), or in-process when no queue is configured.

A service calls `start(kind, owner, "dotted.path", **json_arguments)`: the `background_job` row is written in
the caller's transaction and handed to the queue only once it commits (like mail), so a rolled-back change
starts nothing. `enqueue("dotted.path", **json_arguments)` hands untracked work (mail delivery) to the queue
at once: the outbox row is already its record.

The worker (`flask jobs worker`, an `rq.Worker`) calls `perform()`, which runs the function inside a fresh app
context and a request context on the app's base URL (so mail links are absolute), in the owner's language,
and keeps the row up to date: running, progress, done with its result, or failed with a message the owner can
read. A failure is retried by RQ (`JOB_RETRIES` times, waiting `JOB_RETRY_INTERVALS` seconds); a `DomainError`
is the owner's to fix, so it fails at once.

Without `JOB_QUEUE_URL` (development, tests) the same `perform()` runs in the web process right after the
request, retrying at once: the app works without Redis or a worker.

A job function (marked `@job_function`) takes a `Progress` first, then its arguments, and returns a dict (kept as the job's result
JSON) or a `FileResult` (kept in the attachment store for the owner to download). Calling `progress(…)`
ends a unit of work (without expiring what the job loaded): call it between units of work, never in the
middle of one, and not while iterating a query's result.

A tracked job commits in steps, all through `_end_step()`: running, each progress, then the outcome (done,
or failed after the job's own work was rolled back), each finished like a request (commit, then what follows
a commit). Untracked work (mail delivery) is one unit of work, finished by `perform()`.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import TypeVar, cast

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import CursorResult, delete, func, inspect, select, update

from mobility.core import audit, unit_of_work
from mobility.core.errors import DomainError
from mobility.core.storage import get_storage
from mobility.core.text import lazy_gettext as _l
from mobility.db import on_transaction_end, utcnow
from mobility.extensions import db
from mobility.jobs.models import BackgroundJob, JobStatus

log = logging.getLogger(__name__)
T = TypeVar("T")
_PENDING_KEY = "jobs_pending"
HEARTBEAT_SECONDS = 15  # a running job's worker touches its row this often
STALE_HEARTBEAT_SECONDS = 60  # a running job whose row was not touched for this long lost its worker
MAINTENANCE_SECONDS = 30  # RQ restarts a scheduler that died (Redis restarted) within this (default 10 min)
_COMMITTED_KEY = "jobs_committed"

# The kinds of job people start, with the title their progress page shows.
KINDS = {
    "export": _l("Spreadsheet export"),
    "assignment": _l("Assignment of jurors"),
}
# What the progress page shows under a finished job of that kind (the template gets `result`).
RESULT_TEMPLATES = {"assignment": "review/_assignment_result.html"}

# Set by the worker command: the app it created once, for every job it performs.
_worker_app: Flask | None = None


@dataclass
class FileResult:
    filename: str
    mimetype: str
    data: bytes


class Progress:
    """`progress(40)` or `progress(40, "Solving…")`: records how far the job is (0–100) and commits."""

    def __init__(self, job_id: int | None):
        self.job_id = job_id
        self.last = -1

    def __call__(self, percent: int, message: str | None = None) -> None:
        percent = max(0, min(99, int(percent)))  # 100 is written with the result, never before
        if self.job_id is None or (percent <= self.last and message is None):
            return
        self.last = percent
        values = {"progress": percent, "updated_at": utcnow()}
        if message is not None:
            values["message"] = str(message)
        db.session.execute(update(BackgroundJob).where(BackgroundJob.id == self.job_id).values(**values))
        _end_step(keep_loaded=True)

    def over(self, items: Iterable[T], total: int, start: int, end: int) -> Iterator[T]:
        """Yield `items`, moving the bar from `start` to `end` as they go (at most every 5 %)."""
        step = max(total // 20, 1)
        for index, item in enumerate(items):
            if index % step == 0:
                self(start + (end - start) * index // max(total, 1))
            yield item


# ---- starting work ------------------------------------------------------------------------------

def start(kind: str, owner, function: str, /, **arguments) -> BackgroundJob:
    """Record a job for `owner`; it is queued when the caller's transaction commits. Audited."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    _check(function, arguments)
    job = BackgroundJob(kind=kind, owner_id=owner.id, function=function, arguments=arguments,
                        status=JobStatus.QUEUED, progress=0, message="", attempts=0, result={})
    db.session.add(job)
    db.session.flush()
    audit.record("job.started", actor=owner, target=job, kind=kind)
    db.session.info.setdefault(_PENDING_KEY, []).append(job)
    return job


def enqueue(function: str, /, *, eager_retries: bool = True, **arguments) -> None:
    """Hand untracked work to the queue now (in-process without a queue)."""
    _check(function, arguments)
    _dispatch(function, arguments, None, eager_retries=eager_retries)


def _check(function: str, arguments: dict) -> None:
    _resolve(function)  # a typo fails in the request, not in the worker
    json.dumps(arguments)  # the worker gets JSON: nothing else crosses the queue


def job_function(fn):
    """Mark a function the worker may run: a dotted path read from Redis names nothing else."""
    fn.is_job_function = True
    return fn


def _resolve(function: str):
    module, _sep, name = function.rpartition(".")
    fn = getattr(import_module(module), name)
    if not getattr(fn, "is_job_function", False):
        raise ValueError(f"{function} is not a job function (@job_function)")
    return fn


def _on_commit(session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    if pending and has_app_context():
        # The identity key is read without SQL: attributes are expired after a commit.
        g.setdefault(_COMMITTED_KEY, []).extend(inspect(job).identity[0] for job in pending)


def _on_rollback(session) -> None:
    session.info.pop(_PENDING_KEY, None)


def dispatch_committed() -> None:
    """After a unit of work is committed (a request's, a job's): queue the jobs it started."""
    for job_id in g.pop(_COMMITTED_KEY, []):
        job = db.session.get(BackgroundJob, job_id)
        if job is not None:
            _dispatch(job.function, job.arguments, job.id)


def requeue_waiting() -> int:
    """Dispatch again every job that is still waiting (its queue entry was lost with Redis's data, or
    `recover_stalled` put it back). A job that is in fact still queued runs once: `perform` skips a job
    that is already done."""
    waiting = db.session.scalars(select(BackgroundJob.id).where(BackgroundJob.status == JobStatus.QUEUED)).all()
    for job_id in waiting:
        job = db.session.get_one(BackgroundJob, job_id)
        _dispatch(job.function, job.arguments, job.id)
    return len(waiting)


def recover_stalled() -> int:
    """Jobs marked running for longer than one attempt may take: their worker was killed (RQ stops an
    attempt after JOB_TIMEOUT, so none can still be at work). They wait again while attempts remain,
    otherwise they fail with a message their owner can read. Returns how many were recovered; the caller
    commits, then `requeue_waiting` sends the waiting ones."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy method
    cutoff = utcnow() - timedelta(seconds=STALE_HEARTBEAT_SECONDS)  # a live worker beats every 15 s
    # Each stalled row is claimed under its lock, and one that another machine's run holds is skipped: two
    # cron runs at once recover a job once (one audit entry, one message); both may then queue it, and the
    # worker's claim (_perform_tracked) runs it once.
    stalled = db.session.scalars(select(BackgroundJob).where(BackgroundJob.status == JobStatus.RUNNING,
                                                             BackgroundJob.updated_at < cutoff)
                                 .with_for_update(skip_locked=True)).all()
    for job in stalled:
        locale = job.owner.locale if job.owner is not None else "en"
        with force_locale(locale):
            if job.attempts <= app.config["JOB_RETRIES"]:
                job.status, job.progress = JobStatus.QUEUED, 0
                job.message = _("The worker stopped during attempt %(n)s; trying again.", n=job.attempts)
            else:
                job.status, job.finished_at = JobStatus.FAILED, utcnow()
                job.message = _("This work could not be finished after %(n)s attempts. Start it again; if it "
                                "keeps failing, tell an administrator.", n=job.attempts)
        audit.record("job.stalled", actor=None, target=job, attempts=job.attempts, status=job.status.value)
    db.session.flush()
    return len(stalled)


def prune_finished(days: int) -> int:
    """Delete finished jobs older than `days`, and their files once that commits (cron, daily)."""
    cutoff = utcnow() - timedelta(days=days)
    old = select(BackgroundJob).where(BackgroundJob.finished_at < cutoff)
    keys = db.session.scalars(old.where(BackgroundJob.storage_key.is_not(None))
                              .with_only_columns(BackgroundJob.storage_key)).all()
    db.session.info.setdefault("storage_deletions", []).extend(keys)  # see core.storage
    deleted = db.session.execute(delete(BackgroundJob).where(BackgroundJob.finished_at < cutoff))
    return cast(CursorResult, deleted).rowcount  # what a DELETE returns


def _base_url() -> str:
    """Where a job's links point: SERVER_NAME when set (never the Host header a request brought)."""
    config = current_app.config
    if has_request_context() and not config.get("SERVER_NAME"):
        return request.host_url
    scheme = request.scheme if has_request_context() else config.get("PREFERRED_URL_SCHEME", "http")
    return f"{scheme}://{config.get('SERVER_NAME') or 'localhost'}/"


def _retry_intervals(app: Flask) -> list[int]:
    value = app.config["JOB_RETRY_INTERVALS"]
    return [int(v) for v in value.split(",") if v.strip()] if isinstance(value, str) else list(value)


def _dispatch(function: str, arguments: dict, job_id: int | None, *, eager_retries: bool = True) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy method
    base_url = _base_url()
    if app.config.get("JOB_QUEUE_URL"):
        from redis.exceptions import RedisError
        from rq import Retry

        try:
            queue(app).enqueue(perform, function, arguments, job_id, base_url,
                               retry=Retry(max=app.config["JOB_RETRIES"], interval=_retry_intervals(app)),
                               job_timeout=app.config["JOB_TIMEOUT"], result_ttl=3600, failure_ttl=7 * 86400,
                               description=f"{function} (job {job_id})" if job_id else function)
        except RedisError:
            # The change is committed: the job stays queued (`flask jobs requeue`), mail waits for the sweep.
            log.exception("could not queue %s (job %s): Redis is unreachable", function, job_id)
        return
    retries = app.config["JOB_RETRIES"] if eager_retries else 0
    for retries_left in range(retries, -1, -1):
        try:
            perform(function, arguments, job_id, base_url, retries_left=retries_left)
            return
        except Exception:  # noqa: BLE001 - already recorded on the job row; the request goes on
            if retries_left == 0:
                log.exception("background work %s (job %s) failed", function, job_id)


def queue(app: Flask):
    """The app's RQ queue (JSON serializer: only JSON-able arguments cross it)."""
    from redis import Redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    connection = Redis.from_url(app.config["JOB_QUEUE_URL"])
    return Queue(app.config["JOB_QUEUE_NAME"], connection=connection, serializer=JSONSerializer)


# ---- performing work ----------------------------------------------------------------------------

def perform(function: str, arguments: dict, job_id: int | None, base_url: str,
            retries_left: int | None = None) -> None:
    """Run one attempt (the worker calls this; so does in-process mode). Raises to ask for a retry."""
    app = _worker_app or current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy method
    if retries_left is None:
        from rq import get_current_job

        rq_job = get_current_job()
        retries_left = (rq_job.retries_left or 0) if rq_job is not None else 0
    with app.app_context(), app.test_request_context(base_url=base_url):
        try:
            if job_id is None:
                _resolve(function)(**arguments)
                unit_of_work.finish()
            else:
                _perform_tracked(function, arguments, job_id, retries_left)
        finally:
            db.session.remove()


def _perform_tracked(function: str, arguments: dict, job_id: int, retries_left: int) -> None:
    # Claimed in one statement: of two deliveries of the same job (requeued on two machines at once, or a
    # queue entry that outlived a requeue) only one finds it waiting; the other leaves it alone.
    now = utcnow()
    claimed = cast(CursorResult, db.session.execute(
        update(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, progress=0, message="", attempts=BackgroundJob.attempts + 1,
                started_at=func.coalesce(BackgroundJob.started_at, now), updated_at=now)
        .execution_options(synchronize_session=False)))
    if claimed.rowcount != 1:  # done, running elsewhere, or its owner was erased
        unit_of_work.finish(commit=False)
        return
    job = db.session.get_one(BackgroundJob, job_id)
    locale = job.owner.locale if job.owner is not None else "en"
    attempts = job.attempts
    _end_step()
    with force_locale(locale), _heartbeat(job_id):
        try:
            outcome = _resolve(function)(Progress(job_id), **arguments)
        except DomainError as error:  # the owner's to fix (e.g. the panel locked the call): no retry
            unit_of_work.finish(commit=False)
            _finish(job_id, JobStatus.FAILED, message=str(error.message))
            return
        except Exception:
            unit_of_work.finish(commit=False)
            log.exception("job %s (%s), attempt %s, failed", job_id, function, attempts)
            if retries_left > 0:
                _finish(job_id, JobStatus.QUEUED, message=_("Attempt %(n)s did not succeed; trying again.",
                                                            n=attempts))
            else:
                _finish(job_id, JobStatus.FAILED, message=_(
                    "This work could not be finished after %(n)s attempts. Start it again; if it keeps failing, "
                    "tell an administrator.", n=attempts))
            raise
        if isinstance(outcome, FileResult):
            key = get_storage().save(outcome.data)
            _finish(job_id, JobStatus.DONE, result={"filename": outcome.filename, "mimetype": outcome.mimetype,
                                                     "size": len(outcome.data)}, storage_key=key)
        else:
            _finish(job_id, JobStatus.DONE, result=outcome or {})


@contextmanager
def _heartbeat(job_id: int):
    """While the job runs, a thread touches its row every HEARTBEAT_SECONDS, in a connection of its own: a job
    whose worker was killed stops beating and `flask jobs requeue` takes it back a minute later, not after
    JOB_TIMEOUT."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy method
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            try:
                with app.app_context(), db.engine.begin() as conn:
                    conn.execute(update(BackgroundJob).where(BackgroundJob.id == job_id,
                                                             BackgroundJob.status == JobStatus.RUNNING)
                                 .values(updated_at=utcnow()))
            except Exception:  # noqa: BLE001 - a missed beat is retried; the job goes on
                log.warning("heartbeat of job %s not written", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_SECONDS)


def _finish(job_id: int, status: JobStatus, message: str = "", result: dict | None = None,
            storage_key: str | None = None) -> None:
    """Write the outcome with whatever the job function left in the session (one unit of work)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None:  # erased with its owner while it ran
        return
    job.status, job.message = status, message
    if status is JobStatus.QUEUED:
        job.progress = 0
    if status.finished:
        job.finished_at = utcnow()
    if status is JobStatus.DONE:
        job.progress, job.result, job.storage_key = 100, result or {}, storage_key
    _end_step()


def _end_step(*, keep_loaded: bool = False) -> None:
    """The one place a tracked job commits. It commits in steps, each a unit of work of its own (commit, then
    what follows a commit: the mail and jobs of that step): the status must outlive the rollback of a failed
    attempt, and the owner's page reads the progress while the job runs. `keep_loaded`: commit without
    expiring what the job has loaded (thousands of rows would each be read again)."""
    session = db.session()
    session.expire_on_commit = not keep_loaded
    try:
        unit_of_work.finish()
    finally:
        session.expire_on_commit = True


def run_worker(app: Flask, *, burst: bool = False, worker_class=None) -> bool:
    """Work the app's queue (the `flask jobs worker` command): one app for every job."""
    from rq import Worker
    from rq.serializers import JSONSerializer

    global _worker_app
    _worker_app = app
    q = queue(app)
    worker = (worker_class or Worker)([q], connection=q.connection, serializer=JSONSerializer,
                                      maintenance_interval=MAINTENANCE_SECONDS)
    return worker.work(burst=burst, with_scheduler=not burst, logging_level="INFO")


def init_app(app: Flask) -> None:
    on_transaction_end(committed=_on_commit, rolled_back=_on_rollback)
    unit_of_work.after_commit(app, dispatch_committed)
