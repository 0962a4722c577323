"""Job functions for the job runner's tests (importable by dotted path, also by a worker process)."""
from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from mobility.core.errors import DomainError
from mobility.jobs.runner import FileResult, job_function


@job_function
def count(progress, *, n: int, seen: str | None = None) -> FileResult:
    """Counts to n, telling its progress; `seen` (a file) gets each percentage as the database holds it."""
    from mobility.extensions import db
    from mobility.jobs.models import BackgroundJob

    for i in progress.over(range(n), n, 0, 90):
        pass
    progress(95, "almost there")
    if seen:
        job = db.session.scalars(db.select(BackgroundJob).order_by(BackgroundJob.id.desc())).first()
        Path(seen).write_text(f"{job.progress} {job.message}")
    return FileResult("count.txt", "text/plain", " ".join(str(i) for i in range(n)).encode())


@job_function
def flaky(progress, *, tally: str, failures: int) -> dict:
    """Fails `failures` times (counted in the file `tally`, so across processes), then succeeds."""
    path = Path(tally)
    attempts = len(path.read_text()) if path.exists() else 0
    path.write_text("x" * (attempts + 1))
    if attempts < failures:
        raise RuntimeError(f"attempt {attempts + 1} breaks")
    return {"attempts": attempts + 1}


@job_function
def always_fails(progress) -> dict:
    raise RuntimeError("the disk is full")


@job_function
def refused(progress) -> dict:
    raise DomainError(_l("This call no longer exists."))


@job_function
def slow(progress, *, seconds: float) -> dict:
    """Works for a while without reporting progress (the heartbeat alone says it is alive)."""
    import time

    time.sleep(seconds)
    return {}


@job_function
def slow_tally(progress, *, tally: str) -> dict:
    """Marks the file `tally` once per run, slowly (two workers running it at once would both mark it)."""
    import time

    path = Path(tally)
    path.write_text((path.read_text() if path.exists() else "") + "x")
    time.sleep(0.3)
    return {}
