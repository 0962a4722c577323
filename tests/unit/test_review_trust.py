"""Review a jury can trust (issue 18): one freed seat, the same-city rule, pins that fail say why, the
reading-language check on the whole application, files without metadata, phases that go back only when
confirmed."""
from __future__ import annotations

import io
import zipfile

import pikepdf
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import func, select

from mobility.applications import services as applications
from mobility.calls import services as calls
from mobility.calls.enums import CallStatus, QuestionKind
from mobility.core.errors import DomainError
from mobility.core.models import OutboxMessage
from mobility.review import services
from mobility.review.anonymise import CannotAnonymise, without_metadata
from mobility.review.assignment import build_instance
from mobility.review.enums import AssignmentStatus, PairRule, PhaseKind
from mobility.review.models import Assignment
from tests.factories import make_application, make_call, make_juror, make_reviewable_call, make_user

CANARY = "Zq7canaryXy"


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context():
        yield


def _seats(db, call):
    return {a.id: (a.application_id, a.juror_id, a.status) for a in
            db.session.scalars(select(Assignment).where(Assignment.call_id == call.id))}


def _mails(db):
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


# ---- one declaration, one seat, one mail ----------------------------------------------------------------

def test_declaring_one_conflict_fills_only_the_freed_seat_and_mails_only_its_new_juror(db):
    locales = ["en", "ko", "ja", "zh_Hans"]
    europe = [make_juror(city=c, locale=locales[i]) for i, c in enumerate(("Chemnitz", "Oulu", "Chemnitz", "Oulu"))]
    asia = [make_juror(city=c, locale=locales[i]) for i, c in enumerate(("Nara", "Huzhou", "Andong", "Kyoto"))]
    manager, call, made = make_reviewable_call(jurors=europe + asia, k=2, applications=6)
    assert services.run_assignment(manager, call).saved
    db.session.commit()
    before, mails_before = _seats(db, call), len(_mails(db))
    assert len(before) == 12

    declared = db.session.get(Assignment, min(before))
    leaving = declared.juror
    services.declare_conflict(leaving, declared, "I taught this artist.")
    db.session.commit()

    after = _seats(db, call)
    # Every seat that was there is still there, with the same juror; only the declared one changed state.
    assert {i: v[:2] for i, v in after.items() if i in before} == {i: v[:2] for i, v in before.items()}
    assert [i for i in before if after[i][2] != before[i][2]] == [declared.id]
    assert after[declared.id][2] is AssignmentStatus.CONFLICT
    new = [i for i in after if i not in before]
    assert len(new) == 1
    application_id, juror_id, status = after[new[0]]
    assert application_id == declared.application_id and juror_id != leaving.id
    assert status is AssignmentStatus.ASSIGNED
    # Exactly one mail, to the juror who received the seat, in their language, for one application.
    mails = _mails(db)[mails_before:]
    newcomer = next(j for j in europe + asia if j.id == juror_id)
    assert [m.recipient for m in mails] == [newcomer.email]
    assert mails[0].locale == newcomer.locale
    with force_locale(newcomer.locale):
        assert mails[0].subject == _("New applications to review")
    # The other side keeps its juror: the replacement is on the side that lost one.
    assert (leaving in europe) == (newcomer in europe)


def test_a_second_declaration_changes_nothing_and_a_locked_panel_fills_no_seat(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Oulu"), make_juror(city="Nara")]
    manager, call, _apps = make_reviewable_call(jurors=jurors, k=2, applications=1)
    services.run_assignment(manager, call)
    db.session.commit()
    european = next(a for a in db.session.scalars(select(Assignment)) if a.juror_id in (jurors[0].id, jurors[1].id))
    services.declare_conflict(european.juror, european, "My cousin.")
    seats = _seats(db, call)
    services.declare_conflict(european.juror, european, "My cousin.")
    assert _seats(db, call) == seats and len(seats) == 3


# ---- the same-city rule and pins ------------------------------------------------------------------------

def test_a_juror_from_the_applicants_city_is_a_conflict_unless_the_call_says_otherwise(db):
    # The applications come from Kamakura (the factory's default).
    europe, from_kamakura = make_juror(city="Chemnitz"), make_juror(city="Kamakura", name="Sato Kamakura")
    manager, call, (application,) = make_reviewable_call(jurors=[europe, from_kamakura], k=2, applications=1)
    assert call.same_city_conflict is True
    instance = build_instance(call)
    assert not instance.problem.eligible_matrix()[0, instance.jurors.index(from_kamakura)]
    report = services.run_assignment(manager, call)
    assert not report.saved and report.uncovered_slots == 1

    call.same_city_conflict = False  # a call whose jury must come from the pair's cities
    report = services.run_assignment(manager, call)
    assert report.saved and report.uncovered_slots == 0
    assert {a.juror_id for a in db.session.scalars(select(Assignment))} == {europe.id, from_kamakura.id}


def test_a_pinned_juror_who_cannot_be_assigned_is_named_with_the_reason(db):
    europe, nara = make_juror(city="Chemnitz"), make_juror(city="Nara")
    from_kamakura = make_juror(city="Kamakura", name="Sato Kamakura")
    outsider = make_juror(city="Oulu", name="Not In The Jury")
    manager, call, (first, second) = make_reviewable_call(jurors=[europe, nara, from_kamakura], k=2)
    services.set_pair_rule(manager, first, from_kamakura, PairRule.PIN)
    services.set_pair_rule(manager, second, outsider, PairRule.PIN)
    report = services.run_assignment(manager, call)
    assert report.saved
    assert sorted(report.pins_refused) == sorted([
        f"Sato Kamakura is pinned to {first.reference} but cannot be assigned: they live in the applicant's city, "
        "a conflict of interest in this call.",
        f"Not In The Jury is pinned to {second.reference} but cannot be assigned: they are not in this "
        "call's jury.",
    ])


# ---- what the juror must read -----------------------------------------------------------------------------

def _korean_call(db):
    manager = make_user("manager")
    call = make_call(actor=manager)
    question = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, required=False,
                                   label={"en": "Your plan"}, help={}, max_length=None, options=[],
                                   condition_question_id=None, condition_value=None)
    calls.set_call_status(manager, call, CallStatus.PUBLISHED)
    call.reviewers_per_application = 1
    db.session.commit()
    return manager, call, question


def _submitted(manager, call, **data):
    application = make_application(call=call, languages=["ko"], title="조수의 기억", summary="해안과 공장 사이의 춤.",
                                   **data)
    applications.submit_application(application.applicant, application)
    applications.screen_application(manager, application, eligible=True, reason=None, note=None)
    return application


def test_an_application_goes_to_a_juror_who_does_not_read_it_only_with_a_full_translation(db):
    manager, call, question = _korean_call(db)
    answers = {str(question.id): "공장에서 4주 동안 작업합니다."}
    summary_only = _submitted(manager, call, answers=answers, summary_translations={"en": "A dance."})
    no_translator = _submitted(manager, call, answers=answers, summary_translations={"en": "A dance."},
                               translations={"en": {"title": "Tidal memory",
                                                    "answers": {str(question.id): "Four weeks at the factory."}}})
    full = _submitted(manager, call, answers=answers, summary_translations={"en": "A dance."},
                      translations={"en": {"by": "Kim Min-ji", "title": "Tidal memory",
                                           "answers": {str(question.id): "Four weeks at the factory."}}})
    assert applications.fully_translated_languages(summary_only) == set()
    assert applications.fully_translated_languages(no_translator) == set()  # who translated must be said
    assert applications.fully_translated_languages(full) == {"en"}
    # An answer left untranslated is not a full translation either.
    full.translations["en"]["answers"] = {}
    assert applications.fully_translated_languages(full) == set()
    full.translations["en"]["answers"] = {str(question.id): "Four weeks at the factory."}

    reads_english, reads_korean = make_juror(city="Chemnitz", reads=("en",)), make_juror(city="Oulu", reads=("ko",))
    for juror in (reads_english, reads_korean):
        services.add_juror(manager, call, juror, 10)
    instance = build_instance(call)
    matrix = instance.problem.eligible_matrix()
    eligible = {(a.id, j.id): bool(matrix[i, k]) for i, a in enumerate(instance.applications)
                for k, j in enumerate(instance.jurors)}
    assert eligible[(summary_only.id, reads_english.id)] is False
    assert eligible[(no_translator.id, reads_english.id)] is False
    assert eligible[(full.id, reads_english.id)] is True
    assert all(eligible[(a.id, reads_korean.id)] for a in (summary_only, no_translator, full))


def test_translations_are_kept_only_for_languages_not_written_in_and_within_limits(db):
    manager, call, question = _korean_call(db)
    application = make_application(call=call, languages=["ko"], translations={
        "ko": {"by": "x", "title": "same language: dropped"},
        "en": {"by": "  Kim  ", "title": "Tidal memory", "answers": {str(question.id): " Four weeks. ", "999": "x"}}})
    assert application.translations == {"en": {"by": "Kim", "title": "Tidal memory",
                                                "answers": {str(question.id): "Four weeks."}}}
    with pytest.raises(DomainError) as error:
        applications.save_draft(application.applicant, application, application.version, applications.DraftData(
            languages=["ko"], translations={"en": {"by": "x" * 201}}))
    assert error.value.field == "tr_en_by"


# ---- files without metadata --------------------------------------------------------------------------------

def _pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for key in ("/Author", "/Title", "/Subject", "/Keywords", "/Creator", "/Producer"):
        pdf.docinfo[key] = f"{CANARY} {key}"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [CANARY]
        meta["xmp:CreatorTool"] = CANARY
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = CANARY                      # Artist
    exif[0x010F] = CANARY                      # camera make
    exif[0x0112] = 6                           # orientation: turned
    exif[0x8825] = {1: "N", 2: (35.0, 19.0, 0.0), 3: "E", 4: (139.0, 33.0, 0.0)}  # GPS: Kamakura
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "teal").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_pdf_loses_its_document_information_and_xmp():
    original = _pdf_with_metadata()
    assert CANARY.encode() in original
    cleaned = without_metadata(original, "application/pdf")
    assert CANARY.encode() not in cleaned
    with pikepdf.open(io.BytesIO(cleaned)) as pdf:
        assert dict(pdf.docinfo) == {} and "/Metadata" not in pdf.Root and len(pdf.pages) == 1


def test_an_image_loses_its_exif_and_gps_but_keeps_its_orientation():
    original = _jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif()[0x013B] == CANARY and image.getexif().get_ifd(0x8825)
    cleaned = without_metadata(original, "image/jpeg")
    assert CANARY.encode() not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert dict(image.getexif()) == {} and not image.getexif().get_ifd(0x8825)
        assert image.size == (6, 8)  # turned as the camera said, so nothing depends on the tag
    png = io.BytesIO()
    from PIL import PngImagePlugin
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", CANARY)
    Image.new("RGB", (4, 4)).save(png, format="PNG", pnginfo=text)
    assert CANARY.encode() in png.getvalue()
    assert CANARY.encode() not in without_metadata(png.getvalue(), "image/png")


def test_office_documents_lose_their_properties_and_what_cannot_be_cleaned_is_not_sent():
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("docProps/core.xml", f"<cp:coreProperties><dc:creator>{CANARY}</dc:creator>"
                                              "</cp:coreProperties>")
        package.writestr("docProps/app.xml", f"<Properties><Company>{CANARY}</Company></Properties>")
        package.writestr("word/document.xml", "<w:document>Text</w:document>")
    cleaned = without_metadata(docx.getvalue(),
                               "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    with zipfile.ZipFile(io.BytesIO(cleaned)) as package:
        assert CANARY.encode() not in b"".join(package.read(n) for n in package.namelist())
        assert package.read("word/document.xml") == b"<w:document>Text</w:document>"
    with pytest.raises(CannotAnonymise):
        without_metadata(b"%PDF-1.4 not really " + CANARY.encode(), "application/pdf")
    with pytest.raises(CannotAnonymise):
        without_metadata(b"\xd0\xcf\x11\xe0 old Word", "application/msword")


def test_a_blind_call_refuses_old_office_formats_at_upload(db):
    from mobility.applications.enums import AttachmentKind

    _manager, call, _apps = make_reviewable_call(blind=True, applications=0)
    application = make_application(call=call)
    ole = (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504 + bytes.fromhex("eca5c100")).ljust(1024, b"\0")
    assert applications.detect_type(ole) == "application/msword"
    with pytest.raises(DomainError) as error:
        applications.add_attachment(application.applicant, application, kind=AttachmentKind.CV, filename="cv.doc",
                                    data=ole)
    assert "blind" in str(error.value.message)


# ---- phases ------------------------------------------------------------------------------------------------

def test_a_phase_goes_back_only_when_confirmed_and_says_what_reopens(db):
    manager, call, _apps = make_reviewable_call(jurors=[], applications=1)
    services.move_to_phase(manager, call, PhaseKind.PANEL)  # forwards: no question asked
    backwards, effects = services.phase_change(call, PhaseKind.INDIVIDUAL)
    assert backwards and len(effects) == 3
    assert "Individual review reopens" in str(effects[0]) and "0 reviews already submitted" in str(effects[0])
    with pytest.raises(DomainError):
        services.move_to_phase(manager, call, PhaseKind.INDIVIDUAL)
    assert services.active_phase(call).kind is PhaseKind.PANEL
    services.move_to_phase(manager, call, PhaseKind.INDIVIDUAL, confirmed=True)
    assert services.active_phase(call).kind is PhaseKind.INDIVIDUAL
    assert services.phase_change(call, PhaseKind.CONSENSUS) == (False, [])
    audits = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert audits is not None


def test_a_call_goes_back_to_draft_or_reopens_only_when_confirmed(db):
    from mobility.calls.enums import CallStatus as Status

    manager = make_user("manager")
    call = make_call(actor=manager, publish=True)
    assert calls.status_change_effects(call, Status.CLOSED) == []  # forwards: nothing to confirm
    assert "leaves the public list" in str(calls.status_change_effects(call, Status.DRAFT)[0])
    with pytest.raises(DomainError):
        calls.set_call_status(manager, call, Status.DRAFT)
    assert call.status is Status.PUBLISHED
    calls.set_call_status(manager, call, Status.CLOSED)
    assert "open again" in str(calls.status_change_effects(call, Status.PUBLISHED)[0])
    with pytest.raises(DomainError):
        calls.set_call_status(manager, call, Status.PUBLISHED)
    calls.set_call_status(manager, call, Status.PUBLISHED, confirmed=True)
    assert call.status is Status.PUBLISHED


def test_running_the_assignment_again_keeps_unchanged_seats_and_mails_only_new_ones(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Oulu"), make_juror(city="Nara"), make_juror(city="Huzhou")]
    manager, call, _apps = make_reviewable_call(jurors=jurors[:3], k=2, applications=2)
    services.run_assignment(manager, call)
    db.session.commit()
    before, mails = _seats(db, call), len(_mails(db))
    services.run_assignment(manager, call)  # nothing changed: nothing moves, nobody is mailed
    db.session.commit()
    assert _seats(db, call) == before and len(_mails(db)) == mails
    services.add_juror(manager, call, jurors[3], 10)  # a new Asian juror: the load is spread again
    services.run_assignment(manager, call)
    db.session.commit()
    by_pair = {v[:2]: i for i, v in before.items()}
    after = {v[:2]: i for i, v in _seats(db, call).items()}
    new = after.keys() - by_pair.keys()
    assert new and all(after[pair] == by_pair[pair] for pair in after.keys() & by_pair.keys())  # same rows
    assert {m.recipient for m in _mails(db)[mails:]} == {j.email for j in jurors if j.id in {p[1] for p in new}}


def test_a_conflict_declared_after_the_individual_review_leaves_the_seat_free(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Oulu"), make_juror(city="Nara")]
    manager, call, _apps = make_reviewable_call(jurors=jurors, k=2, applications=1)
    services.run_assignment(manager, call)
    services.move_to_phase(manager, call, PhaseKind.CONSENSUS)
    db.session.commit()
    seat = next(a for a in db.session.scalars(select(Assignment)) if a.juror_id in (jurors[0].id, jurors[1].id))
    services.declare_conflict(seat.juror, seat, "Found out late.")
    assert len(_seats(db, call)) == 2  # no replacement who could no longer review
