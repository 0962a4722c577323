"""The assignment run as a background job: a large call takes seconds to solve and save."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from mobility.accounts.models import User
from mobility.calls.models import Call
from mobility.core.errors import DomainError
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.jobs import runner
from mobility.jobs.models import BackgroundJob, JobStatus
from mobility.jobs.runner import job_function
from mobility.review import services


def start_assignment_run(actor: User, call: Call, *, accept_partial: bool) -> BackgroundJob:
    """Start the run, unless one for this call is still waiting or running: two runs at once would each
    replace the other's assignments. The call's row lock makes two simultaneous requests take turns."""
    services.lock_call_row(call)
    under_way = db.session.scalars(select(BackgroundJob).where(
        BackgroundJob.kind == "assignment", BackgroundJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))).all()
    for job in under_way:
        if job.arguments.get("call_id") == call.id:
            if job.owner_id == actor.id:
                return job  # the same person again (a second click): their run's page
            raise DomainError(_l("An assignment run for this call is already under way, started by %(name)s. "
                                 "Its result will be on this page when it finishes.",
                                 name=job.owner.name if job.owner else "—"))
    return runner.start("assignment", actor, "mobility.review.jobs.assignment_job", call_id=call.id,
                        actor_id=actor.id, accept_partial=accept_partial)


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
