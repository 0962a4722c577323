"""An id in a path beyond what an INTEGER column holds (2**31 and more) matches no route (404; 405 for some
POSTs), never a server error (PostgreSQL refuses such a parameter: "integer out of range")."""
from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_from

HUGE = [str(2**31), "99999999999", str(2**63)]


def _paths(app, number: str) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", number, rule.rule)
        path = re.sub(r"<(?:\w+:)?\w+>", "x", path)  # another argument: any value
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_id_in_any_path_is_not_found(app, client, signed_in, number):
    signed_in("admin", "manager")
    token = csrf_from(client.get("/account/profile").get_data(as_text=True))
    paths = _paths(app, number)
    assert len(paths) > 80  # every route with an id, GET and POST
    answers = {}
    for method, path in paths:
        response = client.open(path, method=method, data={"csrf_token": token})
        answers[(method, path)] = response.status_code
    # A path whose GET and POST are two routes may say 405 (Werkzeug's matcher), never more.
    assert {key: status for key, status in answers.items()
            if status != 404 and not (status == 405 and key[0] != "GET")} == {}
