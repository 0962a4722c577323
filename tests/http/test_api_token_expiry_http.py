"""API tokens through HTTP: the expiry chosen on the page and shown in the list, an expired token answered 401
with a translated problem, a token limited to one programme refused (403) on another's call, bad input on the
form refused on its field, and the reminder command."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mobility.api import services as api_tokens
from mobility.api.enums import TokenScope
from mobility.api.models import ApiToken
from mobility.core.models import OutboxMessage
from mobility.db import utcnow
from mobility.extensions import db as _db
from mobility.i18n.locales import utc_to_local
from tests.conftest import csrf_from, sign_in
from tests.factories import make_call, make_programme, make_user

PROBLEM = "application/problem+json"
pytestmark = pytest.mark.commits  # the token's time of use is written on a connection of its own


def _today(user):
    return utc_to_local(utcnow(), user.timezone).date()


def _bearer(secret: str, language: str = "en") -> dict:
    return {"Authorization": f"Bearer {secret}", "Accept-Language": language}


@pytest.fixture
def two_programmes(app):
    """A manager who runs two programmes, with a call in each."""
    with app.test_request_context():
        manager = make_user("manager")
        other = make_programme("Busan ⇄ Leeuwarden", managers=[manager])
        mine = make_call(actor=manager, programme=manager.programmes[0] if manager.programmes[0] != other
                         else manager.programmes[1])
        theirs = make_call(actor=manager, programme=other, title="Other programme's call")
        _db.session.commit()
        return manager, mine, theirs, other


def test_an_expired_token_is_answered_401_in_the_readers_language(app, client, two_programmes):
    manager, call, _theirs, _other = two_programmes
    with app.test_request_context():
        token, secret = api_tokens.create_token(manager, name="Ledger", scope=TokenScope.READ)
        _db.session.commit()
    url = f"/api/v1/calls/{call.id}/applications"
    assert client.get(url, headers=_bearer(secret)).status_code == 200
    token = _db.session.get(ApiToken, token.id)
    token.expires_at = utcnow() - timedelta(minutes=1)
    _db.session.commit()
    english = client.get(url, headers=_bearer(secret))
    assert english.status_code == 401 and english.mimetype == PROBLEM
    assert "expired" in english.json["detail"] and "invalid_token" in english.headers["WWW-Authenticate"]
    japanese = client.get(url, headers=_bearer(secret, "ja"))
    assert japanese.status_code == 401 and japanese.json["title"] == "認証が必要です"
    assert japanese.json["detail"] != english.json["detail"] and "有効期限" in japanese.json["detail"]
    korean = client.get(url, headers=_bearer(secret, "ko"))
    assert korean.json["detail"] not in (english.json["detail"], japanese.json["detail"])


def test_a_token_limited_to_one_programme_is_refused_on_another_programmes_call(app, client, two_programmes):
    manager, mine, theirs, _other = two_programmes
    with app.test_request_context():
        _token, scoped = api_tokens.create_token(manager, name="Mine only", scope=TokenScope.READ,
                                                 programme_id=mine.programme_id)
        _token, everything = api_tokens.create_token(manager, name="All", scope=TokenScope.READ)
        _db.session.commit()
    assert client.get(f"/api/v1/calls/{mine.id}/applications", headers=_bearer(scoped)).status_code == 200
    refused = client.get(f"/api/v1/calls/{theirs.id}/applications", headers=_bearer(scoped, "zh-CN"))
    assert refused.status_code == 403 and refused.mimetype == PROBLEM
    assert "programme" not in refused.json["detail"]  # in Chinese
    assert client.get(f"/api/v1/calls/{theirs.id}/applications", headers=_bearer(everything)).status_code == 200
    assert client.get("/api/v1/calls/999999/applications", headers=_bearer(scoped)).status_code == 404


def test_the_page_offers_the_expiry_and_the_programme_and_lists_both(app, client, two_programmes):
    manager, mine, _theirs, other = two_programmes
    sign_in(client, manager.email)
    page = client.get("/account/api-tokens").get_data(as_text=True)
    default = (_today(manager) + timedelta(days=90)).isoformat()
    assert f'value="{default}"' in page and 'type="date"' in page
    assert f'max="{(_today(manager) + timedelta(days=365)).isoformat()}"' in page
    assert f'<option value="{other.id}">' in page
    last_day = _today(manager) + timedelta(days=30)
    created = client.post("/account/api-tokens", data={
        "name": "Ledger", "scope": "read", "expires_on": last_day.isoformat(), "programme": str(other.id),
        "request_key": "k1", "csrf_token": csrf_from(page)})
    assert created.status_code == 200
    token = _db.session.scalar(select(ApiToken).where(ApiToken.name == "Ledger"))
    assert token.programme_id == other.id
    assert utc_to_local(token.expires_at, manager.timezone).date() == last_day + timedelta(days=1)
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    row = re.search(r"<tr>\s*<td>Ledger</td>.*?</tr>", listing, re.S).group(0)
    assert other.name in row and "Expires soon" not in row


@pytest.mark.parametrize("values, field", [
    ({"expires_on": "tomorrow"}, "expires_on"),
    ({"expires_on": "99999-01-01"}, "expires_on"),
    ({"expires_on": "2000-01-01"}, "expires_on"),
    ({"expires_on": "far"}, "expires_on"),
    ({"programme": str(2**31)}, "programme"),
    ({"programme": "abc"}, "programme"),
])
def test_bad_input_is_refused_on_its_field(app, client, two_programmes, values, field):
    manager, _mine, _theirs, _other = two_programmes
    sign_in(client, manager.email)
    page = client.get("/account/api-tokens").get_data(as_text=True)
    if values.get("expires_on") == "far":
        values = {"expires_on": (_today(manager) + timedelta(days=400)).isoformat()}
    answer = client.post("/account/api-tokens", data={"name": "Ledger", "scope": "read", **values,
                                                      "csrf_token": csrf_from(page)})
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    assert _db.session.scalar(select(ApiToken)) is None


def test_the_reminder_command_mails_once(app, two_programmes):
    manager, _mine, _theirs, _other = two_programmes
    with app.test_request_context():
        api_tokens.create_token(manager, name="Ledger", scope=TokenScope.READ,
                                expires_on=_today(manager) + timedelta(days=6))
        _db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["api", "remind-expiring"])
    assert first.exit_code == 0 and "1 reminder(s) sent" in first.output
    second = runner.invoke(args=["api", "remind-expiring"])
    assert "0 reminder(s) sent" in second.output
    mails = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == manager.email)).all()
    assert len(mails) == 1 and "/account/api-tokens" in mails[0].body
