"""Mass assignment through the JSON API: a write body with any field beyond the documented ones (status, owner,
score, amount, ids …) is refused whole, as a 422 problem naming the field, and changes nothing at all."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from mobility.accounts.models import User
from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.awards.models import Grant, Payment
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.extensions import db
from mobility.review.models import CallJuror
from tests.factories import make_api_office
from tests.http.test_api_http import PROBLEM, bearer
from tests.http.test_mass_assignment_and_uploads import EXTRAS

# A token's time of use is written on a connection of its own (api/services.mark_used): really committed.
pytestmark = pytest.mark.commits

# The page-side extras, typed as an API client would send them, and the fields the API itself answers with.
API_EXTRAS = {**{k: v for k, v in EXTRAS.items() if v is not None}, "owner_id": 1, "applicant_id": 1, "score": 5,
              "awarded": True, "amount": "999999.00", "id": 1, "call_id": 999, "grant_id": 999, "version": 7,
              "screened_at": "2026-01-01T00:00:00Z", "created_at": "2026-01-01T00:00:00Z", "user_id": 1,
              "recorded_by_id": 1, "paid": "999999.00", "max_load": 500, "email": "boss@example.org"}


@pytest.fixture
def office(app):
    with app.test_request_context():
        made = make_api_office()
        return {"call": made.call.id, "submitted": made.submitted.id, "grant": made.grant.id,
                "juror": made.juror.email, "secret": made.secret}


def _writes(office) -> list[tuple[str, str, dict]]:
    """Every API write, with a body that would succeed as it is."""
    return [
        ("PUT", f"/api/v1/applications/{office['submitted']}/screening",
         {"eligible": False, "reason": "residence", "note": "Lives elsewhere"}),
        ("POST", f"/api/v1/grants/{office['grant']}/payments",
         {"instalment": 1, "amount": "100.00", "reference": "BANK-1", "paid_on": date.today().isoformat()}),
        ("POST", f"/api/v1/calls/{office['call']}/jurors", {"jurors": [{"email": office["juror"], "max_load": 4}]}),
    ]


def _state() -> tuple:
    """Everything an API write could change."""
    application_rows = db.session.execute(select(
        Application.id, Application.status, Application.applicant_id, Application.call_id, Application.reference,
        Application.screening_note, Application.screening_reason).order_by(Application.id)).all()
    grant_rows = db.session.execute(select(Grant.id, Grant.amount, Grant.status, Grant.call_id,
                                           Grant.application_id).order_by(Grant.id)).all()
    payments = db.session.execute(select(Payment.id, Payment.amount, Payment.reference)).all()
    pool = db.session.execute(select(CallJuror.call_id, CallJuror.user_id, CallJuror.max_load)
                              .order_by(CallJuror.call_id, CallJuror.user_id)).all()
    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in (AuditEntry, OutboxMessage)]
    return application_rows, grant_rows, payments, pool, counts


def test_every_extra_field_in_every_api_write_is_refused_and_changes_nothing(app, client, office):
    before = _state()
    for method, url, body in _writes(office):
        for name, value in API_EXTRAS.items():
            if name in body:
                continue  # a documented field of this write
            response = client.open(url, method=method, json={**body, name: value}, headers=bearer(office["secret"]))
            assert response.status_code == 422 and response.mimetype == PROBLEM, (url, name, response.get_json())
            assert list(response.get_json()["errors"]) == [name], (url, name)
    assert _state() == before


def test_extra_fields_inside_a_juror_entry_are_refused_too(app, client, office):
    url = f"/api/v1/calls/{office['call']}/jurors"
    before = _state()
    for name in ("user_id", "call_id", "role", "roles", "status", "id"):
        entry = {"email": office["juror"], "max_load": 4, name: API_EXTRAS[name]}
        response = client.post(url, json={"jurors": [entry]}, headers=bearer(office["secret"]))
        assert response.status_code == 422 and list(response.get_json()["errors"]) == [f"jurors.0.{name}"], name
    assert _state() == before


def test_the_same_bodies_without_the_extras_do_exactly_what_is_documented(app, client, office):
    """The control: each body above is accepted as it is, so the refusals were for the extra field alone."""
    for method, url, body in _writes(office):
        response = client.open(url, method=method, json=body, headers=bearer(office["secret"]))
        assert response.status_code in (200, 201), (url, response.get_json())
    screened = db.session.get(Application, office["submitted"])
    assert screened.status is ApplicationStatus.INELIGIBLE and screened.screening_note == "Lives elsewhere"
    assert [(p.amount, p.reference) for p in db.session.scalars(select(Payment))] == [(100, "BANK-1")]
    assert db.session.scalar(select(CallJuror.max_load).join(User, User.id == CallJuror.user_id).where(
        CallJuror.call_id == office["call"], User.email == office["juror"])) == 4
