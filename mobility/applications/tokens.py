"""Signed links for people without an account in the process: hosts and invited team members."""
from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mobility.accounts.tokens import LinkExpired, LinkInvalid


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def make_host_token(application) -> str:
    # Bound to the host address: changing the host makes old links useless.
    return _serializer("host-confirm").dumps({"app": application.id, "host": _fingerprint(application.host_email)})


def make_invitation_token(member) -> str:
    return _serializer("team-invitation").dumps({"member": member.id, "email": _fingerprint(member.email)})


def _load(salt: str, token: str, max_age) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    if not isinstance(data, dict):
        raise LinkInvalid()
    return data


def application_for_host_token(token: str, get_application):
    data = _load("host-confirm", token, current_app.config["HOST_LINK_MAX_AGE"])
    application = get_application(data.get("app"))
    if application is None or data.get("host") != _fingerprint(application.host_email):
        raise LinkInvalid()
    return application


def member_for_invitation_token(token: str, get_member):
    data = _load("team-invitation", token, current_app.config["TEAM_INVITATION_MAX_AGE"])
    member = get_member(data.get("member"))
    if member is None or data.get("email") != _fingerprint(member.email):
        raise LinkInvalid()
    return member
