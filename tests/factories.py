"""Objects for tests, made through the services so that they obey the same rules as real ones."""
from __future__ import annotations

import itertools

from mobility.accounts import services
from mobility.accounts.enums import Role
from mobility.extensions import db

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_user(*roles: str, name: str | None = None, email: str | None = None, locale: str = "en",
              timezone: str = "Europe/Berlin", confirmed: bool = True, password: str = PASSWORD):
    n = next(_counter)
    user = services.create_user(
        name=name or f"Test User {n}",
        email=email or f"user{n}@example.org",
        password=password,
        locale=locale,
        timezone=timezone,
        roles=[Role(r) for r in roles] or [Role.APPLICANT],
        confirmed=confirmed,
    )
    db.session.commit()
    return user
