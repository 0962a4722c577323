"""The read-then-writes issue 19's sweep found on one-time rows and sums, each sent ten times at once on
PostgreSQL: one row, the same answer, and never a unique-key 500. (Apply, uploads, payments, reminders, the
outbox and jobs have tests of their own.)"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mobility.accounts import services as accounts
from mobility.accounts.models import User
from mobility.api import services as api_tokens
from mobility.api.enums import TokenScope
from mobility.api.models import ApiToken
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.awards.models import ExchangeRate
from mobility.calls.models import Call
from mobility.core.errors import DomainError
from mobility.extensions import db
from mobility.review import services as review
from mobility.review.enums import PairRule, PhaseKind
from mobility.review.models import AssignmentRule, CallJuror, ReviewPhase
from tests.conftest import IS_POSTGRES
from tests.factories import make_juror, make_reviewable_call, make_user
from tests.unit.test_once_concurrency import _at_once

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="concurrent transactions: PostgreSQL"),
              pytest.mark.postgres_only, pytest.mark.commits]
TIMES = 10


def _refused_or(work):
    def run(n):
        try:
            return work(n)
        except DomainError:
            db.session.rollback()
            return "refused"
    return run


@pytest.fixture
def office(app):
    with app.test_request_context():
        juror = make_juror(city="Nara")
        manager, call, (application, _second) = make_reviewable_call()
        db.session.commit()
        return manager.id, call.id, application.id, juror.id


def test_a_juror_added_to_the_pool_ten_times_at_once_is_in_it_once(app, office):
    manager_id, call_id, _application_id, juror_id = office

    def add(n):
        entry = review.add_juror(db.session.get(User, manager_id), db.session.get(Call, call_id),
                                 db.session.get(User, juror_id), 5 + n)
        return "added" if entry else "none"

    assert _at_once(TIMES, add) == ["added"] * TIMES
    assert db.session.scalar(select(func.count()).select_from(CallJuror).where(CallJuror.call_id == call_id)) == 1


def test_a_pair_rule_set_ten_times_at_once_is_one_rule(app, office):
    manager_id, call_id, application_id, juror_id = office

    def pin(_n):
        review.set_pair_rule(db.session.get(User, manager_id), db.session.get(Application, application_id),
                             db.session.get(User, juror_id), PairRule.PIN)
        return "set"

    assert _at_once(TIMES, pin) == ["set"] * TIMES
    assert db.session.scalar(select(func.count()).select_from(AssignmentRule)) == 1


def test_two_phase_moves_at_once_leave_one_phase_active_and_the_phases_stored_once(app, office):
    manager_id, call_id, _application_id, _juror_id = office

    def move(n):
        review.move_to_phase(db.session.get(User, manager_id), db.session.get(Call, call_id),
                             (PhaseKind.INDIVIDUAL, PhaseKind.CONSENSUS)[n % 2], confirmed=True)
        return "moved"

    assert _at_once(TIMES, move) == ["moved"] * TIMES
    rows = db.session.execute(select(ReviewPhase.kind, ReviewPhase.active).where(ReviewPhase.call_id == call_id)).all()
    assert len(rows) == len({kind for kind, _active in rows}) and sum(active for _kind, active in rows) == 1


def test_an_exchange_rate_saved_ten_times_at_once_is_one_row(app, office):
    manager_id = office[0]

    def save(n):
        awards.add_exchange_rate(db.session.get(User, manager_id), currency="JPY", rate=Decimal(160 + n),
                                 valid_from=date.today())
        return "saved"

    assert _at_once(TIMES, save) == ["saved"] * TIMES
    rates = db.session.scalars(select(ExchangeRate.rate).where(ExchangeRate.currency == "JPY")).all()
    assert len(rates) == 1 and 160 <= rates[0] < 160 + TIMES


def test_the_token_form_sent_ten_times_at_once_makes_one_token(app):
    with app.test_request_context():
        manager_id = make_user("manager").id
        db.session.commit()

    def create(_n):
        api_tokens.create_token(db.session.get(User, manager_id), name="Finance", scope=TokenScope.READ,
                                request_key="form-1")
        return "made"

    outcomes = _at_once(TIMES, _refused_or(create))
    assert sorted(outcomes) == ["made"] + ["refused"] * (TIMES - 1)
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == manager_id)) == 1


def test_ten_token_forms_at_once_never_pass_the_cap_together(app):
    with app.test_request_context():
        manager = make_user("manager")
        for n in range(api_tokens.MAX_ACTIVE_TOKENS - 5):  # room for five more
            api_tokens.create_token(manager, name=f"Old {n}", scope=TokenScope.READ)
        db.session.commit()
        manager_id = manager.id

    def create(n):
        api_tokens.create_token(db.session.get(User, manager_id), name=f"System {n}", scope=TokenScope.READ,
                                request_key=f"form-{n}")
        return "made"

    outcomes = _at_once(TIMES, _refused_or(create))
    active = db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == manager_id))
    assert active == api_tokens.MAX_ACTIVE_TOKENS and outcomes.count("made") == 5
    assert all(o in ("made", "refused") for o in outcomes)


def test_the_same_registration_sent_ten_times_at_once_makes_one_account_and_no_error(app):

    def register(_n):
        accounts.register_user(name="Kim Haneul", email="double.click@example.kr", password="a long passphrase 19",
                               locale="ko", timezone="Asia/Seoul")
        return "answered"

    assert _at_once(TIMES, register) == ["answered"] * TIMES
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == "double.click@example.kr")) == 1


def test_a_programme_and_a_city_pair_created_ten_times_at_once_are_made_once(app):
    from mobility.accounts.models import Programme
    from mobility.cities.models import City, CityPair
    from mobility.cities.services import load_reference_cities, save_pair

    with app.test_request_context():
        admin_id = make_user("admin").id
        load_reference_cities()
        db.session.commit()
        europe, east_asia = (db.session.scalar(select(City.id).where(City.name_en == name)) for name in ("Chemnitz", "Nara"))

    def programme(n):
        # The same name in different cases at once ("deadline NIGHT office"…): still one programme.
        name = "Deadline night office" if n % 2 == 0 else "deadline NIGHT office"
        accounts.create_programme(db.session.get(User, admin_id), name)
        return "made"

    def pair(_n):
        save_pair(db.session.get(User, admin_id), europe_city_id=europe, east_asia_city_id=east_asia, start_year=2026,
                  end_year=2027, illustrative=True, description={"en": "Twice at once."})
        return "made"

    for work, model in ((programme, Programme), (pair, CityPair)):
        outcomes = _at_once(TIMES, _refused_or(work))
        assert sorted(outcomes) == ["made"] + ["refused"] * (TIMES - 1), outcomes
    assert db.session.scalar(select(func.count()).select_from(Programme).where(
        func.lower(Programme.name) == "deadline night office")) == 1
    assert db.session.scalar(select(func.count()).select_from(CityPair).where(
        CityPair.europe_city_id == europe, CityPair.east_asia_city_id == east_asia)) == 1
