"""The assignment run as a background job: a large call takes seconds to solve and save."""
from __future__ import annotations

from dataclasses import asdict

from flask_babel import lazy_gettext as _l

from mobility.accounts.models import User
from mobility.calls.models import Call
from mobility.core.errors import DomainError
from mobility.extensions import db
from mobility.review import services
from mobility.jobs.runner import job_function


@job_function
def assignment_job(progress, *, call_id: int, actor_id: int, accept_partial: bool) -> dict:
    """The report of the run (what the assignment page showed), kept as the job's result."""
    call = db.session.get(Call, call_id)
    actor = db.session.get(User, actor_id)
    if call is None or actor is None:
        raise DomainError(_l("This call no longer exists."))
    progress(5)
    report = services.run_assignment(actor, call, accept_partial=accept_partial, progress=progress)
    return {**asdict(report), "call_id": call.id}
