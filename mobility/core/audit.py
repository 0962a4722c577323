"""The audit log: services call `record()` in the same transaction as the change."""
from __future__ import annotations

from typing import Any

from flask import has_request_context

from mobility.client import client_ip
from mobility.core.models import AuditEntry
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db

# Titles of the actions shown on the admin audit page.
ACTION_TITLES = {
    "auth.registered": _l("Registered"),
    "auth.email_confirmed": _l("E-mail address confirmed"),
    "auth.signed_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Failed sign-in"),
    "auth.signed_out": _l("Signed out"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_reset_requested": _l("Password reset requested"),
    "auth.registration_attempted": _l("Registration tried with an existing address"),
    "auth.password_reset": _l("Password reset through e-mail link"),
    "auth.two_factor_setup_started": _l("Two-factor set-up started"),
    "auth.two_factor_enabled": _l("Two-factor sign-in turned on"),
    "auth.two_factor_disabled": _l("Two-factor sign-in turned off"),
    "auth.two_factor_reset": _l("Two-factor sign-in reset by an administrator"),
    "auth.recovery_codes_renewed": _l("Recovery codes renewed"),
    "auth.recovery_code_used": _l("Signed in with a recovery code"),
    "account.profile_updated": _l("Profile updated"),
    "account.locale_changed": _l("Language changed"),
    "role.granted": _l("Role granted"),
    "role.revoked": _l("Role revoked"),
    "programme.created": _l("Programme created"),
    "programme.manager_added": _l("Manager added to a programme"),
    "programme.manager_removed": _l("Manager removed from a programme"),
    "city.created": _l("City added"),
    "pair.created": _l("City pair created"),
    "pair.updated": _l("City pair changed"),
    "call.created": _l("Call created"),
    "call.texts_updated": _l("Call texts changed"),
    "call.settings_updated": _l("Call settings changed"),
    "call.rule_saved": _l("Eligibility rule saved"),
    "call.rule_deleted": _l("Eligibility rule deleted"),
    "call.question_saved": _l("Form question saved"),
    "call.question_deleted": _l("Form question deleted"),
    "call.scale_updated": _l("Scoring scale changed"),
    "call.criterion_saved": _l("Rubric criterion saved"),
    "call.criterion_deleted": _l("Rubric criterion deleted"),
    "call.budget_updated": _l("Call budget changed"),
    "call.rates_updated": _l("Rate table changed"),
    "call.status_changed": _l("Call status changed"),
    "call.moved": _l("Call moved to another programme"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "job.started": _l("Background work started"),
}


def action_title(action: str) -> str:
    return str(ACTION_TITLES.get(action, action))


def record(action: str, *, actor=None, target=None, **detail: Any) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller's commit makes it durable)."""
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        ip=client_ip() if has_request_context() else None,
        detail={k: str(v) for k, v in detail.items()},
    )
    db.session.add(entry)
    return entry
