"""Consent and confirmation (issue 18): a host's confirmation holds for the stay the host saw; an application can
be reopened and submitted again until the deadline, each submission with its own receipt; a final report whose
stay the host has not confirmed is approved only knowingly."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mobility.applications import policies, services, tokens
from mobility.applications.enums import ApplicationStatus, HostConfirmationStatus
from mobility.applications.models import HostConfirmation, Receipt
from mobility.awards import services as awards
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.reports import services as reports
from mobility.reports.enums import ReportStatus
from tests.factories import draft_data, make_application, make_awardable, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield



def _host_mails(db, address="host@example.de"):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def _confirmed(application, name="Lee Ji-eun"):
    request = services.request_host_confirmation(application.applicant, application)
    services.confirm_host(request, name=name)
    return request


# ---- the host's confirmation is bound to what the host saw ------------------------------------

def test_the_confirmation_keeps_a_snapshot_and_its_digest_of_what_the_host_saw(db):
    application = make_application(host_contact_name="Mateja Kos")
    request = services.request_host_confirmation(application.applicant, application)
    assert request.snapshot == {"organisation": "Atomino", "contact": "Mateja Kos", "email": "host@example.de",
                                "start_date": application.start_date.isoformat(),
                                "end_date": application.end_date.isoformat()}
    assert request.digest == services.content_hash(request.snapshot) and len(request.digest) == 64
    mail = _host_mails(db)[-1]
    assert "Atomino" in mail.body and "Mateja Kos" in mail.body
    services.confirm_host(request, name="Mateja Kos")
    assert request.status is HostConfirmationStatus.CONFIRMED and request.confirmed_name == "Mateja Kos"
    assert application.host_confirmed_at == request.confirmed_at
    # Once: a second click changes nothing.
    first = request.confirmed_at
    services.confirm_host(request, name="Someone else")
    assert request.confirmed_name == "Mateja Kos" and request.confirmed_at == first
    # Saving without changing the host or the dates keeps it.
    services.save_draft(application.applicant, application, application.version, draft_data(application, title="New"),
                        ask_host=True)
    assert request.status is HostConfirmationStatus.CONFIRMED and application.host_confirmed_at is not None
    assert len(application.host_confirmations) == 1


@pytest.mark.parametrize("changes, changed", [
    ({"host_organisation": "Kulturni dom Nova Gorica"}, ["organisation"]),
    ({"host_contact_name": "Someone else"}, ["contact"]),
    ({"host_email": "kd@example.si"}, ["email"]),
    ({"start_date": "+1", "end_date": "+1"}, ["start_date", "end_date"]),
])
def test_changing_what_the_host_saw_withdraws_the_confirmation_and_asks_again(db, changes, changed):
    application = make_application(host_contact_name="Mateja Kos")
    old = _confirmed(application)
    mails = len(_host_mails(db)) + len(_host_mails(db, "kd@example.si"))
    values = {k: (getattr(application, k) + timedelta(days=1) if v == "+1" else v) for k, v in changes.items()}
    # The autosave withdraws at once but mails nobody (a half-typed address must not get mail) …
    services.save_draft(application.applicant, application, application.version, draft_data(application, **values))
    assert old.status is HostConfirmationStatus.WITHDRAWN and old.changed == changed
    assert old.withdrawn_at is not None
    assert application.host_confirmed_at is None and application.host_confirmed_name is None
    assert len(_host_mails(db)) + len(_host_mails(db, "kd@example.si")) == mails
    # … the save with the button asks the host again about the new version.
    services.save_draft(application.applicant, application, application.version, draft_data(application),
                        ask_host=True)
    new = application.host_confirmation
    assert new is not old and new.status is HostConfirmationStatus.REQUESTED
    assert new.snapshot == services.host_snapshot(application) and new.digest != old.digest
    assert len(_host_mails(db)) + len(_host_mails(db, "kd@example.si")) == mails + 1
    # The old request cannot be confirmed any more; the new one can.
    with pytest.raises(DomainError):
        services.confirm_host(old, name="Lee Ji-eun")
    services.confirm_host(new, name="Lee Ji-eun")
    assert application.host_confirmed_at is not None
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "application.host_confirmation_changed"))
    assert audit.detail["changed"] == ",".join(changed)


def test_the_host_link_names_one_version(db):
    application = make_application()
    old = services.request_host_confirmation(application.applicant, application)
    token = tokens.make_host_token(old)
    assert services.host_confirmation_for_token(token) is old
    services.save_draft(application.applicant, application, application.version,
                        draft_data(application, end_date=application.end_date - timedelta(days=3)), ask_host=True)
    assert services.host_confirmation_for_token(token) is old  # shows the old version, marked as no longer valid
    assert old.status is HostConfirmationStatus.WITHDRAWN
    new = application.host_confirmation
    assert tokens.make_host_token(new) != token and services.host_confirmation_for_token(
        tokens.make_host_token(new)) is new


def test_submission_asks_a_host_whose_confirmation_a_change_withdrew(db):
    application = make_application()
    _confirmed(application)
    services.save_draft(application.applicant, application, application.version,
                        draft_data(application, host_organisation="Kulturni dom"))
    before = len(_host_mails(db))
    services.submit_application(application.applicant, application)
    assert len(_host_mails(db)) == before + 1
    assert application.host_confirmation.snapshot["organisation"] == "Kulturni dom"
    assert application.host_confirmation.status is HostConfirmationStatus.REQUESTED


def test_a_grant_amendment_of_the_dates_withdraws_the_confirmation_and_asks_the_host_again(db):
    manager, _call, (application,) = make_awardable(budget="50000")
    _confirmed(application)
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Grantee")
    assert application.host_confirmed_at is not None
    before = len(_host_mails(db, application.host_email))
    amendment = awards.request_amendment(application.applicant, grant, start=grant.start_date + timedelta(days=7),
                                         end=grant.end_date + timedelta(days=7), travellers=grant.travellers,
                                         reason="The venue moved the opening")
    assert application.host_confirmed_at is not None  # a request alone changes nothing
    awards.decide_amendment(manager, amendment, approve=True)
    withdrawn, asked = application.host_confirmations
    assert withdrawn.status is HostConfirmationStatus.WITHDRAWN and withdrawn.changed == ["start_date", "end_date"]
    assert asked.status is HostConfirmationStatus.REQUESTED
    assert asked.snapshot["start_date"] == grant.start_date.isoformat()
    assert application.host_confirmed_at is None
    assert len(_host_mails(db, application.host_email)) == before + 1
    mail = _host_mails(db, application.host_email)[-1]
    assert "changed" in mail.body
    # Deciding again changes nothing (no second mail).
    awards.decide_amendment(manager, amendment, approve=True)
    assert len(application.host_confirmations) == 2


def test_a_withdrawn_application_cannot_be_confirmed_by_the_host(db):
    application = make_application()
    request = services.request_host_confirmation(application.applicant, application)
    services.submit_application(application.applicant, application)
    services.withdraw_application(application.applicant, application)
    with pytest.raises(DomainError):
        services.confirm_host(request, name="Lee")


# ---- withdraw, reopen, submit again ----------------------------------------------------------

def test_reopened_and_submitted_again_each_submission_keeps_its_own_receipt(db):
    application = make_application()
    applicant = application.applicant
    first = services.submit_application(applicant, application)
    assert services.submit_application(applicant, application) is first  # a double click: the same receipt
    assert policies.can_reopen_application(applicant, application)
    services.reopen_application(applicant, application)
    assert application.status is ApplicationStatus.DRAFT and application.reference == first.reference
    assert services.reopen_application(applicant, application) is application  # once
    services.save_draft(applicant, application, application.version, draft_data(application, title="Tidal memory II"))
    second = services.submit_application(applicant, application)
    assert second is not first and (first.number, second.number) == (1, 2)
    assert second.reference == f"{first.reference}-2"
    assert first.content["title"] == "Tidal memory" and second.content["title"] == "Tidal memory II"
    assert first.content_sha256 != second.content_sha256
    db.session.expire_all()
    assert [r.number for r in application.receipts] == [1, 2] and application.receipt.number == 2
    assert application.status is ApplicationStatus.SUBMITTED and application.title == "Tidal memory II"
    receipts = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == applicant.email)
                                  .order_by(OutboxMessage.id)).all()
    assert sum("/receipts/" in m.body for m in receipts) == 2


def test_a_withdrawn_application_is_reopened_and_submitted_again(db):
    application = make_application()
    applicant = application.applicant
    services.submit_application(applicant, application)
    services.withdraw_application(applicant, application)
    services.withdraw_application(applicant, application)  # once
    assert application.status is ApplicationStatus.WITHDRAWN and application.withdrawn_at is not None
    services.reopen_application(applicant, application)
    assert application.status is ApplicationStatus.DRAFT and application.withdrawn_at is None
    services.submit_application(applicant, application)
    assert application.status is ApplicationStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(Receipt)
                             .where(Receipt.application_id == application.id)) == 2


def test_after_the_deadline_nothing_is_reopened(db):
    application = make_application()
    applicant = application.applicant
    services.submit_application(applicant, application)
    late = application.call.closes_at + timedelta(seconds=1)
    assert not policies.can_reopen_application(applicant, application, now=late)
    with pytest.raises(DomainError) as error:
        services.reopen_application(applicant, application, now=late)
    assert "deadline" in str(error.value.message)
    assert application.status is ApplicationStatus.SUBMITTED
    # Reopened before the deadline, a draft cannot be submitted after it.
    services.reopen_application(applicant, application)
    with pytest.raises(DomainError):
        services.submit_application(applicant, application, now=late)
    assert len(application.receipts) == 1


def test_only_the_lead_applicant_reopens_and_only_before_screening(db):
    application = make_application()
    services.submit_application(application.applicant, application)
    stranger = make_user()
    assert not policies.can_reopen_application(stranger, application)
    with pytest.raises(DomainError):
        services.reopen_application(stranger, application)
    manager = make_user("manager")
    services.screen_application(manager, application, eligible=True, reason=None, note=None)
    assert not policies.can_reopen_application(application.applicant, application)
    with pytest.raises(DomainError):
        services.reopen_application(application.applicant, application)


# ---- final report: the host confirms the stay as it was ------------------------------------------------

@pytest.fixture
def submitted_report(db):
    manager, _call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Grantee")
    grant.created_at -= timedelta(days=60)
    report = reports.report_for(grant)
    today = date.today()
    reports.save_report(application.applicant, report, reports.ReportData(
        actual_start=today - timedelta(days=20), actual_end=today - timedelta(days=1), activities="Workshops.",
        travel_mode="train", public_summary="Two cities.", language="en"))
    reports.submit_report(application.applicant, report)
    return manager, report


def test_approving_a_report_whose_stay_the_host_has_not_confirmed_needs_a_confirmation(submitted_report):
    manager, report = submitted_report
    with pytest.raises(reports.StayNotConfirmed):
        reports.approve_report(manager, report)
    assert report.status is ReportStatus.SUBMITTED
    reports.approve_report(manager, report, unconfirmed_stay_ok=True)
    assert report.status is ReportStatus.APPROVED


def test_the_host_confirms_the_stay_as_shown_and_a_change_of_dates_withdraws_it(submitted_report, db):
    manager, report = submitted_report
    grantee = report.grant.application.applicant
    with pytest.raises(DomainError):  # a page shown before the dates changed
        reports.confirm_stay(report, "Lee Ji-eun", "0" * 64)
    reports.confirm_stay(report, "Lee Ji-eun", reports.stay_digest(report))
    assert reports.stay_confirmed(report) and report.host_confirmed_snapshot == reports.stay_snapshot(report)
    reports.request_changes(manager, report, "Add the audience figure.")
    data = reports.ReportData(actual_start=report.actual_start, actual_end=report.actual_end - timedelta(days=2),
                              activities="Workshops.", travel_mode="train", public_summary="Two cities.",
                              language="en", audience=300)
    reports.save_report(grantee, report, data)
    assert report.host_confirmed_at is None and not reports.stay_confirmed(report)
    before = len(_host_mails(db))
    reports.submit_report(grantee, report)
    assert len(_host_mails(db)) == before + 1  # asked again about the new dates
    with pytest.raises(reports.StayNotConfirmed):
        reports.approve_report(manager, report)
    reports.confirm_stay(report, "Lee Ji-eun", reports.stay_digest(report))
    reports.approve_report(manager, report)
    assert report.status is ReportStatus.APPROVED


def test_a_confirmed_stay_is_not_asked_again_on_resubmission(submitted_report, db):
    manager, report = submitted_report
    grantee = report.grant.application.applicant
    reports.confirm_stay(report, "Lee Ji-eun", reports.stay_digest(report))
    reports.request_changes(manager, report, "Add the audience figure.")
    reports.save_report(grantee, report, reports.ReportData(
        actual_start=report.actual_start, actual_end=report.actual_end, activities="Workshops.", audience=300,
        travel_mode="train", public_summary="Two cities.", language="en"))
    before = len(_host_mails(db))
    reports.submit_report(grantee, report)
    assert len(_host_mails(db)) == before and reports.stay_confirmed(report)


def test_host_confirmations_are_rows_of_their_own(db):
    application = make_application()
    _confirmed(application)
    assert db.session.scalar(select(func.count()).select_from(HostConfirmation)) == 1


# ---- rejected and waiting applicants are not left silent -----------------------------------------

def test_every_decided_applicant_gets_one_decision_letter(db):
    from mobility.review import services as review
    from mobility.review.enums import Decision

    manager, call, (awarded, waiting, rejected) = make_awardable(budget="50000", applications=3)
    awards.award_application(manager, awarded, "Excellent")
    review.record_decision(manager, waiting, Decision.WAITLIST, "Strong, but the budget is spent")
    review.record_decision(manager, rejected, Decision.REJECT, "Outside the call's focus")
    review.lock_panel(manager, call)
    assert awards.send_decision_letters(manager, call) == 3
    assert awards.send_decision_letters(manager, call) == 0  # once
    for application in (awarded, waiting, rejected):
        letters = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == application.applicant.email,
            OutboxMessage.subject == f"The decision on your application {application.reference}")).all()
        assert len(letters) == 1, application.status


def test_an_application_left_shortlisted_at_the_lock_is_not_left_silent(db):
    from mobility.review import services as review
    from mobility.review.enums import Decision

    manager, call, (shortlisted,) = make_awardable()
    review.record_decision(manager, shortlisted, Decision.SHORTLIST, "Second round")
    review.lock_panel(manager, call)
    assert awards.send_decision_letters(manager, call) == 1


def test_a_host_link_mailed_before_requests_were_kept_still_confirms_the_details_it_shows(db, app):
    from mobility.applications.tokens import _fingerprint, _serializer

    application = make_application()
    legacy = _serializer("host-confirm").dumps({"app": application.id, "host": _fingerprint(application.host_email)})
    shown = services.host_confirmation_for_token(legacy)
    assert shown.id is None and shown.snapshot == services.host_snapshot(application)  # a read stores nothing
    assert db.session.scalar(select(func.count()).select_from(HostConfirmation)) == 0
    services.confirm_host(shown, name="Lee Ji-eun")
    assert application.host_confirmation is shown and shown.status is HostConfirmationStatus.CONFIRMED
    assert application.host_confirmed_name == "Lee Ji-eun"
    wrong = _serializer("host-confirm").dumps({"app": application.id, "host": _fingerprint("other@example.org")})
    with pytest.raises(Exception):
        services.host_confirmation_for_token(wrong)
