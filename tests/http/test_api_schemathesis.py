"""Schemathesis against the served OpenAPI document, through the Flask app (WSGI): no 500s, and every
response (status, content type, headers, body) conforms to the document."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_accepted_grant, make_api_token

# A token's time of use is written on a connection of its own (api/services.mark_used): really committed.
pytestmark = pytest.mark.commits

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(app, db, monkeypatch):
    """Some of everything (a call, an accepted grant, a jury), a read-and-write token, and the served document."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    with app.test_request_context():
        manager, _call, _application, _grant = make_accepted_grant()
        _token, secret = make_api_token(manager, "read_write")
    app.config["SCHEMATHESIS_TOKEN"] = secret
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_api_conforms_to_its_document(app, api_schema):
    # One Hypothesis run per operation (schemathesis's pytest plugin does not support pytest 9 yet).
    headers = {"Authorization": f"Bearer {app.config['SCHEMATHESIS_TOKEN']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate], derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
