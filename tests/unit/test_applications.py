"""Application services: drafts, versions, eligibility, submission, attachments, team, host, screening."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mobility.applications import services, tokens
from mobility.applications.attachments import detect_type, display_name
from mobility.applications.eligibility import check_eligibility
from mobility.applications.enums import (
    ApplicationStatus,
    AttachmentKind,
    HostConfirmationStatus,
    MemberStatus,
    ScreeningReason,
)
from mobility.applications.models import Application, Receipt
from mobility.applications.queries import ApplicationFilters, call_applications
from mobility.calls import services as calls
from mobility.calls.enums import CallKind, CallStatus, QuestionKind, RuleKind
from mobility.core.errors import DomainError
from mobility.core.exports import safe_cell
from mobility.core.models import OutboxMessage
from tests.factories import MINIMAL_PDF, MINIMAL_PNG, draft_data, make_application, make_call, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context():
        yield



def test_one_application_per_artist_and_call_and_only_while_open(db):
    artist = make_user()
    call = make_call(publish=True)
    first = services.start_application(artist, call)
    assert services.start_application(artist, call) is first
    closed = make_call(publish=True, opens_in_days=-10, closes_in_days=-1)
    with pytest.raises(DomainError):
        services.start_application(artist, closed)


def test_a_stale_version_is_refused_and_nothing_is_overwritten(db):
    application = make_application()
    old_version = application.version
    services.save_draft(application.applicant, application, old_version, draft_data(application, title="Second tab"))
    db.session.commit()
    with pytest.raises(services.VersionConflict):
        services.save_draft(application.applicant, application, old_version, draft_data(application, title="First tab"))
    assert db.session.get(Application, application.id).title == "Second tab"


def test_lengths_are_counted_in_characters_for_cjk(db):
    manager = make_user("manager")
    call = make_call(actor=manager)
    question = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, required=True,
                                   label={"en": "Plan"}, help={}, max_length=10, options=[],
                                   condition_question_id=None, condition_value=None)
    calls.set_call_status(manager, call, CallStatus.PUBLISHED)
    application = make_application(call=call)
    ten = "鎌倉とケムニッツの海"  # 10 characters, 30 bytes, no spaces
    services.save_draft(application.applicant, application, application.version,
                        draft_data(application, answers={str(question.id): ten}))
    with pytest.raises(DomainError) as error:
        services.save_draft(application.applicant, application, application.version,
                            draft_data(application, answers={str(question.id): ten + "。"}))
    assert error.value.field == f"q_{question.id}"
    assert services.text_length("行1\r\n行2") == 5


@pytest.mark.parametrize("changes, field", [
    ({"languages": ["fr"]}, "languages"),
    ({"origin_city_id": 99999}, "origin_city_id"),
    ({"start_date": date(2027, 5, 10), "end_date": date(2027, 5, 1)}, "end_date"),
    ({"host_email": "not an address"}, "host_email"),
    ({"title": "x" * 301}, "title"),
])
def test_bad_draft_input_is_refused_on_its_field(db, changes, field):
    application = make_application()
    with pytest.raises(DomainError) as error:
        services.save_draft(application.applicant, application, application.version, draft_data(application, **changes))
    assert error.value.field == field


def test_a_direction_the_call_does_not_fund_is_refused(db):
    manager = make_user("manager")
    call = make_call(actor=manager, publish=True)
    call.directions = ["eu_to_ea"]
    db.session.commit()
    with pytest.raises(DomainError) as error:
        make_application(call=call)  # the applicant lives in the East Asian city
    assert error.value.field == "origin_city_id"


def test_eligibility_explains_what_fails_and_blocks_submission(db):
    manager = make_user("manager")
    call = make_call(actor=manager, publish=True)
    calls.save_rule(manager, call, RuleKind.DURATION, {"min": 7, "max": 21})
    calls.save_rule(manager, call, RuleKind.RESIDENCE_CITY, {"city_ids": [call.pairs[0].east_asia_city_id]})
    application = make_application(call=call)  # 30 days, lives in Kamakura
    checks = check_eligibility(application)
    assert [c.passed for c in checks] == [False, True]
    assert checks[0].problem == "Your stay lasts 30 days."
    assert "Kamakura" in checks[1].sentence
    with pytest.raises(DomainError) as error:
        services.submit_application(application.applicant, application)
    assert error.value.field == "eligibility"
    services.save_draft(application.applicant, application, application.version,
                        draft_data(application, end_date=application.start_date + timedelta(days=13)))
    assert services.submit_application(application.applicant, application).reference.startswith("MOB-")


def test_missing_items_name_what_is_left(db):
    application = make_application(complete=False)
    fields = {field for field, _message in services.missing_items(application)}
    assert {"title", "summary", "origin_city_id", "start_date", "discipline", "host_organisation"} <= fields


def test_submission_gives_one_receipt_with_a_hash_of_the_content(db):
    application = make_application()
    artist = application.applicant
    receipt = services.submit_application(artist, application)
    db.session.commit()
    again = services.submit_application(artist, db.session.get(Application, application.id))
    assert again.id == receipt.id
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 1
    application = db.session.get(Application, application.id)
    assert application.status is ApplicationStatus.SUBMITTED and application.reference == receipt.reference
    assert receipt.content_sha256 == services.content_hash(services.content_snapshot(application))
    assert application.call.first_submission_at == receipt.submitted_at
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == artist.email))
    assert receipt.reference in mail.subject and receipt.content_sha256 in mail.body
    with pytest.raises(DomainError):
        services.save_draft(artist, application, application.version, draft_data(application, title="Changed"))


def test_the_deadline_is_an_instant_on_the_servers_clock(db):
    application = make_application()
    closes = application.call.closes_at
    with pytest.raises(DomainError):
        services.submit_application(application.applicant, application, now=closes + timedelta(seconds=1))
    with pytest.raises(DomainError):
        services.submit_application(application.applicant, application, now=closes)
    receipt = services.submit_application(application.applicant, application, now=closes - timedelta(seconds=1))
    assert receipt.submitted_at == closes - timedelta(seconds=1)


def test_withdraw_and_screening_follow_the_lifecycle(db):
    application = make_application()
    artist = application.applicant
    manager = make_user("manager")
    with pytest.raises(DomainError):
        services.withdraw_application(artist, application)  # a draft is simply left
    services.submit_application(artist, application)
    application = db.session.get(Application, application.id)
    with pytest.raises(DomainError) as error:
        services.screen_application(manager, application, eligible=False, reason=None, note=None)
    assert error.value.field == "reason"
    services.screen_application(manager, application, eligible=False, reason=ScreeningReason.DATES, note="")
    assert application.status is ApplicationStatus.INELIGIBLE
    services.screen_application(manager, application, eligible=True, reason=None, note=None)
    services.withdraw_application(artist, application)
    assert application.status is ApplicationStatus.WITHDRAWN and application.withdrawn_at is not None
    with pytest.raises(DomainError):
        services.set_status(manager, application, ApplicationStatus.AWARDED)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()




def test_files_are_recognised_by_content_not_by_name():
    assert detect_type(MINIMAL_PDF) == "application/pdf"
    assert detect_type(MINIMAL_PNG) == "image/png"
    assert detect_type(_docx()).endswith("wordprocessingml.document")
    assert detect_type(b"<html><script>alert(1)</script></html>") is None
    assert detect_type(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') is None
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("evil.exe", "MZ")
    assert detect_type(plain_zip.getvalue()) is None


def test_display_names_lose_paths_and_control_characters_but_keep_cjk():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\me\\作品集 2027.pdf") == "作品集 2027.pdf"
    assert display_name("포트폴리오\x00<script>.pdf") == "포트폴리오script.pdf"
    assert display_name("...") == "file"
    assert len(display_name("長" * 300 + ".pdf")) == 200


def test_attachments_are_checked_and_limited(app, db):
    application = make_application()
    artist = application.applicant
    attachment = services.add_attachment(artist, application, kind=AttachmentKind.PORTFOLIO, filename="作品集.pdf",
                                         data=MINIMAL_PDF)
    assert attachment.content_type == "application/pdf" and attachment.display_name == "作品集.pdf"
    with pytest.raises(DomainError) as error:
        services.add_attachment(artist, application, kind=AttachmentKind.CV, filename="cv.pdf",
                                data=b"<html>not a pdf</html>")
    assert error.value.field == "file"
    app.config["MAX_ATTACHMENT_BYTES"] = 10
    try:
        with pytest.raises(services.TooLarge):
            services.add_attachment(artist, application, kind=AttachmentKind.CV, filename="big.pdf", data=MINIMAL_PDF)
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024


def test_the_same_file_sent_again_is_kept_once(db):
    """A retry after a lost answer (the connection dropped mid-response) must not attach the file twice."""
    application = make_application()
    artist = application.applicant
    first = services.add_attachment(artist, application, kind=AttachmentKind.PORTFOLIO, filename="作品集.pdf",
                                    data=MINIMAL_PDF)
    again = services.add_attachment(artist, application, kind=AttachmentKind.PORTFOLIO, filename="作品集 (1).pdf",
                                    data=MINIMAL_PDF)
    assert again is first and len(application.attachments) == 1
    # The same bytes for another purpose are another attachment.
    other = services.add_attachment(artist, application, kind=AttachmentKind.CV, filename="cv.pdf", data=MINIMAL_PDF)
    assert other is not first and len(application.attachments) == 2
    receipt = services.submit_application(artist, application)
    assert len(receipt.content["attachments"]) == 2


def test_co_creation_teams_need_both_cities(db):
    manager = make_user("manager")
    call = make_call(actor=manager, kind=CallKind.CO_CREATION, publish=True)
    application = make_application(call=call)
    pair = call.pairs[0]
    member = services.invite_member(application.applicant, application, name="Jana Müller", email="Jana@example.de",
                                    city_id=pair.europe_city_id)
    with pytest.raises(DomainError):
        services.invite_member(application.applicant, application, name="Again", email="jana@example.de",
                               city_id=None)
    fields = {f for f, _m in services.missing_items(application)}
    assert "members" in fields
    stranger = make_user(email="someone@example.org")
    with pytest.raises(DomainError):
        services.respond_to_invitation(stranger, member, True)
    jana = make_user(email="jana@example.de")
    services.respond_to_invitation(jana, member, True)
    assert member.status is MemberStatus.ACCEPTED and application.team_size == 2
    assert "members" not in {f for f, _m in services.missing_items(application)}
    with pytest.raises(DomainError):
        services.respond_to_invitation(jana, member, False)


def test_host_links_stop_working_when_the_host_changes(db):
    application = make_application()
    request = services.request_host_confirmation(application.applicant, application)
    token = tokens.make_host_token(request)
    assert services.host_confirmation_for_token(token) is request
    services.confirm_host(request, name="Kim Min-jun")
    assert application.host_confirmed_name == "Kim Min-jun" and application.host_confirmed_at is not None
    services.save_draft(application.applicant, application, application.version,
                        draft_data(application, host_email="other@example.de"))
    # The old link now shows a request that no longer counts and cannot be confirmed.
    assert services.host_confirmation_for_token(token).status is HostConfirmationStatus.WITHDRAWN
    assert application.host_confirmed_at is None and application.host_confirmed_name is None


def test_search_finds_chinese_japanese_and_korean_substrings(db):
    call = make_call(publish=True)
    for title in ("鎌倉の海の記憶", "湖州的丝绸之路", "안동 하회마을 탈춤"):
        application = make_application(call=call, title=title)
        services.submit_application(application.applicant, application)
    db.session.commit()

    def found(text):
        return [a.title for a in db.session.scalars(call_applications(call.id, ApplicationFilters(text=text)))]

    assert found("海の") == ["鎌倉の海の記憶"]
    assert found("丝绸") == ["湖州的丝绸之路"]
    assert found("하회") == ["안동 하회마을 탈춤"]
    assert found("100%") == []


def test_exported_cells_never_start_a_formula():
    assert [safe_cell(v) for v in ("=1+1", "+49 30", "-5", "@SUM(A1)", "plain", 5)] == [
        "'=1+1", "'+49 30", "'-5", "'@SUM(A1)", "plain", 5]


def test_mail_to_typed_addresses_is_limited_per_application_and_per_account(app, db, monkeypatch):
    """Team invitations and host requests mail an address someone typed: at most N per application and M
    per account in 24 hours (core.mail_allowance), refused on the field that holds the address."""
    from mobility.core.models import AuditEntry
    monkeypatch.setitem(app.config, "TYPED_MAIL_PER_APPLICATION_PER_DAY", 3)
    monkeypatch.setitem(app.config, "TYPED_MAIL_PER_ACCOUNT_PER_DAY", 5)
    call = make_call(kind=CallKind.CO_CREATION, publish=True)
    application = make_application(call=call)
    artist = application.applicant

    def mails():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))

    services.request_host_confirmation(artist, application)
    services.request_host_confirmation(artist, application)
    services.invite_member(artist, application, name="Jana", email="jana@example.de", city_id=None)
    before = mails()
    with pytest.raises(DomainError) as refused:
        services.request_host_confirmation(artist, application)
    assert refused.value.field == "host_email" and "24 hours" in str(refused.value)
    with pytest.raises(DomainError) as refused:
        services.invite_member(artist, application, name="Li", email="li@example.cn", city_id=None)
    assert refused.value.field == "email"
    assert mails() == before  # nothing more was mailed
    # The same account's second application has its own allowance, until the account's is used up.
    second = make_application(call=make_call(kind=CallKind.CO_CREATION, publish=True), applicant=artist)
    services.request_host_confirmation(artist, second)
    services.request_host_confirmation(artist, second)
    with pytest.raises(DomainError) as refused:
        services.request_host_confirmation(artist, second)
    assert "You have sent 5" in str(refused.value)
    # A day later the allowance is back.
    for entry in db.session.scalars(select(AuditEntry)):
        entry.at -= timedelta(days=1, minutes=1)
    services.request_host_confirmation(artist, application)
