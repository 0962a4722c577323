"""Every page shows what is true now: a change shows at once (the ranking's memo included), every reader
gets their own token and language, and nobody is shown a page meant for someone else."""
from __future__ import annotations

from mobility.applications import services
from mobility.applications.models import Application
from mobility.calls.models import Call
from mobility.core import memo
from mobility.review import ranking
from tests.conftest import csrf_from, sign_in
from tests.databases import counting
from tests.factories import make_application, make_awardable, make_call, make_user


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_office_list_shows_a_screening_at_once(app, client, db):
    with app.test_request_context():
        call = make_call(publish=True)
        application = make_application(call=call, title="Harbour songs")
        services.submit_application(application.applicant, application)
        db.session.commit()
        manager = make_user("manager", programme="Test programme")
    sign_in(client, manager.email)
    url = f"/manage/calls/{call.id}/applications"
    page = _page(client, url)
    assert "Harbour songs" in page and "status-submitted" in page

    with app.test_request_context():
        services.screen_application(manager, db.session.get(Application, application.id),
                                    eligible=True, reason=None, note=None)
        db.session.commit()
    after = _page(client, url)
    assert "status-eligible" in after and "status-submitted" not in after


def test_each_browser_gets_its_own_csrf_token_and_it_is_accepted(app, db):
    with app.test_request_context():
        application = make_application(title="First title")
        applicant = application.applicant
    url = f"/applications/{application.id}/edit"
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        sign_in(browser, applicant.email)
    laptop_token = csrf_from(laptop.get(url).get_data(as_text=True))
    phone_token = csrf_from(phone.get(url).get_data(as_text=True))
    assert phone_token != laptop_token
    page = phone.get(url).get_data(as_text=True)
    form = {"version": str(application.version), "title": "Second title", "summary": application.summary,
            "languages": ["en"], "discipline": "dance", "career_stage": "", "pair_id": str(application.call.pairs[0].id),
            "origin_city_id": str(application.call.pairs[0].east_asia_city_id),
            "start_date": application.start_date.isoformat(), "end_date": application.end_date.isoformat(),
            "host_organisation": application.host_organisation, "host_email": application.host_email,
            "csrf_token": csrf_from(page)}
    saved = phone.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "Your draft is saved." in saved and 'value="Second title"' in saved
    # The message is shown once; the laptop, whose page predates the change, sees the new title too.
    assert "Your draft is saved." not in phone.get(url).get_data(as_text=True)
    assert 'value="Second title"' in laptop.get(url).get_data(as_text=True)


def test_a_page_seen_by_one_person_is_never_shown_to_another(app, db):
    with app.test_request_context():
        application = make_application(title="Private plans")
        stranger = make_user()
    url = f"/applications/{application.id}/edit"
    owner, other = app.test_client(), app.test_client()
    sign_in(owner, application.applicant.email)
    sign_in(other, stranger.email)
    assert owner.get(url).status_code == 200 and owner.get(url).status_code == 200
    refused = other.get(url)
    # Someone else's draft does not exist for them (404), however often its owner looked at it.
    assert refused.status_code == 404 and "Private plans" not in refused.get_data(as_text=True)


def test_the_page_follows_the_language_the_person_switches_to(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    assert "My applications" in client.get("/my/applications").get_data(as_text=True)
    token = csrf_from(client.get("/my/applications").get_data(as_text=True))
    client.post("/language", data={"locale": "ja", "next": "/my/applications", "csrf_token": token})
    japanese = client.get("/my/applications").get_data(as_text=True)
    assert "My applications" not in japanese and 'lang="ja"' in japanese


def test_after_signing_out_the_old_cookie_opens_no_page(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    assert client.get("/my/applications").status_code == 200
    assert client.get("/my/applications").status_code == 200
    cookie = client.get_cookie("mobility_session", domain="mobility.test").value
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/my/applications").get_data(as_text=True))})
    stolen = app.test_client()
    stolen.set_cookie("mobility_session", cookie, domain="mobility.test")
    response = stolen.get("/my/applications")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def _decide(client, ranking_url: str, application_id: int, decision: str, reason: str) -> str:
    token = csrf_from(_page(client, ranking_url))
    response = client.post(f"/manage/applications/{application_id}/decision",
                           data={"decision": decision, "reason": reason, "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_decision_on_the_ranking_shows_at_once_for_its_manager_and_a_colleague(app, client, db):
    with app.test_request_context():
        manager, call, (first, _second) = make_awardable(applications=2)
        colleague = make_user("manager", programme=None)
        colleague.programmes = list(manager.programmes)
        db.session.commit()
    url = f"/manage/calls/{call.id}/ranking"
    other = app.test_client()
    sign_in(client, manager.email)
    sign_in(other, colleague.email)
    assert 'class="tag"' not in _page(client, url) and 'class="tag"' not in _page(other, url)  # both kept now

    shown = _decide(client, url, first.id, "waitlist", "Strong; the budget is spent")
    assert "The decision is recorded." in shown and shown.count('<span class="tag">Waiting list</span>') == 1
    assert _page(other, url).count('<span class="tag">Waiting list</span>') == 1


def test_a_decision_in_another_call_leaves_this_calls_ranking_kept(app, client, db):
    with app.test_request_context():
        manager, call_a, _made = make_awardable(applications=2, title="Call A")
        _manager_b, call_b, (in_b,) = make_awardable(applications=1, title="Call B")
        manager.programmes = list({*manager.programmes, *_manager_b.programmes})
        db.session.commit()
    sign_in(client, manager.email)
    _page(client, f"/manage/calls/{call_a.id}/ranking")  # A's ranking computed and kept

    shown = _decide(client, f"/manage/calls/{call_b.id}/ranking", in_b.id, "reject", "Out of scope")
    assert "The decision is recorded." in shown
    with app.test_request_context():
        call_a = db.session.get(Call, call_a.id)
        with counting() as statements:
            ranking.ranking_rows(call_a)
        assert statements == []  # still the kept one: B's decision changed nothing of A's
        memo.ranking_changed(call_a.id)
        db.session.commit()
        call_a = db.session.get(Call, call_a.id)
        with counting() as statements:
            ranking.ranking_rows(call_a)
        assert statements  # while a change of A's own is seen at once
