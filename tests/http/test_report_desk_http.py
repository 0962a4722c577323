"""The office's report desk: every accepted grant with where its report stands, filtered, paged, exported."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from mobility.awards import services as awards
from mobility.core import reminders
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db as _db
from mobility.reports import services as reports
from mobility.reports.enums import ReportState
from tests.conftest import csrf_from, export_through_job, sign_in
from tests.databases import counting
from tests.factories import make_awardable, make_user


def _report(grantee, grant, **extra):
    report = reports.report_for(grant)
    today = date.today()
    reports.save_report(grantee, report, reports.ReportData(
        actual_start=today - timedelta(days=4), actual_end=today, activities="Workshops.", travel_mode="train",
        public_summary="A stay.", **extra))
    return report


def build_desk(app, *, extra: int = 0):
    """Five accepted grants of one call, one per report state (the not-started one is overdue), one declined
    offer (never on the desk), and `extra` more accepted grants without a report."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, applications = make_awardable(budget="1000000", applications=6 + extra)
        grants = []
        for application in applications:
            grant = awards.award_application(manager, application, "Excellent")
            grant.created_at -= timedelta(days=90)  # awarded three months ago: the stays are over
            grants.append(grant)
        declined, *accepted = grants
        awards.decline_grant(declined.application.applicant, declined)
        for grant in accepted:
            awards.accept_grant(grant.application.applicant, grant, name="Grantee")
        late, draft, submitted, changes, approved, *more = accepted
        late.start_date, late.end_date = date.today() - timedelta(days=60), date.today() - timedelta(days=45)
        reminders.claim("final_report", late.id, "overdue:test:1")
        for grant in (draft, submitted, changes, approved):  # stays that have ended, as their reports say
            grant.start_date, grant.end_date = date.today() - timedelta(days=4), date.today()
        _report(draft.application.applicant, draft)
        for grant in (submitted, changes, approved):
            report = _report(grant.application.applicant, grant)
            reports.submit_report(grant.application.applicant, report)
        reports.request_changes(manager, reports.report_for(changes), "Add photos.")
        approved_report = reports.report_for(approved)
        reports.confirm_stay(approved_report, "Host")
        reports.approve_report(manager, approved_report)
        _db.session.commit()
        return SimpleNamespace(manager=manager, call=call, late=late, draft=draft, submitted=submitted,
                               changes=changes, approved=approved, declined=declined, more=more)


@pytest.fixture
def desk(app, db):
    return build_desk(app)


def _refs(html: str) -> list[str]:
    return re.findall(r'<tr data-grant="(\d+)"', html)


def test_the_desk_lists_every_accepted_grant_with_its_report_state(client, desk):
    sign_in(client, desk.manager.email)
    page = client.get("/manage/reports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Every accepted grant, with or without a report; the declined offer is not a grant to follow.
    listed = set(_refs(html))
    assert listed == {str(g.id) for g in (desk.late, desk.draft, desk.submitted, desk.changes, desk.approved)}
    row = lambda grant: html.split(f'data-grant="{grant.id}"')[1].split("</tr>")[0]  # noqa: E731
    assert "Not started" in row(desk.late) and "Overdue by 15 days" in row(desk.late)
    assert "—" in row(desk.late)  # no report: no host to have confirmed it; the reminder sent is dated
    assert "Draft" in row(desk.draft) and "Overdue" not in row(desk.draft)
    assert "Submitted" in row(desk.submitted) and ">No<" in row(desk.submitted)
    assert "Changes asked" in row(desk.changes)
    assert "Approved" in row(desk.approved) and ">Yes<" in row(desk.approved)
    assert "report-not_started" in row(desk.late)


@pytest.mark.parametrize(("query", "expected"), [
    ("state=not_started", ["late"]), ("state=draft", ["draft"]), ("state=submitted", ["submitted"]),
    ("state=changes_requested", ["changes"]), ("state=approved", ["approved"]), ("overdue=y", ["late"]),
    ("state=draft&overdue=y", []), ("direction=nowhere&state=%00", None), ("call=99999999999", None),
    ("pair=2147483648&page=99999999999999", None),
])
def test_the_desk_filters_by_state_lateness_call_and_pair(client, desk, query, expected):
    sign_in(client, desk.manager.email)
    page = client.get(f"/manage/reports?{query}")
    assert page.status_code == 200
    listed = _refs(page.get_data(as_text=True))
    if expected is None:  # odd input narrows nothing it cannot read and never fails
        assert len(listed) in (0, 5)
    else:
        assert listed == [str(getattr(desk, name).id) for name in expected]


def test_the_call_and_pair_filters(client, desk):
    sign_in(client, desk.manager.email)
    pair = desk.call.pairs[0]
    assert len(_refs(client.get(f"/manage/reports?call={desk.call.id}&pair={pair.id}").get_data(as_text=True))) == 5
    assert _refs(client.get(f"/manage/reports?pair={pair.id + 1000}").get_data(as_text=True)) == []
    call_page = client.get(f"/manage/calls/{desk.call.id}/reports?state=approved")
    assert _refs(call_page.get_data(as_text=True)) == [str(desk.approved.id)]
    assert "Exports of the call" in call_page.get_data(as_text=True)


def test_the_desk_counts_states_and_overdue(client, desk):
    sign_in(client, desk.manager.email)
    html = client.get("/manage/reports?state=approved").get_data(as_text=True)
    counts = dict(re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th><td[^>]*>(\d+)</td>', html))
    assert counts == {"Not started": "1", "Draft": "1", "Submitted": "1", "Changes asked": "1", "Approved": "1",
                      "Overdue": "1"}
    assert "1 grant matches" in html


def test_the_desk_makes_as_few_statements_for_one_page_as_for_many_rows(app, db, client):
    small = build_desk(app)
    sign_in(client, small.manager.email)
    client.get("/manage/reports")  # warm caches (translations, templates)
    with counting() as few:
        assert client.get("/manage/reports?per_page=250").status_code == 200
    for _more in range(5):
        build_desk(app, extra=3)  # 8 grants a call (a juror reviews at most 10 applications)
    with counting() as many:
        html = client.get("/manage/reports?per_page=250").get_data(as_text=True)
    assert len(_refs(html)) == 45
    assert len(many) == len(few) <= 8, many
    with counting() as paged:
        html = client.get("/manage/reports?per_page=50&page=1").get_data(as_text=True)
    assert len(paged) <= 8


def test_the_desk_pages(app, db, client):
    desk = build_desk(app, extra=3)
    for _more in range(6):
        build_desk(app, extra=3)
    sign_in(client, desk.manager.email)
    first = client.get("/manage/reports").get_data(as_text=True)
    assert len(_refs(first)) == 50 and "page=2" in first
    second = client.get("/manage/reports?page=2").get_data(as_text=True)
    assert len(_refs(second)) == 6 and not set(_refs(first)) & set(_refs(second))
    assert _refs(client.get("/manage/reports?page=999").get_data(as_text=True)) == _refs(second)


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_export_has_the_filters_of_the_page_and_the_readers_language(app, client, desk):
    desk.manager.locale = "ja"
    _db.session.commit()
    sign_in(client, desk.manager.email)
    rows = _rows(export_through_job(client, "/manage/reports/export?state=approved", "csv"))
    header, *data = rows
    assert len(data) == 1 and data[0][0] == desk.approved.application.reference
    with app.test_request_context(), force_locale("ja"):
        expected = [str(_l("Reference")), str(_l("State of the report")), str(_l("Days overdue")),
                    str(ReportState.APPROVED.title), str(desk.approved.direction.title)]
    assert expected[0] in header and expected[1] in header and expected[2] in header  # the reader's language
    assert expected[1] != "State of the report" and expected[3] in data[0] and expected[4] in data[0]
    assert "approved" not in data[0] and "ea_to_eu" not in data[0] and "eu_to_ea" not in data[0]
    everything = _rows(export_through_job(client, "/manage/reports/export", "csv"))
    assert len(everything) == 6
    late = next(r for r in everything if r[0] == desk.late.application.reference)
    assert "15" in late  # days overdue
    sheet = load_workbook(io.BytesIO(export_through_job(client, "/manage/reports/export?overdue=y", "xlsx").data))
    assert [c.value for c in sheet.active["A"]][1:] == [desk.late.application.reference]


def test_the_export_of_another_programmes_manager_has_none_of_these_grants(app, client, desk):
    with app.test_request_context():
        other = make_user("manager", programme="Another programme")
    sign_in(client, other.email)
    assert _refs(client.get("/manage/reports").get_data(as_text=True)) == []
    assert _refs(client.get(f"/manage/reports?call={desk.call.id}").get_data(as_text=True)) == []
    assert client.get(f"/manage/calls/{desk.call.id}/reports").status_code in (403, 404)
    rows = _rows(export_through_job(client, f"/manage/reports/export?call={desk.call.id}", "csv"))
    assert len(rows) == 1  # the header alone


@pytest.mark.parametrize("roles", [(), ("juror",)])
def test_artists_and_jurors_are_refused(app, client, desk, roles):
    with app.test_request_context():
        user = make_user(*roles)
    sign_in(client, user.email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.get("/manage/reports").status_code == 403
    assert client.get(f"/manage/calls/{desk.call.id}/reports").status_code == 403
    assert client.post("/manage/reports/export", data={"format": "csv", "csrf_token": token}).status_code == 403


def test_the_grantee_of_a_listed_grant_is_refused_too(client, desk):
    sign_in(client, desk.late.application.applicant.email)
    assert client.get("/manage/reports").status_code == 403


def test_the_desk_shows_the_interim_report_where_the_call_asks_for_one(app, client, desk):
    from mobility.reports import services as reporting
    sign_in(client, desk.manager.email)
    html = client.get("/manage/reports").get_data(as_text=True)
    assert "/interim-report" not in html  # this call asks for none: "—"
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        call = _db.session.merge(desk.call)
        call.interim_report_days = 3
        grant = _db.session.merge(desk.draft)
        reporting.save_interim(grant.application.applicant, reporting.interim_to_show(grant), progress="Going.",
                               answers={}, expected_version=1, submit=True)
        _db.session.commit()
    html = client.get("/manage/reports").get_data(as_text=True)
    row = html.split(f'data-grant="{desk.draft.id}"')[1].split("</tr>")[0]
    assert f'/grants/{desk.draft.id}/interim-report">Submitted</a>' in row
    other = html.split(f'data-grant="{desk.late.id}"')[1].split("</tr>")[0]
    assert "interim-report\">Not started</a>" in other
