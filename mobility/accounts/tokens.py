"""Signed, expiring links for e-mail confirmation and password reset."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mobility.accounts.models import User


class LinkInvalid(Exception):
    """The link was tampered with, has been used or belongs to another state of the account."""


class LinkExpired(LinkInvalid):
    pass


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_confirm_token(user: User) -> str:
    return _serializer("email-confirm").dumps({"uid": user.id, "email": _fingerprint(user.email)})


def make_reset_token(user: User) -> str:
    # Bound to the current password hash: once the password changes, the link is spent.
    return _serializer("password-reset").dumps({"uid": user.id, "pw": _fingerprint(user.password_hash)})


def _load(salt: str, token: str, max_age) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    if not isinstance(data, dict) or "uid" not in data:
        raise LinkInvalid()
    return data


def user_for_confirm_token(token: str, get_user) -> User:
    data = _load("email-confirm", token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    user = get_user(data["uid"])
    if user is None or data.get("email") != _fingerprint(user.email):
        raise LinkInvalid()
    return user


def user_for_reset_token(token: str, get_user) -> User:
    data = _load("password-reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = get_user(data["uid"])
    if user is None or data.get("pw") != _fingerprint(user.password_hash):
        raise LinkInvalid()
    return user
