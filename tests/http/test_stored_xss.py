"""Stored XSS: payloads in English, Chinese, Japanese and Korean in the text people type are shown, escaped,
in every view that shows them (artist, juror, office, public), in mails and in the PDFs; never executed."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mobility.awards import queries
from mobility.awards import services as awards
from mobility.awards.agreement import render_agreement_pdf
from mobility.core.models import OutboxMessage
from mobility.extensions import db
from mobility.reports import services as reports
from mobility.review.models import Assignment
from tests.conftest import sign_in
from tests.factories import make_awardable, make_user

PAYLOADS = {
    "title": '"><script>alert("xss-en")</script>{{7*7}}',
    "summary": '标题</textarea><img src=x onerror=alert("xss-zh")>',
    "host_organisation": '題名<svg/onload=alert("xss-ja")>',
    "name": "이름'><iframe src=javascript:alert('xss-ko')></iframe>",
    "public_summary": '摘要<a href="javascript:alert(\'xss-report\')">链接</a><script>alert("xss-report")</script>',
}
DANGEROUS = ('<script>alert("xss', "<img src=x onerror", "<svg/onload", "<iframe src=javascript",
             '<a href="javascript:')


@pytest.fixture
def stored(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        applicant = application.applicant
        application.title, application.summary = PAYLOADS["title"], PAYLOADS["summary"]
        application.host_organisation, applicant.name = PAYLOADS["host_organisation"], PAYLOADS["name"]
        grant = awards.award_application(manager, application, PAYLOADS["summary"])
        awards.accept_grant(applicant, grant, name=PAYLOADS["name"])
        grant.created_at -= timedelta(days=60)
        report = reports.report_for(grant)
        reports.save_report(applicant, report, reports.ReportData(
            actual_start=date.today() - timedelta(days=20), actual_end=date.today() - timedelta(days=5),
            activities=PAYLOADS["title"], co_creations=PAYLOADS["host_organisation"], audience=10,
            travel_mode="train", public_summary=PAYLOADS["public_summary"], language="zh"))
        reports.submit_report(applicant, report)
        reports.confirm_stay(report, "Lee Ji-eun")  # the host confirms the stay
        reports.approve_report(manager, report)
        admin = make_user("admin")
        juror = db.session.scalar(select(Assignment).where(Assignment.application_id == application.id)).juror
        db.session.commit()
        return {"manager": manager.email, "applicant": applicant.email, "juror": juror.email, "admin": admin.email,
                "call": call.id, "application": application.id, "grant": grant.id, "pair": grant.pair_id,
                "assignment": db.session.scalar(select(Assignment.id).where(
                    Assignment.application_id == application.id))}


def _pages(s):
    return {
        "applicant": [f"/applications/{s['application']}", "/my/applications", f"/grants/{s['grant']}",
                      f"/grants/{s['grant']}/report"],
        "juror": ["/review/", f"/review/assignments/{s['assignment']}"],
        "manager": [f"/manage/calls/{s['call']}/applications", f"/manage/calls/{s['call']}/applications?q=%E6%A0%87",
                    f"/manage/calls/{s['call']}/ranking", f"/manage/calls/{s['call']}/grants",
                    f"/manage/calls/{s['call']}/reports", f"/grants/{s['grant']}/report",
                    "/manage/dashboard/applications", "/manage/dashboard/reports"],
        "admin": ["/admin/users", "/admin/outbox", "/admin/audit"],
        None: [f"/pairs/{s['pair']}"],
    }


def test_payloads_are_escaped_in_every_view(app, stored):
    from mobility.calls.models import Call
    from mobility.review import services as review
    from mobility.review.enums import PhaseKind
    with app.test_request_context():  # back to the review phase, so the juror's review page is open
        call = db.session.get(Call, stored["call"])
        review.move_to_phase(make_user("manager"), call, PhaseKind.INDIVIDUAL, confirmed=True)
        assignment = db.session.get(Assignment, stored["assignment"])
        if assignment.declared_at is None:
            review.declare_no_conflict(assignment.juror, assignment)
        db.session.commit()
    seen_escaped = 0
    for role, urls in _pages(stored).items():
        client = app.test_client()
        if role:
            assert sign_in(client, stored[role]).status_code == 302
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            for marker in DANGEROUS:
                assert marker not in body, f"{marker!r} unescaped on {url} ({role})"
            if "xss-en" in body:
                assert "{{7*7}}" in body, url  # shown as typed, never evaluated as a template
            seen_escaped += ("xss-" in body)
    assert seen_escaped >= 10  # the payloads really were on the pages, escaped


def test_payloads_stay_text_in_mails_and_are_escaped_in_the_pdfs(app, stored, monkeypatch):
    bodies = [m.body for m in db.session.scalars(select(OutboxMessage))]
    assert any("xss-" in b for b in bodies)  # plain-text mails carry the text as typed …
    from email.message import EmailMessage  # … and are sent as text/plain only, so nothing in them runs
    message = EmailMessage()
    message.set_content(bodies[0])
    assert message.get_content_type() == "text/plain"

    rendered = []

    class Recorder:
        def __init__(self, string):
            rendered.append(string)

        def write_pdf(self):
            return b"%PDF-1.4"

    monkeypatch.setattr("mobility.applications.receipt.HTML", Recorder)
    monkeypatch.setattr("mobility.awards.agreement.HTML", Recorder)
    client = app.test_client()
    sign_in(client, stored["applicant"])
    assert client.get(f"/applications/{stored['application']}/receipt.pdf").status_code == 200
    assert client.get(f"/grants/{stored['grant']}/agreement.pdf").status_code == 200  # the bytes kept at acceptance
    with app.test_request_context():  # the agreement's HTML as it is drawn (at acceptance, or for a waiting version)
        render_agreement_pdf(queries.latest_version(stored["grant"]), "en", accepted=True)
    assert len(rendered) == 2 and all("xss-" in html for html in rendered)
    for html in rendered:
        for marker in DANGEROUS:
            assert marker not in html


# ---- data from cities, pairs, calls, programmes and people, interpolated into translated sentences ----------
# A manager may add a city and name a call; what they type reaches other managers' and the admin's pages inside
# translated sentences (`_l("%(pair)s, %(direction)s", …)`: budget labels, field errors, flashes). A translated
# sentence is text: its data is escaped like any other.
INJECTED = '<meta http-equiv=refresh content=0;url=//evil.example><script>alert("xss-data")</script>'
INJECTED_MARKERS = ("<meta http-equiv", '<script>alert("xss-data")')


@pytest.fixture
def injected(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        pair = call.pairs[0]
        pair.europe_city.name_en = "Chemnitz" + INJECTED
        pair.east_asia_city.name_en = "Kamakura" + INJECTED
        call.title = {**call.title, "en": "Call" + INJECTED}
        manager.name = "Manager" + INJECTED
        application.applicant.name = "Artist" + INJECTED
        application.host_organisation = "Host" + INJECTED
        programme = manager.programmes[0]
        programme.name = "Programme" + INJECTED
        admin = make_user("admin")
        db.session.commit()
        return {"manager": manager.email, "admin": admin.email, "applicant": application.applicant.email,
                "call": call.id, "pair": pair.id, "programme": programme.id, "manager_id": manager.id,
                "application": application.id}


def _assert_escaped(response, url):
    body = response.get_data(as_text=True)
    for marker in INJECTED_MARKERS:
        assert marker not in body, f"{marker!r} unescaped on {url}"
    return "xss-data" in body


def test_data_in_translated_sentences_is_escaped_on_every_page(app, injected):
    s = injected
    pages = {
        "manager": [f"/manage/calls/{s['call']}", f"/manage/calls/{s['call']}/budget",
                    f"/manage/calls/{s['call']}/settings", f"/manage/calls/{s['call']}/applications",
                    f"/manage/calls/{s['call']}/ranking", f"/manage/calls/{s['call']}/preview/en", "/manage/calls/",
                    "/manage/dashboard", f"/manage/pairs/{s['pair']}/edit", f"/pairs/{s['pair']}", "/pairs"],
        "admin": ["/admin/users", f"/admin/programmes/{s['programme']}", "/admin/programmes",
                  f"/manage/calls/{s['call']}/budget", "/manage/dashboard", "/admin/audit"],
        "applicant": [f"/applications/{s['application']}", "/my/applications", f"/calls/{s['call']}"],
        None: [f"/pairs/{s['pair']}", "/pairs", "/calls/", f"/calls/{s['call']}"],
    }
    shown = set()
    for role, urls in pages.items():
        client = app.test_client()
        if role:
            assert sign_in(client, s[role]).status_code == 302
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            if _assert_escaped(response, url):
                shown.add(url)
    # The budget form's labels carry the pair's city names: the page that was open to the attack.
    assert f"/manage/calls/{s['call']}/budget" in shown
    assert len(shown) >= 12, sorted(shown)


def test_data_in_field_errors_and_flashes_is_escaped(app, injected):
    s = injected
    from tests.conftest import csrf_from

    def csrf_token(page):
        return csrf_from(page.get_data(as_text=True))
    # A field error built from the budget labels' city names: an impossible amount on the budget form.
    client = app.test_client()
    sign_in(client, s["manager"])
    url = f"/manage/calls/{s['call']}/budget"
    page = client.get(url)
    fields = dict.fromkeys(re.findall(r'name="(budget-budget_[^"]+)"', page.get_data(as_text=True)), "-5,x")
    assert fields
    response = client.post(url, data={"budget-csrf_token": csrf_token(page), **fields})
    assert response.status_code == 200 and "error" in response.get_data(as_text=True)
    assert _assert_escaped(response, "budget errors")
    client = app.test_client()
    sign_in(client, s["admin"])
    # A flash built from a user's and a programme's name.
    page = client.get(f"/admin/programmes/{s['programme']}")
    response = client.post(f"/admin/programmes/{s['programme']}/managers/{s['manager_id']}/remove",
                           data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert response.status_code == 200
    assert _assert_escaped(response, "flash")


def test_a_lazy_sentence_is_text_not_markup(app):
    from markupsafe import escape

    from mobility.core.text import lazy_gettext
    with app.test_request_context():
        sentence = lazy_gettext("%(pair)s, %(direction)s", pair="<b>Chemnitz</b>", direction="A → B")
        assert str(sentence) == "<b>Chemnitz</b>, A → B"  # plain text in mails and exports
        assert str(escape(sentence)) == "&lt;b&gt;Chemnitz&lt;/b&gt;, A → B"  # escaped in HTML
        from wtforms.fields import Label
        assert "&lt;b&gt;" in Label("x", sentence)()
        from flask import json
        assert json.loads(json.dumps({"s": sentence})) == {"s": "<b>Chemnitz</b>, A → B"}  # JSON: the text
        assert json.dumps(lazy_gettext("Artists' residency")) == '"Artists\' residency"'


def test_no_module_uses_flask_babels_markup_trusting_lazy_string():
    from pathlib import Path

    import mobility
    root = Path(mobility.__file__).parent
    trusting = re.compile(r"from flask_babel import [^\n]*\blazy_n?gettext\b|flask_babel\.lazy_n?gettext")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if trusting.search(p.read_text())]
    assert offenders == []
