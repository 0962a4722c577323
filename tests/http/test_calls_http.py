"""Managers build and publish calls through the pages; the public sees only what is published."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mobility.calls.enums import CallStatus
from mobility.calls.models import Call
from mobility.db import utcnow
from tests.conftest import csrf_from
from tests.factories import make_call, make_pair


def _token(client, url="/"):
    return csrf_from(client.get(url).get_data(as_text=True))


def _new_call_data(client, pair, **overrides):
    data = {"kind": "residency", "title": "Residencies 2027", "pair_ids": [str(pair.id)],
            "opens_at": "2027-03-01T09:00", "closes_at": "2027-04-30T18:00", "timezone": "Asia/Seoul",
            "csrf_token": _token(client, "/manage/calls/new")}
    data.update(overrides)
    return data


def test_a_manager_creates_a_call_and_it_starts_as_a_draft(client, db, signed_in):
    manager = signed_in("manager")
    pair = make_pair(actor=manager)
    response = client.post("/manage/calls/new", data=_new_call_data(client, pair))
    assert response.status_code == 302
    call = db.session.scalar(select(Call))
    assert call.status is CallStatus.DRAFT and call.timezone == "Asia/Seoul"
    assert call.closes_at.hour == 9  # 18:00 in Seoul is 09:00 UTC
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Residencies 2027" in page and "missing" in page


def test_bad_call_input_is_shown_on_its_field_and_what_was_typed_stays(client, db, signed_in):
    manager = signed_in("manager")
    pair = make_pair(actor=manager)
    html = client.post("/manage/calls/new", data=_new_call_data(
        client, pair, closes_at="2027-02-01T09:00")).get_data(as_text=True)
    assert 'id="closes_at-error"' in html and 'value="Residencies 2027"' in html
    html = client.post("/manage/calls/new", data=_new_call_data(client, pair, timezone="Mars/Olympus")
                       ).get_data(as_text=True)
    assert 'id="timezone-error"' in html
    html = client.post("/manage/calls/new", data=_new_call_data(client, pair, pair_ids=[])).get_data(as_text=True)
    assert 'id="pair_ids-error"' in html
    assert db.session.scalar(select(Call)) is None


def test_publication_is_blocked_until_korean_texts_exist_then_the_public_sees_them(app, client, db, signed_in):
    manager = signed_in("manager")
    call = make_call(actor=manager)
    settings = client.get(f"/manage/calls/{call.id}/settings").get_data(as_text=True)
    data = {"kind": "residency", "pair_ids": [str(call.pairs[0].id)], "directions": ["eu_to_ea", "ea_to_eu"],
            "opens_at": "2026-01-01T00:00", "closes_at": "2030-01-01T00:00", "timezone": "Europe/Berlin",
            "accepted_languages": ["en", "ko"], "required_texts": ["title", "summary"],
            "required_locales": ["en", "ko"], "reviewers_per_application": "3", "first_instalment_percent": "60",
            "appeal_days": "21", "offer_days": "45", "csrf_token": csrf_from(settings)}
    assert client.post(f"/manage/calls/{call.id}/settings", data=data).status_code == 302
    db.session.refresh(call)
    assert (call.first_instalment_percent, call.appeal_days, call.offer_days) == (60, 21, 45)

    client.post(f"/manage/calls/{call.id}/status/published", data={"csrf_token": _token(client)})
    db.session.refresh(call)
    assert call.status is CallStatus.DRAFT
    overview = client.get(f"/manage/calls/{call.id}").get_data(as_text=True)
    assert "is missing in Korean" in overview

    client.post(f"/manage/calls/{call.id}/texts/ko", data={
        "title": "레지던시 공모", "summary": "두 도시를 잇는 레지던시", "body": "", "guidance": "",
        "csrf_token": _token(client, f"/manage/calls/{call.id}/texts/ko")})
    client.post(f"/manage/calls/{call.id}/status/published", data={"csrf_token": _token(client)})
    db.session.refresh(call)
    assert call.status is CallStatus.PUBLISHED

    visitor = app.test_client()
    page = visitor.get(f"/calls/{call.id}", headers={"Accept-Language": "ko-KR"}).get_data(as_text=True)
    assert "레지던시 공모" in page and "Asia/Seoul" in page
    listing = visitor.get("/calls/", headers={"Accept-Language": "ko-KR"}).get_data(as_text=True)
    assert "레지던시 공모" in listing


def test_drafts_are_invisible_to_the_public_and_to_artists(client, db, signed_in):
    call = make_call()
    assert client.get(f"/calls/{call.id}").status_code == 404
    assert "Test call" not in client.get("/calls/").get_data(as_text=True)
    signed_in("applicant")
    assert client.get(f"/calls/{call.id}").status_code == 404
    assert client.get(f"/manage/calls/{call.id}").status_code == 403


def test_artists_and_jurors_cannot_edit_a_call(client, db, signed_in):
    call = make_call(publish=True)
    for role in ("applicant", "juror"):
        signed_in(role)
        token = _token(client)
        for url in (f"/manage/calls/{call.id}/texts/en", f"/manage/calls/{call.id}/status/closed",
                    f"/manage/calls/{call.id}/rubric/criteria", f"/manage/calls/{call.id}/rates"):
            assert client.post(url, data={"csrf_token": token, "title": "Hacked"}).status_code == 403
        client.post("/sign-out", data={"csrf_token": token})
    db.session.refresh(call)
    assert call.title["en"] == "Test call" and call.status is CallStatus.PUBLISHED


def test_preview_shows_the_call_in_the_chosen_language(client, db, signed_in):
    manager = signed_in("manager")
    call = make_call(actor=manager, texts={"en": {"title": "Open studios", "summary": "S", "body": "B"},
                                           "ja": {"title": "オープンスタジオ", "summary": "概要", "body": "本文"}})
    html = client.get(f"/manage/calls/{call.id}/preview/ja").get_data(as_text=True)
    assert '<html lang="ja">' in html and "オープンスタジオ" in html
    fallback = client.get(f"/manage/calls/{call.id}/preview/ko").get_data(as_text=True)
    assert "Open studios" in fallback  # no Korean title: the English one stands in


def test_a_locked_rubric_explains_why_and_refuses_changes(client, db, signed_in):
    manager = signed_in("manager")
    call = make_call(actor=manager, publish=True)
    call.first_submission_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get(f"/manage/calls/{call.id}/rubric").get_data(as_text=True)
    assert "can no longer change" in page and "Add a criterion" not in page
    response = client.post(f"/manage/calls/{call.id}/rubric/criteria", data={
        "criterion-label_en": "Sneaky", "criterion-weight": "1", "csrf_token": _token(client)})
    assert "can no longer change" in response.get_data(as_text=True)
    db.session.refresh(call)
    assert len(call.criteria) == 3


def test_criterion_errors_land_on_their_fields(client, db, signed_in):
    manager = signed_in("manager")
    call = make_call(actor=manager)
    html = client.post(f"/manage/calls/{call.id}/rubric/criteria", data={
        "criterion-label_en": "Feasibility", "criterion-weight": "0", "criterion-threshold": "7",
        "csrf_token": _token(client)}).get_data(as_text=True)
    assert 'id="criterion-weight-error"' in html and 'value="Feasibility"' in html
    html = client.post(f"/manage/calls/{call.id}/rubric/criteria", data={
        "criterion-label_en": "Feasibility", "criterion-weight": "2", "criterion-threshold": "7",
        "csrf_token": _token(client)}).get_data(as_text=True)
    assert 'id="criterion-threshold-error"' in html


def test_rule_and_question_errors_land_on_their_fields(client, db, signed_in):
    manager = signed_in("manager")
    call = make_call(actor=manager)
    html = client.post(f"/manage/calls/{call.id}/rules", data={
        "kind": "duration", "min_value": "60", "max_value": "7", "csrf_token": _token(client)}).get_data(as_text=True)
    assert 'id="min_value-error"' in html and 'value="60"' in html
    html = client.post(f"/manage/calls/{call.id}/questions", data={
        "kind": "single_choice", "label_en": "Pick one", "options_en": "Only one option",
        "csrf_token": _token(client)}).get_data(as_text=True)
    assert 'id="options_en-error"' in html and "Only one option" in html


def test_rates_errors_keep_the_typed_table(client, db, signed_in):
    manager = signed_in("manager")
    call = make_call(actor=manager)
    data = {"rates-daily_allowance": "85", "rates-green_travel_topup": "400", "rates-visa_topup": "120",
            "rates-family_topup_per_child": "200", "rates-accessibility_topup_per_day": "30",
            "rates-bands": "0-5000: 400\n6000-: 900", "rates-per_diems": "JP: 95", "csrf_token": _token(client)}
    html = client.post(f"/manage/calls/{call.id}/rates", data=data).get_data(as_text=True)
    assert 'id="rates-bands-error"' in html and "6000-: 900" in html
    data["rates-bands"] = "0-5000: 400\n5000-9000: 900\n9000-: 1100"
    assert client.post(f"/manage/calls/{call.id}/rates", data=data).status_code == 302
    db.session.refresh(call)
    assert [b.amount for b in call.distance_bands] == [400, 900, 1100]


def test_pair_page_lists_published_calls_and_says_it_is_illustrative(client, db):
    call = make_call(publish=True, title="Shared studio")
    draft = make_call(pairs=call.pairs, title="Secret draft")
    html = client.get(f"/pairs/{call.pairs[0].id}").get_data(as_text=True)
    assert "Shared studio" in html and "Secret draft" not in html and "Illustrative pair" in html
    assert draft.status is CallStatus.DRAFT


def test_city_names_follow_the_viewers_language(client, db):
    pair = make_pair()
    for language, name in (("en", "Kamakura"), ("ja", "鎌倉市"), ("ko", "가마쿠라"), ("zh-CN", "镰仓")):
        assert name in client.get(f"/pairs/{pair.id}", headers={"Accept-Language": language}).get_data(as_text=True)


def test_a_manager_adds_a_city_and_pairs_it(client, db, signed_in):
    signed_in("manager")
    make_pair()  # loads the reference cities
    html = client.post("/manage/cities/new", data={
        "programme": "CCEA", "title_year": "2027", "name_en": "Sapporo", "name_local": "札幌市", "country": "JP",
        "latitude": "43.06", "longitude": "141.35", "name_ja": "", "name_ko": "삿포로", "name_zh_Hans": "札幌",
        "csrf_token": _token(client, "/manage/cities/new")})
    assert html.status_code == 302
    bad = client.post("/manage/cities/new", data={
        "programme": "CCEA", "title_year": "2027", "name_en": "Nowhere", "country": "JP", "latitude": "123",
        "longitude": "0", "csrf_token": _token(client, "/manage/cities/new")}).get_data(as_text=True)
    assert 'id="latitude-error"' in bad


def test_the_minimum_applications_per_juror_is_set_on_the_settings_form(client, db, signed_in):
    manager = signed_in("manager")
    call = make_call(actor=manager)
    settings = client.get(f"/manage/calls/{call.id}/settings").get_data(as_text=True)
    assert 'name="min_reviews_per_juror"' in settings
    data = {"kind": "residency", "pair_ids": [str(call.pairs[0].id)], "directions": ["eu_to_ea", "ea_to_eu"],
            "opens_at": "2026-01-01T00:00", "closes_at": "2030-01-01T00:00", "timezone": "Europe/Berlin",
            "accepted_languages": ["en"], "required_texts": ["title"], "required_locales": ["en"],
            "reviewers_per_application": "3", "min_reviews_per_juror": "12", "first_instalment_percent": "70",
            "appeal_days": "14", "offer_days": "30", "csrf_token": csrf_from(settings)}
    assert client.post(f"/manage/calls/{call.id}/settings", data=data).status_code == 302
    db.session.refresh(call)
    assert call.min_reviews_per_juror == 12
    html = client.post(f"/manage/calls/{call.id}/settings", data={**data, "min_reviews_per_juror": "-1"}
                       ).get_data(as_text=True)
    assert 'id="min_reviews_per_juror-error"' in html
    db.session.refresh(call)
    assert call.min_reviews_per_juror == 12
