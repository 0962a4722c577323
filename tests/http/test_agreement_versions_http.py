"""Agreement versions through the pages: the grantee accepts the version they read, downloads exactly the bytes
kept at acceptance, sees an amended version waiting and accepts it; the office sees the versions; nobody else
reaches them."""
from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mobility.accounts.models import User
from mobility.awards import queries, services
from mobility.awards.enums import AgreementStatus
from mobility.awards.models import AgreementVersion, Grant, GrantAmendment
from tests.conftest import csrf_from, sign_in
from tests.factories import make_awardable, make_user


@pytest.fixture
def world(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.23"}):
        manager, _call, (application,) = make_awardable(budget="6000")
        grant = services.award_application(manager, application, "Excellent")
        db.session.commit()
        return {"manager": manager.email, "grantee": application.applicant.email, "grant": grant.id}


def _request_amendment(app, db, grant_id, days=39):
    with app.test_request_context():
        grant = db.session.get_one(Grant, grant_id)
        amendment = services.request_amendment(grant.application.applicant, grant, start=grant.start_date,
                                               end=grant.start_date + timedelta(days=days),
                                               travellers=grant.travellers, reason="Longer stay")
        db.session.commit()
        return amendment.id


def test_the_grantee_accepts_downloads_the_kept_bytes_and_accepts_version_2(app, client, db, world):
    base = f"/grants/{world['grant']}"
    sign_in(client, world["grantee"])
    page = client.get(base).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page and "Versions of the agreement" in page
    assert client.post(base + "/accept", data={"name": "Suzuki Hanako", "version": "1",
                                               "csrf_token": csrf_from(page)}).status_code == 302
    first = queries.latest_version(world["grant"])
    assert first.status is AgreementStatus.ACCEPTED
    download = client.get(base + "/agreement/1.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == first.sha256 and download.data == first.pdf
    assert download.headers["Repr-Digest"] == \
        "sha-256=:" + base64.b64encode(hashlib.sha256(first.pdf).digest()).decode() + ":"
    assert client.get(base + "/agreement.pdf").data == first.pdf  # the version in force
    assert "private" in download.headers["Cache-Control"]

    # The office approves a longer stay through its page: version 2 waits for the grantee.
    amendment_id = _request_amendment(app, db, world["grant"])
    office = app.test_client()
    sign_in(office, world["manager"])
    token = csrf_from(office.get(base).get_data(as_text=True))
    assert office.post(f"/manage/amendments/{amendment_id}/approve", data={"csrf_token": token}).status_code == 302
    listing = office.get(f"/manage/calls/{queries.latest_version(world['grant']).grant.call_id}/grants")
    assert "Version 2 awaits acceptance" in listing.get_data(as_text=True)

    page = client.get(base).get_data(as_text=True)
    assert "Version 2 of the agreement awaits your acceptance" in page and "Not due yet" in page
    assert "€3,350.00 → €4,200.00" in page and 'name="version" type="hidden" value="2"' in page
    waiting = client.get(base + "/agreement/2.pdf")
    assert waiting.status_code == 200 and waiting.data.startswith(b"%PDF")
    assert client.get(base + "/agreement/1.pdf").data == first.pdf  # the accepted version, unchanged

    # A repeated click on the old acceptance does not sign version 2; naming version 2 does.
    token = csrf_from(page)
    client.post(base + "/accept", data={"name": "Suzuki Hanako", "version": "1", "csrf_token": token})
    assert queries.latest_version(world["grant"]).status is AgreementStatus.OFFERED
    accepted = client.post(base + "/accept", data={"name": "Suzuki Hanako", "version": "2", "csrf_token": token},
                           follow_redirects=True)
    assert "Thank you: version 2 of the agreement is accepted." in accepted.get_data(as_text=True)
    second = queries.latest_version(world["grant"])
    assert second.number == 2 and second.status is AgreementStatus.ACCEPTED
    assert hashlib.sha256(client.get(base + "/agreement/2.pdf").data).hexdigest() == second.sha256
    assert "awaits your acceptance" not in client.get(base).get_data(as_text=True)


def test_an_acceptance_of_a_version_that_was_replaced_meanwhile_is_refused(app, client, db, world):
    base = f"/grants/{world['grant']}"
    sign_in(client, world["grantee"])
    token = csrf_from(client.get(base).get_data(as_text=True))
    client.post(base + "/accept", data={"name": "A", "version": "1", "csrf_token": token})
    with app.test_request_context():
        for days in (39, 44):  # version 2, then version 3 before the grantee looks again
            amendment = db.session.get_one(GrantAmendment, _request_amendment(app, db, world["grant"], days))
            services.decide_amendment(_manager(db, world), amendment, approve=True)
            db.session.commit()
    refused = client.post(base + "/accept", data={"name": "A", "version": "2", "csrf_token": token})
    assert refused.status_code == 422
    assert "read version 3 and accept it again" in refused.get_data(as_text=True)
    assert queries.latest_version(world["grant"]).status is AgreementStatus.OFFERED


def _manager(db, world):
    return db.session.scalar(select(User).where(User.email == world["manager"]))


@pytest.mark.parametrize("intruder", ["other artist", "juror"])
def test_other_people_reach_no_version(app, client, db, world, intruder):
    base = f"/grants/{world['grant']}"
    with app.test_request_context():
        user = make_user("applicant" if intruder == "other artist" else "juror")
    sign_in(client, user.email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    for url in (base + "/agreement/1.pdf", base + "/agreement.pdf", base):
        assert client.get(url).status_code == 404, url
    assert client.post(base + "/accept", data={"name": "Thief", "version": "1", "csrf_token": token}).status_code \
        == 404
    assert queries.latest_version(world["grant"]).status is AgreementStatus.OFFERED


def test_the_office_sees_the_versions_and_the_acceptance_address(app, client, db, world):
    base = f"/grants/{world['grant']}"
    sign_in(client, world["grantee"])
    token = csrf_from(client.get(base).get_data(as_text=True))
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    client.post(base + "/accept", data={"name": "Suzuki Hanako", "version": "1", "csrf_token": token})
    assert "198.51.100.23" not in client.get(base).get_data(as_text=True)  # the grantee's page keeps it out
    office = app.test_client()
    sign_in(office, world["manager"])
    page = office.get(base).get_data(as_text=True)
    version = queries.latest_version(world["grant"])
    assert "Versions of the agreement" in page and "Accepted by Suzuki Hanako" in page
    assert "From the address 198.51.100.23" in page and version.sha256[:16] in page
    assert office.get(base + "/agreement/1.pdf").data == version.pdf
    assert office.get(base + "/agreement/2.pdf").status_code == 404
    assert office.get(base + f"/agreement/{2**40}.pdf").status_code == 404


def test_a_grant_loaded_without_versions_still_has_its_agreement(app, client, db, world):
    """Bulk-loaded grants (bench data) have no version rows: the PDF is drawn from the grant, nothing written."""
    db.session.execute(AgreementVersion.__table__.delete())
    db.session.commit()
    sign_in(client, world["grantee"])
    pdf = client.get(f"/grants/{world['grant']}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"/grants/{world['grant']}/agreement/1.pdf").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AgreementVersion)) == 0


@pytest.mark.commits  # the API token's time of use is written on its own connection
def test_the_api_says_which_version_is_in_force_and_whether_it_is_accepted(app, client, db, world):
    from tests.factories import make_api_token

    with app.test_request_context():
        manager, grant = _manager(db, world), db.session.get_one(Grant, world["grant"])
        services.accept_grant(grant.application.applicant, grant, name="A")
        _token, secret = make_api_token(manager, "read")
    url, headers = f"/api/v1/grants/{world['grant']}", {"Authorization": f"Bearer {secret}"}
    body = client.get(url, headers=headers).get_json()
    assert (body["agreement_version"], body["agreement_accepted"], body["instalments"][0]["due"]) == (1, True, True)
    with app.test_request_context():
        amendment = db.session.get_one(GrantAmendment, _request_amendment(app, db, world["grant"]))
        services.decide_amendment(_manager(db, world), amendment, approve=True)
        db.session.commit()
    body = client.get(url, headers=headers).get_json()
    assert (body["agreement_version"], body["agreement_accepted"], body["instalments"][0]["due"]) == (2, False, False)
    assert body["amount"] == "4200.00"
