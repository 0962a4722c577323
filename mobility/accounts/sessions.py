"""Server-side sign-in sessions on top of Flask-Login.

Flask-Login alone trusts any copy of a signed cookie until it expires. Here the cookie also carries
a random session token whose hash is stored in `user_session`; signing out or changing the password
revokes the row, and the user loader refuses a cookie whose row is revoked or too old. The idle
timeout is checked against a timestamp in the (signed) cookie, so no request has to write.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from mobility.accounts.models import User, UserSession
from mobility.client import client_ip
from mobility.db import utcnow
from mobility.extensions import db
from mobility.i18n.locales import SESSION_KEY as LOCALE_KEY

TOKEN_KEY = "sid"
SEEN_KEY = "seen"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> UserSession:
    """Sign `user` in on this browser (after the password was checked)."""
    token = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        token_hash=_hash(token),
        ip=client_ip(),
        user_agent=(request.user_agent.string or "")[:300],
    )
    db.session.add(row)
    session.clear()  # a fresh session on sign-in: no fixation
    session.permanent = True
    session[TOKEN_KEY] = token
    session[SEEN_KEY] = int(time.time())
    login_user(user)
    return row


def current_session_row(*, with_user: bool = False) -> UserSession | None:
    token = session.get(TOKEN_KEY)
    if not token:
        return None
    if not with_user:
        return db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    return _session_with_user(_hash(token))


def _session_with_user(token_hash: str) -> UserSession | None:
    """Every signed-in request needs the user, their roles and (for the office) their programmes: one
    statement instead of four. The password hash stays in the database until something checks it."""
    user = joinedload(UserSession.user)
    return db.session.execute(
        select(UserSession).where(UserSession.token_hash == token_hash)
        .options(user.defer(User.password_hash), user.joinedload(User.role_grants),
                 user.joinedload(User.programmes))).unique().scalar_one_or_none()


def end_session(keep_locale: str | None = None) -> None:
    """Sign out this browser; it keeps speaking the language the user had chosen."""
    row = current_session_row()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    logout_user()
    session.clear()
    if keep_locale:
        session[LOCALE_KEY] = keep_locale


def revoke_other_sessions(user: User) -> None:
    """Used on password change: every other browser of this user is signed out."""
    keep = current_session_row()
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    db.session.execute(stmt.values(revoked_at=utcnow()))


def load_user(user_id: str) -> User | None:
    """Flask-Login user loader: the cookie's session must be live and belong to this user."""
    config = current_app.config
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int) or time.time() - seen > config["SESSION_IDLE_TIMEOUT"].total_seconds():
        return None
    row = current_session_row(with_user=True)
    if row is None or row.revoked_at is not None or str(row.user_id) != str(user_id):
        return None
    if utcnow() - row.created_at > config["SESSION_ABSOLUTE_LIFETIME"]:
        return None
    user = row.user
    if not user.is_active:
        return None
    if time.time() - seen > 60:  # refresh the idle clock without re-sending the cookie every time
        session[SEEN_KEY] = int(time.time())
    return user
