"""Every applicant hears back: an applicant reads their evaluation in their language and asks for a review of
the decision; a manager decides the request in theirs; the applicant reads the answer; the office, having upheld
the request, reconsiders the decision (the waiting list) and the applicant reads the new, final outcome (Korean
applicant with an English-speaking office, then a Japanese applicant with a Chinese-speaking office)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from mobility.accounts.models import User
from mobility.awards import services as awards
from mobility.extensions import db
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.browser.pages import sign_in_page
from tests.factories import make_awardable, make_user

pytestmark = pytest.mark.browser

# What each reader sees, in their language.
TEXTS = {
    "ko": {"browser": "ko-KR", "heading": "귀하의 평가", "comment": "구성은 탄탄하지만 협력 기관이 분명하지 않습니다.",
           "summary": "유망한 계획입니다.", "ask": "결정 재심 신청하기", "reason": "협력 기관의 확인서를 첨부했습니다.",
           "pending": "사무국 검토 대기 중", "upheld": "인용됨", "outcome": "미선정",
           "reconsidering": "결정을 다시 검토하고 있습니다", "new_outcome": "예비 명단",
           "final": "이 재결정은 최종 결정이며"},
    "ja": {"browser": "ja-JP", "heading": "あなたの評価", "comment": "構成はしっかりしていますが、提携先が不明確です。",
           "summary": "有望な計画です。", "ask": "決定の再審査を申し立てる", "reason": "提携先の確認書を添付しました。",
           "pending": "事務局の対応待ち", "upheld": "認容", "outcome": "不採択",
           "reconsidering": "決定は現在見直し中です", "new_outcome": "補欠", "final": "この再決定は最終的なもので"},
}
OFFICE = {
    "en": {"browser": "en-GB", "uphold": "Uphold the request", "reason_label": "Reason (the applicant reads it",
           "record": "Record the decision", "waitlist": "Put on the waiting list",
           "new_reason_label": "Reason (the applicant reads it in their new decision letter)",
           "record_new": "Record the reconsidered decision"},
    "zh_Hans": {"browser": "zh-CN", "uphold": "接受申请", "reason_label": "理由（申请人会在通知函和其页面上看到）",
                "record": "记录决定", "waitlist": "列入候补名单", "new_reason_label": "理由（申请人会在新的决定通知函中看到）",
                "record_new": "记录重新作出的决定"},
}


def _decided(live_app, applicant_locale: str, office_locale: str):
    with live_app.app_context(), live_app.test_request_context():
        manager, call, (application,) = make_awardable()
        manager.locale = office_locale
        application.applicant.locale = applicant_locale
        moderator = make_user("manager")
        texts = TEXTS[applicant_locale]
        kwargs = dict(scores={c.id: "3" for c in call.criteria},
                      comments={c.id: "Solid, but the partner is unclear." for c in call.criteria},
                      summary="A promising plan.", comments_translation={c.id: texts["comment"] for c in call.criteria},
                      summary_translation=texts["summary"])
        review.save_consensus(manager, application, approve=False, **kwargs)
        review.save_consensus(moderator, application, approve=True, **kwargs)
        review.record_decision(manager, application, Decision.REJECT, "Below the line")
        review.lock_panel(manager, call)
        awards.send_decision_letters(manager, call)
        db.session.commit()
        return manager.email, application.applicant.email, call.id, application.id


def _sign_in(browser: Browser, live_url: str, email: str, browser_locale: str):
    context = browser.new_context(locale=browser_locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_page(page, live_url, email)
    return context, page


@pytest.mark.parametrize("applicant_locale, office_locale", [("ko", "en"), ("ja", "zh_Hans")])
def test_an_applicant_reads_the_evaluation_asks_for_review_and_reads_the_answer(
        browser: Browser, live_app, live_url, tmp_path, applicant_locale, office_locale):
    manager_email, applicant_email, call_id, application_id = _decided(live_app, applicant_locale, office_locale)
    texts, office = TEXTS[applicant_locale], OFFICE[office_locale]

    context, page = _sign_in(browser, live_url, applicant_email, texts["browser"])
    page.goto(f"{live_url}/applications/{application_id}")
    evaluation = page.locator("section.evaluation")
    expect(evaluation.get_by_role("heading", name=texts["heading"])).to_be_visible()
    expect(evaluation).to_contain_text(texts["comment"])
    expect(evaluation).to_contain_text(texts["summary"])
    expect(evaluation).to_contain_text("A promising plan.")  # the jury's original beside it
    expect(evaluation.locator(".decision")).to_contain_text(texts["outcome"])
    page.screenshot(path=str(tmp_path / f"evaluation_{applicant_locale}.png"), full_page=True)

    page.get_by_role("link", name=texts["ask"]).click()
    page.locator("#reason").fill(texts["reason"])
    page.get_by_role("button", name=texts["ask"]).click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text(texts["pending"])
    expect(page.locator("#reason")).to_have_count(0)  # asked once: no second form
    page.screenshot(path=str(tmp_path / f"redress_asked_{applicant_locale}.png"), full_page=True)

    office_context, office_page = _sign_in(browser, live_url, manager_email, office["browser"])
    office_page.goto(f"{live_url}/manage/calls/{call_id}/redress")
    request = office_page.locator("section.redress-request")
    expect(request).to_contain_text(texts["reason"])
    request.get_by_label(office["uphold"]).check()
    request.get_by_label(office["reason_label"]).fill("The jury will read the partner letter again.")
    office_page.screenshot(path=str(tmp_path / f"office_redress_{office_locale}.png"), full_page=True)
    request.get_by_role("button", name=office["record"]).click()
    expect(office_page.locator(".flash-success")).to_be_visible()
    # Upheld: the decision form is gone, the reconsideration form takes its place.
    expect(office_page.locator("section.redress-request form")).to_have_count(1)
    reconsider = office_page.locator("section.redress-request form.reconsider")
    expect(reconsider).to_have_attribute("data-warn-on-leave", "")
    office_page.screenshot(path=str(tmp_path / f"office_decided_{office_locale}.png"), full_page=True)

    page.reload()
    expect(page.locator("main")).to_contain_text(texts["upheld"])
    expect(page.locator("main")).to_contain_text("The jury will read the partner letter again.")
    expect(page.locator("main")).to_contain_text(texts["reconsidering"])
    page.screenshot(path=str(tmp_path / f"redress_answered_{applicant_locale}.png"), full_page=True)

    reconsider.get_by_label(office["waitlist"]).check()
    reconsider.get_by_label(office["new_reason_label"]).fill("With the partner letter it reaches the waiting list.")
    reconsider.get_by_role("button", name=office["record_new"]).click()
    expect(office_page.locator(".flash-success")).to_be_visible()
    expect(office_page.locator("section.redress-request form")).to_have_count(0)
    expect(office_page.locator("section.redress-request .reconsidered-decision")).to_be_visible()
    office_page.screenshot(path=str(tmp_path / f"office_reconsidered_{office_locale}.png"), full_page=True)
    office_context.close()

    page.reload()
    main = page.locator("main")
    expect(main.locator(".reconsidered-decision")).to_contain_text(texts["new_outcome"])
    expect(main).to_contain_text("With the partner letter it reaches the waiting list.")
    expect(main).to_contain_text(texts["final"])
    expect(main).not_to_contain_text(texts["reconsidering"])
    page.screenshot(path=str(tmp_path / f"redress_reconsidered_{applicant_locale}.png"), full_page=True)
    context.close()
    with live_app.app_context():
        applicant = db.session.scalar(select(User).where(User.email == applicant_email))
        assert applicant.locale == applicant_locale


@pytest.mark.parametrize("locale, browser_locale, heading, juror", [("en", "en-GB", "Your evaluation", "Juror 2"),
                                                                    ("zh_Hans", "zh-CN", "您的评审结果", "评审员 2")])
def test_without_a_consensus_the_applicant_reads_each_jurors_scores_and_shared_comments(
        browser: Browser, live_app, live_url, tmp_path, locale, browser_locale, heading, juror):
    from datetime import timedelta

    from mobility.calls.enums import SharedComments
    from mobility.db import utcnow
    from mobility.review.enums import AssignmentStatus, ReviewStatus
    from mobility.review.models import Assignment, Review

    with live_app.app_context(), live_app.test_request_context():
        manager, call, (application,) = make_awardable(k=2)
        application.applicant.locale = locale
        call.shared_comments = SharedComments.OVERALL
        assignments = db.session.scalars(select(Assignment).where(Assignment.application_id == application.id)).all()
        for n, (assignment, score) in enumerate(zip(assignments, ("4", "2.5"))):
            assignment.status = AssignmentStatus.ACCEPTED
            db.session.add(Review(assignment_id=assignment.id, status=ReviewStatus.SUBMITTED,
                                  submitted_at=utcnow() - timedelta(minutes=5 - n),
                                  scores={str(c.id): score for c in call.criteria},
                                  comments={str(c.id): "Not shared." for c in call.criteria},
                                  overall_comment=f"Overall comment {n + 1}.", comment_language="en"))
        review.record_decision(manager, application, Decision.REJECT, "Below the line")
        review.lock_panel(manager, call)
        awards.send_decision_letters(manager, call)
        db.session.commit()
        email, application_id = application.applicant.email, application.id
        juror_names = [a.juror.name for a in assignments]

    context, page = _sign_in(browser, live_url, email, browser_locale)
    page.goto(f"{live_url}/applications/{application_id}")
    evaluation = page.locator("section.evaluation")
    expect(evaluation.get_by_role("heading", name=heading)).to_be_visible()
    expect(evaluation.locator("table.juror-scores tbody tr")).to_have_count(2)
    expect(evaluation).to_contain_text(juror)
    expect(evaluation).to_contain_text("Overall comment 2.")
    expect(evaluation).not_to_contain_text("Not shared.")
    expect(evaluation.locator(".ranking-score")).to_be_visible()
    for name in juror_names:
        expect(evaluation).not_to_contain_text(name)
    page.screenshot(path=str(tmp_path / f"evaluation_reviews_{locale}.png"), full_page=True)
    context.close()
