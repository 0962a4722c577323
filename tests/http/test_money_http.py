"""Money through the pages and the API (issue 18): what remains and what to recover, payments never beyond
the grant, the panel lock and awards below the thresholds confirmed first, budget lines above what is
committed; nobody but the office records a payment."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mobility.awards import services as awards
from mobility.awards.models import Grant, Payment
from mobility.core import memo
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.conftest import csrf_from, sign_in
from tests.factories import make_api_token, make_awardable, make_lowered_grant, make_user

TODAY = date.today().isoformat()


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def lowered(app, db):
    """The €2,075 grant lowered to €1,650 by its report after €1,452.50 was paid (manager, grant)."""
    with app.test_request_context():
        return make_lowered_grant()


def _overpay(db, grant):
    """What the old rule let through: instalment 2 paid at 30 % of the lowered grant."""
    db.session.add(Payment(grant_id=grant.id, instalment=2, amount=Decimal("495.00"), reference="OLD-2",
                           paid_on=date.today()))
    db.session.commit()


def test_the_pages_show_what_remains_and_an_overpayment_to_recover(app, client, db, lowered):
    manager, grant = lowered
    sign_in(client, grant.application.applicant.email)
    page = client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "Still to pay: €197.50" in page and "Due: €197.50" in page and "to be recovered" not in page
    assert "10 days, from" in page
    _overpay(db, grant)
    page = client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "Overpaid by €297.50: to be recovered." in page and "Still to pay: €0.00" in page
    assert 'class="instalment-2 state-overpaid"' in page
    client.post("/sign-out", data={"csrf_token": csrf_from(page)})
    sign_in(client, manager.email)
    office = client.get(f"/manage/calls/{grant.call_id}/grants").get_data(as_text=True)
    assert "Overpaid by €297.50: to be recovered." in office and f'grant-{grant.id} overpaid' in office
    manager_page = client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert 'action="/manage/grants/%d/payments"' % grant.id not in manager_page  # nothing can be paid


def test_a_payment_beyond_the_lowered_grant_is_refused_on_the_page(app, client, db, lowered):
    manager, grant = lowered
    sign_in(client, manager.email)
    page = client.get(f"/grants/{grant.id}").get_data(as_text=True)
    url = f"/manage/grants/{grant.id}/payments"
    form = {"instalment": "2", "reference": "SEPA-2", "paid_on": TODAY, "csrf_token": csrf_from(page)}
    refused = client.post(url, data={**form, "amount": "495.00"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="amount-error"' in body and "€197.50" in body
    assert client.post(url, data={**form, "amount": "197.50"}).status_code == 302
    assert "The payment is recorded." in client.get(f"/grants/{grant.id}").get_data(as_text=True)
    # A double submit, the reference typed again in other spacing, case or full-width: the same one.
    for typed in ("SEPA-2", " sepa 2 ", "ＳＥＰＡ－２"):
        again = client.post(url, data={**form, "amount": "197.50", "reference": typed})
        assert again.status_code == 302
        assert "already recorded (reference SEPA-2)" in client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Payment).where(Payment.grant_id == grant.id)) == 2
    other = client.post(url, data={**form, "amount": "1.00", "reference": "sepa2"})  # another amount: refused
    body = other.get_data(as_text=True)
    assert other.status_code == 409 and 'id="reference-error"' in body and "SEPA-2" in body and "€197.50" in body
    assert db.session.scalar(select(func.count()).select_from(Payment).where(Payment.grant_id == grant.id)) == 2


@pytest.mark.commits  # the token's time of use: api/services.mark_used
def test_the_api_caps_payments_and_shows_remaining_and_overpaid(app, client, db, lowered):
    manager, grant = lowered
    with app.test_request_context():
        _token, secret = make_api_token(manager, "read_write")
    url = f"/api/v1/grants/{grant.id}/payments"
    shown = client.get(f"/api/v1/grants/{grant.id}", headers=_bearer(secret)).get_json()
    assert (shown["amount"], shown["paid"], shown["remaining"], shown["overpaid"], shown["recovery_due"]) == (
        "1650.00", "1452.50", "197.50", "0.00", False)
    assert [i["state"] for i in shown["instalments"]] == ["paid", "due"]
    assert (shown["start_date"], shown["days"]) == (grant.start_date.isoformat(), 10)
    refused = client.post(url, json={"instalment": 2, "amount": "495.00", "reference": "B-2", "paid_on": TODAY},
                          headers=_bearer(secret))
    assert refused.status_code == 422 and "amount" in refused.get_json()["errors"]
    paid = client.post(url, json={"instalment": 2, "amount": "197.50", "reference": "B-2", "paid_on": TODAY},
                       headers=_bearer(secret))
    again = client.post(url, json={"instalment": 2, "amount": "197.50", "reference": "B-2", "paid_on": TODAY},
                        headers=_bearer(secret))  # a retry: the payment already recorded
    assert (paid.status_code, again.status_code) == (201, 200) and paid.get_json()["id"] == again.get_json()["id"]
    other = client.post(url, json={"instalment": 2, "amount": "1.00", "reference": "b 2", "paid_on": TODAY},
                        headers=_bearer(secret))  # the same bank reference for another amount
    assert other.status_code == 409 and other.mimetype == "application/problem+json"
    assert "reference" in other.get_json()["errors"] and "B-2" in other.get_json()["detail"]
    japanese = client.post(url, json={"instalment": 2, "amount": "1.00", "reference": "B-2", "paid_on": TODAY},
                         headers={**_bearer(secret), "Accept-Language": "ja"})
    assert japanese.status_code == 409 and "B-2" in japanese.get_json()["detail"] and "reference" not in japanese.get_json()["detail"]
    _overpay(db, db.session.get(Grant, grant.id))
    shown = client.get(f"/api/v1/grants/{grant.id}", headers=_bearer(secret)).get_json()
    assert (shown["paid"], shown["remaining"], shown["overpaid"], shown["recovery_due"]) == (
        "2145.00", "0.00", "495.00", True)
    assert [i["state"] for i in shown["instalments"]] == ["paid", "overpaid"]
    listed = client.get(f"/api/v1/calls/{grant.call_id}/grants", headers=_bearer(secret)).get_json()
    assert listed["items"][0]["overpaid"] == "495.00"


@pytest.mark.commits  # the token's time of use
@pytest.mark.parametrize("who", ["juror", "artist", "other manager"])
def test_only_the_office_of_the_call_records_payments(app, client, db, lowered, who):
    manager, grant = lowered
    with app.test_request_context():
        user = make_user({"juror": "juror", "artist": "applicant", "other manager": "manager"}[who],
                         **({"programme": "Another programme"} if who == "other manager" else {}))
    sign_in(client, user.email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    data = {"instalment": "2", "amount": "10.00", "reference": "X", "paid_on": TODAY, "csrf_token": token}
    page = client.post(f"/manage/grants/{grant.id}/payments", data=data)
    assert page.status_code in (403, 404)
    if who != "other manager":
        assert page.status_code == 403
    body = {"instalment": 2, "amount": "10.00", "reference": "X", "paid_on": TODAY}
    session_only = client.post(f"/api/v1/grants/{grant.id}/payments", json=body)
    assert session_only.status_code == 401  # a browser session never reaches the API
    if who == "other manager":
        with app.test_request_context():
            _token, secret = make_api_token(user, "read_write")
        assert client.post(f"/api/v1/grants/{grant.id}/payments", json=body, headers=_bearer(secret)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Payment).where(Payment.grant_id == grant.id)) == 1


def test_locking_the_panel_asks_first_and_names_the_undecided(app, client, db):
    with app.test_request_context():
        manager, call, (first, second) = make_awardable(applications=2)
        awards.award_application(manager, first, "Excellent")
        db.session.commit()
    sign_in(client, manager.email)
    ranking = client.get(f"/manage/calls/{call.id}/ranking").get_data(as_text=True)
    assert f'href="/manage/calls/{call.id}/lock"' in ranking
    asked = client.get(f"/manage/calls/{call.id}/lock").get_data(as_text=True)
    assert "1 application has no decision yet" in asked and second.reference in asked
    assert first.reference not in asked and "Lock with applications undecided" in asked
    one_click = client.post(f"/manage/calls/{call.id}/lock", data={"csrf_token": csrf_from(asked)})
    assert one_click.status_code == 302 and one_click.headers["Location"].endswith(f"/calls/{call.id}/lock")
    db.session.expire_all()
    assert db.session.get(type(call), call.id).panel_locked_at is None
    locked = client.post(f"/manage/calls/{call.id}/lock", data={"csrf_token": csrf_from(asked), "confirmed": "1"})
    assert locked.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(call), call.id).panel_locked_at is not None


def test_an_award_below_the_thresholds_asks_first_and_a_second_submit_gets_the_same_grant(app, client, db):
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
        call.overall_threshold = Decimal("999")  # as if the rubric had said so: nobody passes
        memo.ranking_changed(call.id)
        db.session.commit()
    sign_in(client, manager.email)
    ranking = client.get(f"/manage/calls/{call.id}/ranking").get_data(as_text=True)
    url = f"/manage/applications/{application.id}/decision"
    form = {"decision": "award", "reason": "Brave work", "csrf_token": csrf_from(ranking)}
    asked = client.post(url, data=form)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "does not reach the call" in body and 'name="confirmed" value="1"' in body
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
    for _ in range(2):  # confirmed, then the same form again (a double submit)
        done = client.post(url, data={**form, "confirmed": "1"})
        assert done.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1


def test_a_second_award_click_gets_the_existing_decision(app, client, db):
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
    sign_in(client, manager.email)
    ranking = client.get(f"/manage/calls/{call.id}/ranking").get_data(as_text=True)
    form = {"decision": "award", "reason": "Excellent", "csrf_token": csrf_from(ranking), "confirmed": "1"}
    for _ in range(2):
        response = client.post(f"/manage/applications/{application.id}/decision", data=form, follow_redirects=True)
        assert response.status_code == 200 and "The decision is recorded." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 1


def test_the_budget_form_refuses_a_line_below_what_is_committed(app, client, db):
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
        awards.award_application(manager, application, "Excellent")  # €3,350 committed
        db.session.commit()
    sign_in(client, manager.email)
    url = f"/manage/calls/{call.id}/budget"
    page = client.get(url).get_data(as_text=True)
    pair = call.pairs[0].id
    data = {f"budget-budget_{pair}_{d}": "10000" for d in ("eu_to_ea", "ea_to_eu")}
    data[f"budget-budget_{pair}_{application.direction.value}"] = "3000"
    response = client.post(url, data={**data, "budget-csrf_token": csrf_from(page), "budget-submit": "1"})
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 422) and "Grants already commit €3,350.00 on this line" in body
    assert "€3,000.00" in body


def _declined_with_one_waiting(app, db):
    """The first offer declined and the second application next on the waiting list."""
    with app.test_request_context():
        manager, call, (first, second) = make_awardable(applications=2)
        grant = awards.award_application(manager, first, "Excellent")
        review.record_decision(manager, second, Decision.WAITLIST, "Next")
        awards.decline_grant(first.applicant, grant)
        db.session.commit()
    return manager, call, second


def test_promoting_twice_gets_the_grant_already_offered(app, client, db):
    manager, call, second = _declined_with_one_waiting(app, db)
    sign_in(client, manager.email)
    page = client.get(f"/manage/calls/{call.id}/grants").get_data(as_text=True)
    for _ in range(2):
        response = client.post(f"/manage/applications/{second.id}/promote", data={"csrf_token": csrf_from(page)})
        assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.application_id == second.id)) == 1


def test_the_grants_page_offers_the_next_one_waiting_only_if_the_budget_line_can_pay(app, client, db):
    """Next on the waiting list: a button while the grant fits what is left; otherwise what it needs."""
    manager, call, second = _declined_with_one_waiting(app, db)
    with app.test_request_context():
        needed = awards.offer_amount(second)
    sign_in(client, manager.email)
    page = client.get(f"/manage/calls/{call.id}/grants").get_data(as_text=True)
    assert f'/manage/applications/{second.id}/promote' in page and "more than is left" not in page
    with app.test_request_context():
        budget = next(b for b in call.budgets if b.pair_id == second.pair_id and b.direction == second.direction)
        budget.amount = needed - 1
        db.session.commit()
    page = client.get(f"/manage/calls/{call.id}/grants").get_data(as_text=True)
    assert f'/manage/applications/{second.id}/promote' not in page
    assert f"Needs €{needed:,.2f}, more than is left." in page
