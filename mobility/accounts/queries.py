"""select() builders and small reads for accounts."""
from __future__ import annotations

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import selectinload

from mobility.accounts.enums import Role
from mobility.accounts.models import Programme, User, UserRole
from mobility.accounts.policies import programme_scope
from mobility.core.models import AuditEntry
from mobility.extensions import db
from mobility.i18n.locales import DEFAULT_LOCALE, LOCALES


def runnable_programmes(user) -> list[Programme]:
    """The programmes `user` may run calls in, by name: all of them for an admin."""
    scope = programme_scope(user)
    if scope is None:
        return list(db.session.scalars(select(Programme).order_by(Programme.name)))
    return list(user.programmes) if scope else []  # the relationship is ordered by name


def users_matching(text: str = "") -> Select:
    """Everyone, by name, with their roles; only those whose name or e-mail address contains `text` when given
    (the administrators' list)."""
    stmt = select(User).options(selectinload(User.role_grants)).order_by(User.name, User.id)
    if text:
        like = f"%{text.lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    return stmt


def users_with_role(role: Role) -> list[User]:
    """The people who hold `role`, by name."""
    return list(db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == role).order_by(User.name)))


def programmes_with_managers() -> list[Programme]:
    """Every programme, by name, with its managers."""
    return list(db.session.scalars(select(Programme).options(selectinload(Programme.managers))
                                   .order_by(Programme.name)))


def _audit_entries(action: str | None) -> Select:
    stmt = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return stmt


def audit_total(action: str | None = None) -> int:
    """How many entries the audit log holds (of `action` only, when given)."""
    return db.session.execute(select(func.count()).select_from(_audit_entries(action).subquery())).scalar_one()


def audit_page(action: str | None, page: int, per_page: int) -> list[Row]:
    """One page of the audit log, newest first: (entry, actor) rows, the actor None for the system's entries."""
    return list(db.session.execute(_audit_entries(action).limit(per_page).offset((page - 1) * per_page)).all())


def recipient_locale(email: str, chosen: str | None = None) -> str:
    """The language to write to `email` in: the language of the account with that address, if there is one
    (what the person chose wins); else the language the sender chose for them (an applicant for their host
    or team member); else English. Never the sender's own language."""
    locale = db.session.scalar(select(User.locale).where(User.email == (email or "").strip().lower()))
    if locale in LOCALES:
        return locale
    return chosen if chosen in LOCALES else DEFAULT_LOCALE
