"""Every applicant hears back: the evaluation summary in their language, the decision letter (once, for
every application that reached the jury), and the request for review within the letter's window."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from mobility.awards import feedback, policies, redress
from mobility.awards import services as awards
from mobility.awards.enums import NoticeOutcome, RedressStatus
from mobility.awards.models import DecisionNotice, RedressRequest
from mobility.calls import services as calls
from mobility.calls.enums import SharedComments
from mobility.core import memo
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow
from mobility.privacy import services as privacy
from mobility.review import services as review
from mobility.review.enums import AssignmentStatus, Decision, ReviewStatus
from mobility.review.models import Assignment, Review
from tests.factories import make_awardable, make_juror, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _audits(db, action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def _mails(db, email: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)
                                   .order_by(OutboxMessage.id)))


def _letter(db, application) -> OutboxMessage:
    """The one decision letter, found by its subject in the applicant's language."""
    with force_locale(application.applicant.locale):
        subject = str(_l("The decision on your application %(reference)s", reference=application.reference))
    letters = [m for m in _mails(db, application.applicant.email) if m.subject == subject]
    assert len(letters) == 1, [m.subject for m in letters]
    return letters[0]


def _approved_consensus(db, manager, call, application, scores, **translation):
    moderator = make_user("manager")
    comments = {c.id: f"Comment on {c.id}." for c in call.criteria}
    review.save_consensus(manager, application, scores=scores, comments=comments, summary="A clear plan.",
                          approve=False, **translation)
    return review.save_consensus(moderator, application, scores=scores, comments=comments, summary="A clear plan.",
                                 approve=True, **translation)


def _submitted_review(db, application, scores: dict, *, comments=None, overall="", language="en"):
    assignment = db.session.scalars(select(Assignment).where(Assignment.application_id == application.id)
                                    .outerjoin(Review).where(Review.id.is_(None))).first()
    assignment.status = AssignmentStatus.ACCEPTED  # declared free of conflict (a review needs it)
    row = Review(assignment_id=assignment.id, status=ReviewStatus.SUBMITTED, submitted_at=utcnow(),
                 scores={str(k): v for k, v in scores.items()},
                 comments={str(k): v for k, v in (comments or {}).items()}, overall_comment=overall,
                 comment_language=language)
    db.session.add(row)
    db.session.flush()
    return row, assignment.juror


# ---- the summary and the letter ----------------------------------------------------------------------

def test_a_korean_grantee_reads_scores_thresholds_comments_in_korean_and_the_grant_lines(db):
    manager, call, (application,) = make_awardable()
    application.applicant.locale, application.applicant.timezone = "ko", "Asia/Seoul"
    first, *rest = call.criteria
    first.threshold = Decimal("3")
    call.overall_threshold = Decimal("5")
    memo.ranking_changed(call.id)
    scores = {c.id: "4" for c in call.criteria}
    _approved_consensus(db, manager, call, application, scores,
                        comments_translation={c.id: f"{c.id}번 기준: 구성이 분명합니다." for c in call.criteria},
                        summary_translation="계획이 분명합니다.")
    grant = awards.award_application(manager, application, "Excellent")
    review.lock_panel(manager, call)
    assert awards.send_decision_letters(manager, call) == 1

    notice = db.session.get(DecisionNotice, application.id)
    assert notice.outcome is NoticeOutcome.AWARD and notice.locale == "ko"
    assert notice.redress_until - notice.sent_at == timedelta(days=call.appeal_days)
    summary = feedback.summary_of(application)
    assert summary.source == "consensus" and summary.translation_locale == "ko"
    assert [line.score for line in summary.criteria] == [Decimal("4")] * len(call.criteria)
    assert summary.criteria[0].threshold == Decimal("3") and not summary.criteria[0].below_threshold
    weights = sum((c.weight for c in call.criteria), Decimal("0"))
    assert summary.overall == (4 * weights).quantize(Decimal("0.01"))
    assert summary.overall_threshold == Decimal("5") and summary.passes is True
    assert [t.language for t in summary.criteria[0].comments] == ["en", "ko"]  # the original, then Korean
    assert [t.text for t in summary.summary] == ["A clear plan.", "계획이 분명합니다."]

    letter = _letter(db, application)
    assert letter.locale == "ko"
    body = letter.body
    assert "계획이 분명합니다." in body and f"{first.id}번 기준: 구성이 분명합니다." in body
    assert "[한국어]" in body  # each text says its language, in Korean
    with force_locale("ko"):
        assert str(NoticeOutcome.AWARD.title) in body
    assert "€3,350.00" in body or "3,350.00" in body  # the amount …
    assert len(grant.breakdown) >= 2
    for line in grant.breakdown:  # … and every line of it, its title in Korean
        with force_locale("ko"):
            assert str(awards.LINE_TITLES[line["code"]]) in body
    assert f"/applications/{application.id}/redress" in body
    # The answer-by and the redress dates are in the applicant's zone.
    assert "(Asia/Seoul)" in body
    assert "Juror" not in body and manager.name not in body


def test_without_a_consensus_the_jurors_scores_are_shown_without_names_and_comments_as_the_call_shares(db):
    manager, call, (application,) = make_awardable(k=2)
    ids = [c.id for c in call.criteria]
    first, second = ids[0], ids[-1]
    _row1, juror1 = _submitted_review(db, application, {i: "4" for i in ids},
                                      comments={first: "Clear structure."}, overall="Convincing overall.")
    _row2, juror2 = _submitted_review(db, application, {i: "3" for i in ids},
                                      comments={second: "구성이 좋습니다."}, overall="좋습니다.", language="ko")
    review.record_decision(manager, application, Decision.REJECT, "Below the line")

    memo.ranking_changed(call.id)
    summary = feedback.summary_of(application)
    assert summary.source == "reviews" and [j.number for j in summary.jurors] == [1, 2]
    weights = sum((c.weight for c in call.criteria), Decimal("0"))
    assert summary.overall == (Decimal("3.5") * weights).quantize(Decimal("0.01"))  # the jurors' mean total
    assert summary.ranking_score is not None and summary.passes is not None
    assert [line.score for line in summary.criteria] == [Decimal("3.50")] * len(ids)
    assert all(j.comments == [] for j in summary.jurors)  # the call shares no comment by default

    call.shared_comments = SharedComments.OVERALL
    summary = feedback.summary_of(application)
    assert [[t.text for _label, t in j.comments] for j in summary.jurors] == [["Convincing overall."], ["좋습니다."]]
    assert summary.jurors[1].comments[0][1].locale == "ko"

    call.shared_comments = SharedComments.ALL
    summary = feedback.summary_of(application)
    assert [[t.text for _label, t in j.comments] for j in summary.jurors] == [
        ["Clear structure.", "Convincing overall."], ["구성이 좋습니다.", "좋습니다."]]
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    body = _letter(db, application).body
    assert "Clear structure." in body and "Juror 2" in body
    assert juror1.name not in body and juror2.name not in body and juror1.email not in body


def test_shortlisted_and_undecided_applications_are_told_they_are_not_funded(db):
    manager, call, (shortlisted, undecided, awarded) = make_awardable(applications=3, budget="50000")
    review.record_decision(manager, shortlisted, Decision.SHORTLIST, "Second round")
    awards.award_application(manager, awarded, "Excellent")
    review.lock_panel(manager, call)
    assert awards.send_decision_letters(manager, call) == 3
    assert awards.send_decision_letters(manager, call) == 0
    for application in (shortlisted, undecided):
        notice = db.session.get(DecisionNotice, application.id)
        assert notice.outcome is NoticeOutcome.NOT_FUNDED
        assert "not funded this time" in _letter(db, application).body
    assert db.session.get(DecisionNotice, awarded.id).outcome is NoticeOutcome.AWARD


def test_a_promotion_from_the_waiting_list_changes_the_outcome_and_keeps_the_first_window(db):
    manager, call, (awarded, waiting) = make_awardable(applications=2, budget="3350")
    grant = awards.award_application(manager, awarded, "Excellent")
    review.record_decision(manager, waiting, Decision.WAITLIST, "Next in line")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    first = db.session.get(DecisionNotice, waiting.id)
    assert first.outcome is NoticeOutcome.WAITLIST
    until = first.redress_until
    awards.decline_grant(awarded.applicant, grant)  # the grant goes to the next on the waiting list
    notice = db.session.get(DecisionNotice, waiting.id)
    assert notice.outcome is NoticeOutcome.AWARD and notice.redress_until == until


def test_the_shared_comments_cannot_change_once_the_panel_has_locked(db):
    manager, call, _apps = make_awardable()
    review.lock_panel(manager, call)
    with pytest.raises(DomainError) as error:
        calls.update_settings(manager, call, kind=call.kind, pair_ids=[p.id for p in call.pairs],
                              directions=call.directions, opens_local=call.opens_at.replace(tzinfo=None),
                              closes_local=call.closes_at.replace(tzinfo=None), timezone="UTC",
                              disciplines=[], accepted_languages=call.accepted_languages,
                              required_texts=call.required_texts, required_locales=call.required_locales,
                              reviewers_per_application=call.reviewers_per_application,
                              blind_review=call.blind_review, shared_comments=SharedComments.ALL)
    assert error.value.field == "shared_comments"


# ---- requests for review -------------------------------------------------------------------------------

@pytest.fixture
def letter_sent(db):
    manager, call, (application,) = make_awardable()
    application.applicant.locale = "ja"
    review.record_decision(manager, application, Decision.REJECT, "Outside the call's focus")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    db.session.commit()
    return manager, call, application


def test_a_request_is_made_once_within_the_window_and_audited(db, letter_sent):
    _manager, _call, application = letter_sent
    applicant = application.applicant
    before = len(_mails(db, applicant.email))
    request = redress.request_redress(applicant, application, "  The jury did not read my second file.\x00 ")
    assert request.status is RedressStatus.PENDING and request.reason == "The jury did not read my second file."
    again = redress.request_redress(applicant, application, "Something else")  # a double submit
    assert again is request and request.reason == "The jury did not read my second file."
    assert db.session.scalar(select(func.count()).select_from(RedressRequest)) == 1
    assert _audits(db, "award.redress_requested") == 1
    acknowledgement = _mails(db, applicant.email)[-1]
    assert acknowledgement.locale == "ja" and "The jury did not read my second file." in acknowledgement.body
    assert len(_mails(db, applicant.email)) == before + 1  # one acknowledgement, not one per submit


def test_a_request_after_the_window_before_the_letter_or_by_someone_else_is_refused(db, letter_sent):
    manager, _call, application = letter_sent
    notice = db.session.get(DecisionNotice, application.id)
    with pytest.raises(DomainError) as late:
        redress.request_redress(application.applicant, application, "Too late?",
                                now=notice.redress_until + timedelta(seconds=1))
    assert late.value.field == "reason"
    with force_locale("ja"):
        japanese = str(late.value.message)
    with force_locale("en"):
        english = str(late.value.message)
    assert "ended on" in english and japanese != english and "ended" not in japanese
    with pytest.raises(DomainError):
        redress.request_redress(make_user(), application, "Not mine")
    with pytest.raises(DomainError):
        redress.request_redress(manager, application, "The office")
    with pytest.raises(DomainError) as empty:
        redress.request_redress(application.applicant, application, "   ")
    assert empty.value.field == "reason"
    other_manager, other_call, (undecided,) = make_awardable()
    with pytest.raises(DomainError):  # no letter yet
        redress.request_redress(undecided.applicant, undecided, "Before the letter")
    assert db.session.scalar(select(func.count()).select_from(RedressRequest)) == 0


def test_the_office_decides_once_and_the_applicant_is_told_in_their_language(db, letter_sent):
    manager, _call, application = letter_sent
    request = redress.request_redress(application.applicant, application, "Please look again.")
    with pytest.raises(DomainError) as missing:
        redress.decide_redress(manager, request, upheld=True, reason="")
    assert missing.value.field == "reason"
    redress.decide_redress(manager, request, upheld=True, reason="The second file was not read.")
    assert request.status is RedressStatus.UPHELD and request.decided_by_id == manager.id
    decided_at = request.decided_at
    assert redress.decide_redress(manager, request, upheld=True, reason="Again") is request
    assert request.decided_at == decided_at and request.decision_reason == "The second file was not read."
    assert _audits(db, "award.redress_decided") == 1
    with pytest.raises(DomainError) as refused:
        redress.decide_redress(manager, request, upheld=False, reason="Changed my mind")
    with force_locale("ja"):
        assert "already" not in str(refused.value.message)
    answer = _mails(db, application.applicant.email)[-1]
    assert answer.locale == "ja" and "The second file was not read." in answer.body
    assert "upheld" not in answer.body  # written in Japanese


def test_who_reads_the_evaluation_and_who_asks_for_review(db, letter_sent):
    manager, call, application = letter_sent
    outsider = make_user("manager", programme="Another programme")
    juror = make_juror(city="Nara")
    assert policies.can_read_evaluation(application.applicant, application)
    assert policies.can_read_evaluation(manager, application)
    for stranger in (outsider, juror, make_user()):
        assert not policies.can_read_evaluation(stranger, application)
        assert not policies.can_request_redress(stranger, application)
    assert not policies.can_request_redress(manager, application)
    assert policies.can_decide_redress(manager, call) and not policies.can_decide_redress(outsider, call)


def test_the_personal_data_download_has_the_letter_and_the_request(db, letter_sent):
    manager, _call, application = letter_sent
    request = redress.request_redress(application.applicant, application, "Please look again.")
    redress.decide_redress(manager, request, upheld=False, reason="The procedure was followed.")
    data = privacy.personal_data(application.applicant)
    assert [(r["reason"], r["status"], r["decision_reason"]) for r in data["redress_requests"]] == [
        ("Please look again.", "rejected", "The procedure was followed.")]
    assert all("decided_by_id" not in r and "reconsidered_by_id" not in r for r in data["redress_requests"])
    assert [n["outcome"] for n in data["decision_letters"]] == ["reject"]


def test_a_comment_without_a_language_is_shown_without_a_made_up_label(db):
    manager, call, (application,) = make_awardable()
    call.shared_comments = SharedComments.OVERALL
    _submitted_review(db, application, {c.id: "4" for c in call.criteria}, overall="Untagged comment.", language=None)
    review.record_decision(manager, application, Decision.REJECT, "Below the line")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    body = _letter(db, application).body
    assert "  Untagged comment." in body and "[None]" not in body and "None" not in body
