"""Money that holds at the edges (issue 18): never more paid than the grant, whatever happens to the grant;
instalment states derived in one place; one-time awards, payments and locks; offers that expire and move
the waiting list; budget lines never below what is committed."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mobility.applications.enums import ApplicationStatus
from mobility.awards import services as awards
from mobility.awards.enums import GrantStatus, InstalmentState
from mobility.awards.models import Grant, Payment, reference_key
from mobility.calls import services as calls
from mobility.cities.enums import Direction
from mobility.core.errors import DomainConflict, DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.db import utcnow
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.factories import make_awardable, make_lowered_grant

TODAY = date.today()


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _states(grant):
    return [i.state for i in awards.instalments(grant)]


def test_a_grant_lowered_after_a_payment_never_takes_more_than_it_is_worth(db):
    manager, grant = make_lowered_grant()
    # The report's stay: amount, days and dates together (no "10 days" beside the old dates).
    assert grant.amount == Decimal("1650.00") and grant.days == 10
    assert (grant.start_date, grant.end_date) == (TODAY - timedelta(days=9), TODAY)
    first, second = awards.instalments(grant)
    assert (first.amount, first.paid, first.state) == (Decimal("1452.50"), Decimal("1452.50"), InstalmentState.PAID)
    assert (second.amount, second.outstanding, second.state) == (Decimal("197.50"), Decimal("197.50"),
                                                                 InstalmentState.DUE)
    money = awards.money_of(grant)
    assert (money.remaining, money.due_now, money.overpaid) == (Decimal("197.50"), Decimal("197.50"), 0)
    with pytest.raises(DomainError) as refused:  # what instalment 2 accepted before: 30 % of €1,650
        awards.record_payment(manager, grant, instalment=2, amount=Decimal("495.00"), reference="SEPA-2",
                              paid_on=TODAY)
    assert refused.value.field == "amount" and "197.50" in str(refused.value.message)
    awards.record_payment(manager, grant, instalment=2, amount=Decimal("197.50"), reference="SEPA-2", paid_on=TODAY)
    assert awards.money_of(grant).remaining == 0 and _states(grant) == [InstalmentState.PAID] * 2
    for number in (1, 2):
        with pytest.raises(DomainError):
            awards.record_payment(manager, grant, instalment=number, amount=Decimal("0.01"), reference=f"X-{number}",
                                  paid_on=TODAY)
    assert sum(p.amount for p in grant.payments) == grant.amount


def test_an_overpayment_that_already_happened_is_shown_and_flagged_for_recovery(db):
    manager, grant = make_lowered_grant()
    # As the old rule let it through: instalment 2 paid at 30 % of the lowered grant.
    db.session.add(Payment(grant=grant, instalment=2, amount=Decimal("495.00"), reference="OLD-2", paid_on=TODAY))
    db.session.flush()
    db.session.expire(grant, ["payments"])
    money = awards.money_of(grant)
    assert (money.paid, money.remaining, money.overpaid, money.recovery_due) == (
        Decimal("1947.50"), 0, Decimal("297.50"), True)
    assert _states(grant) == [InstalmentState.PAID, InstalmentState.OVERPAID]
    assert money.instalments[1].overpaid == Decimal("297.50") and money.due_now == 0
    with pytest.raises(DomainError):
        awards.record_payment(manager, grant, instalment=2, amount=Decimal("1"), reference="MORE", paid_on=TODAY)


def test_a_report_that_lowers_the_grant_below_what_was_paid_is_approved_and_the_excess_flagged(db):
    manager, grant = make_lowered_grant(report_days=5)  # €800 + 5 × €85 = €1,225, €1,452.50 was paid
    assert grant.amount == Decimal("1225.00") and grant.final_report_approved_at is not None
    money = awards.money_of(grant)
    assert money.overpaid == Decimal("227.50") and money.remaining == 0
    assert _states(grant) == [InstalmentState.OVERPAID, InstalmentState.PAID]  # nothing is left for the second
    flagged = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "award.overpaid"))
    assert flagged is not None and flagged.detail["amount"] == "227.50"


def test_instalment_states_through_a_grants_life(db):
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    assert _states(grant) == [InstalmentState.NOT_DUE, InstalmentState.NOT_DUE]
    awards.accept_grant(application.applicant, grant, name="Suzuki Hanako")
    assert _states(grant) == [InstalmentState.DUE, InstalmentState.NOT_DUE]
    awards.record_payment(manager, grant, instalment=1, amount=Decimal("1000"), reference="A", paid_on=TODAY)
    assert _states(grant) == [InstalmentState.PARTLY_PAID, InstalmentState.NOT_DUE]
    assert awards.instalments(grant)[0].outstanding == Decimal("1345.00")
    awards.record_payment(manager, grant, instalment=1, amount=Decimal("1345"), reference="B", paid_on=TODAY)
    assert _states(grant) == [InstalmentState.PAID, InstalmentState.NOT_DUE]
    assert awards.money_of(grant).remaining == Decimal("1005.00") and awards.money_of(grant).due_now == 0


def test_a_payment_reference_is_recorded_once(db):
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="X")
    first = awards.record_payment(manager, grant, instalment=1, amount=Decimal("2345.00"), reference=" SEPA-9 ",
                                  paid_on=TODAY)
    # Sent again (a double submit, an API retry): the payment already recorded, not a second one.
    again = awards.record_payment(manager, grant, instalment=1, amount=Decimal("2345.00"), reference="SEPA-9",
                                  paid_on=TODAY)
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1
    with pytest.raises(DomainError) as refused:  # the same reference for another transfer: a mistake
        awards.record_payment(manager, grant, instalment=1, amount=Decimal("5.00"), reference="SEPA-9",
                              paid_on=TODAY - timedelta(days=1))
    assert refused.value.field == "reference" and "SEPA-9" in str(refused.value.message)
    assert isinstance(refused.value, DomainConflict)  # the API's 409
    recorded = awards.record_payment_once(manager, grant, instalment=1, amount=Decimal("2345"),
                                          reference="ｓｅｐａ ９", paid_on=TODAY)  # full width, lower case, spaced
    assert (recorded.payment.id, recorded.new) == (first.id, False)
    with pytest.raises(DomainError) as empty:
        awards.record_payment(manager, grant, instalment=1, amount=Decimal("1"), reference=" - / ", paid_on=TODAY)
    assert empty.value.field == "reference"


@pytest.mark.parametrize(("typed", "key"), [
    ("SEPA-2024-001", "SEPA2024001"), (" sepa 2024/001 ", "SEPA2024001"), ("ＳＥＰＡ－２０２４－００１", "SEPA2024001"),
    ("振込 12", "振込12"), ("", ""), ("x" * 200, "X" * 120)])
def test_a_bank_reference_is_keyed_as_the_bank_means_it(typed, key):
    assert reference_key(typed) == key


def test_the_database_refuses_a_second_payment_under_the_same_reference(db):
    manager, grant = make_lowered_grant()  # one payment "SEPA-1" already
    db.session.add(Payment(grant_id=grant.id, instalment=2, amount=Decimal("1"), reference="sepa 1", paid_on=TODAY))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_an_award_that_lost_the_race_answers_with_the_grant_already_offered(db, monkeypatch):
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    db.session.commit()
    real, calls_seen = awards.grant_of, []

    def not_yet_seen(app_):  # our reads ran before the other request's commit (SQLite: no row lock)
        calls_seen.append(app_)
        return None if len(calls_seen) <= 2 else real(app_)
    monkeypatch.setattr(awards, "grant_of", not_yet_seen)
    again = awards.award_application(manager, application, "Excellent")
    assert again.id == grant.id and len(calls_seen) == 3  # the unique key refused ours; theirs is the answer
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1


def test_a_budget_line_cannot_go_below_what_is_committed(db):
    manager, call, (application,) = make_awardable(budget="10000")
    awards.award_application(manager, application, "Excellent")  # €3,350 committed
    key = (application.pair_id, application.direction)
    for amount in (Decimal("3000"), None):
        with pytest.raises(DomainError) as refused:
            awards.set_budgets(manager, call, {key: amount})
        assert refused.value.field == f"budget_{application.pair_id}_{application.direction.value}"
        assert "3,350.00" in str(refused.value.message)
    awards.set_budgets(manager, call, {key: Decimal("3350")})
    other = next(d for d in Direction if d is not application.direction)
    awards.set_budgets(manager, call, {(application.pair_id, other): None})  # nothing committed there
    assert {(b.direction, b.amount) for b in call.budgets} == {(application.direction, Decimal("3350"))}


def test_the_offer_period_is_a_call_setting(db):
    manager, call, _ = make_awardable()
    assert call.offer_days == 30
    settings = dict(kind=call.kind, pair_ids=[p.id for p in call.pairs], directions=list(call.directions),
                    opens_local=call.opens_at.replace(tzinfo=None), closes_local=call.closes_at.replace(tzinfo=None),
                    timezone="UTC", disciplines=[], accepted_languages=list(call.accepted_languages),
                    required_texts=list(call.required_texts), required_locales=list(call.required_locales),
                    reviewers_per_application=call.reviewers_per_application, blind_review=call.blind_review)
    with pytest.raises(DomainError) as refused:
        calls.update_settings(manager, call, offer_days=0, **settings)
    assert refused.value.field == "offer_days"
    db.session.rollback()
    calls.update_settings(manager, call, offer_days=10, **settings)
    assert call.offer_days == 10


def _waiting_world(db):
    """Two applications in one direction: the first awarded, the second on the waiting list; locked, letters
    sent (the offer runs from now)."""
    manager, call, (first, second) = make_awardable(budget="10000", applications=2)
    grant = awards.award_application(manager, first, "Excellent")
    review.record_decision(manager, second, Decision.WAITLIST, "Next in line")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    db.session.commit()
    return manager, call, first, second, grant


def _mails_to(db, user):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                              .order_by(OutboxMessage.id)).all()


def test_an_unanswered_offer_expires_and_the_next_one_waiting_is_offered_and_mailed(db):
    manager, call, first, second, grant = _waiting_world(db)
    assert grant.offer_expires_at is not None
    assert abs((grant.offer_expires_at - utcnow()) - timedelta(days=30)) < timedelta(minutes=5)
    letter = _mails_to(db, first.applicant)[-1]
    assert "Please answer by" in letter.body
    assert awards.expire_offers(utcnow() + timedelta(days=29)) == []  # not yet
    mails_before = len(_mails_to(db, second.applicant))
    grant.offer_expires_at = utcnow() - timedelta(days=1)  # the letter went out 31 days ago
    db.session.commit()
    expired = awards.expire_offers()
    db.session.commit()
    assert [g.id for g in expired] == [grant.id]
    assert grant.status is GrantStatus.EXPIRED and first.status is ApplicationStatus.WITHDRAWN
    assert "expired" in _mails_to(db, first.applicant)[-1].subject
    promoted = awards.grant_of(second)
    assert promoted is not None and promoted.status is GrantStatus.OFFERED
    assert second.status is ApplicationStatus.AWARDED and promoted.offer_expires_at is not None
    offer = _mails_to(db, second.applicant)
    assert len(offer) == mails_before + 1 and f"/grants/{promoted.id}" in offer[-1].body
    assert "waiting list" in offer[-1].body
    # Run again (cron twice, or the next day): nothing more expires, nobody is mailed again.
    count = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert awards.expire_offers() == []
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == count


def test_a_declined_offer_promotes_the_next_one_and_mails_them(db):
    manager, call, first, second, grant = _waiting_world(db)
    awards.decline_grant(first.applicant, grant)
    promoted = awards.grant_of(second)
    assert promoted is not None and promoted.status is GrantStatus.OFFERED
    assert f"/grants/{promoted.id}" in _mails_to(db, second.applicant)[-1].body
    assert awards.decline_grant(first.applicant, grant) is grant  # once
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 2


def test_before_the_lock_a_decline_leaves_the_waiting_list_to_the_panel(db):
    manager, call, (first, second) = make_awardable(budget="10000", applications=2)
    grant = awards.award_application(manager, first, "Excellent")
    review.record_decision(manager, second, Decision.WAITLIST, "Next in line")
    awards.decline_grant(first.applicant, grant)
    assert awards.grant_of(second) is None and second.status is ApplicationStatus.WAITLISTED


def test_a_promotion_that_does_not_fit_the_budget_is_left_to_the_office(db):
    manager, call, first, second, grant = _waiting_world(db)
    line = next(b for b in call.budgets if b.direction == first.direction)
    line.amount = Decimal("3350")  # just the first grant: the second (as large) fits once it is freed…
    second.end_date = second.end_date + timedelta(days=5)  # …unless it asks for more
    db.session.flush()
    awards.decline_grant(first.applicant, grant)
    assert grant.status is GrantStatus.DECLINED and awards.grant_of(second) is None
    assert second.status is ApplicationStatus.WAITLISTED
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "award.promotion_skipped")) is not None


def test_locking_the_panel_twice_keeps_the_first_lock(db):
    manager, call, _ = make_awardable()
    review.lock_panel(manager, call)
    first = call.panel_locked_at
    review.lock_panel(manager, call)
    assert call.panel_locked_at == first


def test_the_same_amendment_sent_twice_is_one_request(db):
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="X")
    ask = dict(start=grant.start_date, end=grant.end_date - timedelta(days=5), travellers=list(grant.travellers),
               reason="Shorter")
    first = awards.request_amendment(application.applicant, grant, **ask)
    assert awards.request_amendment(application.applicant, grant, **ask) is first
    with pytest.raises(DomainError):
        awards.request_amendment(application.applicant, grant, **{**ask, "reason": "Another one"})
