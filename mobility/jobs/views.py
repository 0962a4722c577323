"""A job's progress page and its file: for the person who started it, and nobody else (404)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from mobility.core.access import signed_in
from mobility.core.exports import download
from mobility.core.storage import get_storage
from mobility.extensions import db
from mobility.jobs import policies
from mobility.jobs.models import BackgroundJob, JobStatus
from mobility.jobs.runner import KINDS, RESULT_TEMPLATES

bp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")
REFRESH_SECONDS = 2


def _job(job_id: int) -> BackgroundJob:
    job = db.session.get(BackgroundJob, job_id)
    if job is None or not policies.can_view_job(current_user, job):
        abort(404)  # someone else's job: not even its existence is shown
    return job


@bp.get("/<int:job_id>")
@signed_in
def show(job_id: int):
    job = _job(job_id)
    return render_template("jobs/job.html", job=job, title=KINDS.get(job.kind, job.kind),
                           result_template=RESULT_TEMPLATES.get(job.kind), refresh=REFRESH_SECONDS)


@bp.get("/<int:job_id>/download")
@signed_in
def download_result(job_id: int):
    job = _job(job_id)
    if job.status is not JobStatus.DONE or not job.storage_key:
        abort(404)
    return download(get_storage().read(job.storage_key), job.result["filename"], job.result["mimetype"])
