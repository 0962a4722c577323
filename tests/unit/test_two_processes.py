"""The app is stateless: two app processes on different ports, sharing PostgreSQL and Redis, see the same
sign-in, count the same rate limit and share the memoised ranking without showing an old one. (PostgreSQL
and Redis only: SQLite in memory is one process.)"""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import DATABASE_URL, IS_POSTGRES
from tests.factories import PASSWORD

# Other processes read what the test wrote: it is really committed.
pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="several processes share PostgreSQL and Redis"),
              pytest.mark.commits]
ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/15"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_apps():
    env = {**os.environ, "MOBILITY_CONFIG": "development", "DATABASE_URL": DATABASE_URL,
           "RATELIMIT_STORAGE_URI": REDIS, "CACHE_REDIS_URL": REDIS, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
           "SECRET_KEY": "the-same-secret-in-every-process-0123456789", "MAIL_BACKEND": "outbox"}
    ports = [_free_port(), _free_port()]
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port),
                                   "--no-reload"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


class Browser:
    """One cookie jar for both origins: cookies do not depend on the port, as in a real browser."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect)

    def get(self, url):
        return self._open(urllib.request.Request(url))

    def post(self, url, data):
        return self._open(urllib.request.Request(url, data=urllib.parse.urlencode(data).encode()))

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _sign_in(browser, base, email, password):
    _status, page = browser.get(base + "/sign-in")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    return browser.post(base + "/sign-in", {"email": email, "password": password, "csrf_token": token})[0]


def test_a_sign_in_through_one_process_holds_in_the_other(db, make_user, two_apps):
    first, second = two_apps
    user = make_user()
    db.session.commit()
    browser = Browser()
    assert browser.get(second + "/account/profile")[0] == 302      # not signed in yet
    assert _sign_in(browser, first, user.email, PASSWORD) == 302
    status, page = browser.get(second + "/account/profile")
    assert status == 200 and user.email in page


def test_the_sign_in_limit_is_counted_across_processes(db, make_user, two_apps):
    user = make_user()
    db.session.commit()
    browser = Browser()
    statuses = [_sign_in(browser, two_apps[n % 2], user.email, "wrong password") for n in range(6)]
    assert statuses == [200] * 5 + [429]  # five tries in all, whichever process answered


def test_a_ranking_memoised_in_redis_shows_a_decision_taken_through_the_other_process(app, db, two_apps):
    import json

    import redis

    from tests.factories import make_awardable

    with app.test_request_context():
        manager, call, (first, _second) = make_awardable(applications=2)
        db.session.commit()
    browser = Browser()
    assert _sign_in(browser, two_apps[0], manager.email, PASSWORD) == 302
    url = f"/manage/calls/{call.id}/ranking"
    for base in two_apps:  # computed by one, kept in Redis, read by both
        status, page = browser.get(base + url)
        assert status == 200 and '<span class="tag">' not in page
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    status, _page = browser.post(f"{two_apps[1]}/manage/applications/{first.id}/decision",
                                 {"decision": "waitlist", "reason": "Strong; the budget is spent", "csrf_token": token})
    assert status == 302
    for base in two_apps:
        status, page = browser.get(base + url)
        assert status == 200 and page.count('<span class="tag">Waiting list</span>') == 1

    # What the processes keep there is JSON, never pickle.
    store = redis.Redis.from_url(REDIS)
    kept = [store.get(key) for key in store.scan_iter(match="test-*:memo:ranking:*")]
    assert kept and all(json.loads(value) for value in kept)
