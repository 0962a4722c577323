"""Review a jury can trust, through the pages (issue 18): declaring a conflict, blind downloads, translations,
phases that go back only when confirmed."""
from __future__ import annotations

import io

import pikepdf
from PIL import Image
from sqlalchemy import select

from mobility.applications import services as applications
from mobility.applications.enums import AttachmentKind
from mobility.calls import services as calls
from mobility.calls.enums import CallStatus, QuestionKind
from mobility.core.models import OutboxMessage
from mobility.review import services
from mobility.review.enums import AssignmentStatus, PhaseKind
from mobility.review.models import Assignment
from tests.conftest import csrf_from, sign_in
from tests.factories import (
    jpeg_with_exif,
    make_application,
    make_call,
    make_juror,
    make_reviewable_call,
    make_user,
    pdf_with_metadata,
)

CANARY = "Zq7canaryXy"


def _token(client, url="/"):
    return csrf_from(client.get(url).get_data(as_text=True))


def _sign_out(client):
    client.post("/sign-out", data={"csrf_token": _token(client)})


def test_a_juror_declares_a_conflict_one_seat_moves_and_the_office_reads_the_reason(app, client, db):
    with app.test_request_context():
        europe = [make_juror(city="Chemnitz", name="Anna Weber"), make_juror(city="Oulu", name="Aino Virtanen")]
        asia = [make_juror(city="Nara", name="Sato Yuki", locale="ja"),
                make_juror(city="Huzhou", name="Chen Jing", locale="zh_Hans")]
        manager, call, made = make_reviewable_call(jurors=europe + asia, k=2, applications=3)
        services.run_assignment(manager, call)
        db.session.commit()
    before = {a.id: (a.application_id, a.juror_id) for a in db.session.scalars(select(Assignment))}
    mails = len(db.session.scalars(select(OutboxMessage)).all())
    mine = db.session.scalar(select(Assignment).where(Assignment.juror_id == europe[0].id).order_by(Assignment.id))

    sign_in(client, europe[0].email)
    page = client.get("/review/")
    response = client.post(f"/review/assignments/{mine.id}/declare", data={
        "answer": "conflict", "reason": "I taught this artist for two years.",
        "csrf_token": csrf_from(page.get_data(as_text=True))}, follow_redirects=True)
    assert response.status_code == 200 and "taken from your list" in response.get_data(as_text=True)
    db.session.expire_all()
    after = {a.id: (a.application_id, a.juror_id, a.status) for a in db.session.scalars(select(Assignment))}
    assert after[mine.id][2] is AssignmentStatus.CONFLICT
    new = [i for i in after if i not in before]
    assert len(new) == 1 and after[new[0]][:2] == (mine.application_id, europe[1].id)
    sent = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[mails:]
    assert [(m.recipient, m.locale) for m in sent] == [(europe[1].email, europe[1].locale)]
    # The application is out of reach at once: 403 for the page and its files.
    assert client.get(f"/review/assignments/{mine.id}").status_code == 403
    _sign_out(client)

    sign_in(client, manager.email)
    page = client.get(f"/manage/calls/{call.id}/assignment").get_data(as_text=True)
    assert "Declared conflicts of interest" in page and "I taught this artist for two years." in page
    assert "Anna Weber" in page


def test_blind_downloads_carry_no_metadata_and_stay_the_jurors_own(app, client, db, store):
    with app.test_request_context():
        europe, asia, other = make_juror(city="Chemnitz"), make_juror(city="Nara"), make_juror(city="Oulu")
        manager = make_user("manager")
        call = make_call(actor=manager, publish=True)
        call.blind_review, call.reviewers_per_application = True, 2
        application = make_application(call=call)
        applicant = application.applicant
        cv = applications.add_attachment(applicant, application, kind=AttachmentKind.CV, filename="cv.pdf",
                                         data=pdf_with_metadata(CANARY))
        photo = applications.add_attachment(applicant, application, kind=AttachmentKind.PORTFOLIO,
                                            filename="work.jpg", data=jpeg_with_exif(CANARY))
        applications.submit_application(applicant, application)
        applications.screen_application(manager, application, eligible=True, reason=None, note=None)
        for juror in (europe, asia, other):
            services.add_juror(manager, call, juror, 5)
        services.set_pair_rule(manager, application, other, services.PairRule.FORBID)
        services.run_assignment(manager, call)
        db.session.commit()
    mine = db.session.scalar(select(Assignment).where(Assignment.juror_id == europe.id))
    sign_in(client, europe.email)
    client.post(f"/review/assignments/{mine.id}/declare", data={"answer": "none", "csrf_token": _token(client, "/review/")})
    pdf = client.get(f"/review/assignments/{mine.id}/files/{cv.id}")
    assert pdf.status_code == 200 and CANARY.encode() not in pdf.data
    with pikepdf.open(io.BytesIO(pdf.data)) as document:
        assert dict(document.docinfo) == {} and "/Metadata" not in document.Root
    jpeg = client.get(f"/review/assignments/{mine.id}/files/{photo.id}")
    assert jpeg.status_code == 200 and CANARY.encode() not in jpeg.data
    with Image.open(io.BytesIO(jpeg.data)) as image:
        assert dict(image.getexif()) == {}
    assert "document-" in pdf.headers["Content-Disposition"]
    _sign_out(client)

    # Another juror: the assignment is not theirs (404); once a conflict is declared, the files are closed (403).
    sign_in(client, other.email)
    assert client.get(f"/review/assignments/{mine.id}/files/{cv.id}").status_code == 404
    _sign_out(client)
    sign_in(client, europe.email)
    client.post(f"/review/assignments/{mine.id}/declare", data={
        "answer": "conflict", "reason": "Recognised the work.", "csrf_token": _token(client, "/review/")})
    assert client.get(f"/review/assignments/{mine.id}/files/{cv.id}").status_code == 403
    _sign_out(client)

    # The applicant keeps the original (the office too): stripping happens on the juror's copy only.
    sign_in(client, applicant.email)
    original = client.get(f"/applications/{application.id}/attachments/{cv.id}")
    assert original.status_code == 200 and CANARY.encode() in original.data


def test_the_blind_upload_tells_the_applicant_to_anonymise(app, client, db):
    with app.test_request_context():
        _manager, call, _apps = make_reviewable_call(blind=True, applications=0)
        application = make_application(call=call)
    sign_in(client, application.applicant.email)
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    assert "Review in this call is blind" in page and "blind-files" in page


def test_a_full_translation_is_entered_on_the_form_and_labelled_on_the_review_page(app, client, db):
    with app.test_request_context():
        manager = make_user("manager")
        call = make_call(actor=manager)
        question = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, required=False,
                                       label={"en": "Your plan"}, help={}, max_length=None, options=[],
                                       condition_question_id=None, condition_value=None)
        calls.set_call_status(manager, call, CallStatus.PUBLISHED)
        call.reviewers_per_application = 1
        application = make_application(call=call, languages=["ko"], title="조수의 기억", summary="해안과 공장 사이의 춤.",
                                       answers={str(question.id): "공장에서 4주 동안 작업합니다."})
        db.session.commit()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert f'name="tr_en_q_{question.id}"' in page and "A summary alone is not enough" in page
    pair = call.pairs[0]
    response = client.post(url, data={
        "csrf_token": csrf_from(page), "version": str(application.version), "title": application.title,
        "summary": application.summary, "languages": ["ko"], "discipline": "dance", "career_stage": "", "pair_id": str(pair.id),
        "origin_city_id": str(pair.east_asia_city_id), "start_date": application.start_date.isoformat(),
        "end_date": application.end_date.isoformat(), "host_organisation": application.host_organisation,
        "host_email": application.host_email, f"q_{question.id}": "공장에서 4주 동안 작업합니다.",
        "summary_en": "A dance between the shore and the factory.", "tr_en_by": "Kim Min-ji",
        "tr_en_title": "Tidal memory", f"tr_en_q_{question.id}": "Four weeks of work at the factory."})
    assert response.status_code == 302
    db.session.refresh(application)
    assert applications.fully_translated_languages(application) == {"en"}
    _sign_out(client)

    with app.test_request_context():
        applications.submit_application(application.applicant, application)
        applications.screen_application(manager, application, eligible=True, reason=None, note=None)
        reader = make_juror(city="Chemnitz", reads=("en",))
        services.add_juror(manager, call, reader, 5)
        assert services.run_assignment(manager, call).saved
        db.session.commit()
    mine = db.session.scalar(select(Assignment).where(Assignment.juror_id == reader.id))
    assert mine is not None  # an English reader gets a Korean application: it is fully translated
    sign_in(client, reader.email)
    client.post(f"/review/assignments/{mine.id}/declare", data={"answer": "none", "csrf_token": _token(client, "/review/")})
    page = client.get(f"/review/assignments/{mine.id}").get_data(as_text=True)
    assert "Fully translated into" in page
    assert page.count("Translation into English by Kim Min-ji") == 2  # the summary and the answer
    assert "Four weeks of work at the factory." in page and "공장에서 4주 동안 작업합니다." in page
    _sign_out(client)
    sign_in(client, application.applicant.email)  # the applicant (and the office) read the same, labelled
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert page.count("Translation into English by Kim Min-ji") == 2 and "Tidal memory" in page


def test_going_back_a_phase_asks_first_and_says_what_reopens(app, client, db, signed_in):
    with app.test_request_context():
        _manager, call, _apps = make_reviewable_call(jurors=[], applications=1)
    manager = signed_in("manager")
    with app.test_request_context():
        services.move_to_phase(manager, call, PhaseKind.PANEL)
        db.session.commit()
    ranking = f"/manage/calls/{call.id}/ranking"
    token = _token(client, ranking)
    response = client.post(f"/manage/calls/{call.id}/phase", data={"phase": "individual", "csrf_token": token})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Go back to an earlier phase?" in text
    assert "Individual review reopens" in text and "Panel decisions can no longer be recorded" in text
    db.session.expire_all()
    assert services.active_phase(call).kind is PhaseKind.PANEL  # nothing changed yet
    response = client.post(f"/manage/calls/{call.id}/phase", data={
        "phase": "individual", "confirmed": "1", "csrf_token": csrf_from(text)})
    assert response.status_code == 302
    db.session.expire_all()
    assert services.active_phase(call).kind is PhaseKind.INDIVIDUAL
    # Forwards needs no confirmation.
    assert client.post(f"/manage/calls/{call.id}/phase", data={"phase": "consensus", "csrf_token": token}
                       ).status_code == 302
    db.session.expire_all()
    assert services.active_phase(call).kind is PhaseKind.CONSENSUS


def test_reopening_a_closed_call_asks_first_and_says_what_reopens(app, client, db, signed_in):
    from mobility.calls.enums import CallStatus

    manager = signed_in("manager")
    with app.test_request_context():
        call = make_call(actor=manager, publish=True)
        calls.set_call_status(manager, call, CallStatus.CLOSED)
        db.session.commit()
    overview = f"/manage/calls/{call.id}"
    token = _token(client, overview)
    page = client.post(f"/manage/calls/{call.id}/status/published", data={"csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Change the call back to “Published”?" in text and "open again" in text
    db.session.expire_all()
    assert call.status is CallStatus.CLOSED
    done = client.post(f"/manage/calls/{call.id}/status/published", data={"csrf_token": token, "confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert call.status is CallStatus.PUBLISHED


def test_a_blind_file_that_cannot_be_cleaned_is_not_sent(app, client, db):
    from tests.factories import MINIMAL_PDF

    with app.test_request_context():
        europe, asia = make_juror(city="Chemnitz"), make_juror(city="Nara")
        manager = make_user("manager")
        call = make_call(actor=manager, publish=True)
        call.blind_review, call.reviewers_per_application = True, 2
        application = make_application(call=call)
        damaged = applications.add_attachment(application.applicant, application, kind=AttachmentKind.CV,
                                             filename="cv.pdf", data=MINIMAL_PDF + f"/Author ({CANARY})".encode())
        applications.submit_application(application.applicant, application)
        applications.screen_application(manager, application, eligible=True, reason=None, note=None)
        for juror in (europe, asia):
            services.add_juror(manager, call, juror, 5)
        services.run_assignment(manager, call)
        db.session.commit()
    mine = db.session.scalar(select(Assignment).where(Assignment.juror_id == europe.id))
    sign_in(client, europe.email)
    client.post(f"/review/assignments/{mine.id}/declare", data={"answer": "none", "csrf_token": _token(client, "/review/")})
    response = client.get(f"/review/assignments/{mine.id}/files/{damaged.id}")
    assert response.status_code == 302 and CANARY.encode() not in response.data
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be sent in a blind review" in page
