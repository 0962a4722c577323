"""Award verbs: offer (within budget, under a row lock), accept, decline, promote, amend, pay, letters."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from flask import url_for
from flask_babel import format_date
from sqlalchemy import func, select

from mobility.accounts.models import User
from mobility.applications import services as applications
from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.awards import feedback, versions
from mobility.awards.enums import CURRENCIES, LINE_TITLES, AmendmentStatus, GrantStatus, InstalmentState
from mobility.awards.models import DecisionNotice, ExchangeRate, Grant, GrantAmendment, Payment, reference_key
from mobility.awards.queries import NOTIFIED, offers_expired_by, payment_by_reference
from mobility.calls import rules as rule_params
from mobility.calls import services as calls
from mobility.calls.enums import RuleKind
from mobility.calls.models import Call, CallBudget
from mobility.calls.rates import Breakdown, Traveller, calculate
from mobility.client import client_ip
from mobility.core import audit, memo
from mobility.core.errors import DomainConflict, DomainError
from mobility.core.lifecycle import Lifecycle
from mobility.core.mail import queue_mail
from mobility.core.once import once, savepoint
from mobility.core.text import clean_name, lazy_ngettext
from mobility.core.text import lazy_gettext as _l
from mobility.db import locked, utcnow
from mobility.extensions import db
from mobility.i18n.formatting import money as format_money
from mobility.i18n.locales import today_for
from mobility.review import ranking
from mobility.review import services as review
from mobility.review.enums import Decision
from mobility.review.models import PanelDecision

COMMITTED = (GrantStatus.OFFERED, GrantStatus.ACCEPTED)
T = TypeVar("T")

# The grant offer and its agreement: the grantee signs (accepts) or declines, once; an offer left unanswered
# for the call's offer period expires (the scheduled `flask awards expire-offers`).
GRANT = Lifecycle("grant", Grant, {
    GrantStatus.OFFERED: {GrantStatus.ACCEPTED, GrantStatus.DECLINED, GrantStatus.EXPIRED},
    GrantStatus.ACCEPTED: set(),
    GrantStatus.DECLINED: set(),
    GrantStatus.EXPIRED: set(),
}, action="award.status_changed")

# A change of dates or travellers waits for one manager's decision.
AMENDMENT = Lifecycle("amendment", GrantAmendment, {
    AmendmentStatus.PENDING: {AmendmentStatus.APPROVED, AmendmentStatus.REFUSED},
    AmendmentStatus.APPROVED: set(),
    AmendmentStatus.REFUSED: set(),
}, action="award.amendment_decided")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")  # money shown as 0.00, never 0


# ---- travellers and the calculation ---------------------------------------------------------

def travellers_of(application: Application) -> list[dict]:
    """The lead applicant and every accepted team member, with no top-ups until they ask for them."""
    names = [application.applicant.name] + [m.name for m in application.accepted_members]
    return [{"name": name, **_traveller_dict(Traveller())} for name in names]


def _traveller_dict(traveller: Traveller) -> dict:
    data = asdict(traveller)
    data["accessibility_costs"] = str(traveller.accessibility_costs)
    return data


def traveller_from_dict(data: dict) -> Traveller:
    return Traveller(green_travel=bool(data.get("green_travel")), visa=bool(data.get("visa")),
                     children=int(data.get("children") or 0), accessibility_days=int(data.get("accessibility_days") or 0),
                     accessibility_costs=Decimal(str(data.get("accessibility_costs") or "0")))


def _check_dates(call: Call, start: date, end: date) -> int:
    """Days of the stay, refused when outside the call's travel window or length rules."""
    if end < start:
        raise DomainError(_l("The last day cannot come before the first day."), field="end_date")
    days = (end - start).days + 1
    for rule in call.rules:
        if rule.kind is RuleKind.TRAVEL_WINDOW and not rule_params.within_window(rule.params, start, end):
            raise DomainError(_l("The dates must lie within the call's travel window."), field="start_date")
        if rule.kind is RuleKind.DURATION and not rule_params.within_range(rule.params, days):
            high = rule.params.get("max")
            raise DomainError(lazy_ngettext("The stay must last between %(min)s and %(max)s day.",
                                            "The stay must last between %(min)s and %(max)s days.",
                                            int(high) if high else 2, min=rule.params.get("min") or 1,
                                            max=high or "∞"), field="end_date")
    return days


def compute(application: Application, start: date, end: date, travellers: list[dict]) -> Breakdown:
    days = _check_dates(application.call, start, end)
    if not travellers:
        raise DomainError(_l("At least one person travels."), field="travellers")
    for traveller in travellers:
        if int(traveller.get("children") or 0) < 0 or int(traveller.get("accessibility_days") or 0) < 0 \
                or Decimal(str(traveller.get("accessibility_costs") or "0")) < 0:
            raise DomainError(_l("Numbers cannot be negative."), field="travellers")
        if int(traveller.get("accessibility_days") or 0) > days:
            raise DomainError(_l("Accessibility days cannot exceed the days of the stay."), field="travellers")
    origin, host = application.origin_city, application.host_city
    assert origin is not None and host is not None  # offer_grant checked the exchange; a grant has one
    return calculate(application.call, origin, host, days, [traveller_from_dict(t) for t in travellers])


def breakdown_lines(breakdown: Breakdown) -> list[dict]:
    return [{"code": line.code, "quantity": line.quantity, "unit": str(line.unit), "amount": str(line.amount)}
            for line in breakdown.lines]


# ---- budget ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class BudgetLine:
    pair_id: int
    direction: object
    budget: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed


def _locked_budget(call: Call, pair_id: int, direction) -> CallBudget:
    """The budget row, locked until commit: two awards at the same moment are counted one after the other."""
    budget = db.session.execute(select(CallBudget).where(
        CallBudget.call_id == call.id, CallBudget.pair_id == pair_id, CallBudget.direction == direction)
        .with_for_update()).scalar_one_or_none()
    if budget is None:
        raise DomainError(_l("This call has no budget for this pair and direction."))
    return budget


def committed(call_id: int, pair_id: int, direction, excluding: int | None = None) -> Decimal:
    stmt = select(func.coalesce(func.sum(Grant.amount), 0)).where(
        Grant.call_id == call_id, Grant.pair_id == pair_id, Grant.direction == direction,
        Grant.status.in_(COMMITTED))
    if excluding is not None:
        stmt = stmt.where(Grant.id != excluding)
    return Decimal(str(db.session.scalar(stmt)))


def budget_lines(call: Call) -> list[BudgetLine]:
    lines = []
    for budget in call.budgets:
        paid_here = Decimal(str(db.session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).join(Grant, Grant.id == Payment.grant_id).where(
                Grant.call_id == call.id, Grant.pair_id == budget.pair_id, Grant.direction == budget.direction))))
        lines.append(BudgetLine(budget.pair_id, budget.direction, budget.amount,
                                committed(call.id, budget.pair_id, budget.direction), paid_here))
    return lines


# ---- awarding -------------------------------------------------------------------------------

def grant_of(application: Application) -> Grant | None:
    return db.session.scalar(select(Grant).where(Grant.application_id == application.id))


def award_application(actor: User, application: Application, reason: str) -> Grant:
    """The panel's award and the grant offer, in one transaction: no award the budget cannot pay.

    Once per application: awarding again (a second click, a double submit, a second manager) gets the grant
    already offered, also when the other request committed it between our read and our insert (SQLite has
    no row lock: the unique key refuses ours, and theirs is the answer)."""
    review.lock_call_row(application.call)  # the award after another one for the same call waits here
    existing = grant_of(application)
    if existing is not None:
        return existing

    def award() -> Grant:
        review.record_decision(actor, application, Decision.AWARD, reason)
        return offer_grant(actor, application)
    return once(award, lambda: grant_of(application))


def offer_amount(application: Application) -> Decimal | None:
    """What a grant offered to `application` now would be (None: it has no exchange to fund). The grants page
    offers the next one waiting only if this fits what is left of the budget line."""
    start, end = application.start_date, application.end_date
    if application.origin_city is None or application.pair_id is None or application.direction is None \
            or start is None or end is None:
        return None  # the same check as offer_grant's
    return compute(application, start, end, travellers_of(application)).total


def offer_grant(actor: User | None, application: Application) -> Grant:
    """The grant of an awarded application, computed and checked against the budget; offered once."""
    existing = grant_of(application)
    if existing is not None:
        return existing
    call = application.call
    if application.origin_city is None or application.pair_id is None or application.direction is None \
            or application.start_date is None or application.end_date is None:
        raise DomainError(_l("The application has no exchange to fund (city or dates missing)."))
    travellers = travellers_of(application)
    breakdown = compute(application, application.start_date, application.end_date, travellers)
    _locked_budget(call, application.pair_id, application.direction)
    budget = next(b for b in call.budgets if b.pair_id == application.pair_id and b.direction == application.direction)
    if committed(call.id, application.pair_id, application.direction) + breakdown.total > budget.amount:
        raise DomainError(_l("This award would overspend the budget for %(direction)s (%(remaining)s left).",
                             direction=application.direction.title,
                             remaining=format_money(budget.amount - committed(call.id, application.pair_id,
                                                                              application.direction), call.currency)))
    grant = Grant(application_id=application.id, call_id=call.id, pair_id=application.pair_id,
                  status=GrantStatus.OFFERED,
                  direction=application.direction, amount=breakdown.total, currency=call.currency,
                  distance_km=breakdown.distance_km, days=breakdown.days, start_date=application.start_date,
                  end_date=application.end_date, travellers=travellers, breakdown=breakdown_lines(breakdown))
    db.session.add(grant)
    db.session.flush()
    versions.offer_first(grant)
    memo.dashboard_changed(call.programme_id)
    audit.record("award.offered", actor=actor, target=application, amount=str(grant.amount))
    return grant


NOT_WAITING = _l("This grant is no longer waiting for your answer.")


def accept_grant(grantee: User, grant: Grant, *, name: str, version: int | None = None) -> Grant:
    """The grantee signs the agreement, once per version: signing again changes nothing (the first signature
    stands). `version` is the number of the version they read; when the terms changed since, it is refused.
    The first acceptance accepts the grant; a later one accepts an amended version of an accepted grant."""
    if grant.application.applicant_id != grantee.id:
        raise DomainError(_l("Only the grantee can accept the agreement."))
    grant = GRANT.lock(grant)
    signing = versions.check_version(grant, version)
    if grant.status is GrantStatus.ACCEPTED and (signing is None or signing.accepted_at is not None):
        return grant
    if grant.status is not GrantStatus.ACCEPTED:
        GRANT.check(grant.status, GrantStatus.ACCEPTED, NOT_WAITING)
    name = clean_name(name) or ""
    if not name:
        raise DomainError(_l("Type your full name to sign."), field="name")
    if grant.status is not GrantStatus.ACCEPTED:
        grant.accepted_at = utcnow()
        grant.accepted_name, grant.accepted_ip = name[:200], client_ip()
        GRANT.move(grantee, grant, GrantStatus.ACCEPTED, action="award.accepted", target=grant.application,
                   name=grant.accepted_name)
    if signing is not None:
        versions.sign(grantee, signing, name)
    return grant


def decline_grant(grantee: User, grant: Grant) -> Grant:
    """The grantee declines, once; the application leaves the programme, the money returns to the budget and
    the next on the waiting list is offered the grant (and told)."""
    if grant.application.applicant_id != grantee.id:
        raise DomainError(_l("Only the grantee can decline the grant."))
    grant = GRANT.lock(grant)
    if grant.status is GrantStatus.DECLINED:
        return grant
    GRANT.check(grant.status, GrantStatus.DECLINED, NOT_WAITING)
    grant.declined_at = utcnow()
    GRANT.move(grantee, grant, GrantStatus.DECLINED, action="award.declined", target=grant.application)
    versions.decline(grantee, grant)
    applications.set_status(grantee, grant.application, ApplicationStatus.WITHDRAWN, reason="grant declined")
    promote_next(None, grant)  # the programme's move, not the grantee's
    return grant


def expire_offers(now: datetime | None = None) -> list[Grant]:
    """Every offer left unanswered past its date expires: the application leaves the programme, its applicant
    is told, and the next on the waiting list is offered the grant (and told). Run by the scheduled
    `flask awards expire-offers`; running it again finds nothing more (each offer expires once, under its
    row lock)."""
    now = now or utcnow()
    expired = []
    for grant in db.session.scalars(offers_expired_by(now)).all():
        grant = GRANT.lock(grant)
        if grant.status is not GrantStatus.OFFERED or grant.offer_expires_at is None \
                or grant.offer_expires_at > now:
            continue  # answered meanwhile
        GRANT.move(None, grant, GrantStatus.EXPIRED, action="award.offer_expired", target=grant.application)
        applications.set_status(None, grant.application, ApplicationStatus.WITHDRAWN, reason="offer expired")
        applicant = grant.application.applicant
        queue_mail(applicant.email, applicant.locale, _l("Your grant offer for %(reference)s has expired",
                                                         reference=grant.application.reference),
                   "awards/mail/offer_expired.txt", user=applicant, grant=grant, application=grant.application)
        promote_next(None, grant)
        expired.append(grant)
    return expired


def promote_next(actor: User | None, freed: Grant) -> Grant | None:
    """Once the panel is locked, an offer declined or expired goes to the best-ranked application waiting in
    the same pair and direction, which is told at once. If that one does not fit the money now free (or
    cannot be funded), nothing changes and the office decides (its grants page shows who is next)."""
    call = freed.application.call
    if call.panel_locked_at is None:
        return None  # the panel still decides; the letters go out together after the lock
    waiting = next_on_waiting_lists(call).get((freed.pair_id, freed.direction))
    if waiting is None:
        return None
    try:
        with savepoint():
            promoted = promote_from_waiting_list(actor, waiting)
    except DomainError as refusal:
        audit.record("award.promotion_skipped", actor=actor, target=waiting, reason=str(refusal.message))
        return None
    return promoted


def send_offer(grant: Grant) -> None:
    """The decision letter of a grant offered after the letters went out (a promotion): sent now, with the
    date the offer expires."""
    application = grant.application
    decision = db.session.get_one(PanelDecision, application.id)
    grant.offer_expires_at = grant.offer_expires_at or utcnow() + timedelta(days=application.call.offer_days)
    notice = _notice(application)
    _letter(application, decision, grant, notice, promoted=True)
    decision.letter_sent_at = utcnow()


def next_on_waiting_lists(call: Call) -> dict[tuple, Application]:
    """For each (pair, direction), the best-ranked application on the waiting list (one ranking for all)."""
    found: dict[tuple, int] = {}
    for row in ranking.ranking_rows(call):
        if row.status is ApplicationStatus.WAITLISTED:
            found.setdefault((row.pair_id, row.direction), row.application_id)
    return {key: db.session.get_one(Application, application_id) for key, application_id in found.items()}


def promote_from_waiting_list(actor: User | None, application: Application) -> Grant:
    """The offer to the next on the waiting list (the panel lock does not stop this), by a manager or when
    an offer is declined or expires. Once the letters have gone out, the applicant is mailed the offer at
    once. Once: promoting again gets the grant already offered."""
    review.lock_call_row(application.call)
    existing = grant_of(application)
    if existing is not None and application.status is ApplicationStatus.AWARDED:
        return existing
    if application.status is not ApplicationStatus.WAITLISTED:
        raise DomainError(_l("Only an application on the waiting list can be promoted."))
    decision = db.session.get_one(PanelDecision, application.id)  # every waiting-list place has one
    decision.decision, decision.reason = Decision.AWARD, str(_l("Promoted from the waiting list."))
    decision.decided_by_id, decision.decided_at, decision.letter_sent_at = getattr(actor, "id", None), utcnow(), None
    memo.ranking_changed(application.call_id)
    applications.set_status(actor, application, ApplicationStatus.AWARDED, decision="award")
    grant = offer_grant(actor, application)
    if application.call.panel_locked_at is not None:
        send_offer(grant)
    return grant


# ---- amendments -----------------------------------------------------------------------------

def request_amendment(grantee: User, grant: Grant, *, start: date, end: date, travellers: list[dict],
                      reason: str) -> GrantAmendment:
    if grant.application.applicant_id != grantee.id or grant.status is not GrantStatus.ACCEPTED:
        raise DomainError(_l("Only an accepted grant can be amended, by its grantee."))
    grant = locked(grant)  # two requests for a change at once: the second sees the first
    db.session.expire(grant, ["amendments"])
    pending = next((a for a in grant.amendments if a.status is AmendmentStatus.PENDING), None)
    if pending is not None:
        if (pending.start_date, pending.end_date, pending.travellers, pending.reason) == (
                start, end, travellers, reason.strip()):
            return pending  # the same request sent again (a double submit): the one waiting
        raise DomainError(_l("An amendment is already waiting for approval."))
    breakdown = compute(grant.application, start, end, travellers)
    amendment = GrantAmendment(grant=grant, status=AmendmentStatus.PENDING, start_date=start, end_date=end, travellers=travellers,
                               breakdown=breakdown_lines(breakdown), previous_amount=grant.amount, amount=breakdown.total,
                               reason=reason.strip(), requested_by_id=grantee.id)
    db.session.add(amendment)
    db.session.flush()
    audit.record("award.amendment_requested", actor=grantee, target=grant.application, amount=str(breakdown.total))
    return amendment


def decide_amendment(actor: User, amendment: GrantAmendment, approve: bool) -> GrantAmendment:
    """A manager's decision, once: the same decision sent again changes nothing, another one is refused."""
    amendment = AMENDMENT.lock(amendment)
    decision = AmendmentStatus.APPROVED if approve else AmendmentStatus.REFUSED
    if amendment.status is decision:
        return amendment
    AMENDMENT.check(amendment.status, decision, _l("This amendment has already been decided."))
    grant = amendment.grant
    if approve:
        _locked_budget(grant.application.call, grant.pair_id, grant.direction)
        budget = next(b for b in grant.application.call.budgets
                      if b.pair_id == grant.pair_id and b.direction == grant.direction)
        if committed(grant.call_id, grant.pair_id, grant.direction, excluding=grant.id) + amendment.amount \
                > budget.amount:
            raise DomainError(_l("This amendment would overspend the budget."))
        if amendment.amount < paid_total(grant):
            raise DomainError(_l("The new amount is less than what has already been paid."))
        grant.start_date, grant.end_date = amendment.start_date, amendment.end_date
        grant.days = (amendment.end_date - amendment.start_date).days + 1
        grant.travellers, grant.breakdown, grant.amount = amendment.travellers, amendment.breakdown, amendment.amount
        memo.dashboard_changed(grant.application.call.programme_id)
        # The host confirmed other dates: that confirmation no longer counts, the host is asked again.
        applications.host_details_changed(actor, grant.application, start=grant.start_date, end=grant.end_date)
    amendment.decided_by_id, amendment.decided_at = actor.id, utcnow()
    AMENDMENT.move(actor, amendment, decision, target=grant.application, approved=approve)
    if approve:
        versions.amended(actor, grant, amendment)  # changed terms: version n+1, accepted again by the grantee
    return amendment


# ---- instalments and payments ---------------------------------------------------------------

@dataclass(frozen=True)
class Instalment:
    """One instalment as it stands now. Nothing about it is stored but its payments: `instalments()` derives
    it from the grant (amount, status, final report) and the payments, for the page, the API and the exports."""

    number: int
    amount: Decimal   # what this instalment is worth now (the last one: the grant minus the earlier ones)
    paid: Decimal
    due: bool         # its condition is met (agreement accepted / final report approved)

    @property
    def outstanding(self) -> Decimal:
        """What may still be paid on it now (nothing before it is due, nothing once it is paid)."""
        return max(self.amount - self.paid, ZERO) if self.due else ZERO

    @property
    def overpaid(self) -> Decimal:
        return max(self.paid - self.amount, ZERO)

    @property
    def state(self) -> InstalmentState:
        if self.paid > self.amount:
            return InstalmentState.OVERPAID
        if self.paid > 0 and self.paid < self.amount:
            return InstalmentState.PARTLY_PAID
        if not self.due:
            return InstalmentState.NOT_DUE
        return InstalmentState.PAID if self.paid >= self.amount else InstalmentState.DUE


@dataclass(frozen=True)
class GrantMoney:
    """The grant's money in one place: what it is worth, what was paid, what remains, what to recover."""

    amount: Decimal
    paid: Decimal
    instalments: list[Instalment]

    @property
    def remaining(self) -> Decimal:
        """The grant minus what was paid (never below zero: more paid is `overpaid`)."""
        return max(self.amount - self.paid, ZERO)

    @property
    def due_now(self) -> Decimal:
        """What may be paid today: the outstanding of the instalments that are due."""
        return min(sum((i.outstanding for i in self.instalments), ZERO), self.remaining)

    @property
    def overpaid(self) -> Decimal:
        """Paid beyond the grant (the grant was lowered after a payment): to be recovered from the grantee."""
        return max(self.paid - self.amount, ZERO)

    @property
    def recovery_due(self) -> bool:
        return self.overpaid > 0


def paid_total(grant: Grant) -> Decimal:
    return sum((p.amount for p in grant.payments), ZERO)


def instalments(grant: Grant) -> list[Instalment]:
    """The two instalments. The first is the call's share of the grant, or what was paid on it if that is
    more (it was paid before the grant was lowered), never more than the grant; the last is the grant minus
    the first, so the two never add up to more than the grant, whatever happened to it after a payment."""
    paid = [sum((p.amount for p in grant.payments if p.instalment == n), ZERO) for n in (1, 2)]
    share = (grant.amount * grant.application.call.first_instalment_percent / 100).quantize(
        CENT, rounding=ROUND_HALF_UP)
    first = min(max(share, paid[0]), grant.amount)
    amounts = (first, max(grant.amount - first, ZERO))
    accepted = versions.agreement_accepted(grant)  # an amended version not yet accepted: nothing more is due
    due = (accepted, accepted and grant.final_report_approved_at is not None)
    return [Instalment(n + 1, amounts[n], paid[n], due[n]) for n in range(2)]


def money_of(grant: Grant) -> GrantMoney:
    """The one reading of a grant's money (page, office list, API, exports)."""
    return GrantMoney(grant.amount, paid_total(grant), instalments(grant))


@dataclass(frozen=True)
class PaymentRecorded:
    """What recording a payment did: `new` is False when the same transfer had been recorded before (a double
    submit, an API retry), and `payment` is then the one recorded first."""

    payment: Payment
    new: bool


def record_payment(actor: User, grant: Grant, *, instalment: int, amount: Decimal, reference: str,
                   paid_on: date) -> Payment:
    """record_payment_once() for a caller that needs only the payment."""
    return record_payment_once(actor, grant, instalment=instalment, amount=amount, reference=reference,
                               paid_on=paid_on).payment


def record_payment_once(actor: User, grant: Grant, *, instalment: int, amount: Decimal, reference: str,
                        paid_on: date) -> PaymentRecorded:
    """Record a bank transfer on a due instalment, never beyond the grant: the grant's row is locked first,
    so two payments recorded at the same moment are checked one after the other against the same sum.

    A bank reference is recorded once per grant (a unique key on the grant and the normalised reference,
    models.reference_key): the same payment sent again (a double submit, an API retry) gets the payment
    already recorded; the same reference with another amount, instalment or date is refused (a conflict).
    Per grant, not across grants: the references come from different banks on both sides of a pair, in
    their own numbering, and nothing here names the bank, so two transfers on two grants may carry the same
    reference; a repeat is always sent to the same grant."""
    grant = locked(grant)
    db.session.expire(grant, ["payments"])  # the payments as committed, after the lock
    reference = (reference or "").strip()[:100]
    key = reference_key(reference)
    if not key:
        raise DomainError(_l("Give the payment reference from the bank."), field="reference")
    same = payment_by_reference(grant.id, key)
    if same is not None:
        return PaymentRecorded(_the_same(same, grant, instalment=instalment, amount=amount, paid_on=paid_on),
                               new=False)
    plan = {i.number: i for i in instalments(grant)}
    if instalment not in plan:
        raise DomainError(_l("Choose the first or the second instalment."), field="instalment")
    if not plan[instalment].due:
        raise DomainError(_l("This instalment is not due yet."), field="instalment")
    if amount is None or amount <= 0:
        raise DomainError(_l("The amount must be more than zero."), field="amount")
    money = money_of(grant)
    cap = min(plan[instalment].outstanding, money.remaining)
    if amount > cap:
        raise DomainError(_l("This is more than is due (%(due)s): the grant is %(grant)s and %(paid)s has been "
                             "paid.", due=format_money(cap, grant.currency),
                             grant=format_money(grant.amount, grant.currency),
                             paid=format_money(money.paid, grant.currency)), field="amount")
    if paid_on > today_for(actor):
        raise DomainError(_l("A payment cannot be dated in the future."), field="paid_on")
    made: list[Payment] = []

    def make() -> Payment:
        payment = Payment(grant_id=grant.id, instalment=instalment, amount=amount, reference=reference,
                          paid_on=paid_on, recorded_by_id=actor.id)
        db.session.add(payment)
        db.session.flush()
        made.append(payment)
        return payment

    # The key decides even where the lock did not (a session that skipped it): the loser gets the winner's row.
    payment = once(make, lambda: payment_by_reference(grant.id, key))
    if not made or made[0] is not payment:
        return PaymentRecorded(_the_same(payment, grant, instalment=instalment, amount=amount, paid_on=paid_on),
                               new=False)
    db.session.expire(grant, ["payments"])
    memo.dashboard_changed(grant.application.call.programme_id)
    audit.record("award.payment", actor=actor, target=grant.application, amount=str(amount), reference=reference)
    return PaymentRecorded(payment, new=True)


def _the_same(recorded: Payment, grant: Grant, *, instalment: int, amount: Decimal, paid_on: date) -> Payment:
    """The payment already recorded under a reference, when what was sent describes the same transfer."""
    if (recorded.instalment, recorded.amount, recorded.paid_on) == (instalment, amount, paid_on):
        return recorded
    raise DomainConflict(_l("The reference %(reference)s is already recorded for a payment of %(amount)s on "
                            "%(date)s.", reference=recorded.reference,
                            amount=format_money(recorded.amount, grant.currency),
                            date=format_date(recorded.paid_on)), field="reference")


# ---- exchange rates -------------------------------------------------------------------------

def add_exchange_rate(actor: User, *, currency: str, rate: Decimal, valid_from: date) -> ExchangeRate:
    if currency not in CURRENCIES:
        raise DomainError(_l("Choose CNY, JPY or KRW."), field="currency")
    if rate is None or rate <= 0:
        raise DomainError(_l("The rate must be more than zero."), field="rate")
    if valid_from > today_for(actor):
        raise DomainError(_l("A rate cannot start in the future."), field="valid_from")
    def existing() -> ExchangeRate | None:
        return db.session.scalar(select(ExchangeRate).where(ExchangeRate.currency == currency,
                                                            ExchangeRate.valid_from == valid_from))

    def make() -> ExchangeRate:
        made = ExchangeRate(currency=currency, valid_from=valid_from, rate=rate, created_by_id=actor.id)
        db.session.add(made)
        db.session.flush()
        return made

    # One rate per currency and day (a unique key): two saves at once, the later one's rate stands, no error.
    row = existing() or once(make, existing)
    row.rate, row.created_by_id = rate, actor.id
    db.session.flush()
    audit.record("award.exchange_rate", actor=actor, currency=currency, rate=str(rate), valid_from=valid_from)
    return row


LOCAL_CURRENCY = {"CN": "CNY", "JP": "JPY", "KR": "KRW"}


def indicative(amount: Decimal, country: str | None, on: date | None = None) -> tuple[Decimal, str] | None:
    """The amount in the grantee's currency at the latest rate on `on`, or None (EUR countries, no rate)."""
    currency = LOCAL_CURRENCY.get(country or "")
    if currency is None:
        return None
    rate = db.session.scalar(select(ExchangeRate.rate).where(
        ExchangeRate.currency == currency, ExchangeRate.valid_from <= (on or date.today()))
        .order_by(ExchangeRate.valid_from.desc()).limit(1))
    if rate is None:
        return None
    places = Decimal("1") if currency in ("JPY", "KRW") else CENT
    return (amount * rate).quantize(places, rounding=ROUND_HALF_UP), currency


# ---- decision letters -----------------------------------------------------------------------

def send_decision_letters(actor: User, call: Call) -> int:
    """Each applicant gets one letter in their language, after the panel has locked the decisions, with their
    evaluation summary and the date by which they may ask for a review of the decision; an offer expires
    `call.offer_days` after its letter. Applications still shortlisted or undecided at the lock are told they
    are not funded. Once per application (a DecisionNotice each): sending again sends nothing."""
    call = review.lock_call_row(call)  # two managers sending at once: the second finds the letters sent
    if call.panel_locked_at is None:
        raise DomainError(_l("Lock the panel before sending the decision letters."))
    waiting = db.session.scalars(select(Application).where(
        Application.call_id == call.id, Application.status.in_(NOTIFIED),
        ~Application.id.in_(select(DecisionNotice.application_id))).order_by(Application.id)).all()
    rows = {row.application_id: row for row in ranking.ranking_rows(call)} if waiting else {}
    for application in waiting:
        decision = db.session.get(PanelDecision, application.id)
        grant = grant_of(application)
        if grant is not None and grant.status is GrantStatus.OFFERED and grant.offer_expires_at is None:
            grant.offer_expires_at = utcnow() + timedelta(days=call.offer_days)
        notice = _notice(application)
        _letter(application, decision, grant, notice, rows=rows)
        if decision is not None:
            decision.letter_sent_at = notice.sent_at
    db.session.flush()
    audit.record("award.letters_sent", actor=actor, target=call, count=len(waiting))
    return len(waiting)


def _notice(application: Application) -> DecisionNotice:
    """The record of the letter: its outcome, language and the end of the window for a request for review."""
    notice = db.session.get(DecisionNotice, application.id)
    now = utcnow()
    outcome = feedback.outcome_of(application)
    if notice is None:
        notice = DecisionNotice(application_id=application.id, outcome=outcome, sent_at=now,
                                locale=application.applicant.locale,
                                redress_until=now + timedelta(days=application.call.appeal_days))
        db.session.add(notice)
    else:  # a promotion from the waiting list: the new outcome; the window stays the first letter's
        notice.outcome = outcome
    db.session.flush()
    return notice


def send_reconsidered_letter(application: Application, grant: Grant | None, reason: str) -> None:
    """The new decision letter after a request for review the office upheld (awards.redress.reconsider): the
    reconsidered outcome, the office's reason and, for an award, the grant and the date its offer expires (the
    call's offer period from this letter). Final: the letter offers no further review, and the notice keeps
    the first letter's window (a request is made once per application)."""
    decision = db.session.get_one(PanelDecision, application.id)
    if grant is not None and grant.status is GrantStatus.OFFERED:
        grant.offer_expires_at = grant.offer_expires_at or utcnow() + timedelta(days=application.call.offer_days)
    notice = _notice(application)
    _letter(application, decision, grant, notice, reconsidered=True, office_reason=reason)
    decision.letter_sent_at = utcnow()


def _letter(application: Application, decision: PanelDecision | None, grant: Grant | None,
            notice: DecisionNotice, promoted: bool = False, rows: dict | None = None, reconsidered: bool = False,
            office_reason: str = "") -> None:
    applicant = application.applicant
    link = url_for("awards.grant_page", grant_id=grant.id, _external=True) if grant else None
    subject = (_l("The reconsidered decision on your application %(reference)s", reference=application.reference)
               if reconsidered else
               _l("The decision on your application %(reference)s", reference=application.reference))
    queue_mail(applicant.email, applicant.locale, subject, "awards/mail/decision.txt", application=application,
               decision=decision, notice=notice, summary=feedback.summary_of(application, rows), call=application.call,
               user=applicant, link=link, grant=grant, promoted=promoted, reconsidered=reconsidered,
               office_reason=office_reason, line_titles=LINE_TITLES,
               page=url_for("applications.view", application_id=application.id, _external=True),
               redress_link=url_for("awards.redress_page", application_id=application.id, _external=True),
               answer_by=grant.offer_expires_at if grant and grant.offer_expires_at else None)


# ---- budget lines ---------------------------------------------------------------------------

def set_budgets(actor: User, call: Call, amounts) -> None:
    """The office sets the call's budget lines (calls.services.set_budgets), never below what the grants
    offered or accepted on a line already commit: the line's row is locked first, so an award at the same
    moment is counted. Under the call's lock (as an award takes it, before the line's): a line made by two
    saves at once is made once."""
    call = review.lock_call_row(call)
    for (pair_id, direction), amount in amounts.items():
        field = f"budget_{pair_id}_{direction.value}"
        has_line = any(b.pair_id == pair_id and b.direction == direction for b in call.budgets)
        if has_line:
            _locked_budget(call, pair_id, direction)
        taken = committed(call.id, pair_id, direction)
        if taken > 0 and (amount is None or amount < taken):
            raise DomainError(_l("Grants already commit %(committed)s on this line: the budget cannot be less "
                                 "(you entered %(amount)s).", committed=format_money(taken, call.currency),
                                 amount=format_money(amount or Decimal("0"), call.currency)), field=field)
    calls.set_budgets(actor, call, amounts)
