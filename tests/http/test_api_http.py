"""The JSON API through HTTP: tokens, the 401/403/404 matrix, writes through the services, languages, limits."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from mobility.accounts import services as accounts
from mobility.accounts.enums import Role
from mobility.applications.enums import ApplicationStatus
from mobility.awards.models import Payment
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.review.models import CallJuror
from tests.conftest import csrf_from
from tests.factories import make_accepted_grant, make_api_token, make_juror, make_reviewable_call, make_user

PROBLEM = "application/problem+json"


def bearer(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def world(app, db):
    """An accepted grant (first instalment due) in a call with a jury, and one token of each scope."""
    with app.test_request_context():
        manager, call, application, grant = make_accepted_grant()
        _read, read_secret = make_api_token(manager, "read")
        _write, write_secret = make_api_token(manager, "read_write", name="Finance system (write)")
        return {"manager": manager, "call": call, "application": application, "grant": grant,
                "read": read_secret, "write": write_secret}


def _operations(world):
    """Every office operation with a body that would succeed, and the same path with unknown ids."""
    call, application, grant = world["call"].id, world["application"].id, world["grant"].id
    juror = make_juror(city="Nara", email="pool.juror@example.org")
    return [
        ("GET", f"/api/v1/calls/{call}/applications", None, "/api/v1/calls/999999/applications"),
        ("GET", f"/api/v1/applications/{application}", None, "/api/v1/applications/999999"),
        ("PUT", f"/api/v1/applications/{application}/screening", {"eligible": True},
         "/api/v1/applications/999999/screening"),
        ("GET", f"/api/v1/calls/{call}/reviews", None, "/api/v1/calls/999999/reviews"),
        ("GET", f"/api/v1/calls/{call}/grants", None, "/api/v1/calls/999999/grants"),
        ("GET", f"/api/v1/grants/{grant}", None, "/api/v1/grants/999999"),
        ("GET", f"/api/v1/grants/{grant}/payments", None, "/api/v1/grants/999999/payments"),
        ("POST", f"/api/v1/grants/{grant}/payments",
         {"instalment": 1, "amount": "100.00", "reference": "BANK-1", "paid_on": date.today().isoformat()},
         "/api/v1/grants/999999/payments"),
        ("GET", f"/api/v1/calls/{call}/reports", None, "/api/v1/calls/999999/reports"),
        ("GET", f"/api/v1/calls/{call}/jurors", None, "/api/v1/calls/999999/jurors"),
        ("POST", f"/api/v1/calls/{call}/jurors", {"jurors": [{"email": juror.email, "max_load": 4}]},
         "/api/v1/calls/999999/jurors"),
    ]


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_every_office_operation_refuses_missing_revoked_foreign_and_read_only_tokens(app, client, db, world):
    operations = _operations(world)
    revoked_token, revoked = make_api_token(world["manager"], "read_write", name="Old")
    from mobility.api import services as api_tokens

    api_tokens.revoke_token(world["manager"], revoked_token)
    db.session.commit()
    demoted = make_user("manager", "juror")
    _t, demoted_secret = make_api_token(demoted, "read_write")
    accounts.revoke_role(make_user("admin"), demoted, Role.MANAGER)
    db.session.commit()
    for method, url, body, unknown in operations:
        for headers in ({}, bearer(revoked), bearer("mob_" + "x" * 43), {"Authorization": "Basic abc"}):
            response = client.open(url, method=method, json=body, headers=headers)
            assert response.status_code == 401 and response.mimetype == PROBLEM, (method, url, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        # A token whose holder is no longer in the office: refused, whatever its scope.
        response = client.open(url, method=method, json=body, headers=bearer(demoted_secret))
        assert response.status_code == 403 and response.mimetype == PROBLEM, (method, url)
        if method != "GET":
            response = client.open(url, method=method, json=body, headers=bearer(world["read"]))
            assert response.status_code == 403, (method, url)
            assert "only read" in response.get_json()["detail"]
        response = client.open(unknown, method=method, json=body, headers=bearer(world["write"]))
        assert response.status_code == 404 and response.get_json()["title"] == "Not found", (method, unknown)
    assert db.session.scalar(select(Payment)) is None  # none of the refused writes happened
    for method, url, body, _unknown in operations:
        response = client.open(url, method=method, json=body, headers=bearer(world["write"]))
        if url.endswith("/screening"):  # the transition table refuses it: the application is awarded
            assert response.status_code == 422 and "cannot become" in response.get_json()["detail"]
            continue
        assert response.status_code in (200, 201), (method, url, response.get_json())


def test_a_signed_in_managers_cookie_cannot_write_through_the_api(app, client, db, world, signed_in):
    signed_in("manager")
    token = csrf_from(client.get("/").get_data(as_text=True))
    url = f"/api/v1/grants/{world['grant'].id}/payments"
    body = {"instalment": 1, "amount": "100.00", "reference": "BANK-1", "paid_on": date.today().isoformat()}
    response = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert db.session.scalar(select(Payment)) is None


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_the_token_page_shows_the_secret_once_and_the_database_never_holds_it(app, client, db, signed_in):
    manager = signed_in("manager")
    page = client.get("/account/api-tokens")
    assert page.status_code == 200 and "You have no active tokens." in page.get_data(as_text=True)
    created = client.post("/account/api-tokens", data={"name": "Ledger", "scope": "read",
                                                       "csrf_token": csrf_from(page.get_data(as_text=True))})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    import re

    secret = re.search(r'id="new-token"[^>]*value="(mob_[^"]+)"', html).group(1)
    assert len(secret) >= 40
    # Canary: no column of any table holds the secret; the stored digest does not work as a token.
    dump = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            dump.extend(str(value) for value in row)
    everything = "\n".join(dump)
    assert secret not in everything and secret[12:] not in everything
    from mobility.api.models import ApiToken

    stored = db.session.scalar(select(ApiToken))
    assert stored.prefix == secret[:12] and stored.token_hash != secret
    assert client.get("/api/v1/calls/1/applications", headers=bearer(stored.token_hash)).status_code == 401
    # Shown once: the list gives the prefix only.
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "Ledger" in listing and stored.prefix in listing and secret not in listing
    # The token works, and its last use is recorded.
    assert stored.last_used_at is None
    assert client.get("/api/v1/calls/1/applications", headers=bearer(secret)).status_code == 404
    db.session.refresh(stored)
    assert stored.last_used_at is not None
    # Revoked from the page: audited, and refused at once.
    revoked = client.post(f"/account/api-tokens/{stored.id}/revoke", data={"csrf_token": csrf_from(listing)},
                          follow_redirects=True)
    assert "The token Ledger is revoked" in revoked.get_data(as_text=True)
    assert client.get("/api/v1/calls/1/applications", headers=bearer(secret)).status_code == 401
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == manager.id)).all()
    assert "api_token.created" in actions and "api_token.revoked" in actions


def test_the_token_page_refuses_a_nameless_token_and_other_peoples_tokens(app, client, db, signed_in):
    other_token, _secret = make_api_token()
    signed_in("admin")
    page = client.get("/account/api-tokens").get_data(as_text=True)
    response = client.post("/account/api-tokens", data={"name": " ", "scope": "read", "csrf_token": csrf_from(page)})
    assert response.status_code == 422 and 'id="name-error"' in response.get_data(as_text=True)
    response = client.post(f"/account/api-tokens/{other_token.id}/revoke", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404
    db.session.refresh(other_token)
    assert other_token.revoked_at is None


def test_jurors_and_applicants_cannot_hold_tokens(app, client, signed_in):
    signed_in("juror")
    assert client.get("/account/api-tokens").status_code == 403
    from mobility.api import services as api_tokens
    from mobility.api.enums import TokenScope
    from mobility.core.errors import DomainError

    with pytest.raises(DomainError):
        api_tokens.create_token(make_user("applicant"), name="Mine", scope=TokenScope.READ)


def test_public_reads_speak_the_language_of_accept_language(app, client, db, world):
    pairs = client.get("/api/v1/pairs", headers={"Accept-Language": "ja-JP,ja;q=0.9"})
    assert pairs.status_code == 200 and pairs.headers.get("Set-Cookie") is None
    pair = pairs.get_json()["items"][0]
    assert pair["east_asia_city"]["name"] == "鎌倉市" and pair["europe_city"]["name_en"] == "Chemnitz"
    english = client.get(f"/api/v1/calls/{world['call'].id}").get_json()
    korean = client.get(f"/api/v1/calls/{world['call'].id}", headers={"Accept-Language": "ko"}).get_json()
    assert english["kind_title"] == "Residency" and korean["kind_title"] != "Residency"
    assert korean["title"] == english["title"] and korean["language"] == "en"  # the call has English only
    missing = client.get("/api/v1/pairs/999999", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    assert missing.get_json()["title"] != "Not found" and missing.headers["Content-Language"] == "zh-Hans"


def test_the_open_data_list_is_the_csv_cells_without_personal_data(app, client, db, world):
    response = client.get("/api/v1/open-data/exchanges")
    assert 'rel="license"' in response.headers["Link"] and "creativecommons.org/licenses/by/4.0" in response.headers["Link"]
    data = response.get_json()
    assert data["total"] == 1
    cell = data["items"][0]  # one grant: the cell says it is suppressed and publishes no figure
    assert cell["suppressed"] is True and cell["grants"] is None and cell["grant_eur_total"] is None
    assert cell["pair_code"] == "chemnitz-2025~kamakura-2025" and cell["discipline"] == "dance"
    text = response.get_data(as_text=True)
    applicant = world["application"].applicant
    assert applicant.name not in text and applicant.email not in text and "Atomino" not in text
    assert "3350.00" not in text
    csv = client.get("/open-data/exchanges.csv").get_data(as_text=True)
    assert "chemnitz-2025~kamakura-2025" in csv and "3350.00" not in csv


def test_lists_come_in_pages_with_totals_and_links(app, client, db):
    from tests.factories import make_pair

    with app.test_request_context():
        make_pair()
    first = client.get("/api/v1/cities?size=5").get_json()
    assert first["size"] == 5 and len(first["items"]) == 5 and first["total"] > 10
    assert first["links"]["prev"] is None and first["links"]["next"].endswith("page=2&size=5")
    second = client.get(first["links"]["next"]).get_json()
    assert {c["id"] for c in second["items"]}.isdisjoint({c["id"] for c in first["items"]})
    too_big = client.get("/api/v1/cities?size=500")
    assert too_big.status_code == 422 and too_big.mimetype == PROBLEM and too_big.get_json()["errors"]["size"]


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_application_filters_match_the_office_list(app, client, db, signed_in):
    with app.test_request_context():
        manager, call, (first, second) = make_reviewable_call()
        from mobility.applications import services as applications
        from mobility.applications.enums import ScreeningReason

        applications.screen_application(manager, second, eligible=False, reason=ScreeningReason.DATES, note=None)
        db.session.commit()
        _token, secret = make_api_token(manager)
    url = f"/api/v1/calls/{call.id}/applications"
    everything = client.get(url, headers=bearer(secret)).get_json()
    assert everything["total"] == 2
    refused = client.get(url + "?status=ineligible", headers=bearer(secret)).get_json()
    assert [a["reference"] for a in refused["items"]] == [second.reference]
    assert refused["items"][0]["screening_reason"] == "dates"
    found = client.get(url + "?q=project%201", headers=bearer(secret)).get_json()
    assert [a["id"] for a in found["items"]] == [first.id]
    # The same filter on the office's page lists the same application.
    from tests.conftest import sign_in

    sign_in(client, manager.email)
    page = client.get(f"/manage/calls/{call.id}/applications?status=ineligible").get_data(as_text=True)
    assert second.reference in page and first.reference not in page
    bad = client.get(url + "?status=draft", headers=bearer(secret))
    assert bad.status_code == 422 and "status" in bad.get_json()["errors"]


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_screening_goes_through_the_service_with_translated_field_errors(app, client, db):
    with app.test_request_context():
        manager, call, (application, _other) = make_reviewable_call()
        _token, secret = make_api_token(manager, "read_write")
    url = f"/api/v1/applications/{application.id}/screening"
    missing_reason = client.put(url, json={"eligible": False}, headers=bearer(secret, **{"Accept-Language": "ja"}))
    assert missing_reason.status_code == 422 and missing_reason.mimetype == PROBLEM
    problem = missing_reason.get_json()
    assert problem["errors"]["reason"] == ["申請者に通知する理由を選択してください。"]  # the service's message
    assert problem["title"] == "無効なリクエスト" and missing_reason.headers["Content-Language"] == "ja"
    done = client.put(url, json={"eligible": False, "reason": "residence", "note": "Lives elsewhere"},
                      headers=bearer(secret))
    assert done.status_code == 200 and done.get_json()["status"] == "ineligible"
    db.session.refresh(application)
    assert application.status is ApplicationStatus.INELIGIBLE and application.screening_note == "Lives elsewhere"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.target_id == application.id,
                                                      AuditEntry.actor_id == manager.id,
                                                      AuditEntry.action.like("application.%")
                                                      ).order_by(AuditEntry.id.desc())) is not None
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == application.applicant.email))


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_a_payment_is_recorded_with_the_grant_pages_rules(app, client, db, world):
    url = f"/api/v1/grants/{world['grant'].id}/payments"
    today = date.today().isoformat()
    too_much = client.post(url, json={"instalment": 1, "amount": "99999.00", "reference": "B-1", "paid_on": today},
                           headers=bearer(world["write"]))
    assert too_much.status_code == 422 and "amount" in too_much.get_json()["errors"]
    not_due = client.post(url, json={"instalment": 2, "amount": "10.00", "reference": "B-1", "paid_on": today},
                          headers=bearer(world["write"]))
    assert not_due.status_code == 422 and "instalment" in not_due.get_json()["errors"]
    schema_error = client.post(url, json={"instalment": 1, "amount": "lots", "reference": "B-1"},
                               headers=bearer(world["write"]))
    assert schema_error.status_code == 422 and set(schema_error.get_json()["errors"]) == {"amount", "paid_on"}
    paid = client.post(url, json={"instalment": 1, "amount": "2345.00", "reference": "B-7", "paid_on": today},
                       headers=bearer(world["write"]))
    assert paid.status_code == 201 and paid.get_json()["amount"] == "2345.00"
    grant = client.get(f"/api/v1/grants/{world['grant'].id}", headers=bearer(world["read"])).get_json()
    assert grant["paid"] == "2345.00" and grant["instalments"][0]["outstanding"] == "0.00"
    listed = client.get(url, headers=bearer(world["read"])).get_json()
    assert [p["reference"] for p in listed["items"]] == ["B-7"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "award.payment")) is not None


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_jurors_are_imported_all_or_none(app, client, db, world):
    with app.test_request_context():
        asia = make_juror(city="Nara", email="asia.juror@example.org")
        make_user("applicant", email="not.a.juror@example.org")
    url = f"/api/v1/calls/{world['call'].id}/jurors"
    before = set(db.session.scalars(select(CallJuror.user_id).where(CallJuror.call_id == world["call"].id)))
    refused = client.post(url, json={"jurors": [{"email": "Asia.Juror@example.org", "max_load": 3},
                                                {"email": "not.a.juror@example.org"},
                                                {"email": "nobody@example.org"}]}, headers=bearer(world["write"]))
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["jurors.1.email"]
    malformed = client.post(url, json={"jurors": [{"email": "not-an-address", "max_load": -1}]},
                            headers=bearer(world["write"]))
    assert malformed.status_code == 422
    assert set(malformed.get_json()["errors"]) == {"jurors.0.email", "jurors.0.max_load"}
    assert set(db.session.scalars(select(CallJuror.user_id).where(CallJuror.call_id == world["call"].id))) == before
    added = client.post(url, json={"jurors": [{"email": "Asia.Juror@example.org", "max_load": 3}]},
                        headers=bearer(world["write"]))
    assert added.status_code == 200 and added.get_json() == [
        {"user_id": asia.id, "name": asia.name, "email": asia.email, "max_load": 3}]
    pool = client.get(url, headers=bearer(world["read"])).get_json()
    assert asia.email in [j["email"] for j in pool["items"]]


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_each_token_has_its_own_rate_limit(app, client, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    url = f"/api/v1/calls/{world['call'].id}/grants"
    for _ in range(3):
        assert client.get(url, headers=bearer(world["read"])).status_code == 200
    limited = client.get(url, headers=bearer(world["read"], **{"Accept-Language": "ko"}))
    assert limited.status_code == 429 and limited.mimetype == PROBLEM
    assert limited.get_json()["title"] != "Too many requests" and "Retry-After" in limited.headers
    assert client.get(url, headers=bearer(world["write"])).status_code == 200  # another token, its own allowance


def test_the_openapi_document_and_its_page(app, client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    document = spec.get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/grants/{grant_id}/payments" in document["paths"]
    payment = document["paths"]["/api/v1/grants/{grant_id}/payments"]["post"]
    assert payment["security"] == [{"bearerAuth": []}] and payment["x-token-scope"] == "read_write"
    page = client.get("/developers/api")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/grants/{grant_id}/payments" in html
    import re

    assert "token: read and write" in html and re.search(r"<script(?![^>]*\bsrc=)", html) is None


def test_unknown_api_addresses_and_methods_answer_problems(app, client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    wrong = client.delete("/api/v1/pairs")
    assert wrong.status_code == 405 and wrong.mimetype == PROBLEM and "GET" in wrong.headers["Allow"]
    assert client.get("/no-such-page").mimetype == "text/html"  # pages keep their HTML error pages


def test_reloading_the_page_that_showed_a_new_token_makes_no_second_token(app, client, db, signed_in):
    import re

    from mobility.api.models import ApiToken

    signed_in("manager")
    page = client.get("/account/api-tokens").get_data(as_text=True)
    form = {"name": "Ledger", "scope": "read", "csrf_token": csrf_from(page),
            "request_key": re.search(r'name="request_key" type="hidden" value="(\w+)"', page).group(1)}
    created = client.post("/account/api-tokens", data=form)
    assert created.status_code == 200 and 'id="new-token"' in created.get_data(as_text=True)
    reloaded = client.post("/account/api-tokens", data=form)  # the browser sends the same form again
    html = reloaded.get_data(as_text=True)
    assert reloaded.status_code == 422 and 'id="new-token"' not in html
    assert "This form has already created the token Ledger" in html
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    # The page after a creation carries a fresh form: the next token is made normally.
    fresh = re.search(r'name="request_key" type="hidden" value="(\w+)"', created.get_data(as_text=True)).group(1)
    assert fresh != form["request_key"]
    again = client.post("/account/api-tokens", data={**form, "name": "Archive", "request_key": fresh})
    assert again.status_code == 200 and db.session.scalar(select(func.count()).select_from(ApiToken)) == 2


@pytest.mark.commits  # the token's time of use is written in a connection of its own
def test_json_nested_deeper_than_any_parser_goes_is_a_bad_request_in_the_readers_language(app, client, db):
    with app.test_request_context():
        manager, _call, _application, grant = make_accepted_grant()
        _token, secret = make_api_token(manager, "read_write")
        db.session.commit()
        grant_id = grant.id
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post(f"/api/v1/grants/{grant_id}/payments", data=deep,
                           headers=bearer(secret, **{"Content-Type": "application/json", "Accept-Language": "ja"}))
    assert response.status_code in (400, 422), response.status_code
    assert response.mimetype == "application/problem+json"
