"""Programmes through the pages and the API: admins set them up; a manager sees and runs only their own calls."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mobility.accounts.models import Programme
from mobility.applications import services as applications
from mobility.calls.models import Call
from tests.conftest import csrf_from, sign_in
from tests.factories import make_api_token, make_application, make_call, make_pair, make_programme, make_user


def _token(client, url="/"):
    return csrf_from(client.get(url).get_data(as_text=True))


def _figure(html: str, label: str) -> str:
    return re.search(r'<span class="figure">([^<]+)</span> ' + label, html).group(1)


def test_an_admin_creates_a_programme_and_names_its_managers(client, db, signed_in):
    signed_in("admin")
    anna = make_user("manager", name="Anna Schmidt", email="anna@example.org", programme=None)
    make_user("applicant", name="Hanako", email="hanako@example.org")

    html = client.post("/admin/programmes", data={"name": " ", "csrf_token": _token(client, "/admin/programmes")}
                       ).get_data(as_text=True)
    assert 'id="name-error"' in html and db.session.scalar(select(Programme)) is None
    response = client.post("/admin/programmes", data={"name": "Matera ⇄ Kanazawa",
                                                      "csrf_token": _token(client, "/admin/programmes")})
    programme = db.session.scalar(select(Programme))
    assert response.headers["Location"] == f"/admin/programmes/{programme.id}"

    url = f"/admin/programmes/{programme.id}"
    html = client.post(url, data={"email": "hanako@example.org", "csrf_token": _token(client, url)}
                       ).get_data(as_text=True)
    assert 'id="email-error"' in html and "Hanako is not a programme manager" in html
    assert client.post(url, data={"email": "anna@example.org", "csrf_token": _token(client, url)}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Anna Schmidt" in page and "anna@example.org" in page
    assert "Anna Schmidt" in client.get("/admin/programmes").get_data(as_text=True)

    client.post(f"{url}/managers/{anna.id}/remove", data={"csrf_token": _token(client, url)})
    db.session.refresh(programme)
    assert programme.managers == []


def test_the_programme_pages_are_the_admins_alone(client, db, signed_in):
    programme = make_programme("Matera ⇄ Kanazawa")
    signed_in("manager", programme="Matera ⇄ Kanazawa")
    token = _token(client)
    assert client.get("/admin/programmes").status_code == 403
    assert client.post("/admin/programmes", data={"name": "Mine", "csrf_token": token}).status_code == 403
    assert client.post(f"/admin/programmes/{programme.id}", data={"email": "x@example.org",
                                                                  "csrf_token": token}).status_code == 403
    assert db.session.scalar(select(Programme).where(Programme.name == "Mine")) is None


def test_a_manager_lists_and_opens_only_their_programmes_calls(client, db, signed_in):
    theirs = make_user("manager", programme="Bourges ⇄ Jeonju")
    other_call = make_call(actor=theirs, title="Jeonju residencies")
    manager = signed_in("manager", programme="Chemnitz ⇄ Kamakura")
    own_call = make_call(actor=manager, title="Kamakura residencies")

    listing = client.get("/manage/calls/").get_data(as_text=True)
    assert "Kamakura residencies" in listing and "Chemnitz ⇄ Kamakura" in listing
    assert "Jeonju residencies" not in listing
    assert client.get(f"/manage/calls/{own_call.id}").status_code == 200
    assert client.get(f"/manage/calls/{other_call.id}").status_code == 403
    assert client.get(f"/calls/{other_call.id}").status_code == 404  # another office's draft stays unseen
    token = _token(client)
    response = client.post(f"/manage/calls/{other_call.id}/status/published", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(other_call)
    assert other_call.status.value == "draft"


def test_a_manager_without_a_programme_is_told_why_they_cannot_create_a_call(client, db, signed_in):
    signed_in("manager", programme=None)
    make_call(title="Someone else's call")
    assert "An administrator can add you to a programme" in client.get("/manage/calls/").get_data(as_text=True)
    assert "Someone else's call" not in client.get("/manage/calls/").get_data(as_text=True)
    pair = make_pair()
    html = client.post("/manage/calls/new", data={
        "kind": "residency", "title": "Mine", "pair_ids": [str(pair.id)], "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-04-30T18:00", "timezone": "Asia/Seoul",
        "csrf_token": _token(client, "/manage/calls/new")}).get_data(as_text=True)
    assert 'id="programme_id-error"' in html and "Choose one of the programmes you run." in html
    assert db.session.scalar(select(Call).where(Call.title["en"].as_string() == "Mine")) is None


def test_a_manager_of_two_programmes_chooses_where_the_call_goes(client, db, signed_in):
    manager = signed_in("manager", programme="Chemnitz ⇄ Kamakura")
    second = make_programme("Bourges ⇄ Jeonju", managers=[manager])
    elsewhere = make_programme("Matera ⇄ Kanazawa")
    pair = make_pair(actor=manager)
    form = client.get("/manage/calls/new").get_data(as_text=True)
    assert "Bourges ⇄ Jeonju" in form and "Chemnitz ⇄ Kamakura" in form and "Matera ⇄ Kanazawa" not in form

    def create(programme_id):
        return client.post("/manage/calls/new", data={
            "programme_id": str(programme_id), "kind": "residency", "title": "Jeonju residencies",
            "pair_ids": [str(pair.id)], "opens_at": "2027-03-01T09:00", "closes_at": "2027-04-30T18:00",
            "timezone": "Asia/Seoul", "csrf_token": _token(client, "/manage/calls/new")})

    assert 'id="programme_id-error"' in create(elsewhere.id).get_data(as_text=True)
    assert create(second.id).status_code == 302
    assert db.session.scalar(select(Call)).programme_id == second.id


def test_the_dashboard_counts_the_managers_own_programmes_only(app, client, db, signed_in):
    theirs = make_user("manager", programme="Bourges ⇄ Jeonju")
    with app.test_request_context():
        for _ in range(2):
            application = make_application(call=make_call(actor=theirs, publish=True))
            applications.submit_application(application.applicant, application)
        db.session.commit()
    signed_in("manager", programme="Chemnitz ⇄ Kamakura")
    assert _figure(client.get("/manage/dashboard").get_data(as_text=True), "applications") == "0"
    admin = app.test_client()
    assert sign_in(admin, make_user("admin").email).status_code == 302
    assert _figure(admin.get("/manage/dashboard").get_data(as_text=True), "applications") == "2"


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_the_api_answers_another_programmes_manager_with_403_before_reading_the_body(client, db):
    ours = make_user("manager", programme="Ours")
    theirs = make_user("manager", programme="Theirs")
    call = make_call(actor=ours, publish=True)
    application = make_application(call=call)
    _, secret = make_api_token(theirs, scope="read_write")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/calls/{call.id}/applications", headers=headers).status_code == 403
    assert client.get(f"/api/v1/applications/{application.id}", headers=headers).status_code == 403
    # An empty body would be a 422 for the call's own office; for another office it is a 403.
    assert client.put(f"/api/v1/applications/{application.id}/screening", headers=headers,
                      json={}).status_code == 403
    _, own_secret = make_api_token(ours, scope="read_write")
    assert client.put(f"/api/v1/applications/{application.id}/screening",
                      headers={"Authorization": f"Bearer {own_secret}"}, json={}).status_code == 422
    assert client.get(f"/api/v1/calls/{call.id}/applications",
                      headers={"Authorization": f"Bearer {own_secret}"}).status_code == 200


def test_a_call_moves_to_another_of_ones_programmes_and_its_old_office_loses_it(client, db, signed_in):
    stays = make_user("manager", programme="Chemnitz ⇄ Kamakura")
    manager = signed_in("manager", programme="Chemnitz ⇄ Kamakura")
    target = make_programme("Bourges ⇄ Jeonju", managers=[manager])
    elsewhere = make_programme("Matera ⇄ Kanazawa")
    call = make_call(actor=manager, title="Moving call")
    settings = client.get(f"/manage/calls/{call.id}/settings").get_data(as_text=True)
    assert 'id="move-programme_id"' in settings and "Matera ⇄ Kanazawa" not in settings

    url = f"/manage/calls/{call.id}/programme"
    response = client.post(url, data={"move-programme_id": str(elsewhere.id), "csrf_token": _token(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="move-programme_id-error"' in html and "Choose one of the programmes you run." in html
    assert re.search(r'name="reviewers_per_application"[^>]*value="3"', html)  # the settings stay filled in
    moved = client.post(url, data={"move-programme_id": str(target.id), "csrf_token": _token(client)})
    assert moved.status_code == 302
    assert "The call now belongs to Bourges ⇄ Jeonju." in client.get(moved.headers["Location"]).get_data(as_text=True)
    db.session.refresh(call)
    assert call.programme_id == target.id

    other = client.application.test_client()
    assert sign_in(other, stays.email).status_code == 302
    assert other.get(f"/manage/calls/{call.id}").status_code == 403
    assert "Moving call" not in other.get("/manage/calls/").get_data(as_text=True)


def test_a_manager_of_one_programme_is_not_offered_a_move(client, db, signed_in):
    manager = signed_in("manager", programme="Chemnitz ⇄ Kamakura")
    call = make_call(actor=manager)
    assert 'id="move-programme_id"' not in client.get(f"/manage/calls/{call.id}/settings").get_data(as_text=True)
