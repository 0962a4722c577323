"""Drafts are never lost (issue 18), through the pages: the report autosaves like the application (JSON, a fresh
token with every save, conflicts and bad versions refused, only the grantee), an expired token is renewed by
the page's script, a photo goes with the report's typed text, and the two-versions pages read as the reader reads."""
from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

import pytest

from mobility.awards import services as awards
from mobility.reports.models import FinalReport
from tests.conftest import csrf_from, sign_in
from tests.factories import MINIMAL_PNG, make_application, make_awardable, make_user


@pytest.fixture
def grant(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.created_at -= timedelta(days=60)
        db.session.commit()
        grant.manager_email = manager.email
        return grant


def _version(html: str) -> str:
    match = re.search(r'name="version" type="hidden" value="(\d*)"|id="version" name="version" '
                      r'type="hidden" value="(\d*)"', html)
    assert match, "no version on the page"
    return match.group(1) or match.group(2)


def _report(version, **changes) -> dict:
    today = date.today()
    data = {"version": str(version), "actual_start": (today - timedelta(days=12)).isoformat(),
            "actual_end": (today - timedelta(days=2)).isoformat(), "activities": "在旧工厂举办了三场声音工作坊。",
            "audience": "80", "travel_mode": "train", "public_summary": "两座城市，一个舞台。"}
    data.update(changes)
    return data


def test_the_report_autosaves_in_json_and_refuses_stale_and_broken_versions(client, db, grant):
    sign_in(client, grant.application.applicant.email)
    page = client.get(f"/grants/{grant.id}/report").get_data(as_text=True)
    assert 'data-autosave-url="/grants/%d/report/autosave"' % grant.id in page
    token, loaded = csrf_from(page), _version(page)
    url = f"/grants/{grant.id}/report/autosave"
    saved = client.post(url, data={**_report(loaded), "csrf_token": token}, headers={"Accept": "application/json"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    body = saved.get_json()
    assert body["version"] == int(loaded) + 1 and body["csrf_token"] and "Saved at" in body["message"]
    report = db.session.query(FinalReport).one()
    assert report.activities == "在旧工厂举办了三场声音工作坊。" and report.version == body["version"]
    # Another window, loaded before that save: refused, nothing overwritten.
    stale = client.post(url, data={**_report(loaded, activities="Old window"), "csrf_token": body["csrf_token"]})
    assert stale.status_code == 409 and stale.get_json()["conflict"] is True
    for broken in ("", "abc", "1.5"):
        bad = client.post(url, data={**_report(body["version"]), "version": broken, "csrf_token": token})
        assert bad.status_code == 400 and bad.is_json, broken
    invalid = client.post(url, data={**_report(body["version"], audience="-3"), "csrf_token": token})
    assert invalid.status_code == 422 and invalid.get_json()["field"] == "audience"
    db.session.refresh(report)
    assert report.activities == "在旧工厂举办了三场声音工作坊。" and report.version == body["version"]


def test_nobody_but_the_grantee_autosaves_the_report(app, client, db, grant):
    url = f"/grants/{grant.id}/report/autosave"
    anonymous = client.post(url, data={**_report(1), "csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    with app.test_request_context():
        other = make_user()
    for email, expected in ((other.email, 404), (grant.manager_email, 403)):
        sign_in(client, email)
        token = csrf_from(client.get("/").get_data(as_text=True))
        response = client.post(url, data={**_report(1), "csrf_token": token}, headers={"Accept": "application/json"})
        assert response.status_code == expected, email
        client.post("/sign-out", data={"csrf_token": token})
    assert db.session.query(FinalReport).count() == 0


def test_an_expired_token_is_answered_in_json_and_a_renewed_one_saves(app, client, db, grant):
    sign_in(client, grant.application.applicant.email)
    page = client.get(f"/grants/{grant.id}/report").get_data(as_text=True)
    old_token, loaded = csrf_from(page), _version(page)
    url = f"/grants/{grant.id}/report/autosave"
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    try:
        time.sleep(2.1)  # the page's token is now older than its lifetime
        refused = client.post(url, data={**_report(loaded), "csrf_token": old_token},
                              headers={"Accept": "application/json"})
        assert refused.status_code == 400 and refused.get_json()["csrf"] is True
        assert db.session.query(FinalReport).count() == 0
        renewed = client.get("/account/form-token", headers={"Accept": "application/json"})
        assert renewed.status_code == 200 and renewed.headers["Cache-Control"] == "no-store"
        saved = client.post(url, data={**_report(loaded), "csrf_token": renewed.get_json()["csrf_token"]},
                            headers={"Accept": "application/json"})
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert db.session.query(FinalReport).one().activities == "在旧工厂举办了三场声音工作坊。"


def test_the_token_is_renewed_for_signed_in_people_only(client, db, grant):
    anonymous = client.get("/account/form-token", headers={"Accept": "application/json"})
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    sign_in(client, grant.application.applicant.email)
    first = client.get("/account/form-token").get_json()["csrf_token"]
    page = client.get(f"/grants/{grant.id}/report").get_data(as_text=True)
    assert 'data-token-url="/account/form-token"' in page and 'data-token-lifetime="3600"' in page
    assert first


def test_a_photo_is_sent_with_the_typed_report_and_the_text_is_never_dropped(client, db, grant):
    sign_in(client, grant.application.applicant.email)
    page = client.get(f"/grants/{grant.id}/report").get_data(as_text=True)
    token, loaded = csrf_from(page), _version(page)
    # The photo's fields and button belong to the report's own form.
    assert 'form="report-form"' in page and 'formaction="/grants/%d/report/photos"' % grant.id in page
    url = f"/grants/{grant.id}/report/photos"
    not_a_photo = client.post(url, data={**_report(loaded, activities="Typed before the photo, A."),
                                         "csrf_token": token, "photo": (io.BytesIO(b"%PDF-1.4"), "x.png")},
                              content_type="multipart/form-data")
    html = not_a_photo.get_data(as_text=True)
    assert not_a_photo.status_code == 422 and "Typed before the photo, A." in html
    assert 'data-unsaved="1"' in html  # the page's script saves it again: it is not stored yet
    added = client.post(url, data={**_report(loaded, activities="Typed before the photo, B."), "csrf_token": token,
                                   "caption": "第一场演出", "photo": (io.BytesIO(MINIMAL_PNG), "opening.png")},
                        content_type="multipart/form-data")
    assert added.status_code == 302
    report = db.session.query(FinalReport).one()
    assert report.activities == "Typed before the photo, B." and [p.caption for p in report.photos] == ["第一场演出"]
    # No file chosen: the text is saved all the same, and the page says a file is missing.
    no_file = client.post(url, data={**_report(report.version, activities="Typed, no photo."), "csrf_token": token},
                          content_type="multipart/form-data")
    assert no_file.status_code == 302
    db.session.refresh(report)
    assert report.activities == "Typed, no photo." and len(report.photos) == 1
    # From a page loaded before the last save: the two versions, not an overwrite.
    stale = client.post(url, data={**_report(loaded, activities="From an old page."), "csrf_token": token,
                                   "photo": (io.BytesIO(MINIMAL_PNG), "late.png")}, content_type="multipart/form-data")
    assert stale.status_code == 409 and "From an old page." in stale.get_data(as_text=True)
    db.session.refresh(report)
    assert report.activities == "Typed, no photo." and len(report.photos) == 1


def test_the_report_two_versions_page_reads_labels_and_values_and_marks_what_differs(client, db, grant):
    sign_in(client, grant.application.applicant.email)
    page = client.get(f"/grants/{grant.id}/report").get_data(as_text=True)
    token, loaded = csrf_from(page), _version(page)
    url = f"/grants/{grant.id}/report"
    assert client.post(url, data={**_report(loaded), "save": "1", "csrf_token": token}).status_code == 302
    stale = client.post(url, data={**_report(loaded, travel_mode="plane", audience="95"), "save": "1",
                                   "csrf_token": token})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Two versions of your report" in html
    rows = {name: cls for cls, name in re.findall(r'<tr class="(differs|same)" data-field="(\w+)"', html)}
    assert rows["travel_mode"] == rows["audience"] == "differs" and rows["activities"] == "same"
    assert "How you travelled for most of the way" in html and ">Plane<" in html and ">Train<" in html
    assert ">train<" not in html  # a code never stands for the value
    assert "2 fields differ" in html
    db.session.refresh(db.session.query(FinalReport).one())
    assert db.session.query(FinalReport).one().travel_mode.value == "train"


def test_the_application_two_versions_page_names_pairs_and_disciplines_and_marks_what_differs(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/edit"
    token = csrf_from(client.get(url).get_data(as_text=True))
    pair = application.call.pairs[0]
    data = {"version": str(application.version), "title": application.title, "summary": application.summary,
            "languages": ["en"], "discipline": "dance", "career_stage": "", "pair_id": str(pair.id),
            "origin_city_id": str(pair.east_asia_city_id), "start_date": application.start_date.isoformat(),
            "end_date": application.end_date.isoformat(), "host_organisation": application.host_organisation,
            "host_contact_name": "", "host_email": application.host_email, "csrf_token": token}
    assert client.post(url, data={**data, "title": "From the first tab"}).status_code == 302
    stale = client.post(url, data={**data, "discipline": "music", "title": "From the other tab"})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert re.search(r'<tr class="differs" data-field="discipline">', html)
    assert re.search(r'<tr class="differs" data-field="title">', html)
    assert re.search(r'<tr class="same" data-field="pair_id">', html)
    assert ">Dance<" in html and ">Music<" in html and pair.display_name() in html
    assert f"<td class=\"preserve-lines\">{pair.id}</td>" not in html  # the pair by name, not its id
    bad = client.post(url, data={**data, "version": "x"})
    assert bad.status_code == 400
    autosave = client.post(f"/applications/{application.id}/autosave", data={**data, "version": "x"})
    assert autosave.status_code == 400 and autosave.is_json


def test_a_photo_with_a_report_that_does_not_validate_keeps_nothing_and_shows_the_text(client, db, grant):
    sign_in(client, grant.application.applicant.email)
    page = client.get(f"/grants/{grant.id}/report").get_data(as_text=True)
    response = client.post(f"/grants/{grant.id}/report/photos", data={
        **_report(_version(page), activities="x" * 10001, public_summary="Kept on the page."),
        "csrf_token": csrf_from(page), "photo": (io.BytesIO(MINIMAL_PNG), "opening.png")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "Kept on the page." in response.get_data(as_text=True)
    assert db.session.query(FinalReport).count() == 0
