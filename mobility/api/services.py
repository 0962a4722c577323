"""Creating, revoking and checking personal API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from mobility.accounts.models import User
from mobility.api import policies
from mobility.api.enums import TokenScope
from mobility.api.models import ApiToken
from mobility.core import audit
from mobility.core.errors import DomainError
from mobility.core.text import clean_name
from mobility.core.text import lazy_gettext as _l
from mobility.core.unit_of_work import BOOKKEEPING
from mobility.db import locked, utcnow
from mobility.extensions import db

TOKEN_PREFIX = "mob_"
PREFIX_LENGTH = 12  # "mob_" and 8 characters of the secret: enough to tell tokens apart, useless to guess
MAX_ACTIVE_TOKENS = 20
# last_used_at is rewritten at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def active_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(actor: User, *, name: str, scope: TokenScope, request_key: str | None = None
                 ) -> tuple[ApiToken, str]:
    """A new token for `actor`; the secret is returned once and never stored.

    `request_key` comes with the form that asks: the same form sent again (a reload of the page that
    showed the secret) is refused instead of making a second token.
    """
    if not policies.can_hold_api_tokens(actor):
        raise DomainError(_l("Only programme managers and administrators can hold API tokens."))
    # Under the holder's row lock: the same form sent twice at once makes one token (the second sees the
    # first's request key), and two forms at once never pass the cap on active tokens together.
    locked(actor)
    if request_key:
        made = db.session.scalar(select(ApiToken).where(ApiToken.user_id == actor.id,
                                                        ApiToken.request_key == request_key))
        if made is not None:
            raise DomainError(_l("This form has already created the token %(name)s. Its secret was shown once; "
                                 "if you did not copy it, revoke the token and create a new one.", name=made.name))
    name = clean_name(name) or ""
    if not name:
        raise DomainError(_l("Give the token a name, such as the system that will use it."), field="name")
    if len(name) > 100:
        raise DomainError(_l("Use at most 100 characters."), field="name")
    count = db.session.execute(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))).scalar_one()
    if count >= MAX_ACTIVE_TOKENS:
        raise DomainError(_l("You already have %(n)s active tokens. Revoke one you no longer use first.",
                             n=MAX_ACTIVE_TOKENS), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits of randomness
    token = ApiToken(user_id=actor.id, name=name, scope=TokenScope(scope), prefix=secret[:PREFIX_LENGTH],
                     token_hash=hash_token(secret), request_key=request_key or None)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", actor=actor, target=token, name=name, scope=token.scope.value)
    return token, secret


def revoke_token(actor: User, token: ApiToken) -> None:
    if not policies.can_revoke_token(actor, token):
        raise DomainError(_l("This token is not yours."))
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_token.revoked", actor=actor, target=token, name=token.name)


def find_token(secret: str) -> ApiToken | None:
    """The live token whose secret this is, or None. The lookup is by digest, so the secret never meets SQL."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    digest = hash_token(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    return token if token is not None and token.active else None


def mark_used(token: ApiToken) -> None:
    """Record the time of use (coarsely), in a bookkeeping transaction of its own: a read through the API
    stays a read (its unit of work is never committed), and the time of use is kept even when the request
    fails."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    with db.engine.begin() as connection:
        connection.execution_options(**{BOOKKEEPING: True}).execute(
            update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
