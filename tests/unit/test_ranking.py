"""The ranking computed from plain rows with NumPy gives exactly the rows of the former algorithm
(kept in bench/ranking.py as the reference) on randomised calls with every odd case; the compact copy of
the scores it reads follows the scores; a page of it is its slice, and its exact arithmetic is that of the plain definitions."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sqlalchemy as sa

from bench.ranking import load_call, populate, reference_rows
from mobility.applications.models import Application
from mobility.review import ranking
from mobility.review import services as review
from mobility.review.models import Assignment, ConsensusReport, Review, scores_in_hundredths
from mobility.review.ranking import compute_ranking_rows
from tests.factories import make_awardable, make_user


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


def test_a_page_of_the_ranking_is_that_slice_of_the_whole_with_the_budget_lines_of_the_whole(app, db):
    """The page reads only the rows it shows; what it shows is the whole ranking's, and a change
    made after it was kept is seen on the next read."""
    with app.test_request_context():
        call_id = populate(applications=60, jurors=8, k=3, seed=4, budget="9000", odd_cases=False)
        db.session.commit()
        call = load_call(call_id)
        rows = ranking.ranking_rows(call)
        page, lines = ranking.ranking_page(call, 2, 25)
        assert (page.page, page.total, page.items) == (2, len(rows), rows[25:50])
        assert lines == ranking.budget_lines(call, rows) and any(line.funded for line in lines)
        last, _lines = ranking.ranking_page(call, 2 ** 40, 25)  # past the end: the last page
        assert (last.page, last.items) == (3, rows[50:])

        shown = db.session.get(Application, rows[30].application_id)
        shown.title = "Renamed after the ranking was kept"
        ranking.memo.ranking_changed(call_id)  # what the services call when an input changes
        db.session.commit()
        again, _lines = ranking.ranking_page(load_call(call_id), 2, 25)
        assert again.items[5].title == "Renamed after the ranking was kept"


def _stored(db, model, row_id) -> str:
    return db.session.scalar(sa.select(model.score_hundredths).where(model.id == row_id)
                             .execution_options(populate_existing=True))


def test_the_compact_copy_of_the_scores_follows_them_however_they_are_written(app, db):
    with app.test_request_context():
        manager, call, (application,) = make_awardable()
        review.move_to_phase(manager, call, review.DEFAULT_PHASES[0][0], confirmed=True)
        assignment = db.session.scalars(sa.select(Assignment).where(Assignment.call_id == call.id)).first()
        review.declare_no_conflict(assignment.juror, assignment)
        first, second, third = call.criteria
        draft = review.save_review(assignment.juror, assignment, scores={first.id: "4.5"}, comments={},
                                   overall_comment="", comment_language="en", submit=False)
        assert _stored(db, Review, draft.id) == f"{first.id}:450"
        submitted = review.save_review(assignment.juror, assignment,
                                       scores={first.id: "3", second.id: "0.5", third.id: "5"}, comments={},
                                       overall_comment="", comment_language="en", submit=True)
        assert _stored(db, Review, submitted.id) == f"{first.id}:300 {second.id}:50 {third.id}:500"
        submitted.scores[str(second.id)] = "2"  # changed in place (MutableDict): the copy follows on flush
        db.session.flush()
        assert _stored(db, Review, submitted.id) == f"{first.id}:300 {second.id}:200 {third.id}:500"

        moderator = make_user("manager")
        scores = {first.id: "4", second.id: "3.5", third.id: "1"}
        review.save_consensus(manager, application, scores=scores, comments={}, summary="", approve=False)
        report = review.save_consensus(moderator, application, scores=scores, comments={}, summary="", approve=True)
        assert _stored(db, ConsensusReport, report.id) == f"{first.id}:400 {second.id}:350 {third.id}:100"
        db.session.execute(sa.delete(ConsensusReport))
        db.session.execute(sa.insert(ConsensusReport), [dict(application_id=application.id, scores={"9": "1.25"},
                                                             comments={}, summary="")])  # a bulk insert too
        assert db.session.scalar(sa.select(ConsensusReport.score_hundredths)) == "9:125"
        db.session.rollback()


def test_scores_in_hundredths_is_sorted_by_criterion_and_skips_empty_scores():
    assert scores_in_hundredths({"13": "3", "12": "4.5", "2": "-1.25", "7": None, "8": ""}) == "2:-125 12:450 13:300"
    assert scores_in_hundredths({}) == ""


def test_the_score_matrix_reads_back_what_the_json_says():
    rng = random.Random(5)
    for _ in range(2000):
        ids = rng.sample(range(1, 60), rng.choice([0, 1, 2, 3, 4, 6]))
        others = rng.sample(range(60, 70), 2)  # criteria no longer in the rubric
        full = rng.random() < 0.5  # every text scores exactly the rubric's criteria (the fast path)
        scores = []
        for _text in range(rng.choice([0, 1, 2, 7, 40])):
            chosen = ids if full else [c for c in ids + others if rng.random() < 0.6]
            scores.append({str(c): rng.choice(["0", "0.5", "4.5", "5", "-3", "999.99", "-999.99", "12.25"])
                           for c in chosen})
        expected = np.array([[round(float(s[str(c)]) * 100) if str(c) in s else ranking.MISSING for c in ids]
                             for s in scores], dtype=np.int64).reshape(len(scores), len(ids))
        rubric = ranking.Rubric(ids=ids, weights=np.ones(len(ids), dtype=np.int64), thresholds=[], tie_breaks=[],
                                overall_threshold=None)
        assert np.array_equal(ranking._score_matrix([scores_in_hundredths(s) for s in scores], rubric), expected)


def _plain_means_and_deviations(index, units, size):
    """The definition, one group at a time with Python integers (what ranking computed before)."""
    counts = np.bincount(index, minlength=size)
    means, deviations = np.full(size, np.nan), np.zeros(size)
    for g in range(size):
        values = [int(u) for u, i in zip(units.tolist(), index.tolist()) if i == g]
        n, s, q = len(values), sum(values), sum(v * v for v in values)
        if n:
            means[g] = s / ranking.TOTAL_UNIT / n
        if n > 1:
            deviations[g] = ranking.sqrt_of_fraction(n * q - s * s, n * n * ranking.TOTAL_UNIT ** 2)
    return counts, means, deviations


@pytest.mark.parametrize("scale", [1, 2500, 10 ** 4, 10 ** 6, 2 ** 31, 2 ** 40, 2 ** 52, 2 ** 60])
def test_means_and_deviations_are_bit_for_bit_those_of_the_definition(scale):
    rng = np.random.default_rng(scale % 1000)
    for trial in range(40):
        size, count = int(rng.integers(1, 40)), int(rng.integers(0, 200))
        units = rng.integers(-scale if trial % 2 else 0, scale + 1, count, dtype=np.int64)
        if trial % 3 == 0:  # on a lattice, as real totals are: many groups share their spread
            units = units // max(scale // 20, 1) * max(scale // 20, 1)
        index = rng.integers(0, size, count)
        got = ranking._means_and_deviations(index, units, size)
        for value, expected in zip(got, _plain_means_and_deviations(index, units, size)):
            assert value.dtype == expected.dtype
            assert np.array_equal(value, expected, equal_nan=True)
            assert all(math.copysign(1, a) == math.copysign(1, b) for a, b in zip(value.tolist(), expected.tolist()))
