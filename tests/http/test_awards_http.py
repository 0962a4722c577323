"""Grant pages: the grantee reads, accepts and downloads; nobody else reaches them."""
from __future__ import annotations

import pytest

from mobility.awards import services
from mobility.awards.enums import GrantStatus
from mobility.review import services as review
from tests.conftest import csrf_from, sign_in
from tests.factories import make_awardable, make_user


def _token(client, url="/"):
    return csrf_from(client.get(url).get_data(as_text=True))


@pytest.fixture
def grant(app, db):
    with app.test_request_context():
        manager, _call, (application,) = make_awardable()
        grant = services.award_application(manager, application, "Excellent")
        db.session.commit()
        return grant


def test_the_grantee_reads_the_breakdown_accepts_and_sees_the_first_instalment_due(client, db, grant):
    sign_in(client, grant.application.applicant.email)
    url = f"/grants/{grant.id}"
    page = client.get(url).get_data(as_text=True)
    assert "3,350.00" in page and "Travel (distance band)" in page and "2,550.00" in page
    bad = client.post(url + "/accept", data={"name": "", "csrf_token": csrf_from(page)})
    assert bad.status_code == 422 and 'id="name-error"' in bad.get_data(as_text=True)
    response = client.post(url + "/accept", data={"name": "Suzuki Hanako", "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    db.session.refresh(grant)
    assert grant.status is GrantStatus.ACCEPTED and grant.accepted_name == "Suzuki Hanako"
    assert "Due: €2,345.00" in client.get(url).get_data(as_text=True)
    pdf = client.get(url + "/agreement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def _urls(grant):
    base = f"/grants/{grant.id}"
    return [("GET", base), ("POST", base + "/accept"), ("POST", base + "/decline"), ("GET", base + "/agreement.pdf"),
            ("POST", base + "/amendments")]


@pytest.mark.parametrize("intruder", ["other artist", "juror", "anonymous"])
def test_other_people_cannot_reach_a_grant(app, client, db, grant, intruder):
    if intruder != "anonymous":
        with app.test_request_context():
            user = make_user("applicant" if intruder == "other artist" else "juror")
        sign_in(client, user.email)
    token = _token(client)
    for method, url in _urls(grant):
        response = client.open(url, method=method, data={"csrf_token": token, "name": "Thief"})
        if intruder == "anonymous":
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        else:
            assert response.status_code == 404, (url, response.status_code)
    for method, url in (("POST", f"/manage/grants/{grant.id}/payments"), ("GET", "/manage/exchange-rates"),
                        ("GET", f"/manage/calls/{grant.call_id}/grants")):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code in ((302,) if intruder == "anonymous" else (403,))
    db.session.refresh(grant)
    assert grant.status is GrantStatus.OFFERED


def test_the_office_sees_the_budget_and_records_a_payment(app, client, db, grant, signed_in):
    with app.test_request_context():
        services.accept_grant(grant.application.applicant, grant, name="X")
        db.session.commit()
    signed_in("manager")
    overview = client.get(f"/manage/calls/{grant.call_id}/grants").get_data(as_text=True)
    assert "3,350.00" in overview and "6,650.00" in overview  # committed and remaining of 10,000
    url = f"/manage/grants/{grant.id}/payments"
    token = _token(client, f"/grants/{grant.id}")
    too_much = client.post(url, data={"instalment": "1", "amount": "9999", "reference": "R", "paid_on": "2026-01-05",
                                      "csrf_token": token})
    assert too_much.status_code == 422 and 'id="amount-error"' in too_much.get_data(as_text=True)
    ok = client.post(url, data={"instalment": "1", "amount": "2345.00", "reference": "SEPA-77",
                                "paid_on": "2026-01-05", "csrf_token": token})
    assert ok.status_code == 302


def test_the_grants_page_offers_the_letters_only_while_some_are_waiting(app, client, db, signed_in):
    """Before the lock it says when letters can go; after it, how many wait; once sent, that all went."""
    with app.test_request_context():
        manager, call, (awarded, other) = make_awardable(applications=2, budget="50000")
        services.award_application(manager, awarded, "Excellent")
        db.session.commit()
    signed_in("manager")
    page = lambda: client.get(f"/manage/calls/{call.id}/grants").get_data(as_text=True)  # noqa: E731
    assert "once the panel has locked its decisions" in page() and "/letters" not in page()
    with app.test_request_context():
        review.lock_panel(manager, call)
        db.session.commit()
    assert "Send the decision letters (2 waiting)" in page()
    token = _token(client, f"/manage/calls/{call.id}/grants")
    sent = client.post(f"/manage/calls/{call.id}/letters", data={"csrf_token": token})
    assert sent.status_code == 302
    after = page()
    assert "Every applicant has been sent their decision letter." in after and "/letters" not in after


@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ja", "ko"])
def test_the_agreement_pdf_is_made_in_every_language(app, client, db, grant, locale):
    grant.application.applicant.locale = locale
    db.session.commit()
    sign_in(client, grant.application.applicant.email)
    pdf = client.get(f"/grants/{grant.id}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and len(pdf.data) > 5000


def test_the_grantee_sees_the_reason_they_gave_for_a_change(app, client, db):
    from datetime import timedelta

    from mobility.awards import services as awards
    from tests.factories import make_accepted_grant

    with app.test_request_context():
        _manager, _call, application, grant = make_accepted_grant()
        awards.request_amendment(application.applicant, grant, start=grant.start_date,
                                 end=grant.end_date + timedelta(days=5), travellers=grant.travellers,
                                 reason="한 주 더 머물며 공연을 준비합니다")
        db.session.commit()
    assert sign_in(client, application.applicant.email).status_code == 302
    page = client.get(f"/grants/{grant.id}").get_data(as_text=True)
    changes = page.split('id="amendments-heading"', 1)[1].split("</section>", 1)[0]
    assert "한 주 더 머물며 공연을 준비합니다" in changes
