"""The personal-data download is complete — decisions, amendments, the jury's feedback and reviews on their
own applications, what others did to their records — and never names a juror; files keep their extension."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mobility.applications import services as applications
from mobility.applications.attachments import with_extension
from mobility.applications.enums import AttachmentKind
from mobility.awards import services as awards
from mobility.db import utcnow
from mobility.privacy import services
from mobility.reports import services as reports
from mobility.review import services as review
from mobility.review.enums import ReviewStatus
from mobility.review.models import Assignment, ConsensusReport, Review
from tests.factories import MINIMAL_PDF, MINIMAL_PNG, make_application, make_awardable


@pytest.fixture(autouse=True)
def ctx(app, store):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


@pytest.fixture
def decided(db):
    """A blind call's awarded application: a juror's submitted review, the approved consensus, the letter
    sent, the grant accepted with an amendment, a report photo and a CV uploaded as "cv" (no extension)."""
    manager, call, (application,) = make_awardable(blind=True)
    user = application.applicant
    assignment = db.session.scalar(sa.select(Assignment).where(Assignment.application_id == application.id))
    juror = assignment.juror
    db.session.add(Review(assignment_id=assignment.id, status=ReviewStatus.SUBMITTED, submitted_at=utcnow(),
                          scores={}, comments={}, overall_comment="Vivid and precise.", comment_language="en"))
    db.session.add(ConsensusReport(application_id=application.id, rapporteur_id=juror.id, scores={}, comments={},
                                   summary="The jury liked the tidal structure.", approved_by_id=manager.id,
                                   approved_at=utcnow()))
    grant = awards.award_application(manager, application, "Excellent")
    review.lock_panel(manager, call)
    awards.send_decision_letters(manager, call)
    awards.accept_grant(user, grant, name=user.name)
    awards.request_amendment(user, grant, start=grant.start_date, end=grant.end_date - timedelta(days=1),
                             travellers=grant.travellers, reason="One day shorter")
    grant.created_at -= timedelta(days=60)
    reports.add_photo(user, reports.report_for(grant), data=MINIMAL_PNG, caption="Opening")
    draft = make_application(applicant=user, title="Second idea")
    applications.add_attachment(user, draft, kind=AttachmentKind.CV, filename="cv", data=MINIMAL_PDF)
    db.session.commit()
    return user, juror, manager, application


def _download(user) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(services.export_archive(user)))
    return json.loads(archive.read("data.json")), archive


def test_the_download_has_decisions_feedback_reviews_amendments_and_what_others_did(decided):
    user, juror, manager, application = decided
    data, _archive = _download(user)
    assert [(d["application_id"], d["decision"], d["reason"]) for d in data["panel_decisions"]] == [
        (application.id, "award", "Excellent")]
    assert [f["summary"] for f in data["jury_feedback"]] == ["The jury liked the tidal structure."]
    assert [(r["reviewer"], r["overall_comment"]) for r in data["reviews_of_your_applications"]] == [
        (1, "Vivid and precise.")]
    assert [a["reason"] for a in data["grant_amendments"]] == ["One day shorter"]
    assert [p["caption"] for p in data["report_photos"]] == ["Opening"]
    about = {e["action"] for e in data["about_you"]}
    assert {"review.decision", "award.offered"} <= about
    assert all("actor_id" not in e and "ip" not in e for e in data["about_you"])


def test_the_download_never_says_who_reviewed_in_a_blind_call(decided):
    user, juror, manager, _application = decided
    data, archive = _download(user)
    text = archive.read("data.json").decode()
    assert juror.name not in text and juror.email not in text
    for section in ("jury_feedback", "reviews_of_your_applications", "panel_decisions"):
        for row in data[section]:
            assert not {"rapporteur_id", "approved_by_id", "decided_by_id", "assignment_id", "juror_id"} & set(row)


def test_feedback_comes_only_once_the_letter_has_gone_out(db):
    manager, call, (application,) = make_awardable()
    assignment = db.session.scalar(sa.select(Assignment).where(Assignment.application_id == application.id))
    db.session.add(Review(assignment_id=assignment.id, status=ReviewStatus.SUBMITTED, submitted_at=utcnow(),
                          scores={}, comments={}, overall_comment="Not yet for the applicant."))
    awards.award_application(manager, application, "Still deliberating")
    db.session.commit()
    data, _archive = _download(application.applicant)
    assert data["panel_decisions"] == [] and data["reviews_of_your_applications"] == []
    assert "Not yet for the applicant." not in json.dumps(data, ensure_ascii=False)


def test_files_keep_their_extension(decided):
    user, *_ = decided
    _data, archive = _download(user)
    files = sorted(n for n in archive.namelist() if n.startswith("files/"))
    assert len(files) == 2
    assert any(n.endswith("-cv.pdf") for n in files) and any(n.endswith(".png") for n in files)
    assert with_extension("photo.JPEG", "image/jpeg") == "photo.JPEG"
    assert with_extension("notes", "application/vnd.oasis.opendocument.text") == "notes.odt"
