"""Deny-by-default access control.

Every view must say who may reach it, with one of the decorators below; a view that says nothing
is refused to everyone (403). API views (`api_token`) are reached with a personal token sent as
`Authorization: Bearer …`, never with the browser's session cookie; the api package registers the
check that reads the token (`register_token_check`), so this module does not depend on it.

Object-level checks (is this *your* application?) are made in the view
with the module's `policies`, after this coarse gate.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

from mobility.extensions import login_manager

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class AccessRule:
    """Who may reach a view: anyone, any signed-in user, signed-in users holding one of `roles`,
    or (API) the bearer of a token whose scope covers `token_scope`."""

    public: bool = False
    roles: frozenset[str] = frozenset()
    token_scope: str | None = None

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.token_scope:
            return "api-token:" + self.token_scope
        return "roles:" + ",".join(sorted(self.roles)) if self.roles else "signed-in"


def _mark(rule: AccessRule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]  # a mark read by access_rule_for
        return view

    return decorate


def public(view: F) -> F:
    """Anyone, signed in or not."""
    return _mark(AccessRule(public=True))(view)


def signed_in(view: F) -> F:
    """Any signed-in user."""
    return _mark(AccessRule())(view)


def roles_required(*roles: Iterable[str] | str) -> Callable[[F], F]:
    """Signed-in users holding at least one of the given roles."""
    return _mark(AccessRule(roles=frozenset(str(r) for r in roles)))


def api_token(scope: str) -> Callable[[F], F]:
    """The bearer of a live personal API token with `scope` ("read" or "read_write")."""
    return _mark(AccessRule(token_scope=str(scope)))


def register_token_check(app: Flask, check: Callable[[str], object]) -> None:
    """`check(scope)` authenticates the request's bearer token; it returns an error response or None."""
    app.extensions["mobility.token_check"] = check


def access_rule_for(app: Flask, endpoint: str) -> AccessRule | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access() -> None:
    """before_request hook: refuse what no rule allows."""
    endpoint = request.endpoint
    if endpoint is None:  # 404 / 405: let routing report it
        return
    if endpoint == "static":
        return
    rule = access_rule_for(current_app, endpoint)
    if rule is None:
        current_app.logger.error("view %s has no access rule: refused", endpoint)
        abort(403)
    if rule.public:
        return
    if rule.token_scope:
        check = current_app.extensions.get("mobility.token_check")
        if check is None:  # no API installed: nobody can present a token
            abort(403)
        return check(rule.token_scope)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if rule.roles and not any(current_user.has_role(r) for r in rule.roles):
        abort(403)
    return None
