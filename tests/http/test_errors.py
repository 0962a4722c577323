"""A 500 rolls the request's work back and shows a translated page with no traceback."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobility import create_app
from mobility.accounts.models import User
from mobility.core.access import public
from mobility.extensions import db as _db
from tests.conftest import Config


@pytest.mark.commits  # a second app: on PostgreSQL, a connection of its own to the test database
def test_an_unexpected_error_rolls_back_and_says_sorry(app):
    broken_app = create_app(Config)
    broken_app.config["PROPAGATE_EXCEPTIONS"] = False

    @broken_app.get("/broken")
    @public
    def broken():
        _db.session.add(User(name="half-saved", email="half@example.org", password_hash="x"))
        _db.session.flush()
        raise RuntimeError("boom: secret detail")

    with broken_app.app_context():
        _db.create_all()
    response = broken_app.test_client().get("/broken", headers={"Accept-Language": "ko"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "boom" not in html and "Traceback" not in html
    assert '<html lang="ko">' in html
    with broken_app.app_context():
        assert _db.session.scalar(select(User).where(User.email == "half@example.org")) is None
