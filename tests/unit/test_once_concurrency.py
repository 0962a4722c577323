"""One-time rows under parallel requests (PostgreSQL): twenty "Apply" clicks at once make one draft and no
error; five identical uploads at once keep one file. The unique keys decide, not a read-then-write."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from mobility import create_app
from mobility.applications import services
from mobility.applications.enums import AttachmentKind
from mobility.applications.models import Application, Attachment
from mobility.extensions import db
from tests.conftest import IS_POSTGRES, Config
from tests.factories import MINIMAL_PDF, make_application, make_call, make_user

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="concurrent transactions: PostgreSQL"),
              pytest.mark.commits]


class Crowded(Config):
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 25, "max_overflow": 5}


def _at_once(count: int, work) -> list[str]:
    """Run work(n) in `count` threads that start together, each in a unit of work of its own."""
    crowd = create_app(Crowded)
    start, outcomes = threading.Barrier(count), []

    def run(n: int):
        with crowd.app_context(), crowd.test_request_context():
            start.wait()
            try:
                outcomes.append(work(n))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - what a user would have seen as a 500
                db.session.rollback()
                outcomes.append(f"error: {error!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd.app_context():
        db.engine.dispose()
    return outcomes


def test_twenty_apply_clicks_at_once_make_one_draft(app):
    with app.test_request_context():
        call = make_call(publish=True)
        artist = make_user("applicant")
        db.session.commit()
        call_id, artist_id = call.id, artist.id

    def apply(_n):
        from mobility.accounts.models import User
        from mobility.calls.models import Call

        return services.start_application(db.session.get(User, artist_id), db.session.get(Call, call_id)).id

    outcomes = _at_once(20, apply)
    assert not [o for o in outcomes if isinstance(o, str)], outcomes
    assert len(set(outcomes)) == 1  # every click got the same draft
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Application)
                                 .where(Application.call_id == call_id)) == 1


def test_five_identical_uploads_at_once_keep_one_file(app):
    with app.test_request_context():
        application = make_application()
        db.session.commit()
        application_id = application.id

    def upload(_n):
        mine = db.session.get(Application, application_id)
        return services.add_attachment(mine.applicant, mine, kind=AttachmentKind.PORTFOLIO, filename="cv.pdf",
                                       data=MINIMAL_PDF).id

    outcomes = _at_once(5, upload)
    assert not [o for o in outcomes if isinstance(o, str)], outcomes
    assert len(set(outcomes)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)
                                 .where(Attachment.application_id == application_id)) == 1
