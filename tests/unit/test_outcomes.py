"""The outcome table (pair × direction × year) against a programme computed by hand (tests/outcome_fixture.py),
and its agreement with the dashboard's figures."""
from __future__ import annotations

import json
from decimal import Decimal

from mobility.core import memo
from mobility.reports import dashboard, outcomes
from mobility.reports.dashboard import Filters, OutcomeRow
from mobility.reports.services import co2_kg
from tests.outcome_fixture import make_outcome_programme


def _rows(app, filters_of):
    with app.test_request_context():
        made = make_outcome_programme()
        return made, dashboard.outcomes(filters_of(made))


def test_outcome_rows_equal_the_hand_computed_table(app, db):
    made, rows = _rows(app, lambda m: Filters(programme_ids=(m.programme_id,)))
    pair, year = made.pair.id, made.year
    assert rows == [
        OutcomeRow(pair, "eu_to_ea", 2024, exchanges=1, artists=3, days=3, committed=Decimal("300"),
                   paid=Decimal("0"), reports=0, co_creations=0, audience=0, co2_kg=0),
        OutcomeRow(pair, "ea_to_eu", year, exchanges=1, artists=1, days=20, committed=Decimal("2000"),
                   paid=Decimal("1500"), reports=1, co_creations=0, audience=40, co2_kg=3420),
        OutcomeRow(pair, "eu_to_ea", year, exchanges=2, artists=3, days=15, committed=Decimal("1500"),
                   paid=Decimal("600"), reports=1, co_creations=1, audience=100, co2_kg=1440),
    ]


def test_totals_are_the_dashboards_figures(app, db):
    made, rows = _rows(app, lambda m: Filters(programme_ids=(m.programme_id,)))
    total = dashboard.outcome_totals(rows)
    figures = dashboard.indicators(Filters(programme_ids=(made.programme_id,)))
    assert (total.exchanges, total.artists, total.days, total.committed, total.paid) == (4, 7, 38, 3800, 2100)
    assert (total.reports, total.co_creations, total.audience, total.co2_kg) == (2, 1, 140, 4860)
    assert (figures.grants, figures.artists, figures.mobility_days, figures.committed, figures.paid) == (
        total.exchanges, total.artists, total.days, total.committed, total.paid)
    assert (figures.reports, figures.co_creations, figures.audience, figures.co2_kg) == (
        total.reports, total.co_creations, total.audience, total.co2_kg)
    # CO2 counts every traveller: services.co2_kg of each approved report, added up.
    reports = dashboard.figure_rows("co2", Filters(programme_ids=(made.programme_id,)))
    assert sum(co2_kg(r) for r in reports) == figures.co2_kg == 4860


def test_scope_pair_year_and_accepted_only(app, db):
    made, everyone = _rows(app, lambda m: Filters())
    assert dashboard.outcome_totals(everyone).committed == 3800 + 5000  # an admin counts the other programme
    accepted = dashboard.outcomes(Filters(pair_id=made.pair.id, accepted_only=True))
    this_year = [r for r in accepted if r.year == made.year and r.direction == "eu_to_ea"]
    assert [(r.exchanges, r.committed) for r in this_year] == [(2, Decimal("6000"))]  # g1 + g6, not g2 offered
    one_year = dashboard.outcomes(Filters(programme_ids=(made.programme_id,), year=2024))
    assert [(r.year, r.exchanges) for r in one_year] == [(2024, 1)]


def test_each_figure_drills_down_to_the_rows_it_counts(app, db):
    made, rows = _rows(app, lambda m: Filters(programme_ids=(m.programme_id,)))
    row = next(r for r in rows if r.year == made.year and r.direction == "eu_to_ea")
    filters = Filters(programme_ids=(made.programme_id,), pair_id=row.pair_id, direction=row.direction,
                      year=row.year)
    with app.test_request_context():
        grants = dashboard.figure_page("artists", filters, 1, 100).items
        assert len(grants) == row.exchanges and sum(g.traveller_count for g in grants) == row.artists
        assert sum(g.days for g in dashboard.figure_page("days", filters, 1, 100).items) == row.days
        reports = dashboard.figure_page("co2", filters, 1, 100).items
        assert sum(int(r.co2_kg) for r in reports) == row.co2_kg
        assert len(dashboard.figure_page("co_creations", filters, 1, 100).items) == row.co_creations


def test_csv_and_json_carry_labels_and_codes(app, db):
    made, rows = _rows(app, lambda m: Filters(programme_ids=(m.programme_id,)))
    pairs = {made.pair.id: made.pair}
    with app.test_request_context():
        lines = list(outcomes.csv_rows(rows, pairs))
        assert lines[0][2] == "Europe → East Asia" and lines[0][3] == 2024  # a label, never the code
        assert lines[-1][0] == "Total" and lines[-1][4:8] == [4, 7, 38, Decimal("3800.00")]
        document = outcomes.document(rows, pairs, "Test programme")
    assert document["rows"][0]["direction"] == "eu_to_ea"
    assert document["rows"][0]["pair_code"] == "chemnitz-2025~kamakura-2025"
    assert document["totals"]["paid"] == "2100.00" and document["totals"]["co2_kg"] == 4860


def test_a_public_row_of_few_exchanges_publishes_no_figure(app, db):
    _made, rows = _rows(app, lambda m: Filters(programme_ids=(m.programme_id,)))
    assert all(suppressed for _row, suppressed in outcomes.published(rows))  # 1 or 2 exchanges each
    many = OutcomeRow(1, "eu_to_ea", 2026, exchanges=outcomes.MIN_EXCHANGES)
    assert outcomes.published([many]) == [(many, False)]


def test_outcome_rows_round_trip_exactly_through_the_memo_json():
    rows = [OutcomeRow(3, "ea_to_eu", 2026, exchanges=2, artists=3, days=15, committed=Decimal("1500.50"),
                       paid=Decimal("600"), reports=1, co_creations=1, audience=100, co2_kg=1440)]
    back = memo.decode(list[OutcomeRow], json.loads(json.dumps(memo.encode(rows))))
    assert back == rows and isinstance(back[0].committed, Decimal) and str(back[0].committed) == "1500.50"
