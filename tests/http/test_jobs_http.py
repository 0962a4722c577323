"""A job's page and file are its owner's: progress while it runs, the download when done, 404 for others."""
from __future__ import annotations

from sqlalchemy import select

from mobility.core.models import AuditEntry
from mobility.core.storage import get_storage
from mobility.extensions import db
from mobility.jobs.models import BackgroundJob, JobStatus
from tests.conftest import csrf_from, sign_in
from tests.factories import make_call, make_user


def _job(owner, **values) -> BackgroundJob:
    job = BackgroundJob(kind="export", owner_id=owner.id, function="tests.job_functions.count", arguments={},
                        result={}, **values)
    db.session.add(job)
    db.session.commit()
    return job


def test_the_owner_watches_progress_then_downloads(app, client, signed_in):
    owner = signed_in("manager")
    job = _job(owner, status=JobStatus.RUNNING, progress=40, message="Reading the applications")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'value="40"' in page and "40 %" in page and "Reading the applications" in page
    assert 'http-equiv="refresh"' in page  # reloads itself, no script needed
    assert f"/jobs/{job.id}/download" not in page
    assert client.get(f"/jobs/{job.id}/download").status_code == 404  # nothing to download yet

    job.status, job.progress, job.storage_key = JobStatus.DONE, 100, get_storage().save("名前,e-mail\n".encode())
    job.result = {"filename": "applications-call-1.csv", "mimetype": "text/csv; charset=utf-8", "size": 15}
    db.session.commit()
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "100 %" in page and 'http-equiv="refresh"' not in page and f"/jobs/{job.id}/download" in page
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200 and download.get_data(as_text=True) == "名前,e-mail\n"
    assert download.headers["Content-Disposition"] == 'attachment; filename="applications-call-1.csv"'
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two


def test_a_failed_job_says_why(app, client, signed_in):
    owner = signed_in("manager")
    job = _job(owner, status=JobStatus.FAILED, progress=5, message="Le disque est plein")
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Failed" in page and "Le disque est plein" in page and 'http-equiv="refresh"' not in page


def test_nobody_else_sees_a_job_or_its_file(app, client, signed_in):
    with app.test_request_context():
        owner = make_user("manager")
    job = _job(owner, status=JobStatus.DONE, progress=100, storage_key=get_storage().save(b"secret"))
    for role in ("manager", "admin", "applicant"):
        other = app.test_client()
        sign_in(other, make_user(role).email)
        assert other.get(f"/jobs/{job.id}").status_code == 404, role
        assert other.get(f"/jobs/{job.id}/download").status_code == 404, role
    anonymous = client.get(f"/jobs/{job.id}/download")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_an_export_starts_a_job_audited_and_only_with_the_csrf_token(app, client, signed_in):
    with app.test_request_context():
        call = make_call(publish=True)
    manager = signed_in("manager")
    url = f"/manage/calls/{call.id}/exports/grants"
    assert client.post(url, data={"format": "csv"}).status_code == 400  # no CSRF token
    assert db.session.scalar(select(BackgroundJob)) is None
    token = csrf_from(client.get(f"/manage/calls/{call.id}/reports").get_data(as_text=True))
    assert client.post(url, data={"format": "pdf", "csrf_token": token}).status_code == 400
    assert client.post(url.replace("grants", "secrets"), data={"format": "csv", "csrf_token": token}).status_code == 404
    started = client.post(url, data={"format": "xlsx", "csrf_token": token})
    job = db.session.scalar(select(BackgroundJob))
    assert started.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.owner_id, job.kind, job.status, job.result["filename"]) == (
        manager.id, "export", JobStatus.DONE, f"grants-call-{call.id}.xlsx")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "job.started"))
    assert entry.actor_id == manager.id and entry.detail == {"kind": "export"}
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/manage/calls/{call.id}"' in page and "Back to the call" in page  # the way back to its call
