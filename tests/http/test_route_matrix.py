"""The route matrix: every route × method × role, against one explicit table, with no foreign bytes.

For each role a fresh programme is built (tests/http/matrix_world.py) and every rule of `app.url_map`
(every method but HEAD/OPTIONS) is requested with the victim's ids and signed links and, for forms, a valid
CSRF token from the role's own session: what stops a request is the access check, never the CSRF check.
Each outcome must be the one in EXPECTED (a route missing from the table fails), and no body may carry a
canary of the victim that the role is not entitled to see (a refusal carries none at all).

`other_manager` manages another programme of the same installation: every call of the victim belongs to
the programme of the manager who set it up, so the other manager reaches the office's shared pages (their
own call list, cities and pairs, the dashboard of their own calls) and none of the victim's objects, through
the pages or the API (calls.policies.can_run_call).

State: GETs run before anything else, then the other methods; what ends the session or the account runs
last. Forms are sent empty (only the CSRF token), so an allowed form is refused by its own validation and
the world stays as built for the rows after it; the actions that need nothing but the button (sending the
decision letters, locking the panel…) change nothing another row of the same role depends on.
"""
from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import parse_qs, urlparse

import flask_wtf.csrf
import pytest
from wtforms import ValidationError

from tests.conftest import csrf_from, sign_in
from tests.http.matrix_world import CANARY_GROUPS, ROLES, TOKEN_HOLDERS, build_world

# One letter per role: A allowed (the access checks let the request through; the form may still refuse
# its empty input), D denied (403, or 404 where the object's existence is not revealed), S sent to sign in,
# T refused for want of an API token (401). Grouped as in ROLES:
#   anonymous | owner, member (accepted team member) | other_artist | juror (assigned to the victim's
#   application), unassigned_juror (same jury, reviews another application) | other_manager, admin
EXPECTED = {
    # Public pages, the calls and the pairs; signing in and out. Anyone signed in may start an application
    # to a published call (calls/policies.can_view_call).
    "GET /":                                                                             "A AA A AA AA",
    "GET /calls/":                                                                       "A AA A AA AA",
    "GET /calls/<int:call_id>":                                                          "A AA A AA AA",
    "POST /calls/<int:call_id>/apply":                                                   "S AA A AA AA",
    "GET /calls/archive":                                                                "A AA A AA AA",
    "GET /confirm/<token>":                                                              "A AA A AA AA",
    "POST /confirm/<token>":                                                             "A AA A AA AA",
    "GET /developers/api":                                                               "A AA A AA AA",
    "GET /forgot-password":                                                              "A AA A AA AA",
    "POST /forgot-password":                                                             "A AA A AA AA",
    "POST /language":                                                                    "A AA A AA AA",
    "GET /open-data/":                                                                   "A AA A AA AA",
    "GET /open-data/datapackage.json":                                                   "A AA A AA AA",
    "GET /open-data/exchanges.csv":                                                      "A AA A AA AA",
    "GET /pairs":                                                                        "A AA A AA AA",
    "GET /pairs/<int:pair_id>":                                                          "A AA A AA AA",
    "GET /register":                                                                     "A AA A AA AA",
    "POST /register":                                                                    "A AA A AA AA",
    "GET /reset-password/<token>":                                                       "A AA A AA AA",
    "POST /reset-password/<token>":                                                      "A AA A AA AA",
    "GET /sign-in":                                                                      "A AA A AA AA",
    "POST /sign-in":                                                                     "A AA A AA AA",
    # The second step: without a password accepted first it sends back to the password step.
    "GET /sign-in/code":                                                                 "A AA A AA AA",
    "POST /sign-in/code":                                                                "A AA A AA AA",
    "POST /sign-out":                                                                    "S AA A AA AA",
    "GET /static/<path:filename>":                                                       "A AA A AA AA",
    # The API: public reads; the office's routes for the bearer of a token (api/policies.token_allows) of the
    # call's programme (api/views_office.token), and the session cookie is no token.
    "GET /api/v1/applications/<int_id:application_id>":                                  "T TT T TT DA",
    "PUT /api/v1/applications/<int_id:application_id>/screening":                        "T TT T TT DA",
    "GET /api/v1/calls":                                                                 "A AA A AA AA",
    "GET /api/v1/calls/<int_id:call_id>":                                                "A AA A AA AA",
    "GET /api/v1/calls/<int_id:call_id>/applications":                                   "T TT T TT DA",
    "GET /api/v1/calls/<int_id:call_id>/grants":                                         "T TT T TT DA",
    "GET /api/v1/calls/<int_id:call_id>/jurors":                                         "T TT T TT DA",
    "POST /api/v1/calls/<int_id:call_id>/jurors":                                        "T TT T TT DA",
    "GET /api/v1/calls/<int_id:call_id>/reports":                                        "T TT T TT DA",
    "GET /api/v1/calls/<int_id:call_id>/reviews":                                        "T TT T TT DA",
    "GET /api/v1/cities":                                                                "A AA A AA AA",
    "GET /api/v1/grants/<int_id:grant_id>":                                              "T TT T TT DA",
    "GET /api/v1/grants/<int_id:grant_id>/payments":                                     "T TT T TT DA",
    "POST /api/v1/grants/<int_id:grant_id>/payments":                                    "T TT T TT DA",
    "GET /api/v1/open-data/exchanges":                                                   "A AA A AA AA",
    "GET /api/v1/openapi.json":                                                          "A AA A AA AA",
    "GET /api/v1/pairs":                                                                 "A AA A AA AA",
    "GET /api/v1/pairs/<int_id:pair_id>":                                                "A AA A AA AA",
    # Each person's own account and data (accounts/policies.can_edit_profile, privacy).
    "GET /account/data":                                                                 "S AA A AA AA",
    "GET /account/data/erase":                                                           "S AA A AA AA",
    "GET /account/form-token":                                                           "S AA A AA AA",
    "POST /account/data/erase":                                                          "S AA A AA AA",
    "POST /account/data/export.zip":                                                     "S AA A AA AA",
    "GET /account/password":                                                             "S AA A AA AA",
    "POST /account/password":                                                            "S AA A AA AA",
    "GET /account/profile":                                                              "S AA A AA AA",
    "GET /account/two-factor":                                                           "S AA A AA AA",
    "POST /account/two-factor/begin":                                                    "S AA A AA AA",
    "POST /account/two-factor/confirm":                                                  "S AA A AA AA",
    "POST /account/two-factor/disable":                                                  "S AA A AA AA",
    "POST /account/two-factor/recovery-codes":                                           "S AA A AA AA",
    "POST /account/profile":                                                             "S AA A AA AA",
    # Personal API tokens: the office holds them; each revokes only their own (api/policies.can_revoke_token).
    "GET /account/api-tokens":                                                           "S DD D DD AA",
    "POST /account/api-tokens":                                                          "S DD D DD AA",
    "POST /account/api-tokens/<int:token_id>/revoke":                                    "S DD D DD DD",
    # A background job's page and file: only the person who started it (jobs/policies.can_view_job).
    "GET /jobs/<int:job_id>":                                                            "S DD D DD DD",
    "GET /jobs/<int:job_id>/download":                                                   "S DD D DD DD",
    # Administration (accounts/policies.is_admin).
    "GET /admin/audit":                                                                  "S DD D DD DA",
    "GET /admin/outbox":                                                                 "S DD D DD DA",
    "GET /admin/users":                                                                  "S DD D DD DA",
    "POST /admin/users/<int:user_id>/roles/<action>":                                    "S DD D DD DA",
    "GET /admin/users/<int:user_id>/two-factor/reset":                                   "S DD D DD DA",
    "POST /admin/users/<int:user_id>/two-factor/reset":                                  "S DD D DD DA",
    "GET /admin/programmes":                                                             "S DD D DD DA",
    "POST /admin/programmes":                                                            "S DD D DD DA",
    "GET /admin/programmes/<int:programme_id>":                                          "S DD D DD DA",
    "POST /admin/programmes/<int:programme_id>":                                         "S DD D DD DA",
    "POST /admin/programmes/<int:programme_id>/managers/<int:user_id>/remove":           "S DD D DD DA",
    # Applications (applications/policies): the owner, the accepted team and the office see; owner and team
    # edit a draft (the drafting routes act on the victim's draft); only the owner submits and invites; an
    # awarded application cannot be withdrawn. Signed links (the host's, the invitation) are bearer
    # credentials.
    "GET /applications/<int:application_id>":                                            "S AA D DD DA",
    "POST /applications/<int:application_id>/attachments":                               "S AA D DD DD",
    "GET /applications/<int:application_id>/attachments/<int:attachment_id>":            "S AA D DD DA",
    "POST /applications/<int:application_id>/attachments/<int:attachment_id>/delete":    "S AA D DD DD",
    "POST /applications/<int:application_id>/autosave":                                  "S AA D DD DD",
    "GET /applications/<int:application_id>/edit":                                       "S AA D DD DD",
    "POST /applications/<int:application_id>/edit":                                      "S AA D DD DD",
    "POST /applications/<int:application_id>/host-request":                              "S AA D DD DD",
    "GET /applications/<int:application_id>/receipt.pdf":                                "S AA D DD DA",
    # The evaluation and the request for review: the lead applicant and the office read; the applicant asks.
    "GET /applications/<int:application_id>/redress":                                    "S AD D DD DA",
    "POST /applications/<int:application_id>/redress":                                   "S AD D DD DD",
    "GET /applications/<int:application_id>/receipts/<int:number>.pdf":                  "S AA D DD DA",
    "GET /applications/<int:application_id>/reopen":                                     "S DD D DD DD",
    "POST /applications/<int:application_id>/reopen":                                    "S DD D DD DD",
    "POST /applications/<int:application_id>/screen":                                    "S DD D DD DA",
    "GET /applications/<int:application_id>/submit":                                     "S AA D DD DA",
    "POST /applications/<int:application_id>/submit":                                    "S AD D DD DD",
    "POST /applications/<int:application_id>/team":                                      "S AD D DD DD",
    "GET /applications/<int:application_id>/withdraw":                                   "S DD D DD DD",
    "POST /applications/<int:application_id>/withdraw":                                  "S DD D DD DD",
    "GET /host/confirm/<token>":                                                         "A AA A AA AA",
    "POST /host/confirm/<token>":                                                        "A AA A AA AA",
    "GET /my/applications":                                                              "S AA A AA AA",
    "GET /team/invitation/<token>":                                                      "S AA A AA AA",
    "POST /team/invitation/<token>":                                                     "S AA A AA AA",
    # Review (review/policies): the assigned juror only (not the office: it has its own pages); in the panel
    # phase the consensus is open to the application's jurors and the office.
    "GET /review/":                                                                      "S DD D AA DD",
    "GET /review/applications/<int:application_id>/consensus":                           "S DD D AD DA",
    "POST /review/applications/<int:application_id>/consensus":                          "S DD D AD DA",
    "GET /review/assignments/<int:assignment_id>":                                       "S DD D AD DD",
    "POST /review/assignments/<int:assignment_id>":                                      "S DD D AD DD",
    "POST /review/assignments/<int:assignment_id>/declare":                              "S DD D AD DD",
    "GET /review/assignments/<int:assignment_id>/files/<int:attachment_id>":             "S DD D AD DD",
    # Grants and reports (awards/policies): the grantee and the office see; only the grantee acts on the grant
    # and writes the report (not the team). The host's report link is a bearer credential.
    "GET /grants/<int:grant_id>":                                                        "S AD D DD DA",
    "POST /grants/<int:grant_id>/accept":                                                "S AD D DD DD",
    "GET /grants/<int:grant_id>/agreement.pdf":                                          "S AD D DD DA",
    "GET /grants/<int:grant_id>/agreement/<int:number>.pdf":                             "S AD D DD DA",
    "POST /grants/<int:grant_id>/amendments":                                            "S AD D DD DD",
    "GET /grants/<int:grant_id>/decline":                                                "S AD D DD DD",
    "POST /grants/<int:grant_id>/decline":                                               "S AD D DD DD",
    "GET /grants/<int:grant_id>/report":                                                 "S AD D DD DA",
    "POST /grants/<int:grant_id>/report":                                                "S AD D DD DD",
    "POST /grants/<int:grant_id>/report/photos":                                         "S AD D DD DD",
    "POST /grants/<int:grant_id>/report/autosave":                                       "S AD D DD DD",
    "GET /grants/<int:grant_id>/report/photos/<int:photo_id>":                           "S AD D DD DA",
    "POST /grants/<int:grant_id>/report/review":                                         "S DD D DD DA",
    "GET /grants/<int:grant_id>/interim-report":                                         "S AD D DD DA",
    "POST /grants/<int:grant_id>/interim-report":                                        "S AD D DD DD",
    "POST /grants/<int:grant_id>/interim-report/review":                                 "S DD D DD DA",
    "GET /host/report/<token>":                                                          "A AA A AA AA",
    "POST /host/report/<token>":                                                         "A AA A AA AA",
    # The office of the call's programme (calls/policies.can_run_call): its managers and every admin. Every
    # manager reaches the shared pages: their call list, a new call, cities, pairs, rates, their dashboard.
    "POST /manage/amendments/<int:amendment_id>/<decision>":                             "S DD D DD DA",
    "POST /manage/applications/<int:application_id>/decision":                           "S DD D DD DA",
    "POST /manage/applications/<int:application_id>/pair-rule":                          "S DD D DD DA",
    "POST /manage/applications/<int:application_id>/promote":                            "S DD D DD DA",
    "GET /manage/calls/":                                                                "S DD D DD AA",
    "GET /manage/calls/<int:call_id>":                                                   "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/applications":                                      "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/applications/export":                              "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/assignment":                                        "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/assignment":                                       "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/budget":                                            "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/budget":                                           "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/exports/<kind>":                                   "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/grants":                                            "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/jury":                                              "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/jury":                                             "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/letters":                                          "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/redress":                                           "S DD D DD DA",
    "POST /manage/redress/<int:request_id>":                                             "S DD D DD DA",
    "POST /manage/redress/<int:request_id>/reconsider":                                  "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/lock":                                              "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/lock":                                             "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/phase":                                            "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/programme":                                        "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/preview/<locale>":                                  "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/questions":                                         "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/questions":                                        "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/questions/<int:question_id>":                       "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/questions/<int:question_id>":                      "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/questions/<int:question_id>/delete":               "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/ranking":                                           "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rates":                                            "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/report-questions":                                  "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/interim-questions":                                 "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/interim-questions":                                "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/interim-questions/<int:question_id>":               "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/interim-questions/<int:question_id>":              "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/report-questions":                                 "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/report-questions/<int:question_id>":                "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/report-questions/<int:question_id>":               "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/reports":                                           "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/rubric":                                            "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rubric":                                           "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rubric/criteria":                                  "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/rubric/criteria/<int:criterion_id>":                "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rubric/criteria/<int:criterion_id>":               "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rubric/criteria/<int:criterion_id>/delete":        "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/rules":                                             "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rules":                                            "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/rules/<int:rule_id>":                               "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rules/<int:rule_id>":                              "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/rules/<int:rule_id>/delete":                       "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/settings":                                          "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/settings":                                         "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/status/<status>":                                  "S DD D DD DA",
    "GET /manage/calls/<int:call_id>/texts/<locale>":                                    "S DD D DD DA",
    "POST /manage/calls/<int:call_id>/texts/<locale>":                                   "S DD D DD DA",
    "GET /manage/calls/new":                                                             "S DD D DD AA",
    "POST /manage/calls/new":                                                            "S DD D DD AA",
    "GET /manage/cities/new":                                                            "S DD D DD AA",
    "POST /manage/cities/new":                                                           "S DD D DD AA",
    "GET /manage/dashboard":                                                             "S DD D DD AA",
    "GET /manage/dashboard/<figure>":                                                    "S DD D DD AA",
    "GET /manage/outcomes":                                                              "S DD D DD AA",
    "GET /manage/outcomes.csv":                                                          "S DD D DD AA",
    "GET /manage/outcomes.json":                                                         "S DD D DD AA",
    "GET /manage/reports":                                                               "S DD D DD AA",
    "POST /manage/reports/export":                                                       "S DD D DD AA",
    "GET /manage/exchange-rates":                                                        "S DD D DD AA",
    "POST /manage/exchange-rates":                                                       "S DD D DD AA",
    "POST /manage/grants/<int:grant_id>/payments":                                       "S DD D DD DA",
    "GET /manage/pairs/<int:pair_id>/edit":                                              "S DD D DD AA",
    "POST /manage/pairs/<int:pair_id>/edit":                                             "S DD D DD AA",
    "GET /manage/pairs/new":                                                             "S DD D DD AA",
    "POST /manage/pairs/new":                                                            "S DD D DD AA",
}

# Who may see which of the victim's canaries (matrix_world.CANARY_GROUPS). The office of the call's programme
# (here only the admin among the roles) sees every application, review, grant and report of its calls.
ENTITLED = {
    "anonymous": set(),
    "owner": {"identity", "member", "application", "draft", "grant", "report"},
    "member": {"identity", "member", "application", "draft"},
    "other_artist": set(),
    # The call is blind: the assigned juror reads the application and their own review, not who applied.
    "juror": {"application", "review"},
    "unassigned_juror": set(),
    "other_manager": set(),
    "admin": {"identity", "member", "application", "draft", "review", "grant", "report"},
}
# What a page shows beyond the role's groups. A signed link's page shows its holder the link itself and who
# is coming for what (the host), or whose team it is (the invitee). The admin's audit log names what was
# done (a token's name), and the outbox shows the mail as sent, links included.
ROUTE_SHOWS = {
    "admin.audit_log": {"token_name"},
    "admin.outbox": {"confirm_token", "reset_token", "invitation_token", "host_token", "report_host_token"},
    "accounts.confirm_email": {"confirm_token"},
    "accounts.reset_password": {"reset_token"},
    "applications.host_confirmation": {"host_token", "owner_name", "title"},
    "reports.host_confirmation": {"report_host_token", "owner_name", "title"},
    "applications.team_invitation": {"invitation_token", "owner_name", "draft_title"},
}
# Rows nobody in the matrix may pass, and why (every other row lets someone through, which proves its URL
# was filled with real objects).
NOBODY_ALLOWED = {
    "POST /account/api-tokens/<int:token_id>/revoke": "the token is the programme manager's own",
    "GET /jobs/<int:job_id>": "the export is the programme manager's own",
    "GET /jobs/<int:job_id>/download": "the export is the programme manager's own",
    "GET /applications/<int:application_id>/withdraw": "an awarded application cannot be withdrawn",
    "POST /applications/<int:application_id>/withdraw": "an awarded application cannot be withdrawn",
    "GET /applications/<int:application_id>/reopen": "an awarded application cannot be reopened",
    "POST /applications/<int:application_id>/reopen": "an awarded application cannot be reopened",
}

# The drafting routes act on the victim's draft (in the second call) rather than the awarded application.
DRAFT_ENDPOINTS = {"applications.edit", "applications.autosave", "applications.submit", "applications.upload",
                   "applications.delete_upload", "applications.invite", "applications.ask_host"}
# Signed links: the victim's own valid link.
TOKEN_OF = {"accounts.confirm_email": "confirm_token", "accounts.reset_password": "reset_token",
            "applications.team_invitation": "invitation_token",
            "applications.host_confirmation": "host_token", "reports.host_confirmation": "report_host_token"}
# Requests that end the role's account or session, in this order, after everything else.
LAST = ("POST /account/data/erase", "POST /sign-out")


def _routes(app):
    rows = [(f"{method} {rule.rule}", rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(rows, key=lambda row: (row[0] in LAST, LAST.index(row[0]) if row[0] in LAST else 0,
                                         row[2] != "GET", row[0]))


def _url(rule, world) -> str:
    ids = dict(world.ids)
    if rule.endpoint in DRAFT_ENDPOINTS:
        ids.update(world.draft_ids)
    if "/report-questions/" in rule.rule:
        ids["question_id"] = ids["report_question_id"]
    if "/interim-questions/" in rule.rule:
        ids["question_id"] = ids["interim_question_id"]
    if rule.endpoint in TOKEN_OF:
        ids["token"] = ids[TOKEN_OF[rule.endpoint]]
    url = rule.rule
    for argument in re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule):
        url = re.sub(r"<(?:[^:<>]+:)?" + argument + r">", str(ids[argument]), url)
    return url


def _outcome(response) -> str:
    code = response.status_code
    location = urlparse(response.headers.get("Location", ""))
    if code == 302 and location.path == "/sign-in" and "next" in parse_qs(location.query):
        return "S"
    if code == 401:
        return "T"
    if code in (403, 404):
        return "D"
    assert code < 500, code
    return "A"


def _readable(response) -> bytes:
    """The body, with the members of a ZIP (the data download, XLSX) opened so canaries can be seen."""
    body = response.get_data()
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body += b"".join(archive.read(name) for name in archive.namelist())
    return body.lower()


def _foreign(body: bytes, world, visible: set[str]) -> list[str]:
    return [name for name, canary in world.canaries.items()
            if name not in visible and canary.lower().encode() in body]


class _CsrfFailures(list):
    """Every CSRF check that fails during the run (there must be none)."""

    def watch(self, monkeypatch):
        original = flask_wtf.csrf.validate_csrf

        def validate(*args, **kwargs):
            try:
                return original(*args, **kwargs)
            except ValidationError as error:
                self.append(str(error))
                raise

        monkeypatch.setattr(flask_wtf.csrf, "validate_csrf", validate)
        return self


def _request(client, method, url, csrf_token, bearer):
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return client.open(url, method=method, headers=headers, json=None if method == "GET" else {})
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": csrf_token})


def run_matrix(app, role, monkeypatch):
    """Every route requested as `role` in a fresh world: {route: outcome}, the problems seen, and the
    canaries seen anywhere (so that a canary nobody could see would be noticed)."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        world = build_world()
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, world.users[role].email).status_code == 302
    csrf_token = csrf_from(client.get("/").get_data(as_text=True))
    csrf_failures = _CsrfFailures().watch(monkeypatch)
    observed, problems, seen = {}, [], set()
    entitled = {name for group in ENTITLED[role] for name in CANARY_GROUPS[group]}
    for route, rule, method in _routes(app):
        response = _request(client, method, _url(rule, world), csrf_token, world.api_secrets.get(role))
        observed[route] = outcome = _outcome(response)
        visible = set() if outcome == "D" else entitled | ROUTE_SHOWS.get(rule.endpoint, set())
        body = _readable(response)
        seen |= {name for name, canary in world.canaries.items() if canary.lower().encode() in body}
        leaked = _foreign(body, world, visible)
        if leaked:
            problems.append(f"{route} as {role} ({response.status_code}) shows {leaked}")
        if csrf_failures:
            problems.append(f"{route} as {role}: the CSRF check refused it ({csrf_failures})")
            csrf_failures.clear()
    return observed, problems, seen


def _expected(route: str, role: str) -> str:
    return EXPECTED[route].replace(" ", "")[ROLES.index(role)]


def test_every_route_and_method_is_in_the_table(app):
    routes = {route for route, _rule, _method in _routes(app)}
    assert sorted(routes - EXPECTED.keys()) == [], "classify the new routes in EXPECTED"
    assert sorted(EXPECTED.keys() - routes) == [], "these routes are gone"
    assert all(len(row.replace(" ", "")) == len(ROLES) for row in EXPECTED.values())


def test_every_row_lets_someone_through_unless_said_otherwise():
    nobody = {route for route, row in EXPECTED.items() if "A" not in row}
    assert nobody == NOBODY_ALLOWED.keys()


# A token's time of use is written on a connection of its own (api/services.mark_used): those roles commit.
@pytest.mark.parametrize("role", [pytest.param(role, marks=pytest.mark.commits) if role in TOKEN_HOLDERS else role
                                  for role in ROLES])
def test_each_role_reaches_exactly_what_the_policies_allow(app, monkeypatch, role):
    observed, problems, seen = run_matrix(app, role, monkeypatch)
    mismatches = [f"{route}: expected {_expected(route, role)}, got {outcome}"
                  for route, outcome in observed.items()
                  if route in EXPECTED and outcome != _expected(route, role)]
    assert not mismatches, "\n".join(mismatches)
    assert not problems, "\n".join(problems)
    # The canaries are where pages show them: each group the role may see is seen somewhere.
    assert {group for group in ENTITLED[role] if not seen & set(CANARY_GROUPS[group])} == set()


@pytest.mark.parametrize("role, url", [
    ("other_artist", "/applications/{other_application_id}/attachments/{attachment_id}"),
    ("unassigned_juror", "/review/assignments/{other_assignment_id}/files/{attachment_id}"),
])
def test_the_victims_file_is_not_reached_through_ones_own_application_or_seat(app, client,
                                                                           role, url):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        world = build_world()
    assert sign_in(client, world.users[role].email).status_code == 302
    response = client.get(url.format(**world.ids, **world.own_ids))
    assert response.status_code == 404
    assert world.canaries["file_bytes"].encode() not in response.get_data()
