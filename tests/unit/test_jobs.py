"""The job runner in-process (no JOB_QUEUE_URL): the record, progress, results, retries and failures."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from mobility.core.models import AuditEntry
from mobility.core.storage import get_storage
from mobility.extensions import db
from mobility.jobs import runner
from mobility.jobs.models import BackgroundJob, JobStatus
from tests.factories import make_user


def _run(function, owner=None, **arguments) -> BackgroundJob:
    """What a view does: start, commit; then what the request's end does: dispatch."""
    owner = owner or make_user("manager")
    job = runner.start("export", owner, function, **arguments)
    db.session.commit()
    job_id = job.id
    runner.dispatch_committed()
    db.session.expire_all()
    return db.session.get(BackgroundJob, job_id)


def test_a_job_records_its_progress_and_keeps_its_file(app, tmp_path):
    seen = tmp_path / "seen"
    job = _run("tests.job_functions.count", n=50, seen=str(seen))
    assert seen.read_text() == "95 almost there"  # what the progress page read while the job ran
    assert (job.status, job.progress, job.attempts) == (JobStatus.DONE, 100, 1)
    assert job.result == {"filename": "count.txt", "mimetype": "text/plain", "size": len(job_data := get_storage()
                                                                                        .read(job.storage_key))}
    assert job_data.startswith(b"0 1 2") and job.finished_at is not None
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "job.started"))
    assert audit.target_type == "BackgroundJob" and audit.target_id == job.id


def test_a_job_that_fails_twice_then_succeeds_ends_done(app, tmp_path):
    job = _run("tests.job_functions.flaky", tally=str(tmp_path / "tally"), failures=2)
    assert (job.status, job.attempts, job.result) == (JobStatus.DONE, 3, {"attempts": 3})
    assert job.message == ""


def test_a_job_that_always_fails_ends_failed_with_a_message_in_the_owners_language(app):
    job = _run("tests.job_functions.always_fails", owner=make_user("manager", locale="ja"))
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1 + app.config["JOB_RETRIES"])
    with force_locale("ja"):
        expected = _("This work could not be finished after %(n)s attempts. Start it again; if it keeps failing, "
                     "tell an administrator.", n=4)
    assert job.message == expected and "4" in expected and "attempts" not in expected  # Japanese, not English
    assert job.result == {} and job.storage_key is None and job.progress < 100


def test_a_refusal_is_not_retried_and_tells_why(app):
    job = _run("tests.job_functions.refused", owner=make_user("manager", locale="ko"))
    with force_locale("ko"):
        expected = _("This call no longer exists.")
    assert (job.status, job.attempts, job.message) == (JobStatus.FAILED, 1, expected)


def test_a_rolled_back_change_starts_nothing(app, tmp_path):
    owner = make_user("manager")
    db.session.commit()
    runner.start("export", owner, "tests.job_functions.flaky", tally=str(tmp_path / "tally"), failures=0)
    db.session.rollback()
    runner.dispatch_committed()
    assert not (tmp_path / "tally").exists() and db.session.scalar(select(BackgroundJob)) is None


def test_only_json_arguments_and_real_functions_are_accepted(app):
    owner = make_user("manager")
    with pytest.raises(TypeError):
        runner.start("export", owner, "tests.job_functions.count", n=object())
    with pytest.raises(AttributeError):
        runner.start("export", owner, "tests.job_functions.no_such_function")
    with pytest.raises(ValueError):
        runner.start("no-such-kind", owner, "tests.job_functions.count", n=1)
    with pytest.raises(ValueError):  # only functions marked @job_function run, whatever Redis says
        runner.perform("os.system", {"command": "true"}, None, "http://localhost/", retries_left=0)


def test_old_finished_jobs_and_their_files_are_pruned(app):
    from datetime import timedelta

    from mobility.db import utcnow

    old, recent = _run("tests.job_functions.count", n=3), _run("tests.job_functions.count", n=4)
    old.finished_at = utcnow() - timedelta(days=31)
    old_key, old_id = old.storage_key, old.id
    db.session.commit()
    assert runner.prune_finished(30) == 1
    db.session.commit()
    assert db.session.get(BackgroundJob, old_id) is None and db.session.get(BackgroundJob, recent.id) is not None
    with pytest.raises(FileNotFoundError):
        get_storage().read(old_key)
    assert get_storage().read(recent.storage_key) == b"0 1 2 3"
