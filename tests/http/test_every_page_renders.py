"""Every GET page, for a programme with an awarded and reported exchange, renders without a server error
for the office, a juror and the grantee (403/404 where they may not look, never 500)."""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from mobility.awards import services as awards
from mobility.reports import services as reports
from mobility.review.models import Assignment
from tests.conftest import sign_in
from tests.factories import make_api_token, make_awardable, make_user


@pytest.fixture
def programme(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        admin = make_user("admin", "manager")
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        grant.created_at -= timedelta(days=40)
        report = reports.report_for(grant)
        reports.save_report(application.applicant, report, reports.ReportData(
            actual_start=date.today() - timedelta(days=10), actual_end=date.today(), activities="A",
            travel_mode="train", public_summary="S"))
        db.session.commit()
        assignment = db.session.query(Assignment).first()
        ids = {"call_id": call.id, "application_id": application.id, "grant_id": grant.id, "pair_id": call.pairs[0].id,
               "assignment_id": assignment.id, "rule_id": 0, "question_id": 0, "criterion_id": call.criteria[0].id,
               "user_id": admin.id, "attachment_id": 0, "locale": "ko", "status": "published", "action": "grant",
               "decision": "approve", "amendment_id": 0}
        return {"admin": admin, "juror": assignment.juror, "grantee": application.applicant}, ids


def _get_urls(app, ids):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or "token" in rule.arguments:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", str(ids.get(arg, 1)), url)
        yield rule.endpoint, url


@pytest.mark.parametrize("who", ["admin", "juror", "grantee"])
def test_no_page_fails(app, client, programme, who):
    people, ids = programme
    sign_in(client, people[who].email)
    for endpoint, url in _get_urls(app, ids):
        response = client.get(url)
        if endpoint.startswith("api_office."):  # a browser's cookie is nobody to the token API
            assert response.status_code == 401, (who, endpoint, url, response.status_code)
            continue
        assert response.status_code in (200, 302, 403, 404), (who, endpoint, url, response.status_code)


# Query arguments nobody's link carries: url_for's own keywords, the route's own arguments, odd values.
JUNK = {"_method": "POST", "_external": "1", "_anchor": "x", "_scheme": "javascript", "figure": "zzz",
        "page": "abc", "size": "-1", "per_page": "zzz", "next": "//evil.example", "q": "\x00<b>", "call": "zzz",
        "pair": "zzz", "year": "zzz", "direction": "zzz", "discipline": "zzz", "status": "zzz", "locale": "zz",
        "format": "zzz", "fmt": "zzz", "action": "zzz", "kind": "zzz", "language": "zzz", "sort": "zzz"}


@pytest.mark.commits  # the API token bookkeeping has a connection of its own
@pytest.mark.parametrize("who", ["admin", "grantee", None])
def test_junk_query_arguments_never_give_a_server_error(app, client, programme, who):
    """`?_method=POST`, `?figure=zzz` and the like reach no url_for and no getattr unchecked: every GET
    route answers as without them (or 400/404), never 500; so does every POST (refused without its form)."""
    people, ids = programme
    headers = {}
    if who:
        sign_in(client, people[who].email)
    if who == "admin":  # the token API too, as the office's finance system calls it
        headers = {"Authorization": f"Bearer {make_api_token(people['admin'])[1]}"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", str(ids.get(arg, 1)), url)
        junk = {**JUNK, **{arg: "zzz" for arg in rule.arguments}}
        # All of it at once, and url_for's keywords alone (a page that refuses odd filters says 400 first).
        for query in (urlencode(junk), "_method=POST&_external=1&_anchor=x&_scheme=javascript",
                      "page=99999999999999999999&size=99999999999999999999&per_page=-1&year=99999999999999999999",
                      "page=-3&size=0&call=99999999999999999999&pair=-1"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # a POST without its form: refused
                response = client.open(f"{url}?{query}", method=method,
                                       headers=headers if rule.endpoint.startswith("api_office.") else {})
                assert response.status_code < 500, (who, method, rule.endpoint, url, query, response.status_code)
