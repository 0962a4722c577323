"""Applications through the pages: drafting, conflicts, files, submission, receipts, and who may see what."""
from __future__ import annotations

import csv
import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from mobility.applications import services
from mobility.applications.enums import ApplicationStatus, AttachmentKind, ScreeningReason
from mobility.applications.models import Application
from tests.conftest import csrf_from, export_through_job, sign_in
from tests.factories import MINIMAL_PDF, PASSWORD, make_application, make_call, make_user


def _token(client, url="/"):
    return csrf_from(client.get(url).get_data(as_text=True))


def _form_data(application, version=None, **changes):
    pair = application.call.pairs[0]
    data = {"version": str(application.version if version is None else version), "title": application.title, "summary": application.summary,
            "languages": ["en"], "discipline": "dance", "career_stage": "", "pair_id": str(pair.id),
            "origin_city_id": str(pair.east_asia_city_id), "start_date": application.start_date.isoformat(),
            "end_date": application.end_date.isoformat(), "host_organisation": application.host_organisation,
            "host_contact_name": "", "host_email": application.host_email}
    data.update(changes)
    return data


def test_an_artist_drafts_saves_and_submits_then_downloads_the_receipt(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/edit"
    response = client.post(url, data={**_form_data(application, title="潮の記憶"), "csrf_token": _token(client, url)})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.title == "潮の記憶"

    submit_page = client.get(f"/applications/{application.id}/submit").get_data(as_text=True)
    response = client.post(f"/applications/{application.id}/submit", data={"csrf_token": csrf_from(submit_page)})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.SUBMITTED

    # A double click (the same form sent again) changes nothing and shows the same reference.
    again = client.post(f"/applications/{application.id}/submit", data={"csrf_token": csrf_from(submit_page)})
    assert again.status_code == 302
    assert client.get(url).status_code == 302  # read-only now: editing sends to the view
    pdf = client.get(f"/applications/{application.id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert application.reference in pdf.headers["Content-Disposition"]


def test_two_tabs_saving_the_same_draft_get_a_409_with_both_versions(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/edit"
    token = _token(client, url)
    loaded = application.version  # both tabs opened the draft at this version
    first = client.post(url, data={**_form_data(application, loaded, title="From tab one"), "csrf_token": token})
    assert first.status_code == 302
    stale = client.post(url, data={**_form_data(application, loaded, title="From tab two"), "csrf_token": token})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "From tab one" in html and "From tab two" in html
    db.session.refresh(application)
    assert application.title == "From tab one"


def _autosaving_draft(app, client):
    """A draft whose applicant is signed in: (draft, its autosave URL, the edit page's CSRF token)."""
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    return (application, f"/applications/{application.id}/autosave",
            _token(client, f"/applications/{application.id}/edit"))


def test_autosave_answers_json_with_a_fresh_token_and_refuses_stale_versions(app, client, db):
    application, url, token = _autosaving_draft(app, client)
    loaded = application.version
    response = client.post(url, data={**_form_data(application, loaded, title="Autosaved"), "csrf_token": token})
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == loaded + 1 and body["csrf_token"] and "Saved at" in body["message"]
    stale = client.post(url, data={**_form_data(application, loaded, title="Old"), "csrf_token": token})
    assert stale.status_code == 409 and stale.get_json()["conflict"] is True
    invalid = client.post(url, data={**_form_data(application, host_email="nope"), "version": str(body["version"]),
                                     "csrf_token": token})
    assert invalid.status_code == 422 and invalid.get_json()["field"] == "host_email"


def test_an_autosave_whose_answer_was_lost_is_not_a_conflict_with_itself(app, client, db):
    """The connection drops after the server stored a save: the page's next save names the lost one."""
    application, url, token = _autosaving_draft(app, client)
    loaded = application.version
    lost = client.post(url, data={**_form_data(application, loaded, title="Stored, answer lost"),
                                  "save_id": "a1", "csrf_token": token})
    assert lost.status_code == 200  # the page never sees this answer: it still holds `loaded`
    nxt = client.post(url, data={**_form_data(application, loaded, title="Typed after"), "save_id": "a2",
                                 "lost_save": "a1", "csrf_token": token})
    assert nxt.status_code == 200 and nxt.get_json()["version"] == loaded + 2
    db.session.refresh(application)
    assert application.title == "Typed after"
    # Our save "b1" was lost before the server stored it, and another window saved: that is a conflict.
    other = client.post(url, data={**_form_data(application, loaded + 2, title="Other window"), "save_id": "c1",
                                   "csrf_token": token})
    assert other.status_code == 200
    stale = client.post(url, data={**_form_data(application, loaded + 2, title="Mine, later"), "save_id": "b2",
                                   "lost_save": "b1", "csrf_token": token})
    assert stale.status_code == 409
    db.session.refresh(application)
    assert application.title == "Other window"


def test_an_expired_token_on_the_long_form_keeps_the_text(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/edit"
    token = _token(client, url)
    app.config["WTF_CSRF_TIME_LIMIT"] = -1
    try:
        response = client.post(url, data={**_form_data(application, summary="三時間かけて書いた文章"),
                                          "csrf_token": token})
    finally:
        app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    assert response.status_code == 400 and "三時間かけて書いた文章" in response.get_data(as_text=True)


def test_uploads_are_checked_by_content_and_served_as_attachments(app, client, db, store):  # directory and S3
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/attachments"

    def upload(name, data):
        return client.post(url, data={"csrf_token": _token(client, f"/applications/{application.id}/edit"),
                                      "kind": "portfolio", "question_id": "", "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    assert upload("../../作品集.pdf", MINIMAL_PDF).status_code == 302
    assert upload("作品集.pdf", MINIMAL_PDF).status_code == 302  # sent again: the answer was lost on the way
    assert upload("innocent.pdf", b"<html><script>alert(1)</script></html>").status_code == 422
    assert upload("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>").status_code == 422
    db.session.refresh(application)
    assert [a.display_name for a in application.attachments] == ["作品集.pdf"]
    attachment = application.attachments[0]
    download = client.get(f"/applications/{application.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == MINIMAL_PDF
    assert list(store.keys()) == [attachment.storage_key] and store.read(attachment.storage_key) == MINIMAL_PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "%E4%BD%9C%E5%93%81%E9%9B%86.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_a_file_over_the_limit_gets_a_translated_413(app, client, db):
    with app.test_request_context():
        application = make_application(applicant=make_user(locale="ko"))
    sign_in(client, application.applicant.email)
    app.config["MAX_ATTACHMENT_BYTES"] = 16
    try:
        response = client.post(f"/applications/{application.id}/attachments", data={
            "csrf_token": _token(client, f"/applications/{application.id}/edit"), "kind": "cv", "question_id": "",
            "file": (io.BytesIO(MINIMAL_PDF), "cv.pdf")}, content_type="multipart/form-data")
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 413
    assert '<html lang="ko">' in response.get_data(as_text=True)


def _application_urls(application, attachment_id):
    base = f"/applications/{application.id}"
    return [("GET", base), ("GET", base + "/edit"), ("POST", base + "/edit"), ("POST", base + "/autosave"),
            ("GET", base + "/submit"), ("POST", base + "/submit"), ("GET", base + "/receipt.pdf"),
            ("POST", base + "/withdraw"), ("POST", base + "/attachments"),
            ("POST", f"{base}/attachments/{attachment_id}/delete"), ("GET", f"{base}/attachments/{attachment_id}"),
            ("POST", base + "/team"), ("POST", base + "/host-request"), ("POST", base + "/screen")]


@pytest.mark.parametrize("intruder", ["other artist", "unassigned juror", "anonymous"])
def test_nobody_else_reaches_an_application_or_its_files(app, client, db, intruder):
    with app.test_request_context():
        application = make_application()
        services.add_attachment(application.applicant, application, kind=AttachmentKind.PORTFOLIO,
                                filename="secret.pdf", data=MINIMAL_PDF)
        db.session.commit()
        attachment_id = application.attachments[0].id
        if intruder != "anonymous":
            user = make_user("juror" if "juror" in intruder else "applicant")
    if intruder != "anonymous":
        sign_in(client, user.email)
    token = _token(client)
    for method, url in _application_urls(application, attachment_id):
        response = client.open(url, method=method, data={"csrf_token": token, "title": "hijack"})
        if intruder == "anonymous":
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], (method, url)
        else:
            assert response.status_code == 404, (method, url, response.status_code)
            assert b"secret.pdf" not in response.data and b"Tidal memory" not in response.data
    db.session.refresh(application)
    assert application.title == "Tidal memory" and len(application.attachments) == 1


def test_a_team_member_may_edit_but_only_the_lead_submits(app, client, db):
    from mobility.calls.enums import CallKind

    with app.test_request_context():
        call = make_call(kind=CallKind.CO_CREATION, publish=True)
        application = make_application(call=call)
        member = services.invite_member(application.applicant, application, name="Jana", email="jana@example.de",
                                        city_id=call.pairs[0].europe_city_id)
        jana = make_user(email="jana@example.de")
        services.respond_to_invitation(jana, member, True)
        db.session.commit()
    sign_in(client, "jana@example.de")
    url = f"/applications/{application.id}/edit"
    assert client.get(url).status_code == 200
    assert client.post(f"/applications/{application.id}/submit",
                       data={"csrf_token": _token(client, url)}).status_code == 403
    assert client.post(f"/applications/{application.id}/team",
                       data={"csrf_token": _token(client, url), "name": "X", "email": "x@example.org"}
                       ).status_code == 403


def test_the_host_confirms_through_the_signed_link_without_an_account(app, client, db):
    with app.test_request_context():
        application = make_application()
        services.request_host_confirmation(application.applicant, application)
        db.session.commit()
    from mobility.core.models import OutboxMessage

    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "host@example.de"))
    link = re.search(r"https?://\S+", body).group(0).replace("http://mobility.test", "")
    page = client.get(link)
    assert page.status_code == 200 and "Tidal memory" in page.get_data(as_text=True)
    response = client.post(link, data={"name": "Lee Ji-eun", "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.host_confirmed_name == "Lee Ji-eun"
    assert client.get(link[:-3] + "abc").status_code == 404


def test_the_office_lists_filters_searches_exports_and_screens(app, client, db, signed_in):
    with app.test_request_context():
        call = make_call(publish=True)
        first = make_application(call=call, title="=HYPERLINK(\"http://evil\")", languages=["en"])
        second = make_application(call=call, title="鎌倉の海の記憶", applicant=make_user(locale="ja"))
        draft = make_application(call=call, title="Still a draft")
        for application in (first, second):
            services.submit_application(application.applicant, application)
        db.session.commit()
    signed_in("manager")
    listing = client.get(f"/manage/calls/{call.id}/applications").get_data(as_text=True)
    assert "鎌倉の海の記憶" in listing and "Still a draft" not in listing
    assert second.applicant.name in listing and second.reference in listing
    # A page past the end shows the last page rather than an empty list.
    assert "鎌倉の海の記憶" in client.get(f"/manage/calls/{call.id}/applications?page=99").get_data(as_text=True)
    searched = client.get(f"/manage/calls/{call.id}/applications?q=海の記").get_data(as_text=True)
    assert "鎌倉の海の記憶" in searched and "HYPERLINK" not in searched

    export = f"/manage/calls/{call.id}/applications/export"
    exported = export_through_job(client, export, "csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    only_japanese = list(csv.reader(io.StringIO(export_through_job(client, export + "?q=海の記", "csv")
                                                .get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[5] for row in only_japanese] == ["Title", "鎌倉の海の記憶"]  # the list's filters apply
    workbook = load_workbook(io.BytesIO(export_through_job(client, export, "xlsx").data))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert "鎌倉の海の記憶" in values and not any(v.startswith("=") for v in values)

    page = client.get(f"/applications/{second.id}").get_data(as_text=True)
    client.post(f"/applications/{second.id}/screen", data={"decision": "ineligible", "reason": "dates", "note": "",
                                                           "csrf_token": csrf_from(page)})
    db.session.refresh(second)
    assert second.status is ApplicationStatus.INELIGIBLE
    client.post("/sign-out", data={"csrf_token": _token(client)})
    sign_in(client, second.applicant.email, PASSWORD)
    mine = client.get("/my/applications").get_data(as_text=True)
    with app.test_request_context(), force_locale("ja"):
        reason_in_japanese = ScreeningReason.DATES.title
    assert reason_in_japanese in mine and "outside what the call allows" not in mine
    assert draft.status is ApplicationStatus.DRAFT
    assert db.session.scalar(select(Application).where(Application.title == "Still a draft")) is not None


def test_the_office_list_counts_what_each_filter_matches(app, client, db, signed_in):
    with app.test_request_context():
        call = make_call(publish=True)
        pair = call.pairs[0]
        from_asia = [make_application(call=call, title=f"Asia {n}") for n in range(3)]
        from_europe = make_application(call=call, title="Europe 1", origin_city_id=pair.europe_city_id,
                                       discipline="music")
        make_application(call=call, title="Still a draft")
        for application in (*from_asia, from_europe):
            services.submit_application(application.applicant, application)
        services.screen_application(make_user("manager"), from_asia[0], eligible=True, reason=None, note=None)
        db.session.commit()
    signed_in("manager")

    def matches(query: str) -> str:
        page = client.get(f"/manage/calls/{call.id}/applications{query}").get_data(as_text=True)
        return re.search(r"(\d+) applications? match", page).group(1)

    assert matches("") == "4"  # drafts are not the office's
    assert matches("?status=eligible") == "1" and matches("?status=submitted") == "3"
    assert matches(f"?direction={from_europe.direction.value}") == "1"
    assert matches(f"?direction={from_asia[0].direction.value}&status=submitted") == "2"
    assert matches("?discipline=music") == "1" and matches("?q=asia") == "3"


def test_asking_the_host_again_and_again_is_refused_with_a_translated_message(app, client, db, monkeypatch):
    """The host-request button mails the address the artist typed: past the allowance the page says so in the
    artist's language, and no mail goes out."""
    from mobility.core.models import OutboxMessage
    monkeypatch.setitem(app.config, "TYPED_MAIL_PER_APPLICATION_PER_DAY", 2)
    with app.test_request_context():
        application = make_application()
        artist = application.applicant
        artist.locale = "ko"
        db.session.commit()
    sign_in(client, artist.email)
    url = f"/applications/{application.id}/host-request"
    for expected in ("flash-success", "flash-success", "flash-error"):
        page = client.get(f"/applications/{application.id}/edit")
        response = client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))},
                               follow_redirects=True)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert expected in html, html[:3000]
    assert "24시간" in html  # the refusal, in Korean
    to_host = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "host@example.de")).all()
    assert len(to_host) == 2
