"""Server-side sessions: idle timeout and absolute lifetime end a sign-in."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from mobility.accounts.models import UserSession
from mobility.db import utcnow
from tests.conftest import sign_in


def test_idle_timeout_signs_out(app, client, make_user):
    user = make_user()
    sign_in(client, user.email)
    assert client.get("/account/profile").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds()) + 5
    assert client.get("/account/profile").status_code == 302


def test_absolute_lifetime_signs_out_even_an_active_user(app, client, db, make_user):
    user = make_user()
    sign_in(client, user.email)
    long_ago = utcnow() - app.config["SESSION_ABSOLUTE_LIFETIME"] - timedelta(minutes=1)
    db.session.execute(update(UserSession).values(created_at=long_ago))
    db.session.commit()
    assert client.get("/account/profile").status_code == 302


def test_a_closed_account_is_signed_out(client, db, make_user):
    user = make_user()
    sign_in(client, user.email)
    user.active = False
    db.session.commit()
    assert client.get("/account/profile").status_code == 302
