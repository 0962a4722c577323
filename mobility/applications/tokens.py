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


def make_host_token(confirmation) -> str:
    # Bound to one request (one version of the stay) and to what it showed: a change makes the link show
    # that the request is no longer valid.
    return _serializer("host-confirm").dumps({"request": confirmation.id, "digest": confirmation.digest[:16]})


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


def confirmation_for_host_token(token: str, get_confirmation, get_legacy):
    """The request a link names; a link from before requests were kept names the application (and its host's
    address): `get_legacy(application id)` gives the request to show."""
    data = _load("host-confirm", token, current_app.config["HOST_LINK_MAX_AGE"])
    if "request" in data:
        confirmation = get_confirmation(data.get("request"))
        if confirmation is None or data.get("digest") != confirmation.digest[:16]:
            raise LinkInvalid()
        return confirmation
    confirmation = get_legacy(data.get("app"))
    if confirmation is None or data.get("host") != _fingerprint(confirmation.snapshot.get("email") or ""):
        raise LinkInvalid()
    return confirmation


def member_for_invitation_token(token: str, get_member):
    data = _load("team-invitation", token, current_app.config["TEAM_INVITATION_MAX_AGE"])
    member = get_member(data.get("member"))
    if member is None or data.get("email") != _fingerprint(member.email):
        raise LinkInvalid()
    return member
