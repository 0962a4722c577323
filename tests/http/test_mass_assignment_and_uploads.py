"""Hostile form posts: extra fields (status, owner, score, awarded) change nothing; uploads are judged by
their bytes, never their names, and a flood of form parts is refused."""
from __future__ import annotations

import io
from datetime import date, timedelta

from mobility.accounts.enums import Role
from mobility.applications.enums import ApplicationStatus
from mobility.awards import services as awards
from mobility.reports.enums import ReportStatus
from mobility.reports.models import FinalReport
from tests.conftest import csrf_from, sign_in
from tests.factories import make_application, make_awardable, make_user

EXTRAS = {"status": "awarded", "owner_id": "1", "applicant_id": "1", "user_id": "1", "score": "5",
          "awarded": "y", "amount": "999999", "roles": "admin", "role": "admin", "reference": "MOB-HACKED",
          "call_id": "999", "grant_id": "999", "approved_at": "2026-01-01", "version": None}


def _post(client, url, data):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**{k: v for k, v in EXTRAS.items() if v is not None}, **data,
                                  "csrf_token": csrf_from(page)})


def test_extra_fields_on_a_draft_change_nothing_but_the_draft(app, client, db):
    with app.test_request_context():
        application = make_application()
        other = make_user("applicant")
    sign_in(client, application.applicant.email)
    owner, call = application.applicant_id, application.call_id
    pair = application.call.pairs[0]
    response = _post(client, f"/applications/{application.id}/edit", {
        "version": str(application.version), "title": "New title", "summary": application.summary,
        "languages": ["en"], "discipline": "dance", "career_stage": "", "pair_id": str(pair.id),
        "origin_city_id": str(pair.east_asia_city_id), "start_date": application.start_date.isoformat(),
        "end_date": application.end_date.isoformat(), "host_organisation": "Atomino", "host_contact_name": "",
        "host_email": "host@example.de", "applicant_id": str(other.id)})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.title == "New title"
    assert (application.status, application.applicant_id, application.call_id, application.reference) == \
        (ApplicationStatus.DRAFT, owner, call, None)


def test_extra_fields_on_the_profile_grant_no_role(app, client, db):
    with app.test_request_context():
        user = make_user("applicant")
    sign_in(client, user.email)
    response = _post(client, "/account/profile", {"name": "Kim", "locale": "ko", "timezone": "Asia/Seoul",
                                                  "country": "kr", "home_city_id": "", "read_ko": "native",
                                                  "write_ko": "native", "read_en": "", "write_en": "", "read_zh": "",
                                                  "write_zh": "", "read_ja": "", "write_ja": "", "affiliations": "",
                                                  "active": "", "email": "boss@example.org"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.name == "Kim" and user.roles == {Role.APPLICANT} and user.active and user.email != "boss@example.org"


def test_extra_fields_on_a_report_neither_approve_nor_pay(app, client, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.created_at -= timedelta(days=30)
        db.session.commit()
        amount = grant.amount
    sign_in(client, application.applicant.email)
    response = _post(client, f"/grants/{grant.id}/report", {
        "actual_start": (date.today() - timedelta(days=9)).isoformat(),
        "actual_end": (date.today() - timedelta(days=2)).isoformat(), "activities": "Workshops",
        "audience": "12", "travel_mode": "train", "public_summary": "Two cities", "save": "1", "version": "1"})
    assert response.status_code == 302
    report = db.session.query(FinalReport).one()
    db.session.refresh(grant)
    assert report.status is ReportStatus.DRAFT and report.approved_at is None and grant.amount == amount


def test_a_flood_of_form_parts_is_refused(app, client, db):
    with app.test_request_context():
        user = make_user("applicant")
    sign_in(client, user.email)
    token = csrf_from(client.get("/account/profile").get_data(as_text=True))
    data = {f"field{i}": (io.BytesIO(b"x"), f"f{i}.txt") for i in range(app.config["MAX_FORM_PARTS"] + 10)}
    response = client.post("/account/profile", data={**data, "csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 413


def test_uploads_are_judged_by_content_and_names_never_reach_the_store(app, client, db, store):
    from tests.factories import MINIMAL_PDF

    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/attachments"

    def upload(name, data):
        token = csrf_from(client.get(f"/applications/{application.id}/edit").get_data(as_text=True))
        return client.post(url, data={"csrf_token": token, "kind": "portfolio", "question_id": "",
                                      "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert upload("photo.png", svg).status_code == 422                 # SVG with a script, named as a PNG
    assert upload("cv.pdf", b"MZ\x90\x00" + b"\x00" * 64).status_code == 422  # a program named as a PDF
    assert upload("..\\..\\..\\windows\\system.ini.pdf", MINIMAL_PDF).status_code == 302
    assert upload("../../../../etc/cron.d/evil.pdf", MINIMAL_PDF + b"\n").status_code == 302  # another file
    db.session.refresh(application)
    names = sorted(a.display_name for a in application.attachments)
    assert names[0] == "evil.pdf" and names[1].endswith("system.ini.pdf")
    assert not any(part in name for name in names for part in ("/", "\\", ".."))
    sent = {"evil.pdf": MINIMAL_PDF + b"\n"}
    for attachment in application.attachments:
        assert attachment.storage_key.isalnum()                         # our random key, not their name
        assert store.read(attachment.storage_key) == sent.get(attachment.display_name, MINIMAL_PDF)
    assert sorted(store.keys()) == sorted(a.storage_key for a in application.attachments)  # the refused: not kept
