"""select() builders and small reads for grants, their payments and amendments, and exchange rates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.awards.enums import AmendmentStatus, GrantStatus
from mobility.awards.models import (
    AgreementVersion,
    DecisionNotice,
    ExchangeRate,
    Grant,
    GrantAmendment,
    Payment,
    RedressRequest,
)
from mobility.extensions import db


def grants_of_call(call_id: int) -> list[Grant]:
    """A call's grants in the order they were offered, with their applications, payments and agreement
    versions (the office's list shows what remains, what was overpaid and which version waits)."""
    return list(db.session.scalars(select(Grant).where(Grant.call_id == call_id)
                                   .options(selectinload(Grant.application), selectinload(Grant.payments),
                                            selectinload(Grant.versions))
                                   .order_by(Grant.id)))


def versions_of(grant_id: int) -> list[AgreementVersion]:
    """A grant's agreement versions, the first first (without their PDF bytes)."""
    return list(db.session.scalars(select(AgreementVersion).where(AgreementVersion.grant_id == grant_id)
                                   .order_by(AgreementVersion.number)))


def latest_version(grant_id: int) -> AgreementVersion | None:
    """The version now in force or waiting for acceptance: the highest number."""
    return db.session.scalar(select(AgreementVersion).where(AgreementVersion.grant_id == grant_id)
                             .order_by(AgreementVersion.number.desc()).limit(1))


def versions_of_grants(grant_ids) -> list[AgreementVersion]:
    return list(db.session.scalars(select(AgreementVersion).where(AgreementVersion.grant_id.in_(grant_ids))))


def version_of(grant_id: int, number: int) -> AgreementVersion | None:
    return db.session.scalar(select(AgreementVersion).where(AgreementVersion.grant_id == grant_id,
                                                            AgreementVersion.number == number))


def grants_with_payments(call_id: int) -> Select:
    """grants_of_call() as a statement, with each grant's payments too (the API's list)."""
    return (select(Grant).where(Grant.call_id == call_id)
            .options(selectinload(Grant.application), selectinload(Grant.payments), selectinload(Grant.versions))
            .order_by(Grant.id))


def offers_expired_by(now: datetime) -> Select:
    """Offers still unanswered whose answer date has passed (the oldest first)."""
    return (select(Grant).where(Grant.status == GrantStatus.OFFERED, Grant.offer_expires_at.is_not(None),
                                Grant.offer_expires_at <= now).order_by(Grant.offer_expires_at, Grant.id))


def pending_amendments(call_id: int) -> list[GrantAmendment]:
    """The amendments of a call's grants that wait for the office's decision."""
    return list(db.session.scalars(select(GrantAmendment).join(Grant).where(
        Grant.call_id == call_id, GrantAmendment.status == AmendmentStatus.PENDING)))


def payments_of(grant_id: int) -> Select:
    """A grant's payments in the order they were recorded."""
    return select(Payment).where(Payment.grant_id == grant_id).order_by(Payment.id)


def payment_by_reference(grant_id: int, key: str) -> Payment | None:
    """The payment recorded on a grant under a normalised bank reference (models.reference_key), if any."""
    return db.session.scalar(select(Payment).where(Payment.grant_id == grant_id, Payment.reference_key == key))


def exchange_rates_newest_first() -> list[ExchangeRate]:
    """Every exchange rate, the latest valid_from first, then by currency."""
    return list(db.session.scalars(select(ExchangeRate).order_by(ExchangeRate.valid_from.desc(),
                                                                 ExchangeRate.currency)))


# ---- decision letters and requests for review -------------------------------------------------------

# Every application that reached the jury hears back when the panel has decided: decided or not at the lock.
NOTIFIED = (ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW, ApplicationStatus.SHORTLISTED,
            ApplicationStatus.AWARDED, ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED)


def letters_waiting(call_id: int) -> int:
    """How many of a call's applicants have not yet been sent their decision letter."""
    return db.session.scalar(select(func.count()).select_from(Application).where(
        Application.call_id == call_id, Application.status.in_(NOTIFIED),
        ~Application.id.in_(select(DecisionNotice.application_id)))) or 0


def notice_of(application: Application) -> DecisionNotice | None:
    return db.session.get(DecisionNotice, application.id)


def request_of(application: Application) -> RedressRequest | None:
    return db.session.scalar(select(RedressRequest).where(RedressRequest.application_id == application.id))


def redress_requests_of_call(call_id: int) -> list[RedressRequest]:
    """A call's requests for review, the first asked first, with their applications."""
    return list(db.session.scalars(select(RedressRequest).join(Application).where(Application.call_id == call_id)
                                   .options(selectinload(RedressRequest.application))
                                   .order_by(RedressRequest.requested_at, RedressRequest.id)))


def notice_window_of_call(call_id: int) -> tuple[int, datetime | None, datetime | None]:
    """How many letters went out, the first sent and the last day of the latest window."""
    count, first, last = db.session.execute(
        select(func.count(), func.min(DecisionNotice.sent_at), func.max(DecisionNotice.redress_until))
        .join(Application, Application.id == DecisionNotice.application_id)
        .where(Application.call_id == call_id)).one()
    return int(count or 0), first, last
