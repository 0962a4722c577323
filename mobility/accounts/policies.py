"""Who may do what with accounts. Named predicates, tested directly."""
from __future__ import annotations

from mobility.accounts.enums import Role
from mobility.accounts.models import User


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.ADMIN))


def can_manage_roles(actor) -> bool:
    return is_admin(actor)


def can_view_audit_log(actor) -> bool:
    return is_admin(actor)


def can_view_outbox(actor) -> bool:
    return is_admin(actor)


def can_edit_profile(actor, user: User) -> bool:
    return bool(actor and actor.is_authenticated and actor.id == user.id)


def is_programme_office(user) -> bool:
    """Programme managers and admins: the people who run calls, cities and pairs."""
    return bool(user and user.is_authenticated and (user.has_role(Role.MANAGER) or user.has_role(Role.ADMIN)))


def runs_programme(user, programme_id: int | None) -> bool:
    """Admins run every programme; a manager runs the programmes they belong to, and no other."""
    if is_admin(user):
        return True
    return is_programme_office(user) and any(p.id == programme_id for p in user.programmes)


def programme_scope(user) -> frozenset[int] | None:
    """The programmes whose calls `user` may run: None means every programme (admins)."""
    if is_admin(user):
        return None
    return frozenset(p.id for p in user.programmes) if is_programme_office(user) else frozenset()


def must_use_two_factor(user, required_for_office: bool) -> bool:
    """Whether `user` has to sign in with a second factor: the programme office does when the installation
    says so (TWO_FACTOR_REQUIRED_FOR_OFFICE); for everyone else it is their choice."""
    return bool(required_for_office and is_programme_office(user))


def can_reset_two_factor(actor, user: User) -> bool:
    """An administrator resets the second factor of someone who lost their device — never their own (another
    administrator, or the operator's `flask accounts reset-two-factor`, does that)."""
    return is_admin(actor) and actor.id != user.id
