"""Blind review through the API: the same policy as the pages (review/policies.sees_identity), and no way
for a juror of a blind call to reach who applied through the API — not with their browser's cookie,
not with a token left over from a time they were in the office."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from mobility.accounts import services as accounts
from mobility.accounts.enums import Role
from mobility.api import representations as show
from mobility.review import services
from mobility.review.enums import PhaseKind
from mobility.review.models import Assignment, Review
from tests.conftest import sign_in
from tests.factories import make_api_token, make_juror, make_user
from tests.http.test_review_http import CANARY, blind_call  # noqa: F401  (the fixture)


def _review_everything(app, db, juror):
    with app.test_request_context():
        for assignment in db.session.scalars(select(Assignment).where(Assignment.juror_id == juror.id)):
            services.declare_no_conflict(juror, assignment)
            services.save_review(juror, assignment, scores={c.id: "4" for c in assignment.application.call.criteria},
                                 comments={}, overall_comment="Strong and clear.", comment_language="en", submit=True)
        db.session.commit()


def _office_urls(application) -> list[tuple[str, str, dict | None]]:
    call = application.call_id
    return [("GET", f"/api/v1/calls/{call}/applications", None), ("GET", f"/api/v1/applications/{application.id}", None),
            ("GET", f"/api/v1/calls/{call}/reviews", None), ("GET", f"/api/v1/calls/{call}/jurors", None),
            ("GET", f"/api/v1/calls/{call}/grants", None), ("GET", f"/api/v1/calls/{call}/reports", None),
            ("PUT", f"/api/v1/applications/{application.id}/screening", {"eligible": True})]


def _assert_no_canary(response):
    everything = response.get_data() + str(response.headers).encode()
    assert CANARY.encode() not in everything and CANARY.lower().encode() not in everything


def test_a_juror_of_a_blind_call_reaches_nothing_through_the_api(app, client, db, blind_call):  # noqa: F811
    juror, application = blind_call
    _review_everything(app, db, juror)
    sign_in(client, juror.email)
    for method, url, body in _office_urls(application):
        response = client.open(url, method=method, json=body)
        assert response.status_code == 401, (method, url)
        _assert_no_canary(response)
    assert client.get("/account/api-tokens").status_code == 403


def test_a_token_from_a_former_manager_now_juror_shows_nothing(app, client, db, blind_call):  # noqa: F811
    _juror, application = blind_call
    with app.test_request_context():
        person = make_juror(city="Nara", email="was.manager@example.org")
        accounts.grant_role(make_user("admin"), person, Role.MANAGER)
        db.session.commit()
        _token, secret = make_api_token(person, "read_write")
        services.add_juror(make_user("manager"), application.call, person, 5)
        accounts.revoke_role(make_user("admin"), person, Role.MANAGER)
        db.session.commit()
    for method, url, body in _office_urls(application):
        response = client.open(url, method=method, json=body, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 403, (method, url)
        _assert_no_canary(response)


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_reviews_follow_the_consensus_page_identity_and_name_rules(app, client, db, blind_call):  # noqa: F811
    juror, application = blind_call
    _review_everything(app, db, juror)
    manager = db.session.get(type(juror), application.call.created_by_id)
    _token, secret = make_api_token(manager)
    url = f"/api/v1/calls/{application.call_id}/reviews"
    individual = client.get(url, headers={"Authorization": f"Bearer {secret}", "Accept-Language": "ja"}).get_json()
    (item,) = individual["items"]
    # The individual phase hides reviewers' names from everyone, the office included (as the consensus page).
    assert item["juror"] is None and item["juror_label"] == "審査員 1" and juror.name not in str(individual)
    # The office moderates: blind review hides who applied from jurors, not from the office.
    assert item["applicant_name"] == application.applicant.name and item["weighted_total"] is not None
    with app.test_request_context():
        services.move_to_phase(manager, application.call, PhaseKind.CONSENSUS)
        db.session.commit()
    consensus = client.get(url, headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert consensus["items"][0]["juror"] == {"id": juror.id, "name": juror.name}
    # The representation asks the policy, not the role: shown to the juror it hides who applied.
    with app.test_request_context():
        review = db.session.scalar(select(Review))
        phase = services.active_phase(application.call)
        as_juror = show.review(review, juror, phase, 1)
        as_office = show.review(review, manager, phase, 1)
    assert as_juror["applicant_name"] is None and CANARY not in str(as_juror)
    assert as_office["applicant_name"] == application.applicant.name
