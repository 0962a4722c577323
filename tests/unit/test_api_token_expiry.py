"""API tokens that expire (90 days unless chosen, a year at most) and reach one programme or all the holder
runs; the holder is mailed once a week before a token stops working."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mobility.accounts import services as accounts
from mobility.accounts.enums import Role
from mobility.api import policies, services
from mobility.api.enums import TokenScope
from mobility.core.errors import DomainError
from mobility.core.models import OutboxMessage, SentReminder
from mobility.db import utcnow
from mobility.i18n.locales import utc_to_local
from tests.factories import make_programme, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context():
        yield


def _today(user):
    return utc_to_local(utcnow(), user.timezone).date()


def test_a_token_lasts_ninety_days_unless_another_day_is_chosen_to_the_end_of_that_day_in_the_holders_zone(db):
    manager = make_user("manager", timezone="Asia/Tokyo")
    token, _secret = services.create_token(manager, name="Ledger", scope=TokenScope.READ)
    last_day = _today(manager) + timedelta(days=90)
    assert utc_to_local(token.expires_at, "Asia/Tokyo") == utc_to_local(
        services.expiry_instant(manager, last_day), "Asia/Tokyo")
    assert utc_to_local(token.expires_at, "Asia/Tokyo").date() == last_day + timedelta(days=1)
    assert utc_to_local(token.expires_at, "Asia/Tokyo").time().hour == 0
    chosen, _secret = services.create_token(manager, name="Short", scope=TokenScope.READ,
                                            expires_on=_today(manager) + timedelta(days=1))
    assert chosen.active and not chosen.expired


@pytest.mark.parametrize("days", [0, -3, 366, 10_000])
def test_a_token_cannot_end_today_in_the_past_or_after_a_year(db, days):
    manager = make_user("manager")
    with pytest.raises(DomainError) as refused:
        services.create_token(manager, name="Ledger", scope=TokenScope.READ,
                              expires_on=_today(manager) + timedelta(days=days))
    assert refused.value.field == "expires_on"


def test_a_year_is_the_longest(db):
    manager = make_user("manager")
    token, _secret = services.create_token(manager, name="Ledger", scope=TokenScope.READ,
                                           expires_on=_today(manager) + timedelta(days=365))
    assert token.expires_at - utcnow() <= timedelta(days=367)


def test_an_expired_token_is_found_but_not_active_and_allows_nothing(db):
    manager = make_user("manager")
    token, secret = services.create_token(manager, name="Ledger", scope=TokenScope.READ_WRITE)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert services.find_token(secret) is token and token.expired and not token.active
    assert not policies.token_allows(token, TokenScope.READ)
    services.revoke_token(manager, token)
    assert services.find_token(secret) is None


def test_the_scope_is_one_programme_the_holder_runs_or_all_of_them(db):
    manager = make_user("manager")
    mine = manager.programmes[0]
    other = make_programme("Another programme")
    scoped, _secret = services.create_token(manager, name="One", scope=TokenScope.READ, programme_id=mine.id)
    assert policies.token_reaches(scoped, mine.id) and not policies.token_reaches(scoped, other.id)
    everything, _secret = services.create_token(manager, name="All", scope=TokenScope.READ)
    assert policies.token_reaches(everything, mine.id) and policies.token_reaches(everything, other.id)
    assert not policies.token_reaches(None, mine.id)
    for refused in (other.id, 2**31 + 5):
        with pytest.raises(DomainError) as error:
            services.create_token(manager, name="Not mine", scope=TokenScope.READ, programme_id=refused)
        assert error.value.field == "programme"
    admin = make_user("admin")  # an admin runs every programme
    token, _secret = services.create_token(admin, name="Other", scope=TokenScope.READ, programme_id=other.id)
    assert token.programme_id == other.id


def test_expired_tokens_do_not_count_against_the_limit(db):
    manager = make_user("manager")
    for n in range(services.MAX_ACTIVE_TOKENS):
        token, _secret = services.create_token(manager, name=f"T{n}", scope=TokenScope.READ)
    with pytest.raises(DomainError):
        services.create_token(manager, name="One more", scope=TokenScope.READ)
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    services.create_token(manager, name="One more", scope=TokenScope.READ)


def test_the_holder_is_mailed_once_a_week_before_the_token_stops_working(db):
    manager = make_user("manager", locale="ko", timezone="Asia/Seoul")
    soon, _s = services.create_token(manager, name="장부", scope=TokenScope.READ,
                                     expires_on=_today(manager) + timedelta(days=5))
    services.create_token(manager, name="Later", scope=TokenScope.READ)  # 90 days: not yet
    gone, _s = services.create_token(manager, name="Gone", scope=TokenScope.READ,
                                     expires_on=_today(manager) + timedelta(days=2))
    services.revoke_token(manager, gone)  # revoked: nothing to remind of
    lapsed, _s = services.create_token(manager, name="Lapsed", scope=TokenScope.READ)
    lapsed.expires_at = utcnow() - timedelta(hours=1)  # already expired: too late for a reminder
    db.session.commit()

    assert services.send_expiry_reminders() == 1
    db.session.commit()
    assert services.send_expiry_reminders() == 0  # a second run (or another machine's) sends nothing
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == manager.email)).all()
    assert len(mails) == 1 and mails[0].locale == "ko" and "장부" in mails[0].subject
    assert soon.prefix in mails[0].body and "/account/api-tokens" in mails[0].body
    assert db.session.scalar(select(func.count()).select_from(SentReminder)
                             .where(SentReminder.kind == "api_token_expiry")) == 1


def test_a_holder_who_left_the_office_is_not_reminded(db):
    manager = make_user("manager")
    services.create_token(manager, name="Ledger", scope=TokenScope.READ, expires_on=_today(manager) + timedelta(days=3))
    accounts.revoke_role(None, manager, Role.MANAGER)
    db.session.commit()
    assert services.send_expiry_reminders() == 0
