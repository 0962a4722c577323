"""The assignment solver never breaks a constraint, and on small instances it is optimal (brute force)."""
from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mobility.review.solver import UNCOVERED_COST, Problem, assignment_cost, solve


@st.composite
def problems(draw):
    a_count = draw(st.integers(1, 3))
    j_count = draw(st.integers(1, 4))
    k = draw(st.integers(1, 3))
    bools = st.lists(st.booleans(), min_size=a_count * j_count, max_size=a_count * j_count)
    eligible = np.array(draw(bools)).reshape(a_count, j_count)
    affinity = np.array(draw(bools)).reshape(a_count, j_count)
    sides = np.array(draw(st.lists(st.integers(0, 1), min_size=j_count, max_size=j_count)))
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=j_count, max_size=j_count)))
    return Problem.dense(k=k, eligible=eligible, juror_side=sides, capacity=capacity, affinity=affinity)


def _violations(problem: Problem, pairs) -> list[str]:
    found = []
    pairs = [tuple(p) for p in pairs]
    if len(set(pairs)) != len(pairs):
        found.append("a juror twice on one application")
    load = np.zeros(problem.juror_count, dtype=int)
    eligible = problem.eligible_matrix()
    for a, j in pairs:
        if not eligible[a, j]:
            found.append(f"ineligible pair {(a, j)} (language or conflict)")
        load[j] += 1
    if (load > problem.capacity).any():
        found.append("over a juror's cap")
    for a in range(problem.application_count):
        mine = [j for b, j in pairs if b == a]
        if len(mine) > problem.k:
            found.append("too many jurors")
        if problem.k >= 2:
            for side in (0, 1):
                if sum(problem.juror_side[j] == side for j in mine) > problem.k - 1:
                    found.append("one side holds every seat")
    return found


def _brute_force(problem: Problem) -> int:
    a_count, j_count = problem.application_count, problem.juror_count
    eligible = problem.eligible_matrix()
    options = []
    for a in range(a_count):
        candidates = [j for j in range(j_count) if eligible[a, j]]
        sets = []
        for size in range(0, problem.k + 1):
            for chosen in itertools.combinations(candidates, size):
                if problem.k >= 2 and any(sum(problem.juror_side[j] == s for j in chosen) > problem.k - 1
                                          for s in (0, 1)):
                    continue
                sets.append(chosen)
        options.append(sets)
    best = None
    for choice in itertools.product(*options):
        pairs = [(a, j) for a, chosen in enumerate(choice) for j in chosen]
        load = np.bincount([j for _a, j in pairs], minlength=j_count)
        if (load > problem.capacity).any():
            continue
        total = UNCOVERED_COST * (problem.k * a_count - len(pairs)) + assignment_cost(problem, pairs)
        best = total if best is None else min(best, total)
    return best


@settings(max_examples=150, deadline=None)
@given(problems())
def test_no_assignment_breaks_a_constraint_and_small_ones_are_optimal(problem):
    solution = solve(problem)
    assert _violations(problem, solution.pairs) == []
    assert solution.objective == assignment_cost(problem, solution.pairs)
    covered = len(solution.pairs)
    assert int(solution.uncovered.sum()) == problem.k * problem.application_count - covered
    assert UNCOVERED_COST * int(solution.uncovered.sum()) + solution.objective == _brute_force(problem)


def test_the_cross_cultural_rule_and_even_load():
    # Two applications, three jurors per application; jurors 0–2 European, 3–5 East Asian.
    problem = Problem.dense(k=3, eligible=np.ones((2, 6), dtype=bool), juror_side=np.array([0, 0, 0, 1, 1, 1]),
                      capacity=np.full(6, 5), affinity=np.zeros((2, 6), dtype=bool))
    solution = solve(problem)
    assert solution.uncovered.sum() == 0
    for a in (0, 1):
        sides = {int(problem.juror_side[j]) for b, j in solution.pairs if b == a}
        assert sides == {0, 1}
    assert np.bincount(solution.pairs[:, 1], minlength=6).max() == 1  # six seats, six jurors: one each


def test_what_cannot_be_covered_is_reported_not_hidden():
    # Nobody on the East Asian side can read application 1.
    eligible = np.array([[True, True, True, True], [True, True, False, False]])
    problem = Problem.dense(k=2, eligible=eligible, juror_side=np.array([0, 0, 1, 1]), capacity=np.full(4, 3),
                      affinity=np.zeros((2, 4), dtype=bool))
    solution = solve(problem)
    assert list(solution.uncovered) == [0, 1]
    assert solution.side_missing[1].tolist() == [False, True]


def test_minimum_loads_are_met_even_when_an_even_spread_would_not():
    # Four applications, one juror each; juror 0 costs nothing extra but juror 2 must get three of them.
    problem = Problem.dense(k=1, eligible=np.ones((4, 3), dtype=bool), juror_side=np.array([0, 0, 1]),
                      capacity=np.full(3, 4), affinity=np.array([[True, True, False]] * 4),
                      min_load=np.array([0, 0, 3]))
    solution = solve(problem)
    load = np.bincount(solution.pairs[:, 1], minlength=3)
    assert load[2] == 3 and load.sum() == 4
    assert solution.load_missing.tolist() == [0, 0, 0]
    assert solution.objective == assignment_cost(problem, solution.pairs)  # the bonus is not in the objective
    # Without the minimum the same instance spreads the work by discipline and load instead.
    free = solve(Problem.dense(k=1, eligible=problem.eligible_matrix(), juror_side=problem.juror_side,
                               capacity=problem.capacity, affinity=problem.affinity_matrix()))
    assert np.bincount(free.pairs[:, 1], minlength=3)[2] == 0


def test_the_sparse_problem_holds_only_the_eligible_pairs():
    eligible = np.array([[True, False, True], [False, False, False], [False, True, False]])
    affinity = np.array([[True, True, False], [True, True, True], [False, True, True]])
    problem = Problem.dense(k=1, eligible=eligible, juror_side=np.array([0, 1, 0]), capacity=np.full(3, 2),
                            affinity=affinity)
    assert problem.pair_application().tolist() == [0, 0, 2] and problem.pair_juror.tolist() == [0, 2, 1]
    assert problem.pair_affinity.tolist() == [True, False, True] and problem.pair_start.tolist() == [0, 2, 2, 3]
    assert problem.application_of(np.array([2, 0, 1])).tolist() == [2, 0, 0]
    assert problem.readers(0).tolist() == [0, 2] and problem.readers(1).tolist() == [] \
        and problem.readers(2).tolist() == [1]
    assert (problem.eligible_matrix() == eligible).all()


def test_a_minimum_that_cannot_be_met_is_reported_and_never_costs_a_seat():
    # Juror 1 reads only application 0 but must get two; application 1 still gets its juror.
    eligible = np.array([[True, True], [True, False]])
    problem = Problem.dense(k=1, eligible=eligible, juror_side=np.array([0, 1]), capacity=np.full(2, 5),
                      affinity=np.zeros((2, 2), dtype=bool), min_load=np.array([0, 2]))
    solution = solve(problem)
    assert solution.uncovered.sum() == 0
    assert sorted(map(tuple, solution.pairs.tolist())) == [(0, 1), (1, 0)]
    assert solution.load_missing.tolist() == [0, 1]


@settings(max_examples=100, deadline=None)
@given(problems(), st.data())
def test_with_minimum_loads_no_constraint_breaks_and_every_reachable_minimum_is_met(problem, data):
    j_count = problem.juror_count
    minimum = np.array(data.draw(st.lists(st.integers(0, 2), min_size=j_count, max_size=j_count)))
    bound = Problem.dense(k=problem.k, eligible=problem.eligible_matrix(), juror_side=problem.juror_side,
                          capacity=problem.capacity, affinity=problem.affinity_matrix(), min_load=minimum)
    solution = solve(bound)
    assert _violations(bound, solution.pairs) == []
    free = solve(problem)
    assert solution.uncovered.sum() == free.uncovered.sum()  # minimums never cost coverage
    load = np.bincount(solution.pairs[:, 1], minlength=j_count) if len(solution.pairs) else np.zeros(j_count)
    assert (solution.load_missing == np.maximum(minimum - load, 0)).all()
