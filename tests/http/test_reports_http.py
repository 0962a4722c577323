"""The final report through the pages: only the grantee writes; the office reviews; others see nothing."""
from __future__ import annotations

from datetime import date

import pytest

from mobility.awards import services as awards
from mobility.reports.enums import ReportStatus
from mobility.reports.models import FinalReport
from tests.conftest import csrf_from, export_through_job, sign_in
from tests.factories import make_awardable, make_user


@pytest.fixture
def grant(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        db.session.commit()
        return grant


def test_the_grantee_submits_and_a_second_submission_is_refused(app, client, db, grant):
    sign_in(client, grant.application.applicant.email)
    url = f"/grants/{grant.id}/report"
    page = client.get(url).get_data(as_text=True)
    data = {"actual_start": date.today().isoformat(), "actual_end": date.today().isoformat(),
            "activities": "工作坊与开放工作室", "audience": "-3", "travel_mode": "train",
            "public_summary": "两座城市，一个舞台。", "submit": "1", "csrf_token": csrf_from(page), "version": "1"}
    bad = client.post(url, data=data)
    assert bad.status_code == 422 and 'id="audience-error"' in bad.get_data(as_text=True)
    assert "工作坊与开放工作室" in bad.get_data(as_text=True)  # the draft keeps what was typed
    data["audience"] = "120"
    assert client.post(url, data=data).status_code == 302
    report = db.session.query(FinalReport).one()
    assert report.status is ReportStatus.SUBMITTED
    again = client.post(url, data=data)
    assert again.status_code == 422
    assert "What you did" in client.get(url).get_data(as_text=True)  # the grantee is spoken to

    # The office reads the same report about the grantee, not to them.
    office = app.test_client()
    sign_in(office, grant.application.call.programme.managers[0].email)
    read = office.get(url).get_data(as_text=True)
    assert "What the grantee did" in read and "How the grantee travelled" in read
    assert "What you did" not in read and "How you travelled" not in read and "工作坊与开放工作室" in read


def test_other_people_cannot_reach_the_report(app, client, db, grant):
    with app.test_request_context():
        other = make_user()
    sign_in(client, other.email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.get(f"/grants/{grant.id}/report").status_code == 404
    assert client.post(f"/grants/{grant.id}/report", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/grants/{grant.id}/report/review", data={"csrf_token": token}).status_code == 403


def test_open_data_and_the_pair_page_show_exchanges_without_personal_data(app, client, db):
    import csv
    import io
    from datetime import timedelta

    from mobility.reports import services

    canary = "Qx9personal"
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        applicant = application.applicant
        applicant.name, applicant.email = f"Artist {canary}", f"{canary.lower()}@example.org"
        application.host_organisation, application.host_contact_name = f"Host {canary}", f"Contact {canary}"
        application.host_email = f"host.{canary.lower()}@example.org"
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(applicant, grant, name=f"Signed {canary}")
        grant.created_at -= timedelta(days=40)
        report = services.report_for(grant)
        services.save_report(applicant, report, services.ReportData(
            actual_start=date.today() - timedelta(days=9), actual_end=date.today(), activities=f"Private {canary}",
            partners=f"Partner {canary}", travel_mode="train", public_summary="Masks met machines.", audience=300))
        services.submit_report(applicant, report)
        services.confirm_stay(report, "Lee Ji-eun")  # the host confirms the stay
        services.approve_report(manager, report)
        db.session.commit()
        pair_id = call.pairs[0].id
    export = client.get("/open-data/exchanges.csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][-1] == "true"           # one exchange: a suppressed cell
    assert "Masks met machines." not in export.get_data(as_text=True)  # open data holds figures only
    assert canary.lower() not in export.get_data(as_text=True).lower()
    page = client.get(f"/pairs/{pair_id}").get_data(as_text=True)
    assert "Masks met machines." in page and canary.lower() not in page.lower()
    assert f"{date.today().year}" in page and date.today().strftime("%b %-d") not in page  # the year, not the dates


@pytest.mark.parametrize("kind", ["reviews", "grants", "payments", "reports"])
def test_exports_round_trip_and_are_formula_safe(app, client, db, grant, signed_in, kind):
    import csv
    import io
    from datetime import timedelta

    from openpyxl import load_workbook

    from mobility.reports import services
    from mobility.review import services as review
    from mobility.review.enums import PhaseKind
    from mobility.review.models import Assignment

    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager = make_user("manager")
        call = grant.application.call
        review.move_to_phase(manager, call, PhaseKind.INDIVIDUAL, confirmed=True)
        for assignment in db.session.query(Assignment).all():
            review.declare_no_conflict(assignment.juror, assignment)
            review.save_review(assignment.juror, assignment, scores={c.id: "4" for c in call.criteria}, comments={},
                               overall_comment="=HYPERLINK(1)", comment_language="en", submit=True)
        awards.record_payment(manager, grant, instalment=1, amount=grant.amount * 7 / 10, reference="=CMD|' /C calc'!A0",
                              paid_on=date.today())
        grant.created_at -= timedelta(days=30)
        report = services.report_for(grant)
        services.save_report(grant.application.applicant, report, services.ReportData(
            actual_start=date.today() - timedelta(days=5), actual_end=date.today(), activities="@SUM(1)",
            travel_mode="bus", public_summary="-1+1"))
        db.session.commit()
    signed_in("manager")
    url = f"/manage/calls/{grant.call_id}/exports/{kind}"
    as_csv = list(csv.reader(io.StringIO(export_through_job(client, url, "csv").get_data(as_text=True)
                                         .lstrip("\ufeff"))))
    sheet = load_workbook(io.BytesIO(export_through_job(client, url, "xlsx").data)).active
    as_xlsx = [[("" if c.value is None else str(c.value)) for c in row] for row in sheet.iter_rows()]
    assert len(as_csv) == len(as_xlsx) >= 2
    assert [row[0] for row in as_csv] == [row[0] for row in as_xlsx]  # the same rows in both formats
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in as_csv + as_xlsx for cell in row)


def test_the_office_adds_a_report_question_and_the_grantee_answers_it(app, client, db, grant):
    from mobility.calls.models import Question
    call_id = grant.call_id
    grantee = grant.application.applicant
    grantee.locale = "zh_Hans"
    db.session.commit()
    sign_in(client, grantee.email)
    assert client.get(f"/manage/calls/{call_id}/report-questions").status_code == 403  # not for grantees

    with app.test_request_context():
        manager = make_user("manager")
    office = app.test_client()
    sign_in(office, manager.email)
    url = f"/manage/calls/{call_id}/report-questions"
    page = office.get(url).get_data(as_text=True)
    response = office.post(url, data={"csrf_token": csrf_from(page), "kind": "long_text", "required": "y",
                                      "label_en": "What will you do next together?",
                                      "label_zh_Hans": "接下来你们打算一起做什么？", "max_length": "500"})
    assert response.status_code == 302
    question = db.session.query(Question).one()
    assert question.questionnaire.value == "report"
    application_questions = office.get(f"/manage/calls/{call_id}/questions").get_data(as_text=True)
    assert "What will you do next together?" not in application_questions

    report_url = f"/grants/{grant.id}/report"
    page = client.get(report_url).get_data(as_text=True)
    assert "接下来你们打算一起做什么？" in page
    data = {"actual_start": date.today().isoformat(), "actual_end": date.today().isoformat(),
            "activities": "工作坊", "audience": "40", "travel_mode": "train", "public_summary": "两座城市。",
            "submit": "1", "csrf_token": csrf_from(page), "version": "1"}
    missing = client.post(report_url, data=data)
    assert missing.status_code == 422 and f'id="q_{question.id}-error"' in missing.get_data(as_text=True)
    data[f"q_{question.id}"] = "一起巡演。"
    assert client.post(report_url, data=data).status_code == 302
    assert db.session.query(FinalReport).one().answers == {str(question.id): "一起巡演。"}


def test_a_report_photo_is_stored_and_served_only_to_the_people_of_the_grant(app, client, db, store, grant):
    """On each store (a directory, an S3 bucket): the photo goes in by the page and comes back byte for byte."""
    import io

    from mobility.reports.models import ReportPhoto
    from tests.factories import MINIMAL_PNG

    sign_in(client, grant.application.applicant.email)
    token = csrf_from(client.get(f"/grants/{grant.id}/report").get_data(as_text=True))
    added = client.post(f"/grants/{grant.id}/report/photos", data={
        "csrf_token": token, "caption": "첫 공연", "photo": (io.BytesIO(MINIMAL_PNG), "../../opening.png")},
        content_type="multipart/form-data")
    assert added.status_code == 302
    photo = db.session.query(ReportPhoto).one()
    assert list(store.keys()) == [photo.storage_key] and store.read(photo.storage_key) == MINIMAL_PNG
    url = f"/grants/{grant.id}/report/photos/{photo.id}"
    shown = client.get(url)
    assert shown.status_code == 200 and shown.data == MINIMAL_PNG and shown.mimetype == "image/png"
    with app.test_request_context():
        other = make_user()
    stranger = app.test_client()
    sign_in(stranger, other.email)
    assert stranger.get(url).status_code == 404


def test_a_refused_photo_is_answered_413_or_422_and_keeps_nothing(app, client, db, grant, monkeypatch):
    """Over the limit: 413; not a photo: 422. The draft the first upload would have started is not kept."""
    import io

    from tests.factories import MINIMAL_PNG

    sign_in(client, grant.application.applicant.email)
    url = f"/grants/{grant.id}/report/photos"
    token = csrf_from(client.get(f"/grants/{grant.id}/report").get_data(as_text=True))
    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_BYTES", 16)
    too_large = client.post(url, data={"csrf_token": token, "photo": (io.BytesIO(MINIMAL_PNG), "big.png")},
                            content_type="multipart/form-data")
    assert too_large.status_code == 413 and 'id="photo-error"' in too_large.get_data(as_text=True)
    not_a_photo = client.post(url, data={"csrf_token": token, "photo": (io.BytesIO(b"plain text"), "a.png")},
                              content_type="multipart/form-data")
    assert not_a_photo.status_code == 422 and 'id="photo-error"' in not_a_photo.get_data(as_text=True)
    assert db.session.query(FinalReport).count() == 0
