"""Review services: assignment from the database, declarations, reviews, normalisation, ranking, lock."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mobility.applications.enums import ApplicationStatus
from mobility.calls.rates import Traveller, calculate
from mobility.cities.geography import great_circle_km
from mobility.cities.models import City
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry
from mobility.review import services
from mobility.review.enums import AssignmentStatus, Decision, PairRule, PhaseKind
from mobility.review.models import Assignment, ReviewPhase
from mobility.review.ranking import compute_ranking_rows, normalise
from tests.factories import make_juror, make_reviewable_call


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context():
        yield


def _assignments(db, call):
    return db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)
                              .order_by(Assignment.application_id, Assignment.juror_id)).all()


def test_assignment_respects_language_side_and_conflicts(db):
    europe_en = make_juror(reads=("en",), city="Chemnitz")
    europe_ja = make_juror(reads=("ja", "en"), city="Oulu")
    asia_ko = make_juror(reads=("ko",), city="Andong")          # cannot read English
    asia_en = make_juror(reads=("en",), city="Nara", organisation="Atomino")  # the host: conflict
    asia_en2 = make_juror(reads=("en", "ja"), city="Huzhou")
    manager, call, applications = make_reviewable_call(jurors=[europe_en, europe_ja, asia_ko, asia_en, asia_en2])
    report = services.run_assignment(manager, call)
    db.session.commit()
    assert report.saved and report.uncovered_slots == 0
    rows = _assignments(db, call)
    assert len(rows) == 4
    for application in applications:
        jurors = {r.juror_id for r in rows if r.application_id == application.id}
        assert asia_ko.id not in jurors and asia_en.id not in jurors
        assert asia_en2.id in jurors  # the only East Asian juror who can take it
        assert application.status is ApplicationStatus.IN_REVIEW


def test_what_cannot_be_covered_is_named_and_nothing_is_saved(db):
    europe = make_juror(reads=("en",), city="Chemnitz")
    asia_ko = make_juror(reads=("ko",), city="Andong")
    manager, call, applications = make_reviewable_call(jurors=[europe, asia_ko])
    report = services.run_assignment(manager, call)
    assert not report.saved and report.uncovered_slots == 2
    assert report.uncovered == ["2 applications in English: no juror from East Asia reads it without a "
                                "conflict of interest"]
    assert _assignments(db, call) == []
    saved = services.run_assignment(manager, call, accept_partial=True)
    assert saved.saved and len(_assignments(db, call)) == 2


def test_the_calls_minimum_load_gives_each_juror_their_share_or_says_who_falls_short(db):
    # The applications are dance; without a minimum the two dancers would take all of them.
    europe = [make_juror(city="Chemnitz", disciplines=("dance",)), make_juror(city="Oulu")]
    asia = [make_juror(city="Nara", disciplines=("dance",)), make_juror(city="Huzhou")]
    manager, call, applications = make_reviewable_call(jurors=europe + asia, k=2, applications=4)
    report = services.run_assignment(manager, call, accept_partial=True)
    loads = [sum(r.juror_id == j.id for r in _assignments(db, call)) for j in europe + asia]
    assert loads == [4, 0, 4, 0]
    db.session.execute(Assignment.__table__.delete())
    call.min_reviews_per_juror = 2  # 8 seats, 4 jurors: two each
    report = services.run_assignment(manager, call)
    assert report.saved and report.below_minimum == 0
    loads = [sum(r.juror_id == j.id for r in _assignments(db, call)) for j in europe + asia]
    assert loads == [2, 2, 2, 2]

    call.min_reviews_per_juror = 3  # 12 seats wanted, 8 exist: someone falls short, and is named
    db.session.execute(Assignment.__table__.delete())
    report = services.run_assignment(manager, call)
    assert not report.saved and report.below_minimum >= 1
    assert any("of the minimum of 3 applications" in line for line in report.uncovered)
    assert _assignments(db, call) == []


def test_pins_and_forbids_are_obeyed(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Oulu"), make_juror(city="Nara"),
              make_juror(city="Huzhou")]
    manager, call, (first, second) = make_reviewable_call(jurors=jurors)
    services.set_pair_rule(manager, first, jurors[0], PairRule.FORBID)
    services.set_pair_rule(manager, second, jurors[0], PairRule.PIN)
    services.run_assignment(manager, call)
    rows = _assignments(db, call)
    assert (first.id, jurors[0].id) not in {(r.application_id, r.juror_id) for r in rows}
    assert (second.id, jurors[0].id) in {(r.application_id, r.juror_id) for r in rows}


def test_declaring_a_conflict_ends_access_and_finds_a_replacement(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Nara"), make_juror(city="Huzhou")]
    manager, call, (application,) = make_reviewable_call(jurors=jurors, applications=1)
    services.run_assignment(manager, call)
    asian = next(r for r in _assignments(db, call) if r.juror_id in (jurors[1].id, jurors[2].id))
    juror = asian.juror
    services.declare_no_conflict(juror, asian)
    services.save_review(juror, asian, scores={}, comments={}, overall_comment="Half-way", comment_language="en",
                         submit=False)
    with pytest.raises(DomainError):
        services.declare_conflict(juror, asian, "  ")
    services.declare_conflict(juror, asian, "I taught this artist.")
    rows = _assignments(db, call)
    assert asian.status is AssignmentStatus.CONFLICT and asian.review.overall_comment == "Half-way"
    live = {r.juror_id for r in rows if r.status is not AssignmentStatus.CONFLICT}
    assert len(live) == 2 and juror.id not in live
    with pytest.raises(DomainError):
        services.save_review(juror, asian, scores={}, comments={}, overall_comment="", comment_language=None,
                             submit=False)


def _accepted(db, call, juror):
    assignment = next(r for r in _assignments(db, call) if r.juror_id == juror.id)
    services.declare_no_conflict(juror, assignment)
    return assignment


def test_scores_must_lie_on_the_scale_and_every_criterion_needs_one_to_submit(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Nara")]
    manager, call, (application,) = make_reviewable_call(jurors=jurors, applications=1)
    services.run_assignment(manager, call)
    assignment = _accepted(db, call, jurors[0])
    first, second, third = call.criteria
    for bad in ("5.5", "-1", "2.25", "four"):
        with pytest.raises(DomainError) as error:
            services.save_review(jurors[0], assignment, scores={first.id: bad}, comments={}, overall_comment="",
                                 comment_language="en", submit=False)
        assert error.value.field == f"score_{first.id}"
    with pytest.raises(DomainError) as error:
        services.save_review(jurors[0], assignment, scores={first.id: "4"}, comments={}, overall_comment="",
                             comment_language="en", submit=True)
    assert error.value.field == f"score_{second.id}"
    with pytest.raises(DomainError) as error:
        services.save_review(jurors[0], assignment, scores={}, comments={first.id: "x" * 4001}, overall_comment="",
                             comment_language="en", submit=False)
    assert error.value.field == f"comment_{first.id}"
    review = services.save_review(jurors[0], assignment, scores={first.id: "4.5", second.id: "3", third.id: "5"},
                                  comments={first.id: "鎌倉の海が見える"}, overall_comment="Strong.",
                                  comment_language="ja", submit=True)
    assert services.weighted_total(call, review.scores) == Decimal("12.5")
    assert review.comment_language == "ja"


def test_normalisation_puts_a_harsh_and_a_generous_juror_on_one_scale():
    # Juror 1 marks everyone 2 points lower than juror 2; after normalisation they agree.
    result = normalise({1: [(10, 6.0), (11, 8.0)], 2: [(10, 8.0), (11, 10.0)]})
    assert result[(1, 10)] == pytest.approx(result[(2, 10)])
    assert result[(1, 11)] == pytest.approx(result[(2, 11)])
    assert result[(1, 11)] > result[(1, 10)]
    # A juror with a single review is only shifted by their own mean.
    single = normalise({1: [(10, 6.0)], 2: [(10, 8.0), (11, 10.0)]})
    assert single[(1, 10)] == pytest.approx(6.0 - 6.0 + (6.0 + 8.0 + 10.0) / 3)


def test_ranking_thresholds_tie_breaks_and_budget_line(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Nara")]
    manager, call, applications = make_reviewable_call(jurors=jurors, applications=3)
    services.run_assignment(manager, call)
    c1, c2, c3 = call.criteria
    marks = {applications[0].id: ("4", "4", "4"), applications[1].id: ("5", "3.5", "3.5"),
             applications[2].id: ("2", "5", "5")}  # 12, 12 and 12 – but the third fails criterion 1
    for juror in jurors:
        for assignment in [r for r in _assignments(db, call) if r.juror_id == juror.id]:
            services.declare_no_conflict(juror, assignment)
            s1, s2, s3 = marks[assignment.application_id]
            services.save_review(juror, assignment, scores={c1.id: s1, c2.id: s2, c3.id: s3}, comments={},
                                 overall_comment="", comment_language="en", submit=True)
    ranking = compute_ranking_rows(call)
    assert [r.application_id for r in ranking] == [applications[1].id, applications[0].id, applications[2].id]
    assert [r.passes for r in ranking] == [True, True, False]
    assert ranking[0].raw_total == pytest.approx(12.0) and ranking[0].disagreement == 0
    # 30 days, Kamakura → Chemnitz (about 9,000 km): 800 travel + 30 × 85 = 3,350 EUR each.
    assert ranking[0].estimated_grant == Decimal("3350.00")
    assert ranking[0].within_budget is False  # no budget set for this pair and direction


def test_decisions_need_the_panel_phase_and_the_lock_stops_every_change(db):
    jurors = [make_juror(city="Chemnitz"), make_juror(city="Nara")]
    manager, call, (application,) = make_reviewable_call(jurors=jurors, applications=1)
    services.run_assignment(manager, call)
    assignment = _accepted(db, call, jurors[0])
    with pytest.raises(DomainError):
        services.record_decision(manager, application, Decision.AWARD, "Strong project")
    assert db.session.scalars(select(ReviewPhase)).all() == []  # reading the default phases stores nothing
    services.move_to_phase(manager, call, PhaseKind.PANEL)
    assert [p.kind for p in db.session.scalars(select(ReviewPhase).where(ReviewPhase.active))] == [PhaseKind.PANEL]
    with pytest.raises(DomainError) as error:
        services.record_decision(manager, application, Decision.SHORTLIST, " ")
    assert error.value.field == "reason"
    first = services.record_decision(manager, application, Decision.SHORTLIST, "Strong project")
    assert application.status is ApplicationStatus.SHORTLISTED
    # Sent again (a double click): the decision recorded stands and the audit log has it once.
    assert services.record_decision(manager, application, Decision.SHORTLIST, "Strong project ") is first
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "review.decision")) == 1
    services.move_to_phase(manager, call, PhaseKind.INDIVIDUAL, confirmed=True)
    services.lock_panel(manager, call)
    db.session.commit()
    for attempt in (
        lambda: services.save_review(jurors[0], assignment, scores={}, comments={}, overall_comment="late",
                                     comment_language=None, submit=False),
        lambda: services.record_decision(manager, application, Decision.AWARD, "Changed my mind"),
        lambda: services.run_assignment(manager, call),
    ):
        with pytest.raises(DomainError):
            attempt()
    first_lock = db.session.get(type(call), call.id).panel_locked_at
    services.lock_panel(manager, call)  # locking again (a double click) leaves the first lock as it was
    assert db.session.get(type(call), call.id).panel_locked_at == first_lock


def test_grant_calculation_chemnitz_to_kamakura(db):
    from mobility.cities.services import load_reference_cities
    from tests.factories import make_call

    load_reference_cities()
    chemnitz = db.session.scalar(select(City).where(City.name_en == "Chemnitz"))
    kamakura = db.session.scalar(select(City).where(City.name_en == "Kamakura"))
    call = make_call()
    distance = great_circle_km(chemnitz, kamakura)
    assert 9000 < distance < 9200  # 50.83 N 12.92 E → 35.32 N 139.55 E
    breakdown = calculate(call, chemnitz, kamakura, 30, [Traveller(green_travel=True)])
    assert [(line.code, line.quantity, line.amount) for line in breakdown.lines] == [
        ("travel", 1, Decimal("800.00")), ("daily", 30, Decimal("2550.00")), ("green", 1, Decimal("400.00"))]
    assert breakdown.total == Decimal("3750.00")
