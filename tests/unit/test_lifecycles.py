"""Every lifecycle's table, walked: each allowed transition works, every other one is refused in the user's
language; and the one-time verbs answer a repeated request with the result of the first."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mobility.applications import services as applications
from mobility.applications.enums import MemberStatus
from mobility.awards import redress  # noqa: F401  (declares the redress request lifecycle)
from mobility.awards import services as awards
from mobility.awards.enums import AmendmentStatus, GrantStatus
from mobility.awards.models import Grant, GrantAmendment
from mobility.calls import services as calls  # noqa: F401  (declares the call lifecycle)
from mobility.calls.enums import CallKind
from mobility.core.errors import DomainError
from mobility.core.lifecycle import REGISTRY
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.reports import services as reports
from mobility.review import services as review
from mobility.review.enums import ReviewStatus
from mobility.review.models import Assignment
from tests.factories import make_application, make_awardable, make_call, make_user

EXPECTED = {"application", "team_membership", "host_confirmation", "call", "assignment", "review", "consensus",
            "grant", "amendment", "agreement_version", "final_report", "redress_request",
            "interim_report"}


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _audits(action: str) -> int:
    from mobility.extensions import db

    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_every_status_has_a_registered_lifecycle():
    assert set(REGISTRY) == EXPECTED
    for lifecycle in REGISTRY.values():
        assert set(lifecycle.transitions) == set(lifecycle.states)  # a row for every state, even a final one


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_allowed_transition_moves_and_is_audited(db, name):
    lifecycle = REGISTRY[name]
    for old, new in lifecycle.pairs():
        obj = lifecycle.model()
        setattr(obj, lifecycle.attribute, old)
        before = _audits(lifecycle.action)
        assert lifecycle.move(None, obj, new, note="test") is old
        assert lifecycle.state_of(obj) is new
        assert _audits(lifecycle.action) == before + 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_other_pair_is_refused_with_a_translated_message(db, name):
    lifecycle = REGISTRY[name]
    refused = [(old, new) for old in lifecycle.states for new in lifecycle.states if not lifecycle.allows(old, new)]
    assert refused  # at least the final states refuse everything
    for old, new in refused:
        obj = lifecycle.model()
        setattr(obj, lifecycle.attribute, old)
        with pytest.raises(DomainError) as error:
            lifecycle.move(None, obj, new)
        assert lifecycle.state_of(obj) is old
        with force_locale("en"):
            english = str(error.value.message)
        with force_locale("ja"):
            japanese = str(error.value.message)
        assert old.title in english or old.value in english
        assert japanese != english and "cannot" not in japanese, (name, old, new, japanese)


# ---- one-time verbs, twice ------------------------------------------------------------------

def test_awarding_twice_offers_one_grant(db):
    manager, _call, (application,) = make_awardable()
    first = awards.award_application(manager, application, "Excellent")
    again = awards.award_application(manager, application, "Excellent")
    assert again is first
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1
    assert _audits("award.offered") == 1 and _audits("review.decision") == 1


def test_accepting_twice_is_one_signature_and_a_declined_grant_cannot_be_accepted(db):
    manager, _call, (first, second) = make_awardable(applications=2)
    grant = awards.award_application(manager, first, "Excellent")
    grantee = first.applicant
    awards.accept_grant(grantee, grant, name="Suzuki Hanako")
    signed_at = grant.accepted_at
    assert awards.accept_grant(grantee, grant, name="Someone Else") is grant
    assert grant.accepted_name == "Suzuki Hanako" and grant.accepted_at == signed_at
    assert _audits("award.accepted") == 1
    with pytest.raises(DomainError) as error:
        awards.decline_grant(grantee, grant)
    assert "no longer waiting" in str(error.value.message)

    other = awards.award_application(manager, second, "Excellent")
    awards.decline_grant(second.applicant, other)
    awards.decline_grant(second.applicant, other)
    assert other.status is GrantStatus.DECLINED and _audits("award.declined") == 1
    with pytest.raises(DomainError):
        awards.accept_grant(second.applicant, other, name="Too late")


def test_deciding_an_amendment_twice_decides_once(db):
    manager, _call, (application,) = make_awardable(budget="5000")
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="X")
    amendment = awards.request_amendment(application.applicant, grant, start=grant.start_date,
                                         end=grant.start_date + timedelta(days=39), travellers=grant.travellers,
                                         reason="Longer stay")
    awards.decide_amendment(manager, amendment, approve=True)
    awards.decide_amendment(manager, amendment, approve=True)
    assert amendment.status is AmendmentStatus.APPROVED and _audits("award.amendment_decided") == 1
    with pytest.raises(DomainError):
        awards.decide_amendment(manager, amendment, approve=False)


def _accepted_assignment(db, manager, call):
    assignment = db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)).first()
    review.declare_no_conflict(assignment.juror, assignment)
    review.declare_no_conflict(assignment.juror, assignment)
    assert _audits("review.no_conflict") == 1
    return assignment


def test_submitting_a_review_twice_submits_once(db):
    manager, call, _apps = make_awardable()
    review.move_to_phase(manager, call, review.DEFAULT_PHASES[0][0], confirmed=True)
    assignment = _accepted_assignment(db, manager, call)
    scores = {c.id: "4" for c in call.criteria}
    first = review.save_review(assignment.juror, assignment, scores=scores, comments={}, overall_comment="Good",
                               comment_language="en", submit=True)
    again = review.save_review(assignment.juror, assignment, scores={c.id: "1" for c in call.criteria}, comments={},
                               overall_comment="Changed", comment_language="en", submit=True)
    assert again is first and first.status is ReviewStatus.SUBMITTED and first.overall_comment == "Good"
    assert _audits("review.submitted") == 1
    with pytest.raises(DomainError):  # a draft save after submission is still refused
        review.save_review(assignment.juror, assignment, scores=scores, comments={}, overall_comment="",
                           comment_language="en", submit=False)


def test_approving_a_consensus_twice_approves_once(db):
    manager, call, (application,) = make_awardable()
    moderator = make_user("manager")
    scores = {c.id: "4" for c in call.criteria}
    review.save_consensus(manager, application, scores=scores, comments={}, summary="Agreed", approve=False)
    report = review.save_consensus(moderator, application, scores=scores, comments={}, summary="Agreed",
                                   approve=True)
    approved_at = report.approved_at
    again = review.save_consensus(moderator, application, scores=scores, comments={}, summary="Other",
                                  approve=True)
    assert again is report and report.approved_at == approved_at and report.summary == "Agreed"
    assert _audits("review.consensus_approved") == 1
    with pytest.raises(DomainError):
        review.save_consensus(manager, application, scores=scores, comments={}, summary="Edit", approve=False)


def test_approving_a_report_twice_recalculates_once(db):
    manager, _call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Grantee")
    grant.created_at -= timedelta(days=60)
    report = reports.report_for(grant)
    today = date.today()
    reports.save_report(application.applicant, report, reports.ReportData(
        actual_start=today - timedelta(days=19), actual_end=today, activities="Workshops.", audience=10,
        travel_mode="train", public_summary="Two cities.", language="en"))
    reports.submit_report(application.applicant, report)
    reports.confirm_stay(report, "Lee Ji-eun")  # the host confirms the stay
    reports.approve_report(manager, report)
    amount = grant.amount
    reports.approve_report(manager, report)
    assert grant.amount == amount and _audits("report.approved") == 1
    assert db.session.scalar(select(func.count()).select_from(GrantAmendment)) == 1
    with pytest.raises(DomainError):
        reports.request_changes(manager, report, "Too late")


def test_accepting_a_team_invitation_twice_answers_once(db):
    manager = make_user("manager")
    call = make_call(actor=manager, kind=CallKind.CO_CREATION, publish=True)
    application = make_application(call=call)
    member = applications.invite_member(application.applicant, application, name="Jana Müller",
                                        email="jana@example.de", city_id=call.pairs[0].europe_city_id)
    jana = make_user(email="jana@example.de")
    applications.respond_to_invitation(jana, member, True)
    answered_at = member.responded_at
    applications.respond_to_invitation(jana, member, True)
    assert member.status is MemberStatus.ACCEPTED and member.responded_at == answered_at
    assert _audits("application.member_responded") == 1
    with pytest.raises(DomainError) as error:
        applications.respond_to_invitation(jana, member, False)
    assert "already been answered" in str(error.value.message)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) >= 1
