"""Mail delivery as background work: after a unit of work is committed, the messages it queued in the
outbox (mobility.core.mail) are handed to a delivery job. On RQ a failed send is retried; in-process (no
queue) it is tried once, and a failure waits for `flask outbox send`."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from mobility.core import mail, unit_of_work
from mobility.core.models import MailStatus, OutboxMessage
from mobility.extensions import db
from mobility.jobs.runner import enqueue, job_function


class MailNotSent(Exception):
    """Raised by the delivery job so that the queue retries it."""


@job_function
def deliver_job(ids: list[int]) -> None:
    """The background job: send these messages; fail (and be retried) while some of them failed."""
    mail.deliver(ids)
    failed = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.id.in_(ids), OutboxMessage.status == MailStatus.FAILED))
    if failed:
        raise MailNotSent(f"{failed} of {len(ids)} message(s) not sent")


def deliver_committed() -> None:
    """After a unit of work is committed (a request's, a job's, a command's): queue the delivery of its
    messages."""
    ids = mail.committed_messages()
    if ids:
        # In-process, one attempt: a failed send waits for the sweep rather than holding the request.
        enqueue("mobility.jobs.delivery.deliver_job", eager_retries=False, ids=ids)


def init_app(app: Flask) -> None:
    unit_of_work.after_commit(app, deliver_committed)
