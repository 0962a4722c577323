"""The page cache as a person sees it: a change shows at once, every reader gets their own token, messages
and language, and nobody is shown a page kept for someone else."""
from __future__ import annotations

from mobility.applications import services
from mobility.applications.models import Application
from tests.conftest import csrf_from, sign_in
from tests.databases import counting
from tests.factories import make_application, make_call, make_user


def _statements(client, url: str) -> tuple[int, str]:
    """(SQL statements the request ran, its page)."""
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(statements), response.get_data(as_text=True)


def test_the_office_list_is_served_again_and_shows_a_screening_at_once(app, client, db):
    with app.test_request_context():
        call = make_call(publish=True)
        application = make_application(call=call, title="Harbour songs")
        services.submit_application(application.applicant, application)
        db.session.commit()
        manager = make_user("manager", programme="Test programme")
    sign_in(client, manager.email)
    url = f"/manage/calls/{call.id}/applications"
    first, page = _statements(client, url)
    again, same = _statements(client, url)
    assert "Harbour songs" in page and "status-submitted" in page
    assert again < first and again <= 2  # the kept page: the versions and nothing else
    assert same.replace(csrf_from(same), "") == page.replace(csrf_from(page), "")

    with app.test_request_context():
        services.screen_application(manager, db.session.get(Application, application.id),
                                    eligible=True, reason=None, note=None)
        db.session.commit()
    _count, after = _statements(client, url)
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
    phone_token = csrf_from(phone.get(url).get_data(as_text=True))  # the page laptop's visit left behind
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
    # The message is shown once; the laptop, whose copy predates the change, sees the new title too.
    assert "Your draft is saved." not in phone.get(url).get_data(as_text=True)
    assert 'value="Second title"' in laptop.get(url).get_data(as_text=True)


def test_a_page_kept_for_one_person_is_never_shown_to_another(app, db):
    with app.test_request_context():
        application = make_application(title="Private plans")
        stranger = make_user()
    url = f"/applications/{application.id}/edit"
    owner, other = app.test_client(), app.test_client()
    sign_in(owner, application.applicant.email)
    sign_in(other, stranger.email)
    assert owner.get(url).status_code == 200 and owner.get(url).status_code == 200
    refused = other.get(url)
    # Someone else's draft does not exist for them (404), kept copy or not.
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


def test_after_signing_out_the_old_cookie_opens_no_kept_page(app, client, db):
    with app.test_request_context():
        application = make_application()
    sign_in(client, application.applicant.email)
    assert client.get("/my/applications").status_code == 200
    assert client.get("/my/applications").status_code == 200  # now from the copy
    cookie = client.get_cookie("mobility_session", domain="mobility.test").value
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/my/applications").get_data(as_text=True))})
    stolen = app.test_client()
    stolen.set_cookie("mobility_session", cookie, domain="mobility.test")
    response = stolen.get("/my/applications")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_someone_else_signing_in_does_not_render_a_kept_page_again(app, client, db):
    with app.test_request_context():
        application = make_application()
        someone = make_user()
    sign_in(client, application.applicant.email)
    rendered, _page = _statements(client, "/my/applications")
    sign_in(app.test_client(), someone.email)  # a new session row: only the sign-in check reads it again
    again, page = _statements(client, "/my/applications")
    assert again <= 2 < rendered and application.title in page
