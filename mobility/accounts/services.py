"""Account verbs. Each validates, changes state, flushes, audits and queues mail; the view commits."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mobility.accounts import sessions, tokens
from mobility.accounts.enums import Discipline, Language, Level, Role
from mobility.accounts.models import Affiliation, LanguageSkill, Programme, User, UserDiscipline, UserRole
from mobility.accounts.passwords import burn_time, hash_password, password_problem, verify_password
from mobility.cities.models import City
from mobility.core import audit
from mobility.core.errors import DomainError
from mobility.core.mail import queue_mail
from mobility.core.once import refused_by_key, savepoint
from mobility.core.text import clean_name
from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow
from mobility.extensions import db
from mobility.i18n.locales import LOCALES, is_valid_timezone


def normalise_email(email: str) -> str:
    return email.strip().lower()


def organisation_key(name: str) -> str:
    """What two spellings of one organisation have in common (width, case and spacing folded)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _check_locale_and_zone(locale: str, timezone: str) -> None:
    if locale not in LOCALES:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    if not is_valid_timezone(timezone):
        raise DomainError(_l("Choose a time zone from the list, for example Europe/Berlin."), field="timezone")


def _checked_new_account(name: str, email: str, password: str, locale: str, timezone: str) -> tuple[str, str]:
    """The checks a new account passes whoever holds the address (so their errors say nothing about it)."""
    email = normalise_email(email)
    name = clean_name(name) or ""
    if not name:
        raise DomainError(_l("Please enter your name."), field="name")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise DomainError(problem, field="password")
    _check_locale_and_zone(locale, timezone)
    return name, email


def create_user(*, name: str, email: str, password: str, locale: str, timezone: str,
                roles: Iterable[Role] = (Role.APPLICANT,), confirmed: bool = False,
                password_hash: str | None = None) -> User:
    """A new account with checked name, address, password, language and zone. `password_hash`: a hash of
    `password` made earlier (the demo's people share one password; each hash takes about a second)."""
    name, email = _checked_new_account(name, email, password, locale, timezone)
    if find_user_by_email(email) is not None:
        raise DomainError(_l("An account with this e-mail address already exists. Sign in or reset your password."),
                          field="email")
    user = User(name=name, email=email, password_hash=password_hash or hash_password(password), locale=locale,
                timezone=timezone, email_confirmed_at=utcnow() if confirmed else None)
    user.role_grants = [UserRole(role=role) for role in dict.fromkeys(roles)]
    try:
        with savepoint():  # the same address registered twice at once (a double click): the key decides
            db.session.add(user)
            db.session.flush()
    except IntegrityError as taken:
        raise DomainError(_l("An account with this e-mail address already exists. Sign in or reset your "
                             "password."), field="email") from taken
    audit.record("auth.registered", actor=user, target=user)
    return user


def register_user(*, name: str, email: str, password: str, locale: str, timezone: str) -> User | None:
    """Self-service sign-up: an applicant account that must confirm its address before signing in.

    Whether the address already has an account is never told to the person registering: the same checks,
    the same answer, the same work (a password hash) and one mail either way — to a new address its
    confirmation link, to an existing account a note that someone tried to register with it (None then)."""
    name, email = _checked_new_account(name, email, password, locale, timezone)
    existing = find_user_by_email(email)
    if existing is None:
        try:
            user = create_user(name=name, email=email, password=password, locale=locale, timezone=timezone)
        except DomainError as refused:
            existing = find_user_by_email(email) if refused.field == "email" else None
            if existing is None:
                raise
            # Registered at the same moment by another request (a double click): answered as an existing
            # account, which says nothing more than the first answer did.
        else:
            send_confirmation(user)
            return user
    else:
        hash_password(password)  # the time a new account's hash takes
    queue_mail(existing.email, existing.locale, _l("Someone tried to register with your e-mail address"),
               "accounts/mail/registration_attempt.txt", user=existing,
               sign_in=url_for("accounts.sign_in", _external=True),
               reset=url_for("accounts.forgot_password", _external=True))
    audit.record("auth.registration_attempted", target=existing)
    return None


def send_confirmation(user: User) -> None:
    link = url_for("accounts.confirm_email", token=tokens.make_confirm_token(user), _external=True)
    queue_mail(user.email, user.locale, _l("Confirm your e-mail address"), "accounts/mail/confirm.txt",
               user=user, link=link)


def user_for_confirm_token(token: str) -> User:
    """Whose address this confirmation link confirms (refused when it is not valid or has expired)."""
    try:
        return tokens.user_for_confirm_token(token, lambda uid: db.session.get(User, uid))
    except tokens.LinkExpired as exc:
        raise DomainError(_l("This confirmation link has expired. Sign in to receive a new one.")) from exc
    except tokens.LinkInvalid as exc:
        raise DomainError(_l("This confirmation link is not valid.")) from exc


def confirm_email(token: str) -> User:
    """Confirm the address of the link (once: confirming again changes nothing)."""
    user = user_for_confirm_token(token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record("auth.email_confirmed", actor=user, target=user)
    return user


def authenticate(email: str, password: str) -> User:
    """The user whose credentials these are; every failure is audited and answered the same way."""
    user = find_user_by_email(email)
    if user is None:
        burn_time(password)
        audit.record("auth.sign_in_failed", email=normalise_email(email)[:320], reason="unknown")
        raise DomainError(_l("The e-mail address or password is not right."), field="password")
    if not verify_password(user.password_hash, password):
        audit.record("auth.sign_in_failed", actor=None, target=user, reason="password")
        raise DomainError(_l("The e-mail address or password is not right."), field="password")
    if not user.is_active:
        audit.record("auth.sign_in_failed", target=user, reason="inactive")
        raise DomainError(_l("This account has been closed. Contact the programme office."))
    if not user.email_confirmed:
        audit.record("auth.sign_in_failed", target=user, reason="unconfirmed")
        send_confirmation(user)
        raise DomainError(_l("Please confirm your e-mail address first. We have sent you a new link."))
    return user


def sign_in(user: User, second_factor: str | None = None) -> None:
    """The sign-in time is the session row's: the user's own row is not written. `second_factor` names the
    code that completed it ("totp" or "recovery"), if one was asked for."""
    sessions.start_session(user)
    if second_factor:
        audit.record("auth.signed_in", actor=user, target=user, second_factor=second_factor)
    else:
        audit.record("auth.signed_in", actor=user, target=user)


def sign_out(user: User) -> None:
    audit.record("auth.signed_out", actor=user, target=user)
    sessions.end_session(keep_locale=user.locale)


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise DomainError(_l("Your current password is not right."), field="current_password")
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise DomainError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    sessions.revoke_other_sessions(user)
    audit.record("auth.password_changed", actor=user, target=user)
    queue_mail(user.email, user.locale, _l("Your password was changed"), "accounts/mail/password_changed.txt",
               user=user)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists; say nothing either way (no account discovery)."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    link = url_for("accounts.reset_password", token=tokens.make_reset_token(user), _external=True)
    queue_mail(user.email, user.locale, _l("Reset your password"), "accounts/mail/reset.txt", user=user, link=link)
    audit.record("auth.password_reset_requested", target=user)


def user_for_reset(token: str) -> User:
    try:
        return tokens.user_for_reset_token(token, lambda uid: db.session.get(User, uid))
    except tokens.LinkExpired as exc:
        raise DomainError(_l("This reset link has expired. Ask for a new one.")) from exc
    except tokens.LinkInvalid as exc:
        raise DomainError(_l("This reset link is not valid or has already been used. Ask for a new one.")) from exc


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset(token)
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(new_password)
    # The link proves control of the mailbox, so the address counts as confirmed.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    sessions.revoke_other_sessions(user)
    audit.record("auth.password_reset", actor=user, target=user)
    queue_mail(user.email, user.locale, _l("Your password was changed"), "accounts/mail/password_changed.txt",
               user=user)
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    if user.locale != locale:
        audit.record("account.locale_changed", actor=user, target=user, old=user.locale, new=locale)
        user.locale = locale


def update_profile(
    user: User,
    *,
    name: str,
    locale: str,
    timezone: str,
    country: str | None,
    home_city_id: int | None,
    skills: Mapping[Language, tuple[Level | None, Level | None]],
    disciplines: Iterable[Discipline],
    affiliations: Iterable[str],
) -> None:
    name = clean_name(name) or ""
    if not name:
        raise DomainError(_l("Please enter your name."), field="name")
    _check_locale_and_zone(locale, timezone)
    if home_city_id is not None and db.session.get(City, home_city_id) is None:
        raise DomainError(_l("Choose a city from the list."), field="home_city_id")
    user.name, user.locale, user.timezone = name, locale, timezone
    user.country = (country or "").strip().upper() or None
    user.home_city_id = home_city_id

    user.language_skills = [
        LanguageSkill(language=lang, reading=read, writing=write)
        for lang, (read, write) in skills.items()
        if read or write
    ]
    user.disciplines = [UserDiscipline(discipline=d) for d in dict.fromkeys(disciplines)]
    wanted: dict[str, str] = {}
    for organisation in affiliations:
        organisation = " ".join(organisation.split())[:200]
        if organisation:
            wanted.setdefault(organisation_key(organisation), organisation)
    user.affiliations = [Affiliation(organisation=o, organisation_key=k) for k, o in wanted.items()]
    db.session.flush()
    audit.record("account.profile_updated", actor=user, target=user)


def admin_count() -> int:
    return db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role == Role.ADMIN)) or 0


def grant_role(actor: User, user: User, role: Role) -> None:
    if role in user.roles:
        return
    user.role_grants.append(UserRole(role=role, granted_by_id=actor.id))
    db.session.flush()
    audit.record("role.granted", actor=actor, target=user, role=role.value)


def revoke_role(actor: User, user: User, role: Role) -> None:
    grant = next((g for g in user.role_grants if g.role == role), None)
    if grant is None:
        return
    if role is Role.ADMIN and admin_count() <= 1:
        raise DomainError(_l("The last administrator cannot lose the administrator role."), field="role")
    user.role_grants.remove(grant)
    db.session.flush()
    audit.record("role.revoked", actor=actor, target=user, role=role.value)


def create_programme(actor: User, name: str) -> Programme:
    """A programme office: its calls are run by its own managers (and the admins) only."""
    name = clean_name(name) or ""
    if not name:
        raise DomainError(_l("Give the programme a name."), field="name")
    taken = DomainError(_l("There is already a programme with this name."), field="name")
    if db.session.scalar(select(Programme.id).where(func.lower(Programme.name) == name.lower())) is not None:
        raise taken
    programme = Programme(name=name)
    with refused_by_key(taken):  # the same name created twice at once
        db.session.add(programme)
        db.session.flush()
    audit.record("programme.created", actor=actor, target=programme, name=name)
    return programme


def add_programme_manager(actor: User, programme: Programme, email: str) -> User:
    """The manager with this address joins the programme and may run its calls from then on."""
    user = find_user_by_email(email or "")
    if user is None:
        raise DomainError(_l("Nobody has an account with this e-mail address."), field="email")
    if not user.has_role(Role.MANAGER):
        raise DomainError(_l("%(name)s is not a programme manager: give them the manager role first.",
                             name=user.name), field="email")
    if user not in programme.managers:
        programme.managers.append(user)
        db.session.flush()
        audit.record("programme.manager_added", actor=actor, target=programme, user_id=user.id)
    return user


def remove_programme_manager(actor: User, programme: Programme, user: User) -> None:
    if user in programme.managers:
        programme.managers.remove(user)
        db.session.flush()
        audit.record("programme.manager_removed", actor=actor, target=programme, user_id=user.id)
