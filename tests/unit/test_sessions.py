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



def test_the_signed_in_check_reads_the_session_user_roles_and_programmes_in_one_statement(app, db, make_user):
    from mobility.accounts import sessions
    from tests.databases import counting

    user = make_user("manager", name="Min-jun Lee")
    with app.test_request_context():
        token_hash = sessions.start_session(user).token_hash
        db.session.commit()
    db.session.expire_all()
    with app.test_request_context(), counting() as statements:
        mine = sessions._session_with_user(token_hash)
        assert mine.user.name == "Min-jun Lee" and mine.user.roles == {"manager"}
        assert [p.name for p in mine.user.programmes] == ["Test programme"]
    assert len(statements) == 1
