"""An application reopened before the deadline and not submitted again is reviewed as it was last submitted:
after the deadline its content, files and team come back from its latest receipt, it is submitted again as of
that receipt, and the applicant is told. Files of that submission removed from the draft are kept until the
application is submitted again."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mobility.applications import services
from mobility.applications.enums import (
    ApplicationStatus,
    AttachmentKind,
    HostConfirmationStatus,
    MemberStatus,
)
from mobility.applications.models import Attachment
from mobility.calls.enums import CallKind
from mobility.core.digests import content_hash
from mobility.core.models import AuditEntry, OutboxMessage
from tests.factories import MINIMAL_PDF, MINIMAL_PNG, draft_data, make_application, make_call, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


def _changed(application, **changes):
    services.save_draft(application.applicant, application, application.version, draft_data(application, **changes))


def _files(db, application):
    return [(a.display_name, a.removed_at is None)
            for a in db.session.scalars(select(Attachment).where(Attachment.application_id == application.id)
                                        .order_by(Attachment.id))]


def _mails_to(db, address):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id)).all()


def _submitted_with_a_cv(db):
    application = make_application()
    applicant = application.applicant
    services.add_attachment(applicant, application, kind=AttachmentKind.CV, filename="cv.pdf", data=MINIMAL_PDF)
    receipt = services.submit_application(applicant, application)
    db.session.commit()
    return application, receipt


def test_a_reopened_application_not_submitted_again_is_reviewed_as_last_submitted(db):
    application, receipt = _submitted_with_a_cv(db)
    applicant = application.applicant
    services.reopen_application(applicant, application)
    _changed(application, title="Tidal memory, half rewritten", start_date=application.start_date + timedelta(days=3))
    cv = application.attachments[0]
    services.delete_attachment(applicant, application, cv)
    services.add_attachment(applicant, application, kind=AttachmentKind.PORTFOLIO, filename="sketch.png",
                            data=MINIMAL_PNG)
    # The draft shows the changes; the file of the submission is only set aside.
    assert [a.display_name for a in application.attachments] == ["sketch.png"]
    assert _files(db, application) == [("cv.pdf", False), ("sketch.png", True)]

    call = application.call
    assert services.settle_deadline(None, call) == 0  # before the deadline the draft is the applicant's
    assert application.status is ApplicationStatus.DRAFT
    late = call.closes_at + timedelta(minutes=1)
    assert services.settle_deadline(None, call, now=late) == 1
    db.session.expire_all()
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.title == "Tidal memory" and application.start_date.isoformat() == receipt.content["start_date"]
    assert application.submitted_at == receipt.submitted_at and len(application.receipts) == 1
    assert [a.display_name for a in application.attachments] == ["cv.pdf"]
    assert _files(db, application) == [("cv.pdf", True)]  # the file added since is gone
    assert content_hash(services.content_snapshot(application)) == receipt.content_sha256
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "application.restored")).one()
    assert entry.detail["whole"] == "True" and entry.detail["reference"] == receipt.reference
    mail = _mails_to(db, applicant.email)[-1]
    assert "the version you submitted is the one reviewed" in mail.subject and receipt.reference in mail.body
    assert "not submit it again before the deadline" in mail.body
    # Once: a second run (cron, the office closing the call) finds nothing more and mails nobody.
    mailed = len(_mails_to(db, applicant.email))
    assert services.settle_deadline(None, call, now=late) == 0
    assert len(_mails_to(db, applicant.email)) == mailed


def test_submitting_again_deletes_the_files_removed_from_the_draft(db):
    application, _receipt = _submitted_with_a_cv(db)
    applicant = application.applicant
    services.reopen_application(applicant, application)
    cv = application.attachments[0]
    key = cv.storage_key
    services.delete_attachment(applicant, application, cv)
    services.add_attachment(applicant, application, kind=AttachmentKind.CV, filename="cv-2026.pdf",
                            data=MINIMAL_PDF + b"\n% revised\n")
    second = services.submit_application(applicant, application)
    assert second.number == 2 and [f[0] for f in second.content["attachments"]] == ["cv-2026.pdf"]
    assert _files(db, application) == [("cv-2026.pdf", True)]
    assert key in db.session.info["storage_deletions"]  # its bytes go with the commit
    # Nothing is left to restore: the application is not a draft.
    assert services.settle_deadline(None, application.call, now=application.call.closes_at) == 0


def test_uploading_a_removed_file_again_brings_it_back(db):
    application, receipt = _submitted_with_a_cv(db)
    applicant = application.applicant
    services.reopen_application(applicant, application)
    cv = application.attachments[0]
    services.delete_attachment(applicant, application, cv)
    again = services.add_attachment(applicant, application, kind=AttachmentKind.CV, filename="my cv.pdf",
                                    data=MINIMAL_PDF)
    assert again.id == cv.id and again.removed_at is None and again.display_name == "my cv.pdf"
    assert [a.display_name for a in application.attachments] == ["my cv.pdf"]
    # Not submitted again: after the deadline the file is there as submitted, under its submitted name.
    services.restore_last_submission(None, application, now=application.call.closes_at)
    assert [a.display_name for a in application.attachments] == ["cv.pdf"]
    assert content_hash(services.content_snapshot(application)) == receipt.content_sha256


def test_a_file_never_submitted_is_deleted_at_once(db):
    application = make_application()
    applicant = application.applicant
    draft_file = services.add_attachment(applicant, application, kind=AttachmentKind.CV, filename="cv.pdf",
                                         data=MINIMAL_PDF)
    services.delete_attachment(applicant, application, draft_file)
    assert _files(db, application) == []


def test_a_withdrawn_then_reopened_application_comes_back_as_submitted(db):
    application, receipt = _submitted_with_a_cv(db)
    applicant = application.applicant
    services.withdraw_application(applicant, application)
    services.reopen_application(applicant, application)
    services.restore_last_submission(None, application, now=application.call.closes_at)
    assert application.status is ApplicationStatus.SUBMITTED and application.withdrawn_at is None
    # Withdrawn and left withdrawn: nothing to restore.
    other, _ = _submitted_with_a_cv(db)
    services.withdraw_application(other.applicant, other)
    assert services.restore_last_submission(None, other, now=other.call.closes_at) is None
    assert other.status is ApplicationStatus.WITHDRAWN


def test_the_host_is_asked_about_the_stay_as_it_was_submitted(db):
    application, _receipt = _submitted_with_a_cv(db)
    applicant = application.applicant
    request = services.request_host_confirmation(applicant, application)
    services.confirm_host(request, name="Mateja Kos")
    services.reopen_application(applicant, application)
    _changed(application, host_email="other-host@example.si")
    assert application.host_confirmation.status is HostConfirmationStatus.WITHDRAWN
    before = len(_mails_to(db, "host@example.de"))
    services.restore_last_submission(None, application, now=application.call.closes_at)
    assert application.host_email == "host@example.de"
    latest = application.host_confirmation
    assert latest.status is HostConfirmationStatus.REQUESTED and latest.snapshot["email"] == "host@example.de"
    assert len(_mails_to(db, "host@example.de")) == before + 1
    assert _mails_to(db, "other-host@example.si") == []  # never asked: the autosave did not mail it


def test_people_invited_after_the_submission_are_not_part_of_it(db):
    call = make_call(kind=CallKind.CO_CREATION, publish=True)
    application = make_application(call=call)
    applicant = application.applicant
    pair = call.pairs[0]
    member = services.invite_member(applicant, application, name="Jana Müller", email="jana@example.de",
                                    city_id=pair.europe_city_id)
    services.respond_to_invitation(make_user(email="jana@example.de"), member, True)
    receipt = services.submit_application(applicant, application)
    services.reopen_application(applicant, application)
    services.invite_member(applicant, application, name="Li Wei", email="li@example.cn", city_id=None)
    services.restore_last_submission(None, application, now=call.closes_at)
    db.session.expire_all()
    assert [(m.name, m.status) for m in application.members] == [("Jana Müller", MemberStatus.ACCEPTED)]
    assert content_hash(services.content_snapshot(application)) == receipt.content_sha256
    assert "Li Wei" in _mails_to(db, applicant.email)[-1].body


def test_the_scheduled_run_settles_every_call_past_its_deadline(app, db):
    first, _ = _submitted_with_a_cv(db)
    second, _ = _submitted_with_a_cv(db)
    for application in (first, second):
        services.reopen_application(application.applicant, application)
    first.call.closes_at = first.call.closes_at - timedelta(days=40)  # its deadline has passed
    first.call.opens_at = first.call.closes_at - timedelta(days=10)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["applications", "settle"])
    assert result.exit_code == 0 and "1 reopened application(s) restored" in result.output
    db.session.expire_all()
    assert first.status is ApplicationStatus.SUBMITTED and second.status is ApplicationStatus.DRAFT
    result = app.test_cli_runner().invoke(args=["applications", "settle"])
    assert "0 reopened application(s) restored" in result.output


def test_a_file_set_aside_is_still_in_the_personal_data_download_and_goes_with_erasure(db):
    from mobility.privacy import services as privacy

    application, _receipt = _submitted_with_a_cv(db)
    applicant = application.applicant
    services.reopen_application(applicant, application)
    services.delete_attachment(applicant, application, application.attachments[0])
    listed = privacy.personal_data(applicant)["applications"][0]["files"]
    assert [f["display_name"] for f in listed] == ["cv.pdf"] and listed[0]["removed_at"]
    assert [name for name, _key in privacy._files(applicant)][0].endswith("cv.pdf")
    key = db.session.scalars(select(Attachment.storage_key)).one()
    privacy.erase(applicant)
    assert db.session.scalars(select(Attachment)).all() == [] and key in db.session.info["storage_deletions"]
