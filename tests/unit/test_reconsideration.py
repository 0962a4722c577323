"""An upheld request for review leads to a reconsidered decision: the office records a new decision on that one
application despite the panel lock (an award within the budget line, the waiting list, or the rejection
confirmed), once; the applicant gets a new, final decision letter in their language."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mobility.applications.enums import ApplicationStatus
from mobility.awards import redress
from mobility.awards import services as awards
from mobility.awards.enums import GrantStatus, NoticeOutcome, RedressStatus
from mobility.awards.models import DecisionNotice, Grant
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow
from mobility.review import services as review
from mobility.review.enums import Decision
from mobility.review.models import PanelDecision
from tests.factories import make_awardable, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _audits(db, action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _reconsidered_letters(db, application) -> list[OutboxMessage]:
    with force_locale(application.applicant.locale):
        subject = str(_l("The reconsidered decision on your application %(reference)s",
                         reference=application.reference))
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == application.applicant.email, OutboxMessage.subject == subject)))


def _rejected_and_asked(db, budget="10000", applications=1):
    """A Korean applicant rejected, the panel locked, the letters sent and a request for review filed."""
    manager, call, made = make_awardable(budget=budget, applications=applications)
    application = made[0]
    application.applicant.locale = "ko"
    for other in made:
        review.record_decision(manager, other, Decision.REJECT, "Outside the call's focus")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    request = redress.request_redress(application.applicant, application, "The jury did not read my second file.")
    db.session.commit()
    return manager, call, application, request


@pytest.fixture
def upheld(db):
    manager, call, application, request = _rejected_and_asked(db)
    redress.decide_redress(manager, request, upheld=True, reason="The second file was not read.")
    db.session.commit()
    return manager, call, application, request


def test_an_award_is_offered_within_the_budget_and_the_applicant_gets_a_final_letter_in_korean(db, upheld):
    manager, call, application, request = upheld
    redress.reconsider(manager, request, Decision.AWARD, "With the second file the project reaches the threshold.")
    assert request.status is RedressStatus.RECONSIDERED and request.reconsidered_decision is Decision.AWARD
    assert request.reconsidered_by_id == manager.id and request.reconsidered_at is not None
    assert application.status is ApplicationStatus.AWARDED
    decision = db.session.get(PanelDecision, application.id)
    assert decision.decision is Decision.AWARD and decision.letter_sent_at is not None
    grant = db.session.scalar(select(Grant).where(Grant.application_id == application.id))
    assert grant.status is GrantStatus.OFFERED
    # The offer period counts from the new letter.
    assert abs(grant.offer_expires_at - (utcnow() + timedelta(days=call.offer_days))) < timedelta(minutes=1)
    notice = db.session.get(DecisionNotice, application.id)
    assert notice.outcome is NoticeOutcome.AWARD
    assert notice.redress_until - notice.sent_at == timedelta(days=call.appeal_days)  # the window does not reopen
    (letter,) = _reconsidered_letters(db, application)
    assert letter.locale == "ko"
    assert "결정 재심 신청에 따라" in letter.body and "이 재결정은 최종 결정이며" in letter.body
    assert "With the second file the project reaches the threshold." in letter.body
    assert f"/grants/{grant.id}" in letter.body and "reconsidered" not in letter.body
    assert _audits(db, "award.redress_reconsidered") == 1 and _audits(db, "review.decision_reconsidered") == 1
    assert _audits(db, "award.offered") == 1
    assert call.panel_locked_at is not None  # the panel stays locked for everything else
    with pytest.raises(DomainError):
        review.record_decision(manager, application, Decision.REJECT, "Changed again")


def test_an_award_the_budget_line_cannot_pay_is_refused_on_the_decision_field_in_korean(db):
    manager, _call, application, request = _rejected_and_asked(db, budget="100")
    redress.decide_redress(manager, request, upheld=True, reason="The second file was not read.")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        redress.reconsider(manager, request, Decision.AWARD, "It deserves a grant.")
    assert refused.value.field == "decision"
    with force_locale("en"):
        english = str(refused.value.message)
    with force_locale("ko"):
        korean = str(refused.value.message)
    assert "overspend" in english and korean != english and "overspend" not in korean
    db.session.rollback()
    assert request.status is RedressStatus.UPHELD and application.status is ApplicationStatus.REJECTED
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
    assert _reconsidered_letters(db, application) == []


def test_the_waiting_list_and_then_a_promotion(db, upheld):
    manager, _call, application, request = upheld
    redress.reconsider(manager, request, Decision.WAITLIST, "Strong enough for the waiting list.")
    assert application.status is ApplicationStatus.WAITLISTED
    assert db.session.get(DecisionNotice, application.id).outcome is NoticeOutcome.WAITLIST
    (letter,) = _reconsidered_letters(db, application)
    assert "예비 명단" in letter.body and "이 재결정은 최종 결정이며" in letter.body
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
    grant = awards.promote_from_waiting_list(manager, application)  # the waiting list works as for any other
    assert grant.status is GrantStatus.OFFERED and application.status is ApplicationStatus.AWARDED


def test_confirming_the_rejection_keeps_it_and_says_so(db, upheld):
    manager, _call, application, request = upheld
    moves = _audits(db, "application.status_changed")
    redress.reconsider(manager, request, Decision.REJECT, "The second file does not change the scores.")
    assert _audits(db, "application.status_changed") == moves
    assert request.status is RedressStatus.RECONSIDERED and application.status is ApplicationStatus.REJECTED
    decision = db.session.get(PanelDecision, application.id)
    assert decision.decision is Decision.REJECT and decision.reason == "Outside the call's focus"
    assert db.session.get(DecisionNotice, application.id).outcome is NoticeOutcome.REJECT
    (letter,) = _reconsidered_letters(db, application)
    assert "The second file does not change the scores." in letter.body and "이 재결정은 최종 결정이며" in letter.body


def test_reconsidering_twice_gets_the_first_result(db, upheld):
    manager, _call, application, request = upheld
    redress.reconsider(manager, request, Decision.AWARD, "It reaches the threshold.")
    again = redress.reconsider(manager, request, Decision.REJECT, "A second click, another choice")
    assert again is request and request.reconsidered_decision is Decision.AWARD
    assert request.reconsideration_reason == "It reaches the threshold."
    assert application.status is ApplicationStatus.AWARDED
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1
    assert len(_reconsidered_letters(db, application)) == 1
    assert _audits(db, "award.redress_reconsidered") == 1
    # A reconsidered decision is final: no second request for review.
    assert redress.request_redress(application.applicant, application, "Once more") is request


def test_only_an_upheld_request_is_reconsidered(db):
    manager, _call, application, request = _rejected_and_asked(db)
    with pytest.raises(DomainError) as pending:
        redress.reconsider(manager, request, Decision.AWARD, "Too early")
    with force_locale("ko"):
        assert "upheld" not in str(pending.value.message)
    redress.decide_redress(manager, request, upheld=False, reason="The procedure was followed.")
    with pytest.raises(DomainError) as rejected:
        redress.reconsider(manager, request, Decision.AWARD, "After all")
    assert str(rejected.value.message) == str(pending.value.message)
    assert request.status is RedressStatus.REJECTED and application.status is ApplicationStatus.REJECTED
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0


def test_a_manager_of_another_programme_cannot_reconsider(db, upheld):
    _manager, _call, application, request = upheld
    outsider = make_user("manager", programme="Another programme")
    with pytest.raises(DomainError) as refused:
        redress.reconsider(outsider, request, Decision.AWARD, "Mine now")
    with force_locale("ko"):
        assert "programme" not in str(refused.value.message)
    assert request.status is RedressStatus.UPHELD and application.status is ApplicationStatus.REJECTED


def test_a_reason_is_required_and_only_the_three_outcomes(db, upheld):
    manager, _call, _application, request = upheld
    with pytest.raises(DomainError) as empty:
        redress.reconsider(manager, request, Decision.AWARD, "  \x00 ")
    assert empty.value.field == "reason"
    with pytest.raises(DomainError) as shortlist:
        redress.reconsider(manager, request, Decision.SHORTLIST, "Back to the shortlist")
    assert shortlist.value.field == "decision"
    assert request.status is RedressStatus.UPHELD


def test_a_withdrawn_application_cannot_be_awarded_again(db, upheld):
    """The application's lifecycle decides what a reconsidered decision can do: a withdrawn one stays withdrawn."""
    manager, _call, application, request = upheld
    application.status = ApplicationStatus.WITHDRAWN
    with pytest.raises(DomainError) as refused:
        redress.reconsider(manager, request, Decision.AWARD, "Award")
    assert refused.value.field == "decision"
    with force_locale("ko"):
        assert "cannot" not in str(refused.value.message)
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0


def test_an_application_left_undecided_at_the_lock_can_be_awarded_on_reconsideration(db):
    manager, call, (application,) = make_awardable()
    application.applicant.locale = "ja"
    review.record_decision(manager, application, Decision.SHORTLIST, "Close to the line")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    assert db.session.get(DecisionNotice, application.id).outcome is NoticeOutcome.NOT_FUNDED
    request = redress.request_redress(application.applicant, application, "My partner confirmed in time.")
    redress.decide_redress(manager, request, upheld=True, reason="The confirmation was on file.")
    redress.reconsider(manager, request, Decision.AWARD, "With the confirmation it is funded.")
    assert application.status is ApplicationStatus.AWARDED
    assert db.session.get(DecisionNotice, application.id).outcome is NoticeOutcome.AWARD
    (letter,) = _reconsidered_letters(db, application)
    assert letter.locale == "ja" and "この再決定は最終的なもので" in letter.body
