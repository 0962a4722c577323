"""Your data through the pages: only signed in, only your own, erasure confirmed by the password."""
from __future__ import annotations

import io
import json
import zipfile

from mobility.accounts.models import User
from tests.conftest import csrf_from, sign_in
from tests.factories import PASSWORD, make_application


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/account/data").status_code == 302
    assert client.post("/account/data/export.zip").status_code in (302, 400)
    assert client.post("/account/data/erase").status_code in (302, 400)


def test_the_download_is_the_signed_in_persons_own(app, client, db):
    with app.test_request_context():
        mine, theirs = make_application(title="Mine"), make_application(title="Theirs")
    sign_in(client, mine.applicant.email)
    page = client.get("/account/data").get_data(as_text=True)
    response = client.post("/account/data/export.zip", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("data.json"))
    assert [a["title"] for a in data["applications"]] == ["Mine"]
    assert theirs.applicant.email not in response.data.decode("utf-8", "replace")


def test_erasure_needs_the_password_then_the_account_is_gone(app, client, db):
    with app.test_request_context():
        application = make_application(title="Draft")
    email = application.applicant.email
    sign_in(client, email)
    page = client.get("/account/data").get_data(as_text=True)
    wrong = client.post("/account/data/erase", data={"csrf_token": csrf_from(page), "password": "guess"})
    assert wrong.status_code == 422 and 'id="password-error"' in wrong.get_data(as_text=True)
    assert db.session.query(User).filter_by(email=email).one()
    done = client.post("/account/data/erase", data={"csrf_token": csrf_from(page), "password": PASSWORD})
    assert done.status_code == 302
    assert client.get("/account/data").status_code == 302        # signed out
    assert db.session.query(User).filter_by(email=email).first() is None
    again = sign_in(client, email)
    assert again.status_code != 302                                # cannot sign in again
