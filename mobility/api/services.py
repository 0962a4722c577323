"""Creating, revoking and checking personal API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from mobility.accounts.models import Programme, User
from mobility.accounts.policies import runs_programme
from mobility.api import policies
from mobility.api.enums import TokenScope
from mobility.api.models import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS, ApiToken
from mobility.core import audit, reminders
from mobility.core.errors import DomainError
from mobility.core.mail import queue_mail
from mobility.core.paging import MAX_INT
from mobility.core.text import clean_name
from mobility.core.text import lazy_gettext as _l
from mobility.core.unit_of_work import BOOKKEEPING
from mobility.db import locked, utcnow
from mobility.extensions import db
from mobility.i18n.formatting import lazy_date
from mobility.i18n.locales import local_to_utc, today_for

TOKEN_PREFIX = "mob_"
PREFIX_LENGTH = 12  # "mob_" and 8 characters of the secret: enough to tell tokens apart, useless to guess
MAX_ACTIVE_TOKENS = 20
# last_used_at is rewritten at most this often, so reads do not each cost a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The holder is mailed this long before a token stops working (`flask api remind-expiring`, daily from cron).
EXPIRY_NOTICE = timedelta(days=7)


def default_expiry_date(user: User) -> date:
    return today_for(user) + timedelta(days=DEFAULT_LIFETIME_DAYS)


def latest_expiry_date(user: User) -> date:
    return today_for(user) + timedelta(days=MAX_LIFETIME_DAYS)


def expiry_instant(user: User, expires_on: date) -> datetime:
    """A token chosen to last until `expires_on` works to the end of that day in the holder's zone."""
    return local_to_utc(datetime.combine(expires_on + timedelta(days=1), time()), user.timezone)


def _checked_expiry(actor: User, expires_on: date | None) -> datetime:
    expires_on = expires_on or default_expiry_date(actor)
    if expires_on <= today_for(actor):
        raise DomainError(_l("Choose a day after today."), field="expires_on")
    if expires_on > latest_expiry_date(actor):
        raise DomainError(_l("A token lasts at most a year: choose %(date)s or an earlier day.",
                             date=lazy_date(latest_expiry_date(actor))), field="expires_on")
    return expiry_instant(actor, expires_on)


def _checked_programme(actor: User, programme_id: int | None) -> int | None:
    """The one programme a token reaches (None: every programme the holder runs), if the holder runs it."""
    if programme_id is None:
        return None
    if not 0 < programme_id <= MAX_INT or db.session.get(Programme, programme_id) is None \
            or not runs_programme(actor, programme_id):
        raise DomainError(_l("Choose one of the programmes you run."), field="programme")
    return programme_id


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def active_tokens(user: User) -> list[ApiToken]:
    """The tokens `user` has not revoked, newest first: those that expired too (marked so on the page)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))
                                   .options(joinedload(ApiToken.programme))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(actor: User, *, name: str, scope: TokenScope, request_key: str | None = None,
                 expires_on: date | None = None, programme_id: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `actor`; the secret is returned once and never stored. It works until the end of
    `expires_on` (the holder's day; 90 days from today when not given, a year at most), for the programme
    `programme_id` only, or (None) for every programme the holder runs.

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
    expires_at = _checked_expiry(actor, expires_on)
    programme_id = _checked_programme(actor, programme_id)
    count = db.session.execute(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())).scalar_one()
    if count >= MAX_ACTIVE_TOKENS:
        raise DomainError(_l("You already have %(n)s active tokens. Revoke one you no longer use first.",
                             n=MAX_ACTIVE_TOKENS), field="name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 bits of randomness
    token = ApiToken(user_id=actor.id, name=name, scope=TokenScope(scope), prefix=secret[:PREFIX_LENGTH],
                     token_hash=hash_token(secret), request_key=request_key or None, expires_at=expires_at,
                     programme_id=programme_id)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", actor=actor, target=token, name=name, scope=token.scope.value,
                 expires_at=expires_at.isoformat(), programme_id=programme_id or "all")
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
    """The unrevoked token whose secret this is (expired or not: the check says which), or None. The lookup
    is by digest, so the secret never meets SQL."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    digest = hash_token(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    return token if token is not None and not token.revoked else None


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


def send_expiry_reminders(now: datetime | None = None) -> int:
    """Mail the holder of every live token that stops working within a week, once per token and expiry
    (mobility/core/reminders.py): a second run, or a run on another machine, sends nothing again."""
    now = now or utcnow()
    count = 0
    expiring = db.session.scalars(
        select(ApiToken).options(joinedload(ApiToken.user))
        .where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now, ApiToken.expires_at <= now + EXPIRY_NOTICE)
        .order_by(ApiToken.id)).all()
    for token in expiring:
        holder = token.user
        if not holder.is_active or not policies.can_hold_api_tokens(holder):
            continue
        if not reminders.claim("api_token_expiry", token.id, f"expires:{token.expires_at.isoformat()}"):
            continue
        queue_mail(holder.email, holder.locale, _l("Your API token %(name)s stops working soon", name=token.name),
                   "api/mail/token_expiring.txt", user=holder, token=token,
                   link=url_for("api_tokens.index", _external=True))
        count += 1
    return count
