"""Who may hold and revoke API tokens, and what a token may do."""
from __future__ import annotations

from mobility.accounts.policies import is_programme_office
from mobility.api.enums import TokenScope
from mobility.api.models import ApiToken


def can_hold_api_tokens(user) -> bool:
    """The API serves the programme office's integrations: managers and admins."""
    return is_programme_office(user)


def can_revoke_token(user, token: ApiToken) -> bool:
    return bool(user and user.is_authenticated and token.user_id == user.id)


def token_allows(token: ApiToken, needed: TokenScope) -> bool:
    """A live token, held by someone who still belongs to the office, with a scope covering `needed`."""
    return token.active and token.user.is_active and can_hold_api_tokens(token.user) and token.scope.allows(needed)


def token_reaches(token: ApiToken | None, programme_id: int | None) -> bool:
    """A token scoped to one programme reaches that programme's calls only; an unscoped one, every programme
    its holder runs (the holder's own right is checked beside it, as for the pages)."""
    return token is not None and (token.programme_id is None or token.programme_id == programme_id)
