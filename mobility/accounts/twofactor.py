"""Two-factor sign-in: time-based one-time codes (RFC 6238, pyotp) and ten single-use recovery codes.

- Set-up: `start_setup` keeps a new secret as pending; the profile's page shows it as a QR code made here
  (segno, inline SVG: no other host, no script) and as text; `confirm_setup` turns it on once a code made
  from it is typed, and returns the recovery codes, shown once: only Argon2 hashes are kept.
- Sign-in: once the password is right, the browser is *half* signed in (`begin_pending`): the session holds
  the person's id and the time, nothing else, and Flask-Login knows no user, so no page and no route opens.
  `verify_second_step` accepts a one-time code or a recovery code; then the session starts for real.
- A code is accepted once: the time step of the last accepted code is stored and a code of that step or an
  earlier one is refused, in one conditional UPDATE (two requests with one code at once: one wins). A
  recovery code is marked used the same way.
- Turning it on or off, or an administrator's reset, ends the person's other sessions.
"""
from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from mobility.accounts import policies, sessions
from mobility.accounts.models import RecoveryCode, User
from mobility.accounts.passwords import hash_password, verify_password
from mobility.core import audit
from mobility.core.errors import DomainError, is_api_request
from mobility.core.mail import queue_mail
from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow
from mobility.extensions import db
from mobility.i18n.locales import SESSION_KEY as LOCALE_KEY

DIGITS = 6
VALID_WINDOW = 1  # one 30-second step either side: a phone's clock a little off still works
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 3, 4  # "abcd-efgh-jkmn": about 59 bits
LOOKUP_LENGTH = 4
PENDING_KEY = "two_factor_pending"

WRONG_CODE = _l("This code is not right. Type the six digits your app shows now, or one of your recovery codes.")
USED_CODE = _l("This code has already been used. Wait for the next code in your app and type that one.")


# ---- codes --------------------------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["TWO_FACTOR_ISSUER"])


def qr_svg(uri: str) -> Markup:
    """The QR code of `uri` as an SVG element to put into the page (attributes only: the CSP allows it)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", svgclass="qr-code",
                                                omitsize=True)
    return Markup(svg)  # segno's own markup; the URI is inside path data, never as text  # nosec B704


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join((code or "").split())


def code_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step (within the window) whose code `code` is, or None."""
    code = _digits(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS)
    now = totp.timecode(time.time() if at is None else at)
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:64]


def new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes for `user` (the old ones stop working); returned once, stored as hashes."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH))
        db.session.add(RecoveryCode(user_id=user.id, lookup=raw[:LOOKUP_LENGTH], code_hash=hash_password(raw)))
        codes.append("-".join(raw[i:i + RECOVERY_GROUP_LENGTH] for i in range(0, len(raw), RECOVERY_GROUP_LENGTH)))
    db.session.flush()
    return codes


def unused_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                                RecoveryCode.used_at.is_(None))).all())


def _use_step(user: User, step: int) -> bool:
    """Record `step` as the last accepted one, unless it (or a later one) already was: one statement."""
    result = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _use_recovery_code(user: User, typed: str) -> bool:
    raw = _normalise_recovery(typed)
    if len(raw) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH:
        return False
    candidates = db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.lookup == raw[:LOOKUP_LENGTH],
        RecoveryCode.used_at.is_(None))).all()
    for candidate in candidates:
        if verify_password(candidate.code_hash, raw):
            used = db.session.execute(
                update(RecoveryCode).where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False))
            return used.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
    return False


def check_code(user: User, code: str, *, recovery: bool = True) -> str:
    """Accept `code` for `user` once: "totp" or "recovery" (which kind it was); a DomainError on the field
    "code" otherwise."""
    if user.totp_secret is None:
        raise DomainError(_l("Two-factor sign-in is not turned on for this account."), field="code")
    step = code_step(user.totp_secret, code)
    if step is not None:
        if not _use_step(user, step):
            raise DomainError(USED_CODE, field="code")
        return "totp"
    if recovery and _use_recovery_code(user, code):
        return "recovery"
    raise DomainError(WRONG_CODE, field="code")


# ---- set-up, turning off, reset -----------------------------------------------------------------------

def is_required_for(user: User) -> bool:
    return policies.must_use_two_factor(user, current_app.config["TWO_FACTOR_REQUIRED_FOR_OFFICE"])


def start_setup(user: User) -> str:
    """A new secret waiting for its first code (a second start replaces it)."""
    if user.two_factor_enabled:
        raise DomainError(_l("Two-factor sign-in is already turned on."))
    user.totp_pending_secret = new_secret()
    db.session.flush()
    audit.record("auth.two_factor_setup_started", actor=user, target=user)
    return user.totp_pending_secret


def confirm_setup(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with the pending secret once `code` is one of its codes; the recovery
    codes are returned (shown once). Every other session of the person ends."""
    if user.two_factor_enabled:
        raise DomainError(_l("Two-factor sign-in is already turned on."))
    if user.totp_pending_secret is None:
        raise DomainError(_l("Start the set-up first: the page then shows the code to scan."))
    step = code_step(user.totp_pending_secret, code)
    if step is None:
        raise DomainError(_l("This code is not right. Check that the app shows the account you just added, "
                             "and type the six digits it shows now."), field="code")
    # One statement, on the condition that it is still off with this very secret pending: the same form sent
    # twice at once turns it on once, and only that request's recovery codes exist.
    pending, now = user.totp_pending_secret, utcnow()
    turned_on = db.session.execute(
        update(User).where(User.id == user.id, User.totp_secret.is_(None), User.totp_pending_secret == pending)
        .values(totp_secret=pending, totp_pending_secret=None, totp_enabled_at=now, totp_last_step=step)
        .execution_options(synchronize_session=False))
    if turned_on.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        raise DomainError(_l("Two-factor sign-in is already turned on."))
    for key, value in (("totp_secret", pending), ("totp_pending_secret", None), ("totp_enabled_at", now),
                       ("totp_last_step", step)):
        set_committed_value(user, key, value)
    codes = new_recovery_codes(user)
    sessions.revoke_other_sessions(user)
    audit.record("auth.two_factor_enabled", actor=user, target=user)
    queue_mail(user.email, user.locale, _l("Two-factor sign-in is turned on"), "accounts/mail/two_factor_on.txt",
               user=user)
    return codes


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), confirmed with a current one-time code."""
    check_code(user, code, recovery=False)
    codes = new_recovery_codes(user)
    audit.record("auth.recovery_codes_renewed", actor=user, target=user)
    return codes


def _clear(user: User) -> None:
    user.totp_secret = user.totp_pending_secret = None
    user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def disable(user: User, code: str) -> None:
    """Turn two-factor sign-in off, confirmed with a code (or a recovery code); refused to whom it is
    required. Every other session of the person ends."""
    if not user.two_factor_enabled:
        return
    if is_required_for(user):
        raise DomainError(_l("Programme managers and administrators must sign in with a second factor here: it "
                             "cannot be turned off. If you lost your device, ask an administrator to reset it."))
    check_code(user, code)
    _clear(user)
    sessions.revoke_other_sessions(user)
    audit.record("auth.two_factor_disabled", actor=user, target=user)
    queue_mail(user.email, user.locale, _l("Two-factor sign-in is turned off"), "accounts/mail/two_factor_off.txt",
               user=user)


def reset(actor: User | None, user: User) -> None:
    """An administrator (or the operator's command, `actor` None) takes the second factor off the account of
    someone who lost their device: every session of theirs ends, they are told by mail, and the next
    sign-in needs the password only (then the set-up again, where it is required)."""
    if actor is not None and not policies.can_reset_two_factor(actor, user):
        raise DomainError(_l("You cannot reset your own second factor. Ask another administrator."))
    if not user.two_factor_enabled:
        raise DomainError(_l("This person has not turned on two-factor sign-in: there is nothing to reset."))
    _clear(user)
    sessions.revoke_other_sessions(user)
    audit.record("auth.two_factor_reset", actor=actor, target=user)
    queue_mail(user.email, user.locale, _l("Your two-factor sign-in was reset"), "accounts/mail/two_factor_reset.txt",
               user=user)


# ---- the half-signed-in state -------------------------------------------------------------------------

def begin_pending(user: User, next_url: str | None) -> None:
    """The password was right and a code is needed: this browser waits for it, signed in to nothing."""
    session.clear()
    session[LOCALE_KEY] = user.locale  # the second step speaks their language, as the first did
    session[PENDING_KEY] = {"user": user.id, "at": int(time.time()), "next": next_url or ""}


def pending_user_id() -> int | None:
    """Whose code this browser is waiting for (None when nobody's, or the wait is over)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    at = pending.get("at")
    if not isinstance(at, int) or time.time() - at > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        return None
    return pending["user"]


def pending_user() -> User | None:
    """The person whose code this browser waits for, if they may still sign in with a second factor."""
    user_id = pending_user_id()
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active or not user.two_factor_enabled:
        return None
    return user


def pending_next() -> str | None:
    pending = session.get(PENDING_KEY)
    return (pending.get("next") or None) if isinstance(pending, dict) else None


def forget_pending() -> None:
    session.pop(PENDING_KEY, None)


def verify_second_step(user: User, code: str) -> str:
    """The code of the second step; a failure is audited (the view keeps the entry) and refused on the
    field "code"."""
    try:
        kind = check_code(user, code)
    except DomainError:
        audit.record("auth.sign_in_failed", target=user, reason="code")
        raise
    if kind == "recovery":
        left = unused_recovery_codes(user)
        audit.record("auth.recovery_code_used", actor=user, target=user, left=left)
    return kind



# ---- required for the programme office -----------------------------------------------------------------

# What a manager or administrator who must still set it up may reach: the set-up itself, signing out, the
# language switch (to read the set-up in their language) and the static files.
SETUP_ENDPOINTS = frozenset({"static", "accounts.two_factor", "accounts.two_factor_begin",
                             "accounts.two_factor_confirm", "accounts.sign_out", "accounts.switch_language"})


def require_setup():
    """before_request: a signed-in person who must use a second factor and has none is taken to the set-up
    page, from every page. The JSON API is not concerned (a token, never the session, signs its requests)."""
    if not current_app.config["TWO_FACTOR_REQUIRED_FOR_OFFICE"]:
        return None
    if request.endpoint is None or request.endpoint in SETUP_ENDPOINTS or is_api_request():
        return None
    user = current_user
    if not user.is_authenticated or user.two_factor_enabled or not is_required_for(user):
        return None
    return redirect(url_for("accounts.two_factor"))


def init_app(app: Flask) -> None:
    app.before_request(require_setup)
