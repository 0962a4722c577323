"""Every person in their own language: a mail goes out in its recipient's language (an account's language wins;
else the language the applicant chose for them; else English), never in the sender's."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from mobility.accounts.queries import recipient_locale
from mobility.applications import services as applications
from mobility.awards import services as awards
from mobility.calls.enums import CallKind
from mobility.core.errors import DomainError
from mobility.core.models import OutboxMessage
from mobility.reports import services as reports
from mobility.review import services as review
from tests.factories import make_application, make_awardable, make_call, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _mail_to(db, address: str) -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id.desc())).first()


def test_the_recipients_account_wins_then_the_senders_choice_for_them_then_english(db):
    make_user(email="ana.kovac@example.si", locale="ja")
    assert recipient_locale("ana.kovac@example.si", "ko") == "ja"  # what she chose for herself
    assert recipient_locale("  Ana.Kovac@Example.SI ", "ko") == "ja"  # the same address, however typed
    assert recipient_locale("nobody@example.si", "ko") == "ko"  # no account: the applicant's choice
    assert recipient_locale("nobody@example.si", None) == "en"
    assert recipient_locale("nobody@example.si", "sl") == "en"  # not a language the system writes


def test_a_chinese_applicants_slovenian_host_is_written_to_in_english(db):
    applicant = make_user("applicant", locale="zh_Hans")
    application = make_application(applicant=applicant, host_email="gostitelj@example.si")
    assert application.host_locale == "en"  # nobody chose: English
    applications.request_host_confirmation(applicant, application)
    mail = _mail_to(db, "gostitelj@example.si")
    assert mail.locale == "en" and mail.subject.startswith("Please confirm a stay")
    assert "Please confirm that you will host the stay" in mail.body


def test_the_host_gets_the_language_the_applicant_chose_unless_they_have_an_account(db):
    applicant = make_user("applicant", locale="zh_Hans")
    application = make_application(applicant=applicant, host_email="host@example.kr", host_locale="ko")
    applications.request_host_confirmation(applicant, application)
    mail = _mail_to(db, "host@example.kr")
    with force_locale("ko"):
        from flask_babel import gettext

        assert mail.locale == "ko" and gettext("Mobility programme office") in mail.body
    make_user(email="host@example.kr", locale="ja")  # the host has an account after all: their language wins
    applications.request_host_confirmation(applicant, application)
    assert _mail_to(db, "host@example.kr").locale == "ja"


def test_a_language_the_system_does_not_write_is_refused(db):
    applicant = make_user("applicant")
    application = make_application(applicant=applicant, complete=False)
    with pytest.raises(DomainError) as error:
        applications.save_draft(applicant, application, application.version,
                                applications.DraftData(host_email="h@example.si", host_locale="sl"))
    assert error.value.field == "host_locale"


def test_a_team_invitation_is_in_the_invited_persons_language(db):
    lead = make_user("applicant", locale="zh_Hans")
    call = make_call(kind=CallKind.CO_CREATION, publish=True)
    application = make_application(call=call, applicant=lead)
    applications.invite_member(lead, application, name="Jana Novak", email="jana@example.si", city_id=None)
    assert _mail_to(db, "jana@example.si").locale == "en"  # no account, nothing chosen: English
    applications.invite_member(lead, application, name="Kim Minji", email="minji@example.kr", city_id=None,
                               locale="ko")
    assert _mail_to(db, "minji@example.kr").locale == "ko"
    make_user(email="sato@example.jp", locale="ja")
    applications.invite_member(lead, application, name="Sato Yui", email="sato@example.jp", city_id=None,
                               locale="ko")
    assert _mail_to(db, "sato@example.jp").locale == "ja"  # her account says Japanese
    with pytest.raises(DomainError) as error:
        applications.invite_member(lead, application, name="X", email="x@example.org", city_id=None, locale="xx")
    assert error.value.field == "locale"


def test_the_host_asked_after_the_stay_reads_their_language_too(db):
    manager, call, (application,) = make_awardable()
    applicant = application.applicant
    applicant.locale = "zh_Hans"
    application.host_email, application.host_locale = "gostitelj@example.si", "en"
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(applicant, grant, name="Wang Lei")
    grant.created_at -= timedelta(days=40)
    report = reports.report_for(grant)
    reports.save_report(applicant, report, reports.ReportData(
        actual_start=date.today() - timedelta(days=9), actual_end=date.today(), activities="工作坊",
        travel_mode="train", public_summary="湖州与新戈里察。"))
    reports.submit_report(applicant, report)
    mail = _mail_to(db, "gostitelj@example.si")
    assert mail.locale == "en" and "has sent the final report" in mail.body


def _consensus(db, locale: str, **translation):
    manager, call, (application,) = make_awardable()
    application.applicant.locale = locale
    moderator = make_user("manager")
    scores = {c.id: "4" for c in call.criteria}
    comments = {c.id: "Strong concept, thin budget." for c in call.criteria}
    review.save_consensus(manager, application, scores=scores, comments=comments, summary="A clear plan.",
                          approve=False, **translation)
    report = review.save_consensus(moderator, application, scores=scores, comments=comments,
                                   summary="A clear plan.", approve=True, **translation)
    return manager, call, application, report


def test_consensus_feedback_in_english_and_the_applicants_language_each_labelled(db):
    manager, call, application, report = _consensus(
        db, "zh_Hans", comments_translation={c.id: "构思出色，预算单薄。" for c in make_call().criteria},
        summary_translation="计划清晰。")
    # The criteria of another call are ignored: only this call's are kept.
    assert report.comments_translation == {} and report.summary_translation == "计划清晰。"
    assert report.translation_locale == "zh_Hans"
    report.comments_translation = {str(c.id): "构思出色，预算单薄。" for c in call.criteria}
    awards.award_application(manager, application, "Excellent")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    letter = _mail_to(db, application.applicant.email)
    assert letter.locale == "zh_Hans"
    # Each text says its language, in the applicant's: English first (what the jury wrote), then Chinese.
    assert "[英语] A clear plan." in letter.body and "[简体中文] 计划清晰。" in letter.body
    assert "[英语] Strong concept, thin budget." in letter.body and "[简体中文] 构思出色，预算单薄。" in letter.body
    assert "简体中文" in letter.body.split("\n[英语]")[0]  # the letter says first that both are there


def test_an_english_reader_gets_english_feedback_only_and_no_translation_is_kept(db):
    _manager, _call, _application, report = _consensus(db, "en", summary_translation="계획이 분명합니다.")
    assert report.translation_locale is None and report.summary_translation == ""
