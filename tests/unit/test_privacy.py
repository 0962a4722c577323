"""A person's data: the download holds what is theirs, and after erasure their identity is nowhere."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mobility.applications import services as applications
from mobility.applications.enums import AttachmentKind
from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.awards.models import Grant
from mobility.core.errors import DomainError
from mobility.core.mail import queue_mail
from mobility.core.storage import get_storage
from mobility.extensions import db
from mobility.jobs.models import BackgroundJob, JobStatus
from mobility.privacy import services
from mobility.reports import services as reports
from tests.factories import MINIMAL_PDF, MINIMAL_PNG, PASSWORD, make_application, make_awardable

CANARY_NAME = "Canary 金丝雀 카나리아 7f3a"
CANARY_EMAIL = "canary.7f3a@example.org"


@pytest.fixture(autouse=True)
def ctx(app, store):
    # A store of this test's own (a directory, then an S3 bucket), so "found nowhere in the store" looks at
    # every file there is.
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


@pytest.fixture
def artist(db):
    """An artist with a funded exchange (report and photo), and a draft elsewhere with a CV naming them."""
    manager, _call, (funded,) = make_awardable()
    user = funded.applicant
    user.name, user.email = CANARY_NAME, CANARY_EMAIL
    grant = awards.award_application(manager, funded, "Excellent")
    awards.accept_grant(user, grant, name=CANARY_NAME)
    grant.created_at -= timedelta(days=60)
    report = reports.report_for(grant)
    reports.add_photo(user, report, data=MINIMAL_PNG, caption="Opening")
    queue_mail(user.email, user.locale, "Your grant", "reports/mail/changes.txt", user=user, report=report, link="/")
    draft = make_application(applicant=user, title="Second idea")
    applications.add_attachment(user, draft, kind=AttachmentKind.CV, filename="cv.pdf",
                                data=MINIMAL_PDF + f"CV of {CANARY_NAME} <{CANARY_EMAIL}>".encode())
    other = make_application(title="Someone else's project")
    # Work they started in the background: its record and its file (an export naming them).
    db.session.add(BackgroundJob(kind="export", owner_id=user.id, function="tests.job_functions.count",
                                 arguments={"for": CANARY_NAME}, result={}, status=JobStatus.DONE, progress=100,
                                 storage_key=get_storage().save(f"{CANARY_NAME},{CANARY_EMAIL}".encode())))
    db.session.commit()
    return user, grant, draft.id, other


def _found_in_database(needle: str) -> list[str]:
    escaped = json.dumps(needle)[1:-1]
    hits = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (sa.String, sa.Text, sa.JSON)):
                text = sa.cast(column, sa.Text)
                if db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                        sa.or_(text.contains(needle, autoescape=True), text.contains(escaped, autoescape=True)))):
                    hits.append(f"{table.name}.{column.name}")
    return hits


def _found_in_store(needle: str) -> list[str]:
    storage = get_storage()
    return [key for key in storage.keys() if needle.encode() in storage.read(key)]


def test_the_download_holds_their_data_and_files_and_nobody_elses(artist):
    user, grant, draft_id, other = artist
    archive = zipfile.ZipFile(io.BytesIO(services.export_archive(user)))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == CANARY_EMAIL and "password_hash" not in data["account"]
    assert "Second idea" in {a["title"] for a in data["applications"]} and len(data["applications"]) == 2
    assert [g["id"] for g in data["grants"]] == [grant.id]
    assert [j["arguments"] for j in data["background_jobs"]] == [{"for": CANARY_NAME}]
    assert data["mails"] and all(m["recipient"] == CANARY_EMAIL for m in data["mails"])
    files = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(files) == 2 and any(CANARY_NAME.encode() in archive.read(n) for n in files)
    assert other.applicant.email not in archive.read("data.json").decode()


def test_after_erasure_their_identity_is_nowhere_and_the_funded_exchange_is_kept_anonymous(artist):
    user, grant, draft_id, other = artist
    assert _found_in_database(CANARY_NAME) and _found_in_store(CANARY_NAME)  # the canary is really there
    with pytest.raises(DomainError) as error:
        services.erase_account(user, "not the password")
    assert error.value.field == "password"
    services.erase_account(user, PASSWORD)
    db.session.commit()
    assert _found_in_database(CANARY_NAME) == [] and _found_in_database(CANARY_EMAIL) == []
    assert _found_in_store(CANARY_NAME) == []
    assert db.session.scalar(sa.select(BackgroundJob).where(BackgroundJob.owner_id == user.id)) is None
    assert db.session.get(Application, draft_id) is None          # not funded: deleted
    kept = db.session.get(Grant, grant.id)                         # funded: kept for the retention period
    assert kept is not None and kept.amount > 0 and kept.accepted_name == services.ERASED
    assert db.session.get(Application, other.id).title == "Someone else's project"  # others untouched
