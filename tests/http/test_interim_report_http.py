"""The interim report through its pages: the grantee writes, the office reads and decides, others are refused."""
from __future__ import annotations

from datetime import timedelta

import pytest

from mobility.awards import services as awards
from mobility.calls import services as calls
from mobility.calls.enums import QuestionKind, Questionnaire
from mobility.reports.enums import ReportStatus
from mobility.reports.models import InterimReport
from tests.conftest import csrf_from, sign_in
from tests.factories import make_awardable, make_user


@pytest.fixture
def grant(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        call.interim_report_days = 7
        question = calls.save_question(manager, call, kind=QuestionKind.SHORT_TEXT, label={"en": "Best moment"},
                                       required=True, help={}, max_length=30, options=[],
                                       condition_question_id=None, condition_value=None,
                                       questionnaire=Questionnaire.INTERIM)
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.created_at -= timedelta(days=30)
        db.session.commit()
        grant.question_id, grant.manager_email = question.id, manager.email
        return grant


def test_the_grantee_writes_and_submits_and_the_office_approves(client, db, grant):
    sign_in(client, grant.application.applicant.email)
    url = f"/grants/{grant.id}/interim-report"
    page = client.get(url)
    assert page.status_code == 200 and "Best moment" in page.get_data(as_text=True)
    assert db.session.query(InterimReport).count() == 0  # a GET writes nothing
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "version": "1", "progress": "全部順調です。",
            f"q_{grant.question_id}": "x" * 31, "submit": "1"}
    refused = client.post(url, data=data)
    assert refused.status_code == 422 and "全部順調です。" in refused.get_data(as_text=True)  # kept as typed
    assert db.session.query(InterimReport).count() == 0
    data[f"q_{grant.question_id}"] = "Opening night"
    assert client.post(url, data=data).status_code == 302
    report = db.session.query(InterimReport).one()
    assert report.status is ReportStatus.SUBMITTED
    assert client.post(url, data={**data, "version": str(report.version)}).status_code == 422  # submitted once
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    sign_in(client, grant.manager_email)
    office = client.get(url).get_data(as_text=True)
    assert "Opening night" in office and "Office review" in office
    response = client.post(f"{url}/review", data={"csrf_token": csrf_from(office), "approve": "1", "message": ""})
    assert response.status_code == 302
    db.session.refresh(report)
    assert report.status is ReportStatus.APPROVED


def test_the_grant_page_and_the_final_report_link_to_it(client, grant):
    sign_in(client, grant.application.applicant.email)
    assert f"/grants/{grant.id}/interim-report" in client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert f"/grants/{grant.id}/interim-report" in client.get(f"/grants/{grant.id}/report").get_data(as_text=True)


@pytest.mark.parametrize("roles", [(), ("juror",)])
def test_artists_and_jurors_reach_nothing(app, client, grant, roles):
    with app.test_request_context():
        user = make_user(*roles)
    sign_in(client, user.email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.get(f"/grants/{grant.id}/interim-report").status_code == 404
    assert client.post(f"/grants/{grant.id}/interim-report", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/grants/{grant.id}/interim-report/review", data={"csrf_token": token}).status_code == 403


def test_a_manager_of_another_programme_reaches_nothing(app, client, grant):
    with app.test_request_context():
        other = make_user("manager", programme="Another programme")
    sign_in(client, other.email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.get(f"/grants/{grant.id}/interim-report").status_code == 404
    assert client.post(f"/grants/{grant.id}/interim-report/review",
                       data={"csrf_token": token, "approve": "1"}).status_code == 404


def test_the_office_sets_the_interim_questions(client, grant):
    sign_in(client, grant.manager_email)
    page = client.get(f"/manage/calls/{grant.call_id}/interim-questions")
    assert page.status_code == 200 and "Best moment" in page.get_data(as_text=True)
    assert "Interim report questions" in page.get_data(as_text=True)


def test_the_report_forms_are_set_in_the_calls_settings(client, db, signed_in):
    from tests.factories import make_call
    manager = signed_in("manager")
    call = make_call(actor=manager)
    settings = client.get(f"/manage/calls/{call.id}/settings").get_data(as_text=True)
    assert 'name="report_min_photos"' in settings and 'name="interim_report_days"' in settings
    data = {"kind": "residency", "pair_ids": [str(call.pairs[0].id)], "directions": ["eu_to_ea", "ea_to_eu"],
            "opens_at": "2026-01-01T00:00", "closes_at": "2030-01-01T00:00", "timezone": "Europe/Berlin",
            "accepted_languages": ["en"], "required_texts": ["title"], "required_locales": ["en"],
            "reviewers_per_application": "3", "first_instalment_percent": "70", "appeal_days": "14",
            "offer_days": "30", "report_min_photos": "2", "interim_report_days": "10",
            "csrf_token": csrf_from(settings)}
    assert client.post(f"/manage/calls/{call.id}/settings", data=data).status_code == 302
    db.session.refresh(call)
    assert (call.report_min_photos, call.interim_report_days) == (2, 10)
    for name, bad in (("report_min_photos", "9"), ("interim_report_days", "0"), ("interim_report_days", "99999999999")):
        html = client.post(f"/manage/calls/{call.id}/settings", data={**data, name: bad}).get_data(as_text=True)
        assert f'id="{name}-error"' in html
    db.session.refresh(call)
    assert (call.report_min_photos, call.interim_report_days) == (2, 10)
    assert client.post(f"/manage/calls/{call.id}/settings", data={**data, "interim_report_days": ""}).status_code == 302
    db.session.refresh(call)
    assert call.interim_report_days is None  # emptied: no interim report any more


def test_a_save_from_an_old_page_keeps_what_was_typed(client, db, grant):
    sign_in(client, grant.application.applicant.email)
    url = f"/grants/{grant.id}/interim-report"
    token = csrf_from(client.get(url).get_data(as_text=True))
    first = {"csrf_token": token, "version": "1", "progress": "From the first window.", "save": "1"}
    assert client.post(url, data=first).status_code == 302
    stale = client.post(url, data={**first, "progress": "From an old window."})
    assert stale.status_code == 409 and "From an old window." in stale.get_data(as_text=True)
    report = db.session.query(InterimReport).one()
    assert report.progress == "From the first window."  # nothing overwritten
    assert f'name="version" type="hidden" value="{report.version}"' in stale.get_data(as_text=True)
