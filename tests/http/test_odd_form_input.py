"""Odd input in every form never gives a 500: each POST form on every page the office, a juror and the
grantee can open is sent with odd values in its fields (NUL, NaN, 1e309, numbers beyond any column, ids
≥ 2³¹, text where a number goes) and answers with a field error, a 4xx or a redirect."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import sign_in
from tests.http.test_every_page_renders import _get_urls, programme  # noqa: F401 - the fixture

ODD = ["NaN", "-Infinity", "1e309", str(2**31), str(10**30), "-99999999999999999999", "\x00", "12abc", "٣"]
ODD_NUMBERS = ["NaN", "1e309", str(2**31), "-99999999999999999999"]  # each in one number field at a time
ODD_TEXT = ["\x00", "x" * 100_000]
# Forms that end the session or the account: not what this sweep is about.
SKIPPED_ACTIONS = ("sign-out", "/erase", "/language")


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, value as rendered)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", tag) if tag == "input" else tag
            self._form["fields"].append((a["name"], kind, a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _post_forms(client, url):
    page = client.get(url)
    if page.status_code != 200 or "text/html" not in page.content_type:
        return []
    parser = _Forms()
    parser.feed(page.get_data(as_text=True))
    return [(form["action"] or url, form["fields"]) for form in parser.forms
            if not any(skip in (form["action"] or url) for skip in SKIPPED_ACTIONS)]


def _odd_data(fields, value, only: str | None = None):
    """The form as rendered, with `value` in field `only` (or in every typed field when None)."""
    data = {}
    for name, kind, rendered in fields:
        typed = name != "csrf_token" and kind not in ("submit", "checkbox", "radio", "file", "select")
        data.setdefault(name, value if typed and only in (None, name) else rendered)
    return data


def _one_field_at_a_time(fields):
    """(field, odd value) pairs: numbers in number fields and hidden versions, odd text in text fields."""
    for name, kind, _rendered in fields:
        if name == "csrf_token":
            continue
        if kind in ("number", "hidden"):
            yield from ((name, value) for value in ODD_NUMBERS)
        elif kind in ("text", "textarea", "email", "search"):
            yield from ((name, value) for value in ODD_TEXT)


@pytest.mark.parametrize("who", ["admin", "juror", "grantee"])
def test_odd_values_in_every_form_never_give_a_server_error(app, client, programme, who):  # noqa: F811
    people, ids = programme
    sign_in(client, people[who].email)
    failures = []
    seen = set()
    for _endpoint, url in _get_urls(app, ids):
        for action, fields in _post_forms(client, url):
            if (action, tuple(f[0] for f in fields)) in seen:
                continue
            seen.add((action, tuple(f[0] for f in fields)))
            tries = [(None, value) for value in ODD] + list(_one_field_at_a_time(fields))
            for name, value in tries:
                response = client.post(action, data=_odd_data(fields, value, only=name))
                if response.status_code >= 500:
                    failures.append((who, action, name, repr(value)[:20], response.status_code))
    assert len(seen) >= {"admin": 40, "juror": 3, "grantee": 5}[who], sorted(seen)  # the sweep reaches the forms
    assert failures == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.sampled_from(ODD), st.text(max_size=40), st.integers().map(str),
                       st.floats(allow_nan=True, allow_infinity=True).map(str),
                       st.decimals(allow_nan=True, allow_infinity=True).map(str)))
def test_any_value_in_the_office_number_forms_never_gives_a_server_error(app, client, programme, value):  # noqa: F811
    people, ids = programme
    if client.get("/sign-in").status_code == 200:  # the first example signs in; the client keeps the session
        sign_in(client, people["admin"].email)
    call = ids["call_id"]
    for url in (f"/manage/calls/{call}/rubric", f"/manage/calls/{call}/budget", f"/manage/calls/{call}/settings",
                f"/grants/{ids['grant_id']}"):
        for action, fields in _post_forms(client, url):
            response = client.post(action, data=_odd_data(fields, value))
            assert response.status_code < 500, (action, value, response.status_code)
