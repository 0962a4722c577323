"""The screening page: the applicant's profile, the automatic checks, previous/next, a recorded screening shown."""
from __future__ import annotations

import re

import pytest

from mobility.applications import services as applications
from mobility.calls import services as calls
from mobility.calls.enums import RuleKind
from mobility.extensions import db as _db
from tests.conftest import sign_in
from tests.factories import make_application, make_call, make_user


@pytest.fixture
def screening(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager = make_user("manager")
        call = make_call(actor=manager)
        calls.save_rule(manager, call, RuleKind.DURATION, {"min": 1, "max": 60})  # the stays last 30 days
        from mobility.calls.enums import CallStatus
        calls.set_call_status(manager, call, CallStatus.PUBLISHED)
        made = []
        for title in ("First", "Second", "Third"):
            application = make_application(call=call, title=title)
            applications.submit_application(application.applicant, application)
            made.append(application)
        _db.session.commit()
        return manager, call, made


def test_the_screening_page_shows_the_applicant_the_checks_and_the_neighbours(client, screening):
    manager, _call, (first, second, third) = screening
    sign_in(client, manager.email)
    html = client.get(f"/applications/{second.id}").get_data(as_text=True)
    section = html.split('id="screening"')[1]
    assert second.applicant.name in section and second.applicant.email in section
    assert "Met" in section and "The stay lasts 30 days." in section  # the automatic check, about them
    # The page speaks of the applicant; only the reasons the applicant will read speak to them.
    assert "Your stay lasts" not in html and "Summary of your project" not in html
    assert "<dt>Your discipline</dt>" not in html
    assert "Summary of the project" in html and "The applicant's discipline" in html
    assert f'href="/applications/{first.id}#screening" rel="prev"' in section
    assert f'href="/applications/{third.id}#screening" rel="next"' in section
    first_page = client.get(f"/applications/{first.id}").get_data(as_text=True)
    assert 'rel="prev"' not in first_page and f'/applications/{second.id}#screening" rel="next"' in first_page


def test_a_recorded_screening_is_shown_in_the_form(client, screening):
    manager, _call, (first, _second, _third) = screening
    sign_in(client, manager.email)
    page = client.get(f"/applications/{first.id}").get_data(as_text=True)
    assert not re.search(r'value="ineligible"[^>]*checked|checked[^>]*value="ineligible"', page)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    response = client.post(f"/applications/{first.id}/screen", data={
        "decision": "ineligible", "reason": "dates", "note": "The stay is too long.", "csrf_token": token.group(1)})
    assert response.status_code == 302
    again = client.get(f"/applications/{first.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="ineligible"|<input[^>]*value="ineligible"[^>]*checked', again)
    assert re.search(r'<option[^>]*selected[^>]*value="dates"|<option[^>]*value="dates"[^>]*selected', again)
    assert "The stay is too long.</textarea>" in again and "Screened on" in again


def test_the_applicant_sees_no_screening_and_is_addressed_as_you(client, screening):
    _manager, _call, (first, _second, _third) = screening
    sign_in(client, first.applicant.email)
    html = client.get(f"/applications/{first.id}").get_data(as_text=True)
    assert 'id="screening"' not in html and "Summary of your project" in html


@pytest.mark.parametrize("roles", [(), ("juror",)])
def test_others_cannot_screen(app, client, screening, roles):
    _manager, _call, (first, _second, _third) = screening
    with app.test_request_context():
        user = make_user(*roles)
    sign_in(client, user.email)
    assert client.get(f"/applications/{first.id}").status_code == 404


def test_a_manager_of_another_programme_cannot_screen(app, client, screening):
    _manager, _call, (first, _second, _third) = screening
    with app.test_request_context():
        other = make_user("manager", programme="Another programme")
    sign_in(client, other.email)
    assert client.get(f"/applications/{first.id}").status_code in (403, 404)
