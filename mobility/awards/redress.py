"""Redress: an applicant asks for a review of the decision on their application, within the window their
decision letter gave (the call's appeal days after the letter), once; the office upholds or rejects the
request with a reason, once, and the applicant is told in their language."""
from __future__ import annotations

from flask import url_for

from mobility.accounts.models import User
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.awards.enums import GrantStatus, RedressStatus
from mobility.awards.models import DecisionNotice, Grant, RedressRequest
from mobility.awards.queries import notice_of, request_of
from mobility.calls.policies import can_run_call
from mobility.core import audit
from mobility.core.errors import DomainError
from mobility.core.lifecycle import Lifecycle
from mobility.core.mail import queue_mail
from mobility.core.once import once
from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow
from mobility.extensions import db
from mobility.i18n.formatting import local_datetime
from mobility.review import services as review
from mobility.review.enums import Decision

REASON_LIMIT = 4000

# Filed by the applicant, decided by the office once; an upheld request ends with the reconsidered decision
# (once: that decision is final, and a request is made once per application, so no window opens again).
REDRESS = Lifecycle("redress_request", RedressRequest, {
    RedressStatus.PENDING: {RedressStatus.UPHELD, RedressStatus.REJECTED},
    RedressStatus.UPHELD: {RedressStatus.RECONSIDERED},
    RedressStatus.REJECTED: set(),
    RedressStatus.RECONSIDERED: set(),
}, action="award.redress_decided")


def _text(value: str | None) -> str:
    """Typed text as stored: no NUL (PostgreSQL refuses it in text), no surrounding blanks."""
    return (value or "").replace("\x00", "").strip()


def window_open(notice: DecisionNotice | None, now=None) -> bool:
    return notice is not None and (now or utcnow()) <= notice.redress_until


def request_redress(applicant: User, application: Application, reason: str, now=None) -> RedressRequest:
    """The applicant's request, once per application: sent again (a double submit, a second tab) it is the
    request already made, whatever the second one says. Refused before the letter and after the window."""
    if application.applicant_id != applicant.id:
        raise DomainError(_l("Only the applicant can ask for a review of the decision."))
    existing = request_of(application)
    if existing is not None:
        return existing
    notice = notice_of(application)
    if notice is None:
        raise DomainError(_l("A review can be asked for once the decision letter has been sent."))
    if not window_open(notice, now):
        raise DomainError(_l("The time to ask for a review of this decision ended on %(date)s.",
                             date=local_datetime(notice.redress_until, "deadline")), field="reason")
    reason = _text(reason)
    if not reason:
        raise DomainError(_l("Say why the decision should be reviewed."), field="reason")
    if len(reason) > REASON_LIMIT:
        raise DomainError(_l("Use at most %(n)s characters.", n=REASON_LIMIT), field="reason")

    made: list[RedressRequest] = []

    def make() -> RedressRequest:
        request = RedressRequest(application_id=application.id, status=RedressStatus.PENDING, reason=reason,
                                 requested_by_id=applicant.id, requested_at=now or utcnow())
        db.session.add(request)
        db.session.flush()
        made.append(request)
        return request
    request = once(make, lambda: request_of(application))
    if made and request is made[0]:  # ours, not the one another request made at the same moment
        audit.record("award.redress_requested", actor=applicant, target=application)
        queue_mail(applicant.email, applicant.locale, _l("Your request for review of %(reference)s is received",
                                                         reference=application.reference),
                   "awards/mail/redress_received.txt", user=applicant, application=application, request=request,
                   link=url_for("awards.redress_page", application_id=application.id, _external=True))
    return request


def decide_redress(actor: User, request: RedressRequest, *, upheld: bool, reason: str) -> RedressRequest:
    """The office's decision, once: the same decision sent again changes nothing, another one is refused."""
    request = REDRESS.lock(request)
    outcome = RedressStatus.UPHELD if upheld else RedressStatus.REJECTED
    if request.status is outcome:
        return request
    REDRESS.check(request.status, outcome, _l("This request has already been decided."))
    reason = _text(reason)
    if not reason:
        raise DomainError(_l("Give the reason for the decision."), field="reason")
    if len(reason) > REASON_LIMIT:
        raise DomainError(_l("Use at most %(n)s characters.", n=REASON_LIMIT), field="reason")
    request.decided_by_id, request.decided_at, request.decision_reason = actor.id, utcnow(), reason
    application = request.application
    REDRESS.move(actor, request, outcome, target=application)
    applicant = application.applicant
    queue_mail(applicant.email, applicant.locale, _l("The answer to your request for review of %(reference)s",
                                                     reference=application.reference),
               "awards/mail/redress_decided.txt", user=applicant, application=application, request=request,
               link=url_for("awards.redress_page", application_id=application.id, _external=True))
    return request


NOT_UPHELD = _l("The decision can be reconsidered only after the office has upheld the request for review.")


def reconsider(actor: User, request: RedressRequest, decision: Decision, reason: str) -> RedressRequest:
    """The office's new decision on the application of an upheld request, despite the panel lock (for this
    application only): an award (the grant offered within the budget line, as offer_grant checks it, with the
    call's offer period from the new letter), the waiting list, or the rejection confirmed. Once: sent again,
    whatever it says, it is the reconsidered decision already recorded. The applicant gets a new decision
    letter in their language, saying it follows their request and is final."""
    request = REDRESS.lock(request)
    if request.status is RedressStatus.RECONSIDERED:
        return request
    application = request.application
    call = application.call
    if not can_run_call(actor, call):
        raise DomainError(_l("Only a manager of this programme can reconsider the decision."))
    REDRESS.check(request.status, RedressStatus.RECONSIDERED, NOT_UPHELD)
    reason = _text(reason)
    if not reason:
        raise DomainError(_l("Give the reason for the decision."), field="reason")
    if len(reason) > REASON_LIMIT:
        raise DomainError(_l("Use at most %(n)s characters.", n=REASON_LIMIT), field="reason")
    review.lock_call_row(call)  # as an award takes it: awards and promotions of the call wait here
    review.reconsideration_target(application, decision)  # refused before anything changes
    grant: Grant | None = awards.grant_of(application)
    if decision is Decision.AWARD and grant is None:
        try:  # the budget line's lock and check: no award the budget cannot pay
            grant = awards.offer_grant(actor, application)
        except DomainError as refused:
            raise DomainError(refused.message, field="decision") from None
    review.reconsider_decision(actor, application, decision, reason)
    request.reconsidered_decision, request.reconsideration_reason = decision, reason
    request.reconsidered_by_id, request.reconsidered_at = actor.id, utcnow()
    REDRESS.move(actor, request, RedressStatus.RECONSIDERED, action="award.redress_reconsidered",
                 target=application, decision=decision.value)
    letter_grant = grant if decision is Decision.AWARD and grant is not None \
        and grant.status in (GrantStatus.OFFERED, GrantStatus.ACCEPTED) else None
    awards.send_reconsidered_letter(application, letter_grant, reason)
    return request
