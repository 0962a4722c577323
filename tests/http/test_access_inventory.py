"""Deny by default: every route and method, walked from app.url_map, refuses whoever it should."""
from __future__ import annotations

import re

import pytest

from mobility.core.access import access_rule_for
from tests.conftest import csrf_from

# The reviewed allow-list. A new route fails this test until it is added here with its rule.
EXPECTED_RULES = {
    "static": None,
    "home.index": "public",
    "accounts.switch_language": "public",
    "accounts.register": "public",
    "accounts.confirm_email": "public",
    "accounts.sign_in": "public",
    # The second step of signing in: the browser is not signed in yet (accounts/twofactor.py).
    "accounts.sign_in_code": "public",
    "accounts.two_factor": "signed-in",
    "accounts.two_factor_begin": "signed-in",
    "accounts.two_factor_confirm": "signed-in",
    "accounts.two_factor_renew_codes": "signed-in",
    "accounts.two_factor_disable": "signed-in",
    "accounts.forgot_password": "public",
    "accounts.reset_password": "public",
    "accounts.sign_out": "signed-in",
    "accounts.change_password": "signed-in",
    "accounts.profile": "signed-in",
    "accounts.form_token": "signed-in",
    "privacy.data_page": "signed-in",
    "privacy.export": "signed-in",
    "privacy.erase": "signed-in",
    "privacy.erase_page": "signed-in",
    "admin.users": "roles:admin",
    "admin.change_role": "roles:admin",
    "admin.reset_two_factor": "roles:admin",
    "admin.audit_log": "roles:admin",
    "admin.outbox": "roles:admin",
    "admin.programmes": "roles:admin",
    "admin.programme": "roles:admin",
    "admin.remove_programme_manager": "roles:admin",
    "calls.index": "public",
    "calls.archive": "public",
    "calls.detail": "public",
    "cities.pairs": "public",
    "cities.pair": "public",
    "cities.edit_pair": "roles:admin,manager",
    "cities.new_city": "roles:admin,manager",
    "manage_calls.index": "roles:admin,manager",
    "manage_calls.new": "roles:admin,manager",
    "manage_calls.overview": "roles:admin,manager",
    "manage_calls.change_status": "roles:admin,manager",
    "manage_calls.texts": "roles:admin,manager",
    "manage_calls.settings": "roles:admin,manager",
    "manage_calls.move": "roles:admin,manager",
    "manage_calls.rules_page": "roles:admin,manager",
    "manage_calls.delete_rule": "roles:admin,manager",
    "manage_calls.questions": "roles:admin,manager",
    "manage_calls.delete_question": "roles:admin,manager",
    "manage_calls.rubric": "roles:admin,manager",
    "manage_calls.criterion": "roles:admin,manager",
    "manage_calls.delete_criterion": "roles:admin,manager",
    "manage_calls.budget": "roles:admin,manager",
    "manage_calls.rates": "roles:admin,manager",
    "manage_calls.preview": "roles:admin,manager",
    # Object-level checks inside (applications/policies.py): owner, accepted team member, office.
    "applications.dashboard": "signed-in",
    "applications.start": "signed-in",
    "applications.edit": "signed-in",
    "applications.autosave": "signed-in",
    "applications.view": "signed-in",
    "applications.submit": "signed-in",
    "applications.receipt_pdf": "signed-in",
    "applications.numbered_receipt_pdf": "signed-in",
    "applications.reopen": "signed-in",
    "applications.withdraw": "signed-in",
    "applications.upload": "signed-in",
    "applications.delete_upload": "signed-in",
    "applications.download": "signed-in",
    "applications.invite": "signed-in",
    "applications.team_invitation": "signed-in",
    "applications.ask_host": "signed-in",
    "applications.screen": "signed-in",
    # The host has no account: the signed link is the credential.
    "applications.host_confirmation": "public",
    "manage_applications.index": "roles:admin,manager",
    "manage_applications.export": "roles:admin,manager",
    # Jurors reach only their own assignments (review/policies.py).
    "review.my_assignments": "roles:juror",
    "review.declare": "roles:juror",
    "review.review_page": "roles:juror",
    "review.file": "roles:juror",
    "review.consensus": "roles:admin,juror,manager",
    "manage_review.jury": "roles:admin,manager",
    "manage_review.assignment": "roles:admin,manager",
    "manage_review.pair_rule": "roles:admin,manager",
    "manage_review.ranking_page": "roles:admin,manager",
    "manage_review.phase": "roles:admin,manager",
    "manage_review.decision": "roles:admin,manager",
    "manage_review.lock": "roles:admin,manager",
    "manage_review.confirm_lock": "roles:admin,manager",
    # The grantee only (awards/policies.py); the office too.
    "awards.grant_page": "signed-in",
    "awards.accept": "signed-in",
    "awards.decline": "signed-in",
    "awards.agreement": "signed-in",
    "awards.agreement_version": "signed-in",
    "awards.amend": "signed-in",
    "awards.call_grants": "roles:admin,manager",
    "awards.letters": "roles:admin,manager",
    "awards.promote": "roles:admin,manager",
    "awards.payment": "roles:admin,manager",
    "awards.decide_amendment": "roles:admin,manager",
    "awards.exchange_rates": "roles:admin,manager",
    # Object-level checks inside (awards/policies.py): the applicant and the call's office read, the applicant asks.
    "awards.redress_page": "signed-in",
    "awards.request_redress": "signed-in",
    "awards.call_redress": "roles:admin,manager",
    "awards.decide_redress": "roles:admin,manager",
    "awards.reconsider": "roles:admin,manager",
    "reports.report_page": "signed-in",
    "reports.interim_page": "signed-in",
    "reports.review_interim": "roles:admin,manager",
    "reports.review_report": "roles:admin,manager",
    "reports.host_confirmation": "public",
    "reports.call_reports": "roles:admin,manager",
    "reports.desk": "roles:admin,manager",
    "reports.desk_export": "roles:admin,manager",
    "open_data.exchanges_csv": "public",
    "open_data.index": "public",
    "open_data.data_package": "public",
    "reports.export": "roles:admin,manager",
    "reports.add_photo": "signed-in",
    "reports.autosave": "signed-in",
    "reports.photo": "signed-in",
    "reports.dashboard_page": "roles:admin,manager",
    "reports.dashboard_list": "roles:admin,manager",
    "reports.outcome_page": "roles:admin,manager",
    "reports.outcome_csv": "roles:admin,manager",
    "reports.outcome_json": "roles:admin,manager",
    # Background jobs: the page and the file of a job are its owner's only (404 for anyone else).
    "jobs.show": "signed-in",
    "jobs.download_result": "signed-in",
    # Personal API tokens: the office's own, on their account.
    "api_tokens.index": "roles:admin,manager",
    "api_tokens.revoke": "roles:admin,manager",
    "api_docs.openapi_json": "public",
    "api_docs.page": "public",
    # The JSON API: public reads, and the bearer of a token whose scope covers the operation
    # (its holder must still be a manager or admin: api/policies.py). Never a session cookie.
    "api_public.cities": "public",
    "api_public.pairs": "public",
    "api_public.pair": "public",
    "api_public.calls": "public",
    "api_public.call": "public",
    "api_public.exchanges": "public",
    "api_office.call_applications_list": "api-token:read",
    "api_office.application_detail": "api-token:read",
    "api_office.screening": "api-token:read_write",
    "api_office.call_reviews": "api-token:read",
    "api_office.call_grants": "api-token:read",
    "api_office.grant_detail": "api-token:read",
    "api_office.grant_payments": "api-token:read",
    "api_office.record_payment": "api-token:read_write",
    "api_office.call_reports": "api-token:read",
    "api_office.call_jurors": "api-token:read",
    "api_office.import_jurors": "api-token:read_write",
}

def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = rule.rule
            for arg in rule.arguments:
                value = "1" if "int" in url.split(arg)[0].rsplit("<", 1)[-1] else "x"
                url = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", value, url)
            yield rule.endpoint, method, url


def test_every_endpoint_declares_the_reviewed_rule(app):
    declared = {}
    for endpoint in app.view_functions:
        rule = access_rule_for(app, endpoint)
        declared[endpoint] = rule.describe() if rule else None
    assert declared == EXPECTED_RULES


def _request(client, method, url):
    token = csrf_from(client.get("/").get_data(as_text=True))
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": token})


def test_anonymous_visitors_reach_only_public_routes(app, client):
    for endpoint, method, url in _routes(app):
        expected = EXPECTED_RULES[endpoint]
        if expected in ("public", None):
            continue
        response = _request(client, method, url)
        if expected.startswith("api-token:"):
            assert response.status_code == 401 and response.mimetype == "application/problem+json", (endpoint, method)
            continue
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], (endpoint, method)


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_a_signed_in_browser_is_anonymous_to_the_token_routes(app, client, signed_in, role):
    """The session cookie (with a valid CSRF token, even) never stands in for an API token."""
    signed_in(role)
    for endpoint, method, url in _routes(app):
        if not (EXPECTED_RULES[endpoint] or "").startswith("api-token:"):
            continue
        response = _request(client, method, url)
        assert response.status_code == 401, (endpoint, method, response.status_code)


@pytest.mark.parametrize("role", ["applicant", "juror", "manager"])
def test_users_without_the_role_are_refused(app, client, signed_in, role):
    signed_in(role)
    for endpoint, method, url in _routes(app):
        expected = EXPECTED_RULES[endpoint]
        if not (expected or "").startswith("roles:"):
            continue
        if role in expected.removeprefix("roles:").split(","):
            continue
        response = _request(client, method, url)
        assert response.status_code == 403, (endpoint, method, response.status_code)


def test_a_view_without_a_rule_is_refused_to_everyone(app, client, signed_in):
    view = app.view_functions["home.index"]
    rule = view.access_rule
    try:
        del view.access_rule
        assert client.get("/").status_code == 403
        signed_in("admin")
        assert client.get("/").status_code == 403
    finally:
        view.access_rule = rule


def test_the_benchmark_endpoint_exists_only_when_the_benchmark_asks_for_it(app):
    """bench/pages.py turns BENCH_ENDPOINT on for its own server; no other configuration serves the route."""
    from mobility import create_app
    from tests.conftest import Config

    assert "bench.minimal" not in app.view_functions
    assert app.test_client().get("/bench/minimal").status_code == 404

    class BenchConfig(Config):
        BENCH_ENDPOINT = True

    bench_app = create_app(BenchConfig)
    assert access_rule_for(bench_app, "bench.minimal").describe() == "public"
    with bench_app.app_context():
        response = bench_app.test_client().get("/bench/minimal")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # the same middleware as every page
