"""Redis stopped: pages, sign-in, rankings and autosave keep working (rate limits in each process's memory,
memoised figures computed, jobs left for the requeue), and nothing reaches the reader as an error."""
from __future__ import annotations

import pytest

from mobility import create_app
from mobility.core import memo
from mobility.extensions import db, limiter
from tests import factories
from tests.conftest import Config, sign_in
from tests.databases import empty_database

STOPPED = "redis://127.0.0.1:9/0"  # nothing listens there


class RedisDown(Config):
    RATELIMIT_STORAGE_URI = STOPPED
    CACHE_REDIS_URL = STOPPED
    JOB_QUEUE_URL = STOPPED


@pytest.fixture
def redis_down(tmp_path):
    """The app on a database of its own (this test's world), with every Redis URL pointing at nothing."""
    # The one Limiter object takes the storage of the last app it was given: give it back afterwards, or every
    # later test's limits would go to the stopped Redis.
    kept = dict(limiter.__dict__)
    with empty_database(tmp_path, "redis_down") as url:
        settings = {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": {}}
        app = create_app(type("RedisDownHere", (RedisDown,), settings))
        app.config["PROPAGATE_EXCEPTIONS"] = False
        with app.app_context():
            db.create_all()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            limiter.__dict__.clear()
            limiter.__dict__.update(kept)


def test_with_redis_down_people_sign_in_and_pages_and_rankings_still_show(redis_down, caplog):
    with redis_down.app_context(), redis_down.test_request_context():
        manager, call, applications = factories.make_reviewable_call(applications=2)
        manager_email, call_id = manager.email, call.id
        artist = factories.make_user("applicant")
        artist_email = artist.email
        db.session.commit()
    client = redis_down.test_client()
    for path in ("/", "/calls/", "/sign-in"):
        assert client.get(path).status_code == 200, path
    assert sign_in(client, manager_email).status_code == 302  # the limit is counted in memory
    for path in (f"/manage/calls/{call_id}/ranking", "/manage/dashboard", f"/manage/calls/{call_id}"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    assert client.get(f"/manage/calls/{call_id}/ranking").status_code == 200  # again: computed again
    assert any("falling back" in r.getMessage().lower() or "unreachable" in r.getMessage().lower()
               for r in caplog.records)  # the operator is told
    other = redis_down.test_client()
    assert sign_in(other, artist_email).status_code == 302
    assert other.get("/my/applications").status_code == 200


def test_a_change_made_while_redis_was_down_is_never_hidden_by_an_older_kept_result(redis_down):
    """A bump that could not reach Redis is owed: this process computes afresh until it is written."""
    computed = []
    with redis_down.app_context(), redis_down.test_request_context():
        def compute():
            computed.append(1)
            return len(computed)

        memo.bump("ranking:1")  # Redis down: owed
        assert memo.remember("probe", 1, memo.ranking_scopes(1), int, compute) == 1
        assert memo.remember("probe", 1, memo.ranking_scopes(1), int, compute) == 2  # never a kept one
        assert memo._unsent >= {"ranking:1"}
    memo._unsent.clear()
