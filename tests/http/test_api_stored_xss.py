"""Stored XSS through the JSON API: the page-side payloads (EN/ZH/JA/KO) written through every API write come
back from the API as the exact JSON strings, never as HTML, and every page that shows them escapes them."""
from __future__ import annotations

from datetime import date

import pytest
from flask import url_for
from markupsafe import escape
from sqlalchemy import select

from mobility.awards.models import Payment
from mobility.core.models import OutboxMessage
from mobility.extensions import db
from tests.conftest import sign_in
from tests.factories import make_api_office, make_user
from tests.http.test_api_http import PROBLEM, bearer
from tests.http.test_stored_xss import DANGEROUS, PAYLOADS

# A token's time of use is written on a connection of its own (api/services.mark_used): really committed.
pytestmark = pytest.mark.commits

ALL_LANGUAGES = " ".join(PAYLOADS.values())  # English, Chinese, Japanese and Korean payloads in one text


@pytest.fixture
def office(app):
    """An accepted grant with its first instalment due, a submitted application, a juror with a payload name."""
    with app.test_request_context():
        made = make_api_office(juror_name=PAYLOADS["name"])
        admin = make_user("admin")
        db.session.commit()
        return {"manager": made.manager.email, "admin": admin.email, "applicant": made.submitted.applicant.email,
                "grantee": made.application.applicant.email, "call": made.call.id, "submitted": made.submitted.id,
                "grant": made.grant.id, "juror": made.juror.email, "secret": made.secret,
                "jury_page": url_for("manage_review.jury", call_id=made.call.id)}


def _json(response, status: int):
    """The API answers JSON that no browser would render as a page."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype in ("application/json", PROBLEM) and "html" not in response.content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return response.get_json()


def assert_shown_escaped(app, email: str, urls: list[str], texts: list[str]) -> None:
    """Each page, seen by `email`, shows every text escaped (as typed, to the reader) and no payload as markup."""
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/html", url
        body = response.get_data(as_text=True)
        for marker in DANGEROUS:
            assert marker not in body, f"{marker!r} unescaped on {url}"
        for text in texts:
            assert str(escape(text)) in body, f"{text!r} not shown on {url}"


def test_a_screening_note_comes_back_as_the_exact_string_and_is_escaped_on_the_pages(app, client, office):
    url = f"/api/v1/applications/{office['submitted']}/screening"
    answer = _json(client.put(url, json={"eligible": False, "reason": "residence", "note": ALL_LANGUAGES},
                              headers=bearer(office["secret"])), 200)
    assert answer["screening_note"] == ALL_LANGUAGES
    again = _json(client.get(f"/api/v1/applications/{office['submitted']}", headers=bearer(office["secret"])), 200)
    assert again["screening_note"] == ALL_LANGUAGES
    listed = _json(client.get(f"/api/v1/calls/{office['call']}/applications?status=ineligible",
                              headers=bearer(office["secret"])), 200)
    assert [a["screening_note"] for a in listed["items"]] == [ALL_LANGUAGES]
    # A payload where the API expects one of its own values is refused, and not echoed back as markup.
    refused = client.put(url, json={"eligible": False, "reason": PAYLOADS["title"]}, headers=bearer(office["secret"]))
    assert "reason" in _json(refused, 422)["errors"] and "<script>" not in refused.get_data(as_text=True)

    page = f"/applications/{office['submitted']}"
    assert_shown_escaped(app, office["applicant"], [page, "/my/applications"], [ALL_LANGUAGES])
    assert_shown_escaped(app, office["manager"], [page], [ALL_LANGUAGES])
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == office["applicant"])).all()
    assert any(ALL_LANGUAGES in m.body for m in mail)  # plain-text mail (sent as text/plain): the note as typed


def test_payment_references_come_back_as_the_exact_strings_and_are_escaped_on_the_pages(app, client, office):
    url = f"/api/v1/grants/{office['grant']}/payments"
    for payload in PAYLOADS.values():
        paid = _json(client.post(url, json={"instalment": 1, "amount": "1.00", "reference": payload,
                                            "paid_on": date.today().isoformat()},
                                 headers=bearer(office["secret"])), 201)
        assert paid["reference"] == payload
    listed = _json(client.get(url, headers=bearer(office["secret"])), 200)
    assert sorted(p["reference"] for p in listed["items"]) == sorted(PAYLOADS.values())
    assert sorted(db.session.scalars(select(Payment.reference))) == sorted(PAYLOADS.values())

    grant_page = f"/grants/{office['grant']}"
    assert_shown_escaped(app, office["manager"], [grant_page], list(PAYLOADS.values()))
    assert_shown_escaped(app, office["grantee"], [grant_page], list(PAYLOADS.values()))
    assert_shown_escaped(app, office["admin"], ["/admin/audit"], list(PAYLOADS.values()))


def test_a_juror_imported_through_the_api_comes_back_with_the_exact_name_and_is_escaped_on_the_jury_page(
        app, client, office):
    url = f"/api/v1/calls/{office['call']}/jurors"
    added = _json(client.post(url, json={"jurors": [{"email": office["juror"], "max_load": 3}]},
                              headers=bearer(office["secret"])), 200)
    assert [j["name"] for j in added] == [PAYLOADS["name"]]
    pool = _json(client.get(url, headers=bearer(office["secret"])), 200)
    assert PAYLOADS["name"] in [j["name"] for j in pool["items"]]
    # Payloads as e-mail addresses are refused field by field, as JSON problems.
    refused = client.post(url, json={"jurors": [{"email": f"{p}@example.org"} for p in PAYLOADS.values()]},
                          headers=bearer(office["secret"]))
    assert set(_json(refused, 422)["errors"]) == {f"jurors.{i}.email" for i in range(len(PAYLOADS))}
    assert_shown_escaped(app, office["manager"], [office["jury_page"]], [PAYLOADS["name"]])
