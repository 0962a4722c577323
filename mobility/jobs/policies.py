"""Who may see a background job: only the person who started it."""
from __future__ import annotations

from mobility.jobs.models import BackgroundJob


def can_view_job(user, job: BackgroundJob) -> bool:
    return bool(user.is_authenticated and job.owner_id is not None and job.owner_id == user.id)
