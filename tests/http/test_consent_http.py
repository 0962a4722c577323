"""Consent and confirmation through the pages: withdrawing and reopening go through a page that says what
happens; the host confirms one version of the stay; the office approves an unconfirmed stay only knowingly."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mobility.applications import services
from mobility.applications.enums import ApplicationStatus, HostConfirmationStatus
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.core.models import OutboxMessage
from mobility.db import utcnow
from mobility.reports import services as reports
from mobility.reports.enums import ReportStatus
from mobility.reports.models import FinalReport
from tests.conftest import csrf_from, sign_in
from tests.factories import make_application, make_awardable, make_call, make_user


def _token(client, url="/"):
    return csrf_from(client.get(url).get_data(as_text=True))


@pytest.fixture
def submitted(app, db):
    with app.test_request_context():
        application = make_application()
        services.submit_application(application.applicant, application)
        db.session.commit()
        return application


def test_strangers_and_team_members_cannot_withdraw_reopen_or_read_receipts(app, client, db, submitted):
    with app.test_request_context():
        stranger = make_user()
    sign_in(client, stranger.email)
    token = _token(client)
    base = f"/applications/{submitted.id}"
    for url in ("/withdraw", "/reopen", "/receipts/1.pdf"):
        assert client.get(base + url).status_code == 404
    for url in ("/withdraw", "/reopen"):
        assert client.post(base + url, data={"csrf_token": token}).status_code == 404
    db.session.refresh(submitted)
    assert submitted.status is ApplicationStatus.SUBMITTED


def test_the_office_can_read_but_not_withdraw_or_reopen(app, client, db, submitted):
    manager = submitted.call.programme.managers[0] if submitted.call.programme.managers else None
    if manager is None:
        pytest.skip("the test programme has no manager")
    sign_in(client, manager.email)
    base = f"/applications/{submitted.id}"
    assert client.get(base + "/receipts/1.pdf").status_code == 200
    assert client.get(base + "/withdraw").status_code == 403
    assert client.post(base + "/reopen", data={"csrf_token": _token(client)}).status_code == 403


def test_withdraw_reopen_and_submit_again_through_the_pages(app, client, db, submitted):
    sign_in(client, submitted.applicant.email)
    base = f"/applications/{submitted.id}"
    view = client.get(base).get_data(as_text=True)
    assert f'href="{base}/withdraw"' in view and f'href="{base}/reopen"' in view
    page = client.get(base + "/withdraw")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "What happens" in text and "will not be reviewed" in text
    assert "Until the deadline" in text
    assert client.post(base + "/withdraw", data={"csrf_token": csrf_from(text)}).status_code == 302
    db.session.refresh(submitted)
    assert submitted.status is ApplicationStatus.WITHDRAWN

    page = client.get(base + "/reopen")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "for your changes to count" in text and "own receipt" in text
    response = client.post(base + "/reopen", data={"csrf_token": csrf_from(text)})
    assert response.status_code == 302 and response.headers["Location"].endswith(base + "/edit")
    edit = client.get(base + "/edit").get_data(as_text=True)
    assert "You reopened your application" in edit

    submit_page = client.get(base + "/submit").get_data(as_text=True)
    assert client.post(base + "/submit", data={"csrf_token": csrf_from(submit_page)}).status_code == 302
    db.session.refresh(submitted)
    assert submitted.status is ApplicationStatus.SUBMITTED and len(submitted.receipts) == 2
    view = client.get(base).get_data(as_text=True)
    assert "Receipts" in view and f"{submitted.reference}-2" in view
    for number in (1, 2):
        pdf = client.get(f"{base}/receipts/{number}.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert f"{submitted.reference}-2" in client.get(f"{base}/receipt.pdf").headers["Content-Disposition"]
    assert client.get(f"{base}/receipts/3.pdf").status_code == 404


def test_after_the_deadline_there_is_no_reopening(app, client, db, submitted):
    call = submitted.call
    call.opens_at, call.closes_at = utcnow() - timedelta(days=10), utcnow() - timedelta(minutes=1)
    db.session.commit()
    sign_in(client, submitted.applicant.email)
    base = f"/applications/{submitted.id}"
    assert 'href="%s/reopen"' % base not in client.get(base).get_data(as_text=True)
    assert client.get(base + "/reopen").status_code == 403
    assert client.post(base + "/reopen", data={"csrf_token": _token(client, base)}).status_code == 403
    page = client.get(base + "/withdraw").get_data(as_text=True)
    assert "a withdrawal is final" in page


def _host_links(db, address="host@example.de"):
    bodies = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.recipient == address)
                                .order_by(OutboxMessage.id)).all()
    return [re.search(r"https?://\S+/host/confirm/\S+", b).group(0).replace("http://mobility.test", "")
            for b in bodies if "/host/confirm/" in b]


def test_the_host_confirms_one_version_and_a_change_asks_again(app, client, db):
    with app.test_request_context():
        application = make_application()
        services.request_host_confirmation(application.applicant, application)
        db.session.commit()
    (first_link,) = _host_links(db)
    page = client.get(first_link).get_data(as_text=True)
    assert "Atomino" in page and "exactly as shown" in page
    assert client.post(first_link, data={"name": "Lee Ji-eun", "csrf_token": csrf_from(page)}).status_code == 302
    db.session.refresh(application)
    assert application.host_confirmed_name == "Lee Ji-eun"

    # The applicant changes the dates with the button: withdrawn, and the host is asked again.
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/edit"
    new_end = application.end_date - timedelta(days=5)
    pair = application.call.pairs[0]
    data = {"version": str(application.version), "title": application.title, "summary": application.summary,
            "languages": ["en"], "discipline": "dance", "career_stage": "", "pair_id": str(pair.id),
            "origin_city_id": str(pair.east_asia_city_id), "start_date": application.start_date.isoformat(),
            "end_date": new_end.isoformat(), "host_organisation": application.host_organisation,
            "host_contact_name": "", "host_email": application.host_email, "csrf_token": _token(client, url)}
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert application.host_confirmed_at is None
    first, second = application.host_confirmations
    assert first.status is HostConfirmationStatus.WITHDRAWN and second.status is HostConfirmationStatus.REQUESTED
    links = _host_links(db)
    assert len(links) == 2
    # The office (and the applicant) see which version was confirmed and what changed since.
    view = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Host confirmation" in view and "No longer valid" in view and "Last day of the stay" in view
    client.post("/sign-out", data={"csrf_token": _token(client)})

    old = client.get(first_link).get_data(as_text=True)
    assert "no longer counts" in old and "Last day of the stay" in old and 'name="name"' not in old
    new = client.get(links[1]).get_data(as_text=True)
    assert new_end.strftime("%Y") in new and 'name="name"' in new
    assert client.post(links[1], data={"name": "Lee Ji-eun", "csrf_token": csrf_from(new)}).status_code == 302
    db.session.expire_all()
    assert application.host_confirmed_name == "Lee Ji-eun"
    assert application.host_confirmation.snapshot["end_date"] == new_end.isoformat()


@pytest.fixture
def report(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.created_at -= timedelta(days=60)
        report = reports.report_for(grant)
        reports.save_report(application.applicant, report, reports.ReportData(
            actual_start=date.today() - timedelta(days=20), actual_end=date.today() - timedelta(days=1),
            activities="Workshops.", travel_mode="train", public_summary="Two cities.", language="en"))
        reports.submit_report(application.applicant, report)
        db.session.commit()
        return manager, report


def test_approving_an_unconfirmed_stay_goes_through_a_confirmation_step(client, db, report):
    manager, report = report
    sign_in(client, manager.email)
    page_url = f"/grants/{report.grant_id}/report"
    page = client.get(page_url).get_data(as_text=True)
    assert "has not confirmed this stay" in page
    step = client.post(f"/grants/{report.grant_id}/report/review", data={"approve": "1", "csrf_token": csrf_from(page)})
    text = step.get_data(as_text=True)
    assert step.status_code == 200 and "Approve without the host" in text and 'name="unconfirmed_stay_ok"' in text
    db.session.expire_all()
    assert db.session.get(FinalReport, report.id).status is ReportStatus.SUBMITTED
    done = client.post(f"/grants/{report.grant_id}/report/review",
                       data={"approve": "1", "unconfirmed_stay_ok": "1", "csrf_token": csrf_from(text)})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(FinalReport, report.id).status is ReportStatus.APPROVED


def test_the_host_confirms_the_stay_shown_on_the_page(client, db, report):
    _manager, report = report
    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "host@example.de")
                             .order_by(OutboxMessage.id.desc()).limit(1))
    link = re.search(r"https?://\S+/host/report/\S+", body).group(0).replace("http://mobility.test", "")
    page = client.get(link).get_data(as_text=True)
    assert 'name="digest"' in page
    stale = client.post(link, data={"name": "Lee", "digest": "0" * 64, "csrf_token": csrf_from(page)})
    assert stale.status_code == 200 and "have changed since you opened this page" in stale.get_data(as_text=True)
    digest = re.search(r'name="digest" type="hidden" value="([0-9a-f]{64})"', page) or re.search(
        r'id="digest" name="digest" type="hidden" value="([0-9a-f]{64})"', page)
    assert digest
    assert client.post(link, data={"name": "Lee", "digest": digest.group(1),
                                   "csrf_token": csrf_from(page)}).status_code == 302
    db.session.expire_all()
    assert reports.stay_confirmed(db.session.get(FinalReport, report.id))


def test_a_host_link_of_another_application_does_not_open(client, db, app):
    with app.test_request_context():
        application = make_application()
        services.request_host_confirmation(application.applicant, application)
        db.session.commit()
    (link,) = _host_links(db)
    assert client.get(link[:-4] + "abcd").status_code == 404
    assert db.session.get(Application, application.id).host_confirmed_at is None


def test_declining_a_grant_goes_through_a_page_that_says_it_cannot_be_undone(app, client, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        stranger = make_user()
        db.session.commit()
        grant_id, grantee, stranger_email = grant.id, application.applicant.email, stranger.email
    sign_in(client, stranger_email)
    assert client.get(f"/grants/{grant_id}/decline").status_code == 404
    client.post("/sign-out", data={"csrf_token": _token(client)})
    sign_in(client, grantee)
    grant_page = client.get(f"/grants/{grant_id}").get_data(as_text=True)
    assert f'href="/grants/{grant_id}/decline"' in grant_page
    page = client.get(f"/grants/{grant_id}/decline")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "cannot be undone" in text and "waiting list" in text
    assert client.post(f"/grants/{grant_id}/decline", data={"csrf_token": csrf_from(text),
                                                            "decline": "1"}).status_code == 302
    db.session.expire_all()
    from mobility.awards.enums import GrantStatus
    from mobility.awards.models import Grant

    assert db.session.get(Grant, grant_id).status is GrantStatus.DECLINED
    assert client.get(f"/grants/{grant_id}/decline").status_code == 302  # nothing left to decline


def test_the_edit_page_says_which_change_withdrew_the_confirmation(app, client, db):
    with app.test_request_context():
        application = make_application()
        request = services.request_host_confirmation(application.applicant, application)
        services.confirm_host(request, name="Lee Ji-eun")
        data = services.DraftData(
            title=application.title, summary=application.summary, languages=["en"], discipline="dance",
            pair_id=application.pair_id, origin_city_id=application.origin_city_id,
            start_date=application.start_date, end_date=application.end_date - timedelta(days=2),
            host_organisation=application.host_organisation, host_email=application.host_email)
        services.save_draft(application.applicant, application, application.version, data)  # as the autosave
        db.session.commit()
    sign_in(client, application.applicant.email)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "You changed: Last day of the stay." in page and "asked again when you save" in page
    assert "/host-request" in page  # the applicant can ask at once


def test_after_the_deadline_a_reopened_application_counts_as_last_submitted(app, client, db):
    """The applicant and the office read which version is reviewed; closing the call settles it at once."""
    with app.test_request_context():
        manager = make_user("manager")
        application = make_application(call=make_call(actor=manager, publish=True))
        receipt = services.submit_application(application.applicant, application)
        services.reopen_application(application.applicant, application)
        application.title = "Half rewritten"
        call = application.call
        call.opens_at, call.closes_at = utcnow() - timedelta(days=20), utcnow() - timedelta(minutes=5)
        db.session.commit()
    base = f"/applications/{application.id}"
    sign_in(client, application.applicant.email)
    view = client.get(base).get_data(as_text=True)
    assert "Reopened and not submitted again before the deadline" in view and receipt.reference in view
    assert f'href="{base}/reopen"' not in view  # too late to reopen

    office = app.test_client()
    sign_in(office, manager.email)
    assert "Reopened and not submitted again before the deadline" in office.get(base).get_data(as_text=True)
    token = _token(office, f"/manage/calls/{call.id}")
    response = office.post(f"/manage/calls/{call.id}/status/closed", data={"csrf_token": token},
                           follow_redirects=True)
    assert "1 reopened application was not submitted again" in response.get_data(as_text=True)
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status is ApplicationStatus.SUBMITTED and application.title == "Tidal memory"
