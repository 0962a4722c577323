"""The memoised ranking and dashboard (mobility/core/memo.py): JSON that round-trips exactly, computed again
after a committed change of its own call, never after a change elsewhere or one rolled back."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from mobility.applications import services as applications
from mobility.applications.enums import ApplicationStatus
from mobility.calls.models import Call
from mobility.cities.enums import Direction
from mobility.core import memo
from mobility.extensions import db
from mobility.reports import dashboard
from mobility.review import ranking
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.databases import counting
from tests.factories import make_application, make_awardable, make_call


def _row(**changes) -> ranking.RankedRow:
    values = {"position": 1, "application_id": 7, "reference": "MOB-001-A1B2C3",
              "title": "潮の記憶 — Tidal memory", "direction": Direction.EAST_ASIA_TO_EUROPE, "pair_id": 3,
              "review_count": 2, "raw_total": 7.333333333333333, "normalised_total": -0.1, "consensus_total": None,
              "disagreement": 0.4714045207910317, "passes": True, "decision": Decision.WAITLIST,
              "estimated_grant": Decimal("2450.50"), "cumulative": Decimal("12000.00"), "within_budget": False,
              "status": ApplicationStatus.WAITLISTED}
    return ranking.RankedRow(**{**values, **changes})


def test_a_ranking_round_trips_exactly_through_json():
    rows = [_row(), _row(position=2, application_id=8, direction=None, decision=None, estimated_grant=None,
                         cumulative=None, within_budget=None, raw_total=None, normalised_total=None,
                         disagreement=None, passes=False, reference=None, review_count=0)]
    stored = json.loads(json.dumps(memo.encode(rows)))  # what the cache holds: plain JSON
    back = memo.decode(list[ranking.RankedRow], stored)
    assert back == rows
    assert isinstance(back[0].estimated_grant, Decimal) and str(back[0].estimated_grant) == "2450.50"
    assert back[0].direction is Direction.EAST_ASIA_TO_EUROPE and back[0].decision is Decision.WAITLIST


def test_dashboard_figures_round_trip_exactly_through_json():
    figures = dashboard.Indicators(
        applications=12, eligible=10, awarded=3, grants=3, committed=Decimal("7350.00"), paid=Decimal(0),
        mobility_days=90, reports=1, co_creations=1, audience=250, co2_kg=1840,
        by_direction={"eu_to_ea": 5, "ea_to_eu": 7}, by_discipline={"dance": 12}, sectors={"tourism": 1})
    assert memo.decode(dashboard.Indicators, json.loads(json.dumps(memo.encode(figures)))) == figures


def test_what_the_cache_holds_is_json_and_an_entry_it_cannot_read_is_computed_again(app, db):
    with app.test_request_context():
        _manager, call, _made = make_awardable(applications=2)
        rows = ranking.ranking_rows(call)
        backend = memo.cache.cache
        kept = {key: value for key, (_expires, value) in backend._cache.items() if key.startswith("ranking:")}
        [(key, raw)] = kept.items()
        assert memo.decode(list[ranking.RankedRow], json.loads(raw)) == rows  # JSON text, not pickle
        backend.set(key, [["not", "a", "row"]])
        assert ranking.ranking_rows(call) == rows


def _ranking_statements(call_id: int) -> int:
    """How many SQL statements reading the call's ranking takes now (0: it came from the memo)."""
    db.session.expire_all()
    call = db.session.get(Call, call_id)
    with counting() as statements:
        ranking.ranking_rows(call)
    return len(statements)


@pytest.fixture
def kept_ranking(app, db):
    """A call whose ranking is kept in the memo, and another open call with a draft in it."""
    with app.test_request_context():
        manager, call, made = make_awardable(applications=2)
        other = make_call(publish=True, title="Another call")
        draft = make_application(call=other)
        assert _ranking_statements(call.id) > 0  # computed once...
        assert _ranking_statements(call.id) == 0  # ...then kept
        return manager, call.id, [a.id for a in made], draft


def test_a_committed_decision_makes_the_next_read_recompute(app, db, kept_ranking):
    manager, call_id, (first, _second), _draft = kept_ranking
    with app.test_request_context():
        application = db.session.get(applications.Application, first)
        review.record_decision(manager, application, Decision.WAITLIST, "Strong, but the budget is spent")
        assert _ranking_statements(call_id) == 0  # not yet committed: what others see has not changed
        db.session.commit()
        assert _ranking_statements(call_id) > 0
        rows = ranking.ranking_rows(db.session.get(Call, call_id))
    assert {r.application_id: r.decision for r in rows}[first] is Decision.WAITLIST


def test_a_rolled_back_change_forgets_nothing(app, db, kept_ranking):
    manager, call_id, (first, _second), _draft = kept_ranking
    with app.test_request_context():
        application = db.session.get(applications.Application, first)
        review.record_decision(manager, application, Decision.REJECT, "Changed my mind")
        db.session.rollback()
        assert _ranking_statements(call_id) == 0


def test_an_autosave_in_another_call_leaves_the_ranking_in_place(app, db, kept_ranking):
    _manager, call_id, _ids, draft = kept_ranking
    with app.test_request_context():
        draft = db.session.get(applications.Application, draft.id)
        data = applications.DraftData(title="A new title", summary=draft.summary, languages=list(draft.languages),
                                      discipline="dance", pair_id=draft.pair_id, origin_city_id=draft.origin_city_id,
                                      start_date=draft.start_date, end_date=draft.end_date + timedelta(days=1),
                                      host_organisation=draft.host_organisation, host_email=draft.host_email)
        applications.save_draft(draft.applicant, draft, draft.version, data)
        db.session.commit()
        applications.submit_application(draft.applicant, db.session.get(applications.Application, draft.id))
        db.session.commit()
        assert _ranking_statements(call_id) == 0


def test_a_change_of_another_call_ranking_leaves_this_one_in_place(app, db, kept_ranking):
    _manager, call_id, _ids, _draft = kept_ranking
    with app.test_request_context():
        other_manager, other, (application,) = make_awardable(applications=1, title="Call B")
        review.record_decision(other_manager, application, Decision.AWARD, "Convincing")
        db.session.commit()
        assert _ranking_statements(call_id) == 0
        assert _ranking_statements(other.id) > 0


def test_a_change_of_the_call_rubric_or_budget_recomputes_it(app, db, kept_ranking):
    manager, call_id, _ids, _draft = kept_ranking
    from mobility.calls import services as calls

    with app.test_request_context():
        call = db.session.get(Call, call_id)
        pair = call.pairs[0]
        calls.set_budgets(manager, call, {(pair.id, d): Decimal(1) for d in Direction})
        db.session.commit()
        assert _ranking_statements(call_id) > 0
        rows = ranking.ranking_rows(db.session.get(Call, call_id))
    assert all(r.within_budget is not True for r in rows)


def test_a_lost_generation_costs_a_computation_never_an_old_result(app, db, kept_ranking):
    _manager, call_id, _ids, _draft = kept_ranking
    with app.test_request_context():
        for scope in memo.ranking_scopes(call_id):
            memo.cache.delete(f"generation:{scope}")  # evicted, or Redis restarted without its data
        assert _ranking_statements(call_id) > 0
        assert _ranking_statements(call_id) == 0


def test_the_dashboard_is_counted_again_after_a_submission_in_its_programme_only(app, db):
    with app.test_request_context():
        call = make_call(publish=True)
        draft = make_application(call=call)
        filters = dashboard.Filters(programme_ids=(call.programme_id,))
        others = dashboard.Filters(programme_ids=(call.programme_id + 1000,))
        assert dashboard.current_indicators(filters).applications == 0
        assert dashboard.current_indicators(others).applications == 0
        everyone = dashboard.current_indicators(dashboard.Filters())
        applications.submit_application(draft.applicant, draft)
        db.session.commit()
        assert dashboard.current_indicators(filters).applications == 1
        assert dashboard.current_indicators(dashboard.Filters()).applications == everyone.applications + 1
        with counting() as statements:
            dashboard.current_indicators(others)
        assert statements == []  # another programme's figures were kept
