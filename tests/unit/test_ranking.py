"""The ranking computed from plain rows with NumPy gives exactly the rows of the former algorithm
(kept in bench/ranking.py as the reference) on randomised calls with every odd case."""
from __future__ import annotations

import pytest

from bench.ranking import load_call, populate, reference_rows
from mobility.review.ranking import compute_ranking_rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_ranking_equals_the_former_algorithm_on_a_randomised_call(app, db, seed):
    with app.test_request_context():
        call_id = populate(applications=120, jurors=12, k=3, seed=seed, budget="9000", odd_cases=True)
        db.session.commit()
        call = load_call(call_id)
        rows = compute_ranking_rows(call)
        expected = reference_rows(call)
        assert len(rows) > 100 and any(r.within_budget for r in rows) and not all(r.passes for r in rows)
        assert rows == expected  # every field, floats to the last bit
