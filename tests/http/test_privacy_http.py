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


def test_the_erasure_page_says_what_is_deleted_and_what_is_kept_and_why(app, client, db):
    from mobility.awards import services as awards
    from tests.factories import make_awardable

    assert client.get("/account/data/erase").status_code == 302      # signed in only
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (funded,) = make_awardable()
        grant = awards.award_application(manager, funded, "Excellent")
        awards.accept_grant(funded.applicant, grant, name=funded.applicant.name)
        db.session.commit()
        email, reference = funded.applicant.email, funded.reference
    sign_in(client, email)
    page = client.get("/account/data").get_data(as_text=True)
    assert "/account/data/erase" in page and 'id="password"' not in page  # erasure starts on its own page
    page = client.get("/account/data/erase").get_data(as_text=True)
    assert 'id="deleted"' in page and 'id="kept"' in page and reference in page
    assert "legal retention period" in page and "90 days" in page and 'id="password"' in page
    korean = client.get("/account/data/erase", headers={"Accept-Language": "ko"})
    wrong = client.post("/account/data/erase", data={"csrf_token": csrf_from(page), "password": "guess"})
    assert wrong.status_code == 422 and reference in wrong.get_data(as_text=True)  # the same page again
    assert korean.status_code == 200


def test_the_download_through_the_page_has_decisions_amendments_and_files_with_extensions(app, client, db):
    from mobility.applications import services as applications
    from mobility.applications.enums import AttachmentKind
    from tests.factories import MINIMAL_PDF

    with app.test_request_context():
        mine = make_application(title="Mine")
        applications.add_attachment(mine.applicant, mine, kind=AttachmentKind.CV, filename="lebenslauf",
                                    data=MINIMAL_PDF)
        theirs = make_application(title="Theirs")
        applications.add_attachment(theirs.applicant, theirs, kind=AttachmentKind.CV, filename="other.pdf",
                                    data=MINIMAL_PDF + b"theirs")
        db.session.commit()
    sign_in(client, mine.applicant.email)
    page = client.get("/account/data").get_data(as_text=True)
    response = client.post("/account/data/export.zip", data={"csrf_token": csrf_from(page)})
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    for section in ("panel_decisions", "jury_feedback", "reviews_of_your_applications", "grant_amendments",
                    "report_photos", "about_you"):
        assert section in data
    files = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(files) == 1 and files[0].endswith("lebenslauf.pdf")        # their file only, with its extension
    assert "other.pdf" not in response.data.decode("utf-8", "replace")


def test_every_download_of_a_file_keeps_its_extension(app, client, db):
    from datetime import timedelta

    from mobility.applications import services as applications
    from mobility.applications.enums import AttachmentKind
    from mobility.awards import services as awards
    from mobility.reports import services as reports
    from tests.factories import MINIMAL_PDF, MINIMAL_PNG, make_awardable

    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (funded,) = make_awardable()
        user = funded.applicant
        grant = awards.award_application(manager, funded, "Excellent")
        awards.accept_grant(user, grant, name=user.name)
        grant.created_at -= timedelta(days=60)
        photo = reports.add_photo(user, reports.report_for(grant), data=MINIMAL_PNG, caption="Opening")
        draft = make_application(applicant=user, title="Second idea")
        cv = applications.add_attachment(user, draft, kind=AttachmentKind.CV, filename="lebenslauf", data=MINIMAL_PDF)
        db.session.commit()
        urls = {f"/applications/{draft.id}/attachments/{cv.id}": "lebenslauf.pdf",
                f"/grants/{grant.id}/report/photos/{photo.id}": f"photo-{photo.id}.png"}
        email = user.email
    sign_in(client, email)
    for url, name in urls.items():
        response = client.get(url)
        assert response.status_code == 200 and name in response.headers["Content-Disposition"], url
