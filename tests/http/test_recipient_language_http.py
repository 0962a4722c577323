"""Every person in their own language, through the pages: the applicant chooses the language of a host or a team
member without an account, the pages those people reach follow their browser, exports read in the reader's
language, and the time zone is the browser's from the first page on."""
from __future__ import annotations

import csv
import io
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from mobility.accounts.enums import Discipline
from mobility.accounts.models import User
from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import TeamMember
from mobility.calls.enums import CallKind
from mobility.cities.enums import Direction
from mobility.core.models import OutboxMessage
from tests.conftest import csrf_from, export_through_job, sign_in
from tests.factories import make_application, make_awardable, make_call, make_user


def _mail_to(db, address: str) -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                              .order_by(OutboxMessage.id.desc())).first()


def _draft_form(application, **changes) -> dict:
    pair = application.call.pairs[0]
    data = {"version": str(application.version), "title": application.title, "summary": application.summary,
            "languages": ["zh"], "discipline": "dance", "career_stage": "", "pair_id": str(pair.id),
            "origin_city_id": str(pair.east_asia_city_id), "start_date": application.start_date.isoformat(),
            "end_date": application.end_date.isoformat(), "host_organisation": "Kulturni dom Nova Gorica",
            "host_contact_name": "Ana Kovač", "host_email": application.host_email}
    data.update(changes)
    return data


def test_a_chinese_applicant_asks_a_slovenian_host_who_gets_english_and_reads_the_page_in_their_language(
        app, client, db):
    with app.test_request_context():
        applicant = make_user("applicant", locale="zh_Hans")
        application = make_application(applicant=applicant, title="湖州的竹", languages=["zh"],
                                       host_email="ana@kulturnidom.si")
    sign_in(client, applicant.email)
    url = f"/applications/{application.id}/edit"
    page = client.get(url).get_data(as_text=True)
    # The field beside the host's address: each language named in itself, English chosen.
    assert 'name="host_locale"' in page and '<option selected value="en">English</option>' in page
    assert "한국어" in page and "日本語" in page
    saved = client.post(url, data={**_draft_form(application, host_locale="en"), "csrf_token": csrf_from(page)})
    assert saved.status_code == 302
    db.session.refresh(application)
    assert application.host_locale == "en"
    page = client.get(url).get_data(as_text=True)
    assert client.post(f"/applications/{application.id}/host-request",
                       data={"csrf_token": csrf_from(page)}).status_code == 302
    mail = _mail_to(db, "ana@kulturnidom.si")
    assert mail.locale == "en" and mail.subject == "Please confirm a stay at Kulturni dom Nova Gorica"
    assert "is applying to" in mail.body and not re.search(r"[\u4e00-\u9fff]{3,}", mail.subject)

    # The host, not signed in, opens the link: the page follows their browser, not the applicant's language.
    link = re.search(r"https?://\S+", mail.body).group(0).replace("http://mobility.test", "")
    host = app.test_client()
    english = host.get(link, headers={"Accept-Language": "sl-SI,sl;q=0.9,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en"' in english and "I confirm that we will host this stay" in english
    korean = host.get(link, headers={"Accept-Language": "ko-KR,ko;q=0.9"}).get_data(as_text=True)
    with app.test_request_context(), force_locale("ko"):
        assert '<html lang="ko"' in korean and _("I confirm that we will host this stay") in korean
    # The applicant's title keeps its own language on the Korean page.
    assert '<dd lang="zh-Hans">湖州的竹</dd>' in korean


def test_a_language_not_offered_is_refused_on_the_form(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    url = f"/applications/{application.id}/edit"
    page = client.get(url).get_data(as_text=True)
    client.post(url, data={**_draft_form(application, host_locale="sl"), "csrf_token": csrf_from(page)})
    db.session.refresh(application)
    assert application.host_locale == "en"


def test_the_team_form_writes_the_invitation_in_the_language_chosen_for_the_member(app, client, db):
    with app.test_request_context():
        lead = make_user("applicant", locale="zh_Hans")
        call = make_call(kind=CallKind.CO_CREATION, publish=True)
        application = make_application(call=call, applicant=lead)
        make_user(email="sato@example.jp", locale="ja")
    sign_in(client, lead.email)
    url = f"/applications/{application.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="locale"' in page
    for name, email, locale in (("Jana Novak", "jana@example.si", "en"), ("Kim Minji", "minji@example.kr", "ko"),
                                ("Sato Yui", "sato@example.jp", "ko")):
        response = client.post(f"/applications/{application.id}/team", data={
            "name": name, "email": email, "city_id": "", "locale": locale, "csrf_token": csrf_from(page)})
        assert response.status_code == 302
    assert _mail_to(db, "jana@example.si").locale == "en"
    assert _mail_to(db, "minji@example.kr").locale == "ko"
    assert _mail_to(db, "sato@example.jp").locale == "ja"  # she has an account in Japanese: that wins
    assert db.session.scalar(select(TeamMember.locale).where(TeamMember.email == "minji@example.kr")) == "ko"


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("locale", ["zh_Hans", "ja", "ko"])
def test_exports_read_in_the_readers_language_never_codes(app, client, db, locale):
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
        manager.locale = locale
        from mobility.awards import services as awards

        awards.award_application(manager, application, "Excellent")
        db.session.commit()
    sign_in(client, manager.email)
    applications = _rows(export_through_job(client, f"/manage/calls/{call.id}/applications/export", "csv"))
    grants = _rows(export_through_job(client, f"/manage/calls/{call.id}/exports/grants", "csv"))
    with app.test_request_context(), force_locale(locale):
        status, direction = ApplicationStatus.AWARDED.title, Direction.EAST_ASIA_TO_EUROPE.title
        assert applications[0][:2] == [_("Reference"), _("Status")]
        row = dict(zip(applications[0], applications[1]))
        assert row[_("Status")] == status and row[_("Direction")] == direction
        assert row[_("Discipline")] == Discipline.DANCE.title and row[_("Host confirmed")] == _("No")
        assert row[_("Languages")] == _("English")
        assert grants[0][0] == _("Reference") and direction in grants[1]
    codes = {"awarded", "ea_to_eu", "eu_to_ea", "dance", "no", "offered"}
    assert not codes & {cell for row in applications[1:] + grants[1:] for cell in row}
    assert not re.search(r"\b(reference|submitted_at_utc|amount_eur)\b", ",".join(applications[0] + grants[0]))


def test_the_consensus_form_offers_the_applicants_language_beside_english(app, client, db):
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
        application.applicant.locale = "zh_Hans"
        db.session.commit()
    sign_in(client, manager.email)
    url = f"/review/applications/{application.id}/consensus"
    page = client.get(url).get_data(as_text=True)
    assert "Consensus summary for the applicant, in English" in page
    assert "The same summary in Chinese (Simplified) (optional)" in page and 'lang="zh-Hans"' in page
    data = {"csrf_token": csrf_from(page), "summary": "A clear plan.", "summary_translation": "计划清晰。",
            "save": "1"}
    for criterion in call.criteria:
        data |= {f"score_{criterion.id}": "4", f"comment_{criterion.id}": "Strong.", f"comment_tr_{criterion.id}": "出色。"}
    assert client.post(url, data=data).status_code == 302
    again = client.get(url).get_data(as_text=True)
    assert "计划清晰。" in again and "出色。" in again


def test_an_english_applicant_gets_no_second_field(app, client, db):
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
    sign_in(client, manager.email)
    page = client.get(f"/review/applications/{application.id}/consensus").get_data(as_text=True)
    assert "The same summary in" not in page and "The same feedback in" not in page


# ---- the time zone ----------------------------------------------------------------------------------

def _selected_zone(html: str) -> str | None:
    select = re.search(r'<select[^>]*name="timezone".*?</select>', html, re.S).group(0)
    match = re.search(r'<option selected value="([^"]+)"', select)
    return match.group(1) if match else None


def test_a_first_visit_says_the_zone_is_a_guess_so_the_script_asks_the_browser(client, db):
    page = client.get("/register", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert 'data-zone-guess="Asia/Seoul"' in page and "js/timezone.js" in page.split("</head>")[0]
    assert _selected_zone(page) == "Asia/Seoul" and "data-browser-zone" in page
    english = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _selected_zone(english) == "UTC"  # a zone of the list: never silently Africa/Abidjan


def test_the_browsers_zone_from_its_cookie_is_shown_and_becomes_the_new_accounts(client, db):
    client.set_cookie("tz", "Europe/Ljubljana", domain="mobility.test")
    page = client.get("/register", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "data-zone-guess" not in page  # known: nothing to ask again
    assert _selected_zone(page) == "Europe/Ljubljana" and "Europe/Ljubljana" in page.split('class="site-footer"')[1]
    response = client.post("/register", data={
        "name": "Wang Lei", "email": "wang.lei@example.cn", "password": "a long enough password",
        "password_repeat": "a long enough password", "locale": "zh_Hans", "timezone": "Europe/Ljubljana",
        "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "wang.lei@example.cn"))
    assert user.timezone == "Europe/Ljubljana" and user.locale == "zh_Hans"


def test_a_cookie_the_server_refuses_is_ignored_and_never_asked_again(client, db):
    client.set_cookie("tz", "Mars/Olympus", domain="mobility.test")
    page = client.get("/calls/", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "data-zone-guess" not in page  # no second load: the script would set the same refused cookie
    assert "Asia/Tokyo" in page.split('class="site-footer"')[1]  # the language's likely zone instead
    assert "Mars/Olympus" not in page


def test_signed_in_pages_use_the_accounts_zone_and_load_no_zone_script(app, client, db):
    with app.test_request_context():
        user = make_user("applicant", locale="ko")
        user.timezone = "Asia/Seoul"
        db.session.commit()
    sign_in(client, user.email)
    page = client.get("/my/applications").get_data(as_text=True)
    assert "data-zone-guess" not in page and "timezone.js" not in page and "Asia/Seoul" in page


def test_a_post_is_never_reloaded_by_the_zone_script(client, db):
    page = client.post("/sign-in", data={"email": "x@example.org", "password": "wrong"}).get_data(as_text=True)
    assert "data-zone-guess" not in page


def test_the_time_a_draft_was_saved_reads_ohu_in_korean(app, client, db):
    with app.test_request_context():
        user = make_user("applicant", locale="ko")
        application = make_application(applicant=user)
    sign_in(client, user.email)
    url = f"/applications/{application.id}/edit"
    page = client.get(url).get_data(as_text=True)
    body = client.post(f"/applications/{application.id}/autosave",
                       data={**_draft_form(application), "csrf_token": csrf_from(page)}).get_json()
    assert re.match(r"^(오전|오후) \d{1,2}:\d{2}$", body["saved_at"]), body


def test_an_error_page_is_never_loaded_again_for_the_zone(client, db):
    page = client.get("/no-such-page", headers={"Accept-Language": "ko"})
    assert page.status_code == 404 and "data-zone-guess" not in page.get_data(as_text=True)
