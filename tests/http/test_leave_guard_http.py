"""Drafts are never lost (issue 18): the long forms of the office, the jury and the grantee that do not autosave
carry data-warn-on-leave, read by static/js/leave_guard.js (loaded once on every page, as a file: the CSP allows
no inline script); a form sent and refused warns before anything is typed ("unsaved"); the autosaved forms are
left to autosave.js; one-button forms are not marked."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import url_for
from sqlalchemy import select

from mobility.awards import services as awards
from mobility.review import services as review
from mobility.review.models import Assignment
from tests.conftest import csrf_from, sign_in
from tests.factories import make_awardable, make_call, make_juror, make_reviewable_call, make_user


class Forms(HTMLParser):
    """Every <form> of a page: its attributes and the names of its fields."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[tuple[dict, set[str]]] = []
        self._open: tuple[dict, set[str]] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "form":  # an attribute without a value (novalidate, data-warn-on-leave) reads as ""
            self._open = ({key: value or "" for key, value in attrs}, set())
            self.forms.append(self._open)
        elif tag in ("input", "textarea", "select") and self._open is not None:
            name = dict(attrs).get("name")
            if name:
                self._open[1].add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None

    def holding(self, field: str) -> dict:
        found = [attrs for attrs, names in self.forms if field in names]
        assert found, f"no form with the field {field!r}"
        return found[0]


def _forms(client, url: str) -> Forms:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return Forms(response.get_data(as_text=True))


@pytest.fixture
def world(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, (application,) = make_awardable()
        admin = make_user("admin", "manager")
        grant = awards.award_application(manager, application, "Excellent")
        awards.accept_grant(application.applicant, grant, name="Grantee")
        draft = make_call(actor=manager)  # nothing submitted yet: its rubric, rules and questions can change
        juror = make_juror(city="Chemnitz")
        _m, reviewing, _made = make_reviewable_call(jurors=[juror], k=1, applications=1)
        review.run_assignment(_m, reviewing, accept_partial=True)
        assignment = db.session.scalar(select(Assignment).where(Assignment.juror_id == juror.id))
        db.session.commit()
        urls = {
            "office": [
                (url_for("manage_calls.new"), "title"),
                (url_for("manage_calls.settings", call_id=draft.id), "appeal_days"),
                (url_for("manage_calls.texts", call_id=draft.id, locale="en"), "summary"),
                (url_for("manage_calls.texts", call_id=draft.id, locale="ja"), "body"),
                (url_for("manage_calls.questions", call_id=draft.id), "label_en"),
                (url_for("manage_calls.questions", call_id=draft.id, questionnaire="report"), "help_ko"),
                (url_for("manage_calls.rubric", call_id=draft.id), "scale-scale_max"),
                (url_for("manage_calls.rubric", call_id=draft.id), "criterion-weight"),
                (url_for("manage_calls.criterion", call_id=draft.id, criterion_id=draft.criteria[0].id), "criterion-threshold"),
                (url_for("manage_calls.budget", call_id=draft.id), "rates-visa_topup"),
                (url_for("manage_calls.rules_page", call_id=draft.id), "min_value"),
                (url_for("manage_review.ranking_page", call_id=call.id), "reason"),
                (url_for("awards.grant_page", grant_id=grant.id), "reference"),  # record a payment
                (url_for("awards.exchange_rates"), "rate"),
                (url_for("accounts.profile"), "affiliations"),
                (url_for("api_tokens.index"), "expires_on"),
                (url_for("cities.new_city"), "latitude"),
                (url_for("cities.edit_pair", pair_id=call.pairs[0].id), "description_zh_Hans"),
            ],
            "grantee": [
                (url_for("awards.grant_page", grant_id=grant.id), "children"),  # ask for an amendment
                (url_for("accounts.profile"), "name"),
            ],
            "juror": [(url_for("review.my_assignments"), "reason")],  # a conflict of interest, and why
        }
        people = {"office": admin.email, "grantee": application.applicant.email, "juror": juror.email}
        extra = {"assignment": assignment, "juror": juror, "draft_id": draft.id, "grant_id": grant.id}
        return people, urls, extra


@pytest.mark.parametrize("who", ["office", "grantee", "juror"])
def test_the_long_forms_warn_on_leave(app, client, world, who):
    people, urls, _extra = world
    sign_in(client, people[who])
    for url, field in urls[who]:
        form = _forms(client, url).holding(field)
        assert form.get("data-warn-on-leave") == "", (url, field, form)  # compares with the page as served


def test_the_budget_lines_and_the_juror_review_warn_too(app, client, world, db):
    people, _urls, extra = world
    sign_in(client, people["office"])
    with app.test_request_context():
        budget = url_for("manage_calls.budget", call_id=extra["draft_id"])
    forms = _forms(client, budget)
    lines = [attrs for attrs, names in forms.forms if any(n.startswith("budget-budget_") for n in names)]
    assert lines and lines[0].get("data-warn-on-leave") == ""
    # The juror, once they declared no conflict, writes a review: no autosave there, so leaving asks.
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    with app.test_request_context():
        review.declare_no_conflict(extra["juror"], extra["assignment"])
        db.session.commit()
        page = url_for("review.review_page", assignment_id=extra["assignment"].id)
    sign_in(client, extra["juror"].email)
    assert _forms(client, page).holding("overall_comment").get("data-warn-on-leave") == ""


def test_a_form_sent_and_refused_warns_before_anything_is_typed(app, client, world):
    people, _urls, extra = world
    sign_in(client, people["office"])
    with app.test_request_context():
        settings = url_for("manage_calls.settings", call_id=extra["draft_id"])
    token = csrf_from(client.get(settings).get_data(as_text=True))
    refused = client.post(settings, data={"csrf_token": token, "appeal_days": "many"})
    assert refused.status_code in (200, 400, 422)
    assert Forms(refused.get_data(as_text=True)).holding("appeal_days").get("data-warn-on-leave") == "unsaved"


def test_the_autosaved_report_and_the_one_button_forms_are_not_marked(app, client, world):
    people, _urls, extra = world
    sign_in(client, people["grantee"])
    with app.test_request_context():
        report = url_for("reports.report_page", grant_id=extra["grant_id"])
    forms = _forms(client, report)
    autosaved = forms.holding("activities")
    assert "data-autosave-url" in autosaved and "data-warn-on-leave" not in autosaved  # autosave.js asks itself
    html = client.get("/").get_data(as_text=True)
    sign_out = [attrs for attrs, _names in Forms(html).forms if attrs.get("action", "").endswith("/sign-out")]
    assert sign_out and "data-warn-on-leave" not in sign_out[0]
    language = Forms(html).holding("next")
    assert "data-warn-on-leave" not in language


def test_the_script_is_loaded_once_as_a_file(client, world):
    people, _urls, _extra = world
    sign_in(client, people["office"])
    html = client.get("/").get_data(as_text=True)
    assert html.count("js/leave_guard.js") == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    assert "script-src 'self'" in client.get("/").headers["Content-Security-Policy"]
