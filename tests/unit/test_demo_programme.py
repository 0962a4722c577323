"""`flask demo load` builds a whole programme through the services, and a visitor notices it at once: the
manager's dashboard, the ranking, the grants and the reports have figures, the juror has work done and to do,
the artist has a decision. Loading it again changes no row."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import func, select

from mobility import create_app
from mobility.accounts.models import User
from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant
from mobility.calls.enums import CallStatus
from mobility.calls.models import Call
from mobility.core import memo
from mobility.core.models import AuditEntry, MailStatus, OutboxMessage
from mobility.db import utcnow
from mobility.demo import DEMO_PASSWORD, load_demo
from mobility.demo_programme import DECIDED_TEXTS, REVIEW_TEXTS
from mobility.extensions import db
from mobility.reports import services as report_services
from mobility.reports.enums import ReportState, ReportStatus
from mobility.reports.models import FinalReport
from mobility.reports.services import REPORT_DUE_DAYS
from mobility.review.enums import Decision, ReviewStatus
from mobility.review.models import Assignment, PanelDecision, Review
from tests.conftest import Config, RequestScopedClient, csrf_from, sign_in
from tests.databases import empty_database, table_digests


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A fresh database (Alembic, as `make run`), the demo loaded into it, then loaded again."""
    with empty_database(tmp_path_factory.mktemp("demo"), "demo") as url:
        class DemoConfig(Config):
            SQLALCHEMY_DATABASE_URI = url
            SQLALCHEMY_ENGINE_OPTIONS = {}

        app = create_app(DemoConfig)
        app.test_client_class = RequestScopedClient
        with app.app_context():
            upgrade()
            with app.test_request_context():
                created = load_demo()
                db.session.commit()
            first = table_digests()
            with app.test_request_context():
                again = load_demo()
                db.session.commit()
            app.config["DEMO_LOADS"] = (created, again, first, table_digests())
            app.config["DEMO_LATEST"] = _latest()  # before the tests sign in (that is audited today)
            yield app
            db.session.remove()
            db.engine.dispose()
        memo.clear()


DATED = (AuditEntry.at, User.created_at, Application.created_at, Application.submitted_at, Grant.created_at,
         Review.submitted_at, OutboxMessage.created_at, FinalReport.updated_at)


def _latest() -> dict[str, object]:
    return {str(column): db.session.scalar(select(func.max(column))) for column in DATED}


def _call(texts: dict) -> Call:
    return db.session.scalar(select(Call).where(Call.title["en"].as_string() == texts["title"]["en"]))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _signed_in(app, email: str):
    client = app.test_client()
    assert sign_in(client, email, DEMO_PASSWORD).status_code == 302
    return client


def test_a_second_load_changes_no_row(demo):
    created, again, first, second = demo.config["DEMO_LOADS"]
    assert len(created) == 4 and again == []
    assert second == first


def test_the_decided_round_has_every_language_in_both_directions(demo):
    call = _call(DECIDED_TEXTS)
    assert call.status is CallStatus.CLOSED and call.panel_locked_at is not None
    rows = db.session.execute(select(Application.languages, Application.direction)
                              .where(Application.call_id == call.id)).all()
    assert len(rows) >= 55
    assert {(languages[0], direction.value) for languages, direction in rows} == {
        (language, direction) for language in ("en", "zh", "ja", "ko") for direction in ("eu_to_ea", "ea_to_eu")}
    titles = db.session.scalars(select(Application.title).where(Application.call_id == call.id)).all()
    summaries = db.session.scalars(select(Application.summary).where(Application.call_id == call.id)).all()
    assert len(set(titles)) == len(titles) and len(set(summaries)) == len(summaries)  # each in its own words
    jurors = db.session.scalar(select(func.count(func.distinct(Assignment.juror_id)))
                               .where(Assignment.call_id == call.id))
    assert jurors >= 5


def test_the_manager_sees_real_figures_on_the_dashboard_ranking_grants_and_reports(demo):
    client = _signed_in(demo, "manager@mobility.example.org")
    page = client.get("/manage/dashboard").get_data(as_text=True)
    linked = dict(re.findall(r'/manage/dashboard/(\w+)[^"]*"><span class="figure">([^<]+)</span>', page))
    assert set(linked) >= {"applications", "eligible", "awarded", "grants", "reports"}
    figures = re.findall(r'<span class="figure">([^<]+)</span>', page)  # with days, audience, CO₂…
    assert len(figures) >= 9
    for figure in figures:
        assert Decimal(re.sub(r"[^\d.]", "", figure)) > 0, figures

    call = _call(DECIDED_TEXTS)
    ranking = client.get(f"/manage/calls/{call.id}/ranking").get_data(as_text=True)
    assert len(set(re.findall(r"MOB-\d{3}-[0-9A-F]{6}", ranking))) >= 40
    grants = client.get(f"/manage/calls/{call.id}/grants").get_data(as_text=True)
    with force_locale("en"):
        for status in (GrantStatus.ACCEPTED, GrantStatus.DECLINED):
            assert str(status.title) in grants
    reports = client.get(f"/manage/calls/{call.id}/reports").get_data(as_text=True)
    with force_locale("en"):
        # The report desk of the call: every accepted grant with its report's state, overdue ones counted.
        for state in (ReportState.APPROVED, ReportState.SUBMITTED, ReportState.CHANGES_REQUESTED):
            assert str(state.title) in reports, state
    open_call = db.session.scalar(select(Call).where(Call.status == CallStatus.PUBLISHED))
    listed = client.get(f"/manage/calls/{open_call.id}/applications").get_data(as_text=True)
    assert len(set(re.findall(r"MOB-\d{3}-[0-9A-F]{6}", listed))) >= 3  # submitted early; the drafts wait


def test_the_juror_has_reviews_done_and_to_do(demo):
    juror = _user("juror@mobility.example.org")
    call = _call(REVIEW_TEXTS)
    assert call.status is CallStatus.CLOSED and call.panel_locked_at is None
    mine = db.session.execute(select(Assignment.id, Application.title, Review.status)
                              .join(Application, Application.id == Assignment.application_id)
                              .outerjoin(Review, Review.assignment_id == Assignment.id)
                              .where(Assignment.call_id == call.id, Assignment.juror_id == juror.id)).all()
    done = [title for _id, title, status in mine if status is ReviewStatus.SUBMITTED]
    to_do = [title for _id, title, status in mine if status is not ReviewStatus.SUBMITTED]
    assert done and to_do
    page = _signed_in(demo, juror.email).get("/review/").get_data(as_text=True)
    assert 'lang="ko"' in page  # the juror's own language
    for title in (done[0], to_do[0]):
        assert title in page


def test_the_artist_sees_the_decision_and_writes_the_report(demo):
    artist = _user("artist@mobility.example.org")
    client = _signed_in(demo, artist.email)
    page = client.get("/my/applications").get_data(as_text=True)
    with force_locale("ja"):
        assert str(ApplicationStatus.AWARDED.title) in page
        assert str(ApplicationStatus.IN_REVIEW.title) in page
        assert str(ApplicationStatus.DRAFT.title) in page
    grant = db.session.scalar(select(Grant).join(Application).where(Application.applicant_id == artist.id))
    assert grant.status is GrantStatus.ACCEPTED and grant.end_date < utcnow().date()
    assert client.get(f"/grants/{grant.id}").status_code == 200
    report_page = client.get(f"/grants/{grant.id}/report")
    assert report_page.status_code == 200
    # Her stay is over and her draft is waiting: she can submit it (the dates allow it).
    report = db.session.scalar(select(FinalReport).where(FinalReport.grant_id == grant.id))
    assert report.status is ReportStatus.DRAFT and grant.end_date + timedelta(days=REPORT_DUE_DAYS) > utcnow().date()
    assert csrf_from(report_page.get_data(as_text=True))
    with demo.test_request_context():
        report_services.submit_report(artist, report)  # what her button does (rolled back: the demo keeps the draft)
        assert report.status is ReportStatus.SUBMITTED
        db.session.rollback()


def test_a_rejected_applicant_hears_back_in_their_language(demo):
    call = _call(DECIDED_TEXTS)
    rejected = db.session.scalar(select(Application).join(User, User.id == Application.applicant_id).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.REJECTED,
        User.locale == "ko").order_by(Application.id).limit(1))
    letter = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == rejected.applicant.email,
                                                           OutboxMessage.subject.contains(rejected.reference)))
    assert letter.locale == "ko" and letter.status is MailStatus.SENT  # the past's mail went out then
    page = _signed_in(demo, rejected.applicant.email).get("/my/applications").get_data(as_text=True)
    with force_locale("ko"):
        assert str(ApplicationStatus.REJECTED.title) in page


def test_a_report_is_overdue_and_others_are_approved_or_waiting(demo):
    today = utcnow().date()
    accepted = db.session.scalars(select(Grant).where(Grant.status == GrantStatus.ACCEPTED)).all()
    reports = {r.grant_id: r for r in db.session.scalars(select(FinalReport))}
    overdue = [g for g in accepted if g.end_date + timedelta(days=REPORT_DUE_DAYS) < today
               and (g.id not in reports or reports[g.id].status is ReportStatus.DRAFT)]
    assert overdue
    assert {r.status for r in reports.values()} >= {ReportStatus.APPROVED, ReportStatus.SUBMITTED,
                                                    ReportStatus.CHANGES_REQUESTED, ReportStatus.DRAFT}
    for report in reports.values():  # every stay reported on is in the past, after its grant was made
        assert report.grant.created_at.date() <= report.actual_start <= report.actual_end < today
    paid_twice = [g for g in accepted if {p.instalment for p in g.payments} == {1, 2}]
    assert paid_twice and all(len(g.payments) >= 1 for g in accepted)


def test_a_declined_offer_went_to_the_next_on_the_waiting_list(demo):
    call = _call(DECIDED_TEXTS)
    declined = db.session.scalar(select(Grant).where(Grant.call_id == call.id,
                                                     Grant.status == GrantStatus.DECLINED))
    promoted = db.session.scalars(select(PanelDecision).join(Application).where(
        Application.call_id == call.id, PanelDecision.reason == "Promoted from the waiting list.")).all()
    assert declined is not None and len(promoted) == 1
    grant = db.session.scalar(select(Grant).where(Grant.application_id == promoted[0].application_id))
    assert grant.status is GrantStatus.ACCEPTED and grant.direction is declined.direction
    assert grant.created_at >= declined.declined_at
    assert db.session.scalar(select(func.count()).select_from(PanelDecision).join(Application).where(
        Application.call_id == call.id, PanelDecision.decision == Decision.WAITLIST)) >= 1


def test_the_programme_happened_in_the_past_in_order(demo):
    """Played on the app's clock: every row and every audit entry is dated before the day of the load (the last
    drafts yesterday), people join before they apply, grants are made before they are accepted."""
    today = utcnow().date()
    latest = demo.config["DEMO_LATEST"]
    assert len(latest) == len(DATED)
    for column, instant in latest.items():
        assert instant.date() < today, column
    assert db.session.scalar(select(func.count()).select_from(Application).join(User, User.id == Application.applicant_id)
                             .where(User.created_at > Application.created_at)) == 0
    assert db.session.scalar(select(func.count()).select_from(Application).join(Call).where(
        (Application.submitted_at < Call.opens_at) | (Application.submitted_at > Call.closes_at))) == 0
    assert db.session.scalar(select(func.count()).select_from(Grant).where(Grant.accepted_at <= Grant.created_at)) == 0


README = Path(__file__).resolve().parents[2] / "README.md"
# What the README's role table says of these people (the decided round).
IN_THE_README = {
    "artist@mobility.example.org": (ApplicationStatus.AWARDED, GrantStatus.ACCEPTED, ReportStatus.DRAFT),
    "clara.neumann@artists.example.org": (ApplicationStatus.AWARDED, GrantStatus.ACCEPTED, ReportStatus.APPROVED),
    "lim.ji.min@artists.example.org": (ApplicationStatus.AWARDED, GrantStatus.ACCEPTED,
                                       ReportStatus.CHANGES_REQUESTED),
    "zhao.mingxuan@artists.example.org": (ApplicationStatus.AWARDED, GrantStatus.ACCEPTED, ReportStatus.SUBMITTED),
    "shin.woo.jin@artists.example.org": (ApplicationStatus.AWARDED, GrantStatus.ACCEPTED, None),
    "kenji.walker@artists.example.org": (ApplicationStatus.WITHDRAWN, GrantStatus.DECLINED, None),
    "paul.krueger@artists.example.org": (ApplicationStatus.WAITLISTED, None, None),
    "jonas.richter@artists.example.org": (ApplicationStatus.REJECTED, None, None),
    "hannah.becker@artists.example.org": (ApplicationStatus.INELIGIBLE, None, None),
}


def test_the_people_the_readme_names_are_as_it_says(demo):
    text = README.read_text(encoding="utf-8")
    call = _call(DECIDED_TEXTS)
    for email, (status, grant_status, report_status) in IN_THE_README.items():
        assert email in text, email
        application = db.session.scalar(select(Application).join(User, User.id == Application.applicant_id)
                                        .where(Application.call_id == call.id, User.email == email))
        grant = db.session.scalar(select(Grant).where(Grant.application_id == application.id))
        report = db.session.scalar(select(FinalReport).where(FinalReport.grant_id == grant.id)) if grant else None
        assert (application.status, grant and grant.status, report and report.status) == (
            status, grant_status, report_status), email
    overdue = db.session.scalar(select(Grant).join(Application).join(User, User.id == Application.applicant_id)
                                .where(User.email == "shin.woo.jin@artists.example.org"))
    assert overdue.end_date + timedelta(days=REPORT_DUE_DAYS) < utcnow().date()
    clara = db.session.scalar(select(Grant).join(Application).join(User, User.id == Application.applicant_id)
                              .where(User.email == "clara.neumann@artists.example.org"))
    assert sum(p.amount for p in clara.payments) == clara.amount
    artist = _user("artist@mobility.example.org")
    decision = db.session.scalar(select(PanelDecision).join(Application).where(
        Application.call_id == call.id, Application.applicant_id == artist.id))
    assert decision.reason == "Promoted from the waiting list."
    jonas = _user("jonas.richter@artists.example.org")
    assert db.session.scalar(select(Application.status).where(Application.call_id == _call(REVIEW_TEXTS).id,
                                                              Application.applicant_id == jonas.id)) \
        is ApplicationStatus.IN_REVIEW
    for juror in ("aino.laine", "chiara.bressan", "tomas.petrauskas", "elise.moreau", "wang.fang", "sato.ken",
                  "park.seoyeon"):
        assert _user(f"{juror}@mobility.example.org") is not None
