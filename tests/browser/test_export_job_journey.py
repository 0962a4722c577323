"""A manager exports a call's applications: the button starts a job on the real queue (RQ on Redis), the job
page waits, refreshes itself while a worker performs the job, reaches 100 % and offers the file."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, expect
from rq import SimpleWorker

from mobility.applications import services as applications
from mobility.extensions import db
from mobility.jobs import runner
from tests.browser.pages import sign_in_page
from tests.factories import make_application, make_call, make_user
from tests.queues import on_queue

pytestmark = pytest.mark.browser
TITLE = "鎌倉の海の記憶"


@pytest.fixture
def call_with_application(live_app):
    with live_app.app_context(), live_app.test_request_context():
        manager = make_user("manager", email=f"exports-{uuid.uuid4().hex[:6]}@example.eu")
        call = make_call(actor=manager, publish=True, title="Sea memories")
        application = make_application(call=call, title=TITLE, languages=["ja"])
        applications.submit_application(application.applicant, application)
        db.session.commit()
        return manager.email, call.id


@pytest.fixture
def queued_live_app(live_app):
    with on_queue(live_app):
        yield live_app


def test_the_manager_watches_an_export_reach_100_percent_and_downloads_it(
        browser: Browser, queued_live_app, live_url, call_with_application, tmp_path):
    email, call_id = call_with_application
    page = browser.new_context(locale="en-GB").new_page()
    sign_in_page(page, live_url, email)
    page.goto(f"{live_url}/manage/calls/{call_id}/applications")
    page.get_by_role("button", name="Export CSV").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    expect(page.locator("h1")).to_have_text("Spreadsheet export")
    expect(page.locator("#job-status")).to_have_text("Waiting to start")  # queued: no worker has taken it
    expect(page.locator(".job-percent")).to_have_text("0 %")

    assert runner.run_worker(queued_live_app, burst=True, worker_class=SimpleWorker)
    # The page reloads itself (meta refresh): no click, no script.
    expect(page.locator(".job-percent")).to_have_text("100 %", timeout=20_000)
    expect(page.locator("#job-status")).to_have_text("Done")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download applications-call-{call_id}.csv").click()
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    assert TITLE in path.read_text(encoding="utf-8-sig")
