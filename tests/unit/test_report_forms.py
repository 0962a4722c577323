"""Report forms as data per call: the photos a final report needs, and the interim report with its questions."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mobility.awards import services as awards
from mobility.calls import services as calls
from mobility.calls.enums import QuestionKind, Questionnaire
from mobility.core.errors import DomainError
from mobility.core.models import OutboxMessage
from mobility.reports import services
from mobility.reports.enums import ReportStatus
from tests.factories import MINIMAL_PNG, make_awardable

QUESTION = dict(required=True, help={}, options=[], condition_question_id=None, condition_value=None)


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


@pytest.fixture
def accepted(db):
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Grantee")
    grant.created_at -= timedelta(days=60)
    db.session.commit()
    return manager, call, grant


def _final(grant):
    grantee = grant.application.applicant
    report = services.report_for(grant)
    services.save_report(grantee, report, services.ReportData(
        actual_start=date.today() - timedelta(days=3), actual_end=date.today(), activities="Workshops.",
        travel_mode="train", public_summary="A stay."))
    return grantee, report


def test_a_call_can_require_photos_in_the_final_report(accepted, db):
    manager, call, grant = accepted
    calls.update_settings(manager, call, kind=call.kind, pair_ids=[p.id for p in call.pairs],
                          directions=call.directions, opens_local=call.opens_at.replace(tzinfo=None),
                          closes_local=call.closes_at.replace(tzinfo=None), timezone="UTC",
                          disciplines=[], accepted_languages=call.accepted_languages,
                          required_texts=call.required_texts, required_locales=call.required_locales,
                          reviewers_per_application=call.reviewers_per_application,
                          blind_review=call.blind_review, report_min_photos=2)
    assert call.report_min_photos == 2
    grantee, report = _final(grant)
    services.add_photo(grantee, report, data=MINIMAL_PNG, caption="One")
    with pytest.raises(DomainError) as error:
        services.submit_report(grantee, report)
    assert error.value.field == "photo" and "2 photos" in str(error.value.message)
    services.add_photo(grantee, report, data=MINIMAL_PNG, caption="Two")
    services.submit_report(grantee, report)
    assert report.status is ReportStatus.SUBMITTED


def test_the_number_of_photos_is_checked(accepted):
    manager, call, _grant = accepted
    for wrong in (-1, 9):
        with pytest.raises(DomainError) as error:
            calls.update_settings(manager, call, kind=call.kind, pair_ids=[p.id for p in call.pairs],
                                  directions=call.directions, opens_local=call.opens_at.replace(tzinfo=None),
                                  closes_local=call.closes_at.replace(tzinfo=None), timezone="UTC",
                                  disciplines=[], accepted_languages=call.accepted_languages,
                                  required_texts=call.required_texts, required_locales=call.required_locales,
                                  reviewers_per_application=call.reviewers_per_application,
                                  blind_review=call.blind_review, report_min_photos=wrong)
        assert error.value.field == "report_min_photos"


def test_a_call_without_interim_report_has_none(accepted):
    _manager, _call, grant = accepted
    with pytest.raises(DomainError):
        services.interim_to_show(grant)


def test_the_interim_report_asks_the_calls_questions_with_their_limits(accepted, db):
    manager, call, grant = accepted
    call.interim_report_days = 10
    question = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, label={"en": "Halfway"},
                                   max_length=20, questionnaire=Questionnaire.INTERIM, **QUESTION)
    db.session.commit()
    assert call.interim_questions == [question] and question not in call.report_questions + call.questions
    assert services.interim_due_on(grant) == grant.start_date + timedelta(days=10)
    grantee = grant.application.applicant
    report = services.interim_to_show(grant)
    assert report.id is None  # a read starts nothing
    with pytest.raises(DomainError) as error:
        services.save_interim(grantee, report, progress="Going well.", answers={str(question.id): "x" * 21},
                              expected_version=1)
    assert error.value.field == f"q_{question.id}"
    db.session.rollback()
    report = services.interim_to_show(grant)
    with pytest.raises(DomainError) as error:
        services.save_interim(grantee, report, progress="Going well.", answers={}, expected_version=1, submit=True)
    assert error.value.field == f"q_{question.id}"  # required
    db.session.rollback()
    report = services.interim_to_show(grant)
    report = services.save_interim(grantee, report, progress="Going well.", answers={str(question.id): "Fine"},
                                   expected_version=1, submit=True)
    assert report.status is ReportStatus.SUBMITTED and call.first_interim_submitted_at is not None
    with pytest.raises(DomainError):  # its questions are frozen now
        calls.save_question(manager, call, kind=QuestionKind.SHORT_TEXT, label={"en": "More"}, max_length=None,
                            questionnaire=Questionnaire.INTERIM, **QUESTION)
    assert call.first_report_submitted_at is None  # the final report's questions are not
    with pytest.raises(DomainError):  # submitted: no second submission, no change
        services.save_interim(grantee, report, progress="Again", answers={}, expected_version=report.version,
                              submit=True)


def test_the_office_sends_the_interim_report_back_then_approves_it_and_the_grantee_hears_in_their_language(
        accepted, db):
    manager, call, grant = accepted
    call.interim_report_days = 5
    grantee = grant.application.applicant
    grantee.locale = "ko"
    paid_before = grant.amount
    report = services.save_interim(grantee, services.interim_to_show(grant), progress="Half way.", answers={},
                                   expected_version=1, submit=True)
    with pytest.raises(DomainError) as error:
        services.review_interim(manager, report, approve=False, message=" ")
    assert error.value.field == "message"
    services.review_interim(manager, report, approve=False, message="Say more about the workshops.")
    assert report.status is ReportStatus.CHANGES_REQUESTED
    report = services.save_interim(grantee, report, progress="Half way, with workshops.", answers={},
                                   expected_version=report.version, submit=True)
    services.review_interim(manager, report, approve=True)
    services.review_interim(manager, report, approve=True)  # twice: nothing more
    assert report.status is ReportStatus.APPROVED and grant.amount == paid_before  # no money moves
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grantee.email)
                               .order_by(OutboxMessage.id)).all()
    about_interim = [m for m in mails if "/interim-report" in m.body]
    assert len(about_interim) == 2 and all(m.locale == "ko" for m in about_interim)
    assert all("Hello" not in m.body for m in about_interim)


def test_a_stale_interim_save_is_refused(accepted, db):
    _manager, call, grant = accepted
    call.interim_report_days = 5
    grantee = grant.application.applicant
    report = services.save_interim(grantee, services.interim_to_show(grant), progress="First.", answers={},
                                   expected_version=1)
    with pytest.raises(services.VersionConflict):
        services.save_interim(grantee, report, progress="From an old page.", answers={}, expected_version=1)
