"""Mail through an outbox table.

A service calls `queue_mail()`; the message is rendered in the recipient's locale and stored in
the same transaction as the change it reports, so a rolled-back change sends nothing. After a unit of
work is committed, `committed_messages()` gives the ids of its new messages to what delivers them (the
jobs package hands them to a delivery job: RQ retries a failed send; without a queue it runs in-process);
`flask outbox send` sweeps up what still failed. Core imports no jobs module (mobility.jobs.delivery imports
this one, never the reverse).
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import inspect, select

from mobility.core import unit_of_work
from mobility.core.models import MailStatus, OutboxMessage
from mobility.db import on_transaction_end, utcnow
from mobility.extensions import db

_PENDING_KEY = "outbox_pending"
_COMMITTED_KEY = "outbox_committed"


def queue_mail(recipient: str, locale: str, subject, template: str, **context) -> OutboxMessage:
    """Render `template` (plain text) and `subject` (a lazy string) in `locale` and queue it."""
    with force_locale(locale):
        subject_text = str(subject)
        body = render_template(template, **context)
    message = OutboxMessage(recipient=recipient, locale=locale, subject=subject_text, body=body)
    db.session.add(message)
    db.session.info.setdefault(_PENDING_KEY, []).append(message)
    return message


def _on_commit(session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    if pending:
        try:
            # The identity key is read without SQL: attributes are expired after a commit.
            g.setdefault(_COMMITTED_KEY, []).extend(inspect(m).identity[0] for m in pending)
        except RuntimeError:  # no app context: the CLI sender picks these up
            pass


def _on_rollback(session) -> None:
    session.info.pop(_PENDING_KEY, None)


def committed_messages() -> list[int]:
    """The ids of the messages queued by the units of work committed since the last call (an after-commit
    hook takes them, once)."""
    return g.pop(_COMMITTED_KEY, [])


def deliver(ids: list[int] | None = None) -> int:
    """Send queued (or failed) messages; returns how many were sent.

    Each message is claimed, sent and marked in a unit of work of its own: a sender killed in the middle
    of a sweep has kept what it delivered, and at most the one message it was sending goes again. Several
    processes deliver at once (each request its own mail, `flask outbox send` the retries): the claim is a
    row lock that the others skip, so nobody gets a mail twice (PostgreSQL; SQLite has one writer)."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "outbox":
        unit_of_work.finish()
        return 0  # tests read the outbox table directly
    sent, after = 0, 0
    while (message := _claim_next(ids, after)) is not None:
        after = message.id
        message.attempts += 1
        try:
            _send(backend, message)
        except (OSError, smtplib.SMTPException) as exc:
            message.status = MailStatus.FAILED
            message.last_error = str(exc)[:2000]
            current_app.logger.warning("mail %s to %s failed: %s", message.id, message.recipient, exc)
        else:
            message.status = MailStatus.SENT
            message.sent_at = utcnow()
            sent += 1
        db.session.commit()  # this message's outcome is kept, and its lock released
    unit_of_work.finish()  # then what follows the caller's commit (nothing of the sweep's own)
    return sent


def _claim_next(ids: list[int] | None, after: int) -> OutboxMessage | None:
    """The next message to send after id `after`, locked for this transaction (one another sender holds
    is skipped)."""
    stmt = select(OutboxMessage).where(OutboxMessage.status != MailStatus.SENT, OutboxMessage.id > after)
    if ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    return db.session.scalars(stmt.order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True)).first()


def _send(backend: str, message: OutboxMessage) -> None:
    if backend == "console":
        print(
            f"\n----- mail to {message.recipient} [{message.locale}] -----\n"
            f"Subject: {message.subject}\n\n{message.body}\n-----\n",
            flush=True,
        )
        return
    if backend != "smtp":
        raise ValueError(f"unknown MAIL_BACKEND {backend!r}")
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["X-Mobility-Outbox-Id"] = str(message.id)  # which outbox row this is: a copy sent twice is seen as one
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(email)


def init_app(app: Flask) -> None:
    on_transaction_end(committed=_on_commit, rolled_back=_on_rollback)
