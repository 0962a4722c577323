"""The evaluation summary and the request for review through the pages: the applicant reads and asks (once,
within the window), the office lists and decides; nobody else reaches either."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mobility.awards import services as awards
from mobility.awards.enums import RedressStatus
from mobility.awards.models import DecisionNotice, RedressRequest
from mobility.core.models import OutboxMessage
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.conftest import csrf_from, sign_in
from tests.factories import make_awardable, make_juror, make_user


@pytest.fixture
def decided(app, db):
    """A Korean applicant's rejected application with an approved consensus (and its Korean translation), the
    panel locked and the letters sent."""
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
        application.applicant.locale = "ko"
        moderator = make_user("manager")
        scores = {c.id: "3" for c in call.criteria}
        comments = {c.id: "Solid, but the partner is unclear." for c in call.criteria}
        kwargs = dict(scores=scores, comments=comments, summary="A promising plan.",
                      comments_translation={c.id: "탄탄하지만 협력 기관이 분명하지 않습니다." for c in call.criteria},
                      summary_translation="유망한 계획입니다.")
        review.save_consensus(manager, application, approve=False, **kwargs)
        review.save_consensus(moderator, application, approve=True, **kwargs)
        review.record_decision(manager, application, Decision.REJECT, "Below the line")
        review.lock_panel(manager, call)
        awards.send_decision_letters(manager, call)
        db.session.commit()
        return manager, call, application


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(RedressRequest))


def test_the_applicant_reads_the_evaluation_in_korean_and_asks_once(client, db, decided):
    _manager, _call, application = decided
    sign_in(client, application.applicant.email)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "귀하의 평가" in page and "유망한 계획입니다." in page and "탄탄하지만 협력 기관이 분명하지 않습니다." in page
    assert "A promising plan." in page  # the jury's English original, marked as English
    assert "결정 재심 신청하기" in page
    url = f"/applications/{application.id}/redress"
    form = client.get(url).get_data(as_text=True)
    assert 'name="reason"' in form
    empty = client.post(url, data={"reason": "  ", "csrf_token": csrf_from(form)})
    assert empty.status_code == 422 and 'id="reason-error"' in empty.get_data(as_text=True)
    assert _count(db) == 0
    first = client.post(url, data={"reason": "두 번째 파일이 검토되지 않았습니다.", "csrf_token": csrf_from(form)})
    assert first.status_code == 302
    again = client.post(url, data={"reason": "Another reason", "csrf_token": csrf_from(form)})  # a double submit
    assert again.status_code == 302
    assert _count(db) == 1
    request = db.session.scalar(select(RedressRequest))
    assert request.reason == "두 번째 파일이 검토되지 않았습니다." and request.status is RedressStatus.PENDING
    shown = client.get(url).get_data(as_text=True)
    assert "두 번째 파일이 검토되지 않았습니다." in shown and "사무국 검토 대기 중" in shown and 'name="reason"' not in shown


def test_a_request_after_the_window_is_refused_in_the_applicants_language(client, db, decided):
    _manager, _call, application = decided
    application.applicant.locale = "ja"
    notice = db.session.get(DecisionNotice, application.id)
    notice.redress_until = notice.sent_at - timedelta(seconds=1)
    db.session.commit()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/redress"
    page = client.get(url).get_data(as_text=True)
    assert 'name="reason"' not in page and "終了しました" in page  # the window has closed
    token = csrf_from(client.get(f"/applications/{application.id}").get_data(as_text=True))
    late = client.post(url, data={"reason": "Too late?", "csrf_token": token})
    body = late.get_data(as_text=True)
    assert late.status_code == 422 and "再審査を申し立てる期限は" in body and "Too late?" in body
    assert _count(db) == 0


@pytest.mark.parametrize("intruder", ["other artist", "juror", "other programme's manager"])
def test_nobody_else_reads_the_evaluation_or_asks(app, client, db, decided, intruder):
    manager, call, application = decided
    with app.test_request_context():
        if intruder == "other artist":
            user = make_user()
        elif intruder == "juror":
            user = make_juror(city="Nara")
        else:
            user = make_user("manager", programme="Another programme")
    sign_in(client, user.email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    url = f"/applications/{application.id}/redress"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"reason": "Mine now", "csrf_token": token}).status_code == 403
    assert "유망한 계획입니다." not in client.get(f"/applications/{application.id}").get_data(as_text=True)
    if intruder == "other programme's manager":
        assert client.get(f"/manage/calls/{call.id}/redress").status_code == 403
    assert _count(db) == 0


def test_a_manager_of_the_programme_lists_and_decides_and_the_applicant_is_told(app, client, db, decided):
    manager, call, application = decided
    with app.test_request_context():
        from mobility.awards import redress

        request = redress.request_redress(application.applicant, application, "The partner letter was attached.")
        db.session.commit()
    sign_in(client, manager.email)
    url = f"/manage/calls/{call.id}/redress"
    page = client.get(url).get_data(as_text=True)
    assert "The partner letter was attached." in page and application.reference in page
    assert "1 decision letter sent" in page and "within 14 days" in page
    decide = f"/manage/redress/{request.id}"
    prefix = f"r{request.id}-"
    bad = client.post(decide, data={prefix + "outcome": "upheld", prefix + "reason": "", "csrf_token": csrf_from(page)})
    assert bad.status_code == 422 and "This field is required." in bad.get_data(as_text=True)
    done = client.post(decide, data={prefix + "outcome": "upheld", prefix + "reason": "The jury will read it again.",
                                     "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    db.session.refresh(request)
    assert request.status is RedressStatus.UPHELD
    answer = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == application.applicant.email)
                                .order_by(OutboxMessage.id.desc())).first()
    assert answer.locale == "ko" and "The jury will read it again." in answer.body and "인용" not in answer.subject
    assert "받아들였습니다" in answer.body
    again = client.post(decide, data={prefix + "outcome": "rejected", prefix + "reason": "No",
                                      "csrf_token": csrf_from(page)})
    assert again.status_code == 422  # decided once: the other decision is refused on the form
    db.session.refresh(request)
    assert request.status is RedressStatus.UPHELD
    assert client.get(f"/manage/redress/{2**40}").status_code == 405
    assert client.post(f"/manage/redress/{2**40}", data={"csrf_token": csrf_from(page)}).status_code == 404
    assert client.get(f"/applications/{2**40}/redress").status_code == 404


def test_the_office_sees_the_applicants_evaluation_on_the_redress_page(client, db, decided):
    manager, _call, application = decided
    sign_in(client, manager.email)
    page = client.get(f"/applications/{application.id}/redress").get_data(as_text=True)
    assert "A promising plan." in page and 'name="reason"' not in page  # the office reads, never asks


# ---- an upheld request: the reconsidered decision ---------------------------------------------------------

@pytest.fixture
def upheld(app, db, decided):
    manager, call, application = decided
    with app.test_request_context():
        from mobility.awards import redress

        request = redress.request_redress(application.applicant, application, "The partner letter was attached.")
        redress.decide_redress(manager, request, upheld=True, reason="The jury will read it again.")
        db.session.commit()
        return manager, call, application, request.id


def test_the_office_reconsiders_an_upheld_request_once_and_the_applicant_reads_the_outcome(client, db, upheld):
    from mobility.applications.enums import ApplicationStatus
    from mobility.awards.models import Grant

    manager, call, application, request_id = upheld
    sign_in(client, application.applicant.email)
    mine = client.get(f"/applications/{application.id}/redress").get_data(as_text=True)
    assert "결정을 다시 검토하고 있습니다" in mine  # being reconsidered
    client.post("/sign-out", data={"csrf_token": csrf_from(mine)})

    sign_in(client, manager.email)
    url = f"/manage/calls/{call.id}/redress"
    page = client.get(url).get_data(as_text=True)
    assert f'action="/manage/redress/{request_id}/reconsider"' in page and "data-warn-on-leave" in page
    assert 'name="c%d-decision"' % request_id in page and "Confirm the rejection" in page
    reconsider = f"/manage/redress/{request_id}/reconsider"
    prefix = f"c{request_id}-"
    token = csrf_from(page)
    missing = client.post(reconsider, data={prefix + "decision": "award", prefix + "reason": "",
                                            "csrf_token": token})
    assert missing.status_code == 422 and "This field is required." in missing.get_data(as_text=True)
    done = client.post(reconsider, data={prefix + "decision": "award", prefix + "reason": "The letter changes it.",
                                         "csrf_token": token})
    assert done.status_code == 302
    again = client.post(reconsider, data={prefix + "decision": "reject", prefix + "reason": "Second thoughts",
                                          "csrf_token": token})
    assert again.status_code == 302  # once: the second submit gets the decision recorded
    db.session.expire_all()
    request = db.session.get(RedressRequest, request_id)
    assert request.status is RedressStatus.RECONSIDERED and request.reconsidered_decision is Decision.AWARD
    assert db.session.get(type(application), application.id).status is ApplicationStatus.AWARDED
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1
    after = client.get(url).get_data(as_text=True)
    assert "The letter changes it." in after and 'action="/manage/redress/%d/reconsider"' % request_id not in after
    assert "Grant awarded" in after
    client.post("/sign-out", data={"csrf_token": csrf_from(after)})

    sign_in(client, application.applicant.email)
    mine = client.get(f"/applications/{application.id}/redress").get_data(as_text=True)
    assert "The letter changes it." in mine and "지원금 선정" in mine and "이 재결정은 최종 결정이며" in mine
    assert "/grants/" in mine
    letters = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == application.applicant.email, OutboxMessage.subject.contains("재결정"))).all()
    assert len(letters) == 1 and letters[0].locale == "ko"


def test_an_award_over_the_budget_is_shown_on_the_form_with_the_reason_kept(client, db, upheld):
    from mobility.calls.models import CallBudget

    manager, call, _application, request_id = upheld
    for budget in db.session.scalars(select(CallBudget).where(CallBudget.call_id == call.id)):
        budget.amount = 10
    db.session.commit()
    sign_in(client, manager.email)
    page = client.get(f"/manage/calls/{call.id}/redress").get_data(as_text=True)
    prefix = f"c{request_id}-"
    refused = client.post(f"/manage/redress/{request_id}/reconsider",
                          data={prefix + "decision": "award", prefix + "reason": "Typed with care.",
                                "csrf_token": csrf_from(page)})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "overspend the budget" in body and "Typed with care." in body
    assert f'id="{prefix}decision-error"' in body
    assert db.session.get(RedressRequest, request_id).status is RedressStatus.UPHELD


@pytest.mark.parametrize("intruder", ["applicant", "juror", "other programme's manager"])
def test_nobody_else_reconsiders(app, client, db, upheld, intruder):
    manager, call, application, request_id = upheld
    with app.test_request_context():
        if intruder == "applicant":
            email = application.applicant.email
        elif intruder == "juror":
            email = make_juror(city="Nara").email
        else:
            email = make_user("manager", programme="Another programme").email
        db.session.commit()
    sign_in(client, email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    prefix = f"c{request_id}-"
    answer = client.post(f"/manage/redress/{request_id}/reconsider",
                         data={prefix + "decision": "award", prefix + "reason": "Mine now", "csrf_token": token})
    assert answer.status_code == 403
    assert db.session.get(RedressRequest, request_id).status is RedressStatus.UPHELD


def test_a_request_that_does_not_exist_or_is_not_upheld(app, client, db, decided):
    manager, call, application = decided
    with app.test_request_context():
        from mobility.awards import redress

        request = redress.request_redress(application.applicant, application, "Please look again.")
        db.session.commit()
        request_id = request.id
    sign_in(client, manager.email)
    page = client.get(f"/manage/calls/{call.id}/redress").get_data(as_text=True)
    assert f"/manage/redress/{request_id}/reconsider" not in page  # pending: decide the request first
    token = csrf_from(page)
    prefix = f"c{request_id}-"
    early = client.post(f"/manage/redress/{request_id}/reconsider",
                        data={prefix + "decision": "award", prefix + "reason": "Too early", "csrf_token": token})
    assert early.status_code == 422 and "only after the office has upheld" in early.get_data(as_text=True)
    assert client.post(f"/manage/redress/{2**40}/reconsider", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/manage/redress/{2**31 - 1}/reconsider", data={"csrf_token": token}).status_code == 404
    assert db.session.get(RedressRequest, request_id).status is RedressStatus.PENDING
