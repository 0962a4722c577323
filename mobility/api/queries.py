"""select() builders and small reads for API tokens."""
from __future__ import annotations

from sqlalchemy import select

from mobility.api.models import ApiToken
from mobility.extensions import db


def revoked_tokens(user_id: int, limit: int = 20) -> list[ApiToken]:
    """The last `limit` tokens `user_id` revoked, the latest revoked first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id,
                                                          ApiToken.revoked_at.is_not(None))
                                   .order_by(ApiToken.revoked_at.desc()).limit(limit)))
