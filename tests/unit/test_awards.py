"""Awards: the calculator, budget checks, acceptance, waiting list, amendments, payments, rates, letters."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from mobility.applications.enums import ApplicationStatus
from mobility.awards import services
from mobility.awards.enums import AmendmentStatus, GrantStatus
from mobility.awards.models import Grant
from mobility.calls.rates import Traveller, calculate, totals_by_days
from mobility.cities.models import City
from mobility.core.errors import DomainError
from mobility.core.models import OutboxMessage
from mobility.i18n.locales import today_for
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.factories import make_awardable, make_call, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _cities(db, *names):
    from mobility.cities.services import load_reference_cities

    if db.session.scalar(select(City).limit(1)) is None:
        load_reference_cities()
    return [db.session.scalar(select(City).where(City.name_en == n)) for n in names]


@pytest.mark.parametrize("origin, host, days, travellers, total, band", [
    # Chemnitz → Kamakura, 30 days, green travel: 800 + 30 × 85 + 400.
    ("Chemnitz", "Kamakura", 30, [Traveller(green_travel=True)], "3750.00", "800.00"),
    # Andong → Oulu, 14 days, two travellers, one with a visa and a child.
    ("Andong", "Oulu", 14, [Traveller(visa=True, children=1), Traveller()], "4300.00", "800.00"),
    # Accessibility: 10 days of support and an interpreter's actual cost.
    ("Huzhou", "Nova Gorica", 10,
     [Traveller(accessibility_days=10, accessibility_costs=Decimal("1234.565"))], "3184.57", "800.00"),
])
def test_calculator_worked_examples(db, origin, host, days, travellers, total, band):
    origin_city, host_city = _cities(db, origin, host)
    breakdown = calculate(make_call(), origin_city, host_city, days, travellers)
    assert str(breakdown.total) == total
    assert str(breakdown.lines[0].unit) == band
    assert breakdown.total == sum(line.amount for line in breakdown.lines)


def test_finer_bands_and_host_country_allowance(db):
    from mobility.calls import services as calls

    chemnitz, kamakura = _cities(db, "Chemnitz", "Kamakura")
    call = make_call()
    calls.set_rates(make_user("manager"), call, rates={}, per_diems={"JP": Decimal("95.50")},
                    bands=[(0, 5000, Decimal(400)), (5000, 9000, Decimal(900)), (9000, None, Decimal(1100))])
    breakdown = calculate(call, chemnitz, kamakura, 3)
    assert [(line.code, line.quantity, line.unit, line.amount) for line in breakdown.lines] == [
        ("travel", 1, Decimal("1100"), Decimal("1100.00")), ("daily", 3, Decimal("95.50"), Decimal("286.50"))]



def test_the_ranking_estimates_for_several_stays_are_the_calculator_totals(db):
    from mobility.calls import services as calls

    chemnitz, kamakura = _cities(db, "Chemnitz", "Kamakura")
    call = make_call()
    calls.set_rates(make_user("manager"), call, rates={},
                    per_diems={"JP": Decimal("95.55"), "DE": Decimal("70.05")}, bands=[(0, 5000, Decimal(400)), (5000, None, Decimal("1100.5"))])
    for origin, host in ((chemnitz, kamakura), (kamakura, chemnitz)):
        totals = totals_by_days(call, origin, host, range(1, 400, 7))
        for days, total in totals.items():
            expected = calculate(call, origin, host, days).total
            assert total == expected and str(total) == str(expected)


def _award(manager, application):
    return services.award_application(manager, application, "Excellent")


def test_an_award_offers_a_grant_within_budget_and_refuses_an_overspend(db):
    manager, call, (first, second) = make_awardable(budget="4000", applications=2)
    grant = _award(manager, first)
    assert grant.status is GrantStatus.OFFERED and grant.amount == Decimal("3350.00")
    assert first.status is ApplicationStatus.AWARDED
    db.session.commit()
    with pytest.raises(DomainError) as error:
        _award(manager, second)
    assert "overspend" in str(error.value.message) and "(€650.00 left)" in str(error.value.message)
    db.session.rollback()
    assert db.session.get(type(second), second.id).status is ApplicationStatus.IN_REVIEW
    line = next(b for b in services.budget_lines(call) if b.direction == first.direction)
    assert (line.budget, line.committed, line.remaining) == (Decimal("4000"), Decimal("3350.00"), Decimal("650.00"))


def test_accepting_makes_the_first_instalment_due_and_payments_are_checked(db):
    manager, call, (application,) = make_awardable()
    grant = _award(manager, application)
    grantee = application.applicant
    with pytest.raises(DomainError):
        services.accept_grant(make_user(), grant, name="Someone else")
    with pytest.raises(DomainError) as error:
        services.record_payment(manager, grant, instalment=1, amount=Decimal("100"), reference="X", paid_on=date.today())
    assert error.value.field == "instalment"  # not due before acceptance
    services.accept_grant(grantee, grant, name="Suzuki Hanako")
    assert grant.accepted_ip == "127.0.0.1" and grant.accepted_at is not None
    first, second = services.instalments(grant)
    assert first.amount == Decimal("2345.00") and second.amount == Decimal("1005.00")  # 70 % / 30 %
    assert first.due and not second.due
    with pytest.raises(DomainError) as error:
        services.record_payment(manager, grant, instalment=1, amount=Decimal("2345.01"), reference="X",
                                paid_on=date.today())
    assert error.value.field == "amount"
    with pytest.raises(DomainError) as error:
        services.record_payment(manager, grant, instalment=1, amount=Decimal("10"), reference="X",
                                paid_on=today_for(manager) + timedelta(days=1))  # their tomorrow
    assert error.value.field == "paid_on"
    services.record_payment(manager, grant, instalment=1, amount=Decimal("2345.00"), reference="SEPA-1",
                            paid_on=date.today())
    assert services.instalments(grant)[0].outstanding == 0


def test_a_declined_grant_returns_the_money_and_the_waiting_list_moves_up(db):
    manager, call, (first, second) = make_awardable(budget="4000", applications=2)
    grant = _award(manager, first)
    review.record_decision(manager, second, Decision.WAITLIST, "Next in line")
    db.session.commit()
    assert services.next_on_waiting_lists(call) == {(second.pair_id, second.direction): second}
    services.decline_grant(first.applicant, grant)
    assert first.status is ApplicationStatus.WITHDRAWN
    assert services.committed(call.id, first.pair_id, first.direction) == 0
    promoted = services.promote_from_waiting_list(manager, second)
    assert promoted.status is GrantStatus.OFFERED and second.status is ApplicationStatus.AWARDED


def test_amendments_recalculate_keep_history_and_need_approval(db):
    manager, call, (application,) = make_awardable(budget="5000")
    grant = _award(manager, application)
    services.accept_grant(application.applicant, grant, name="X")
    start = grant.start_date
    with pytest.raises(DomainError):
        services.request_amendment(application.applicant, grant, start=start, end=start - timedelta(days=1),
                                   travellers=grant.travellers, reason="")
    longer = services.request_amendment(application.applicant, grant, start=start, end=start + timedelta(days=39),
                                        travellers=grant.travellers, reason="Longer stay")
    assert longer.amount == Decimal("4200.00") and grant.amount == Decimal("3350.00")
    services.decide_amendment(manager, longer, approve=True)
    assert grant.amount == Decimal("4200.00") and grant.days == 40
    green = [{**grant.travellers[0], "green_travel": True}]
    too_much = services.request_amendment(application.applicant, grant, start=start,
                                          end=start + timedelta(days=49), travellers=green, reason="")
    with pytest.raises(DomainError):
        services.decide_amendment(manager, too_much, approve=True)  # 5,450 over a 5,000 budget
    assert [a.status for a in grant.amendments][0] is AmendmentStatus.APPROVED


def test_exchange_rates_and_indicative_amounts(db):
    manager = make_user("manager")
    for rate, valid_from, field in ((Decimal("0"), date.today(), "rate"),
                                    (Decimal("160"), today_for(manager) + timedelta(days=1), "valid_from")):
        with pytest.raises(DomainError) as error:
            services.add_exchange_rate(manager, currency="JPY", rate=rate, valid_from=valid_from)
        assert error.value.field == field
    services.add_exchange_rate(manager, currency="JPY", rate=Decimal("161.25"), valid_from=date.today())
    services.add_exchange_rate(manager, currency="KRW", rate=Decimal("1480.5"), valid_from=date.today())
    assert services.indicative(Decimal("3350.00"), "JP") == (Decimal("540188"), "JPY")
    assert services.indicative(Decimal("3350.00"), "KR") == (Decimal("4959675"), "KRW")
    assert services.indicative(Decimal("3350.00"), "DE") is None
    assert services.indicative(Decimal("3350.00"), "CN") is None  # no CNY rate yet


@pytest.mark.parametrize("locale, expected", [("en", "awarded a grant"), ("zh_Hans", None), ("ja", None),
                                              ("ko", None)])
def test_decision_letters_in_the_applicants_language(app, db, locale, expected):

    manager, call, (application,) = make_awardable()
    application.applicant.locale = locale
    _award(manager, application)
    review.lock_panel(manager, call)
    db.session.commit()
    with pytest.raises(DomainError):
        services.send_decision_letters(manager, make_call())  # not locked
    assert services.send_decision_letters(manager, db.session.get(type(call), call.id)) == 1
    assert services.send_decision_letters(manager, db.session.get(type(call), call.id)) == 0  # once
    letter = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == application.applicant.email).order_by(OutboxMessage.id.desc())).first()
    assert letter.locale == locale and application.reference in letter.body and "/grants/" in letter.body
    if expected:
        assert expected in letter.body
    else:
        assert "awarded a grant" not in letter.body
    with force_locale(locale):
        assert str(call.appeal_days) in letter.body


def test_dates_outside_the_window_or_length_are_refused(db):
    from mobility.calls.enums import RuleKind
    from mobility.calls.models import EligibilityRule

    manager, call, (application,) = make_awardable()
    # As if the call had always said so (rules freeze at the first submission, so set it directly).
    call.rules.append(EligibilityRule(kind=RuleKind.DURATION, params={"min": 7, "max": 21}))
    with pytest.raises(DomainError) as error:
        _award(manager, application)  # 30 days
    assert error.value.field == "end_date"
    assert db.session.scalar(select(Grant)) is None


def test_today_is_the_persons_own_day_not_the_servers(db):
    """At 10:00 UTC on 30 November it is already 1 December in Kiritimati (UTC+14): a manager there may date a
    rate (or a payment) 1 December; one in Berlin may not."""
    from datetime import datetime, timezone

    from mobility.db import clock_at

    far_east, berlin = make_user("manager", timezone="Pacific/Kiritimati"), make_user("manager")
    with clock_at(datetime(2025, 11, 30, 10, 0, tzinfo=timezone.utc)):
        assert today_for(far_east) == date(2025, 12, 1) and today_for(berlin) == date(2025, 11, 30)
        services.add_exchange_rate(far_east, currency="JPY", rate=Decimal("161.25"), valid_from=date(2025, 12, 1))
        with pytest.raises(DomainError) as refused:
            services.add_exchange_rate(berlin, currency="KRW", rate=Decimal("1480.5"), valid_from=date(2025, 12, 1))
        assert refused.value.field == "valid_from"
