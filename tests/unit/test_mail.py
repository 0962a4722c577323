"""The outbox: mail is written in the recipient's language and only sent after a commit."""
from __future__ import annotations

from sqlalchemy import func, select

from mobility.accounts.models import User
from mobility.core.mail import deliver, queue_mail
from mobility.core.models import MailStatus, OutboxMessage


def _queue(app, locale="ja"):
    user = User(name="佐藤 健", email="sato@example.jp", password_hash="x", locale=locale)
    with app.test_request_context():
        from flask_babel import lazy_gettext as _l

        return queue_mail(user.email, locale, _l("Your password was changed"),
                          "accounts/mail/password_changed.txt", user=user)


def test_mail_is_rendered_in_the_recipients_locale(app, db):
    _queue(app, "ja")
    _queue(app, "ko")
    db.session.commit()
    bodies = {m.locale: (m.subject, m.body) for m in db.session.scalars(select(OutboxMessage))}
    assert "パスワード" in bodies["ja"][0] and "佐藤 健" in bodies["ja"][1]
    assert "비밀번호" in bodies["ko"][0]


def test_a_rolled_back_change_leaves_no_mail(app, db):
    _queue(app)
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage)) is None


def test_console_backend_prints_and_marks_sent(app, db, capsys):
    _queue(app)
    db.session.commit()
    app.config["MAIL_BACKEND"] = "console"
    try:
        assert deliver() == 1
    finally:
        app.config["MAIL_BACKEND"] = "outbox"
    assert "sato@example.jp" in capsys.readouterr().out
    message = db.session.scalar(select(OutboxMessage))
    assert message.status is MailStatus.SENT and message.sent_at is not None and message.attempts == 1


def test_smtp_failure_is_kept_for_a_retry(app, db):
    _queue(app)
    db.session.commit()
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9, SMTP_STARTTLS=False)
    try:
        assert deliver() == 0
    finally:
        app.config["MAIL_BACKEND"] = "outbox"
    message = db.session.scalar(select(OutboxMessage))
    assert message.status is MailStatus.FAILED and message.last_error


class Killed(BaseException):
    """The sender's process dies (kill -9): nothing after this point runs, no handler catches it."""


def test_a_sender_killed_mid_sweep_keeps_what_it_delivered(app, db, monkeypatch):
    from mobility.core import mail

    for i in range(30):
        db.session.add(OutboxMessage(recipient=f"artist{i}@example.org", locale="en", subject="Receipt",
                                     body="Thank you"))
    db.session.commit()
    delivered: list[str] = []

    def dies_after_the_eleventh(backend, message):
        delivered.append(message.recipient)
        if len(delivered) == 11:
            raise Killed  # the SMTP server took the 11th message, then the process was killed

    monkeypatch.setattr(mail, "_send", dies_after_the_eleventh)
    app.config["MAIL_BACKEND"] = "smtp"
    try:
        try:
            deliver()
        except Killed:
            db.session.rollback()  # what the dead process had not committed is gone
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == MailStatus.SENT)) == 10
        monkeypatch.setattr(mail, "_send", lambda backend, message: delivered.append(message.recipient))
        assert deliver() == 20  # the next sweep sends the rest, and the one in flight again
    finally:
        app.config["MAIL_BACKEND"] = "outbox"
    assert len(set(delivered)) == 30 and len(delivered) == 31  # at most the message in flight twice
