"""Redis for the job queue's tests: database 5 at 127.0.0.1 (CI starts Redis). Missing Redis fails, never skips."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from mobility.jobs import runner

REDIS_URL = "redis://127.0.0.1:6379/5"


def require_redis() -> Redis:
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError as error:
        pytest.fail(f"the job queue's tests need Redis at {REDIS_URL} (CI starts it): {error}")
    return connection


@contextmanager
def on_queue(app):
    """`app` sends its jobs to a queue of this test's own on Redis; its keys are removed afterwards."""
    connection = require_redis()
    name = f"test-{uuid.uuid4().hex[:10]}"
    app.config.update(JOB_QUEUE_URL=REDIS_URL, JOB_QUEUE_NAME=name)
    try:
        yield runner.queue(app)
    finally:
        app.config.update(JOB_QUEUE_URL=None, JOB_QUEUE_NAME="mobility")
        runner._worker_app = None
        for key in connection.scan_iter(f"rq:*{name}*"):
            connection.delete(key)
