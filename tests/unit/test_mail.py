"""The outbox: mail is written in the recipient's language and only sent after a commit."""
from __future__ import annotations

from sqlalchemy import select

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
