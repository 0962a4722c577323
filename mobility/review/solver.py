"""Juror assignment as one min-cost flow (OR-Tools), on arrays prepared elsewhere.

Network, per application a with k jurors wanted:
  a ──▶ a·Europe ──▶ European juror j ──▶ sink   (and the same through a·East Asia)
When k ≥ 2 the cross-cultural rule asks for at least one juror from each side: a lower bound of 1
on a→a·Europe and a→a·East Asia, written the usual way (move one unit of supply to each side node).
Each juror reaches the sink through unit arcs of rising cost 0, 1, 2 … up to their cap: the cost of a
load L is L(L−1)/2, so the solver spreads work evenly. An arc juror→application costs AFFINITY_BONUS
less when the juror works in the application's discipline. Every slot that cannot be covered flows
through a penalty arc instead, so the solve is always feasible and says exactly what is missing.

Minimum loads (a lower bound on juror → sink) are written as a bonus: each juror's first `min_load`
unit arcs cost MUST_BONUS less. The bonus is far above any assignment cost, so every minimum that can be
met is met, and far below UNCOVERED_COST, so no application seat is ever given up for it; a minimum
that cannot be met (too few applications the juror may read) is reported, never hidden.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

MISMATCH_COST = 10              # a juror outside the application's discipline
UNCOVERED_COST = 10**10         # far above anything else: cover first
MUST_BONUS = 10**7              # then meet the minimum loads, then optimise
ARC_SLICE = 1 << 20             # pair arcs handed to the solver at a time


@dataclass(frozen=True)
class Problem:
    """Who may review what, as a list of eligible pairs: memory and time grow with the pairs, not with
    applications × jurors (20,000 × 1,200 is 24 million cells, most of them useless)."""

    k: int                      # jurors per application
    pair_start: np.ndarray      # int (A + 1): the pairs of application a are pair_start[a]:pair_start[a + 1]
    pair_juror: np.ndarray      # int (E): the juror of each pair (reads a language, no conflict), by application
    pair_affinity: np.ndarray   # bool (E): the juror works in the application's discipline
    juror_side: np.ndarray      # int (J): 0 Europe, 1 East Asia, -1 unknown (counts for neither side)
    capacity: np.ndarray        # int (J): how many more applications each juror can take
    need: np.ndarray | None = None        # int (A): slots still to fill (default k)
    need_side: np.ndarray | None = None   # bool (A, 2): a juror of this side is still needed
    min_load: np.ndarray | None = None    # int (J): applications each juror must still get (default 0)
    base_load: np.ndarray | None = None   # int (J): applications each juror already has (default 0): their
    #                                       next one costs that much, so a run that adds seats spreads them too

    @classmethod
    def dense(cls, *, k: int, eligible: np.ndarray, affinity: np.ndarray, juror_side: np.ndarray,
              capacity: np.ndarray, **rest) -> Problem:
        """From (A, J) matrices: small problems (tests, examples)."""
        a_idx, j_idx = np.nonzero(eligible)
        start = np.concatenate([[0], np.cumsum(eligible.sum(axis=1))]).astype(np.int64)
        return cls(k=k, pair_start=start, pair_juror=j_idx, pair_affinity=affinity[a_idx, j_idx],
                   juror_side=juror_side, capacity=capacity, **rest)

    @property
    def application_count(self) -> int:
        return len(self.pair_start) - 1

    @property
    def juror_count(self) -> int:
        return len(self.juror_side)

    def application_of(self, pairs: np.ndarray) -> np.ndarray:
        """The application index of each given pair (positions in pair_juror)."""
        return np.searchsorted(self.pair_start, pairs, side="right") - 1

    def pair_application(self) -> np.ndarray:
        """The application of every pair (E integers: for the reference and tests)."""
        return np.repeat(np.arange(self.application_count), np.diff(self.pair_start))

    def readers(self, a: int) -> np.ndarray:
        """The jurors who may review application `a` (indices)."""
        return self.pair_juror[self.pair_start[a]:self.pair_start[a + 1]]

    def eligible_matrix(self) -> np.ndarray:
        """The (A, J) matrix, for small problems only (tests)."""
        matrix = np.zeros((self.application_count, self.juror_count), dtype=bool)
        matrix[self.pair_application(), self.pair_juror] = True
        return matrix

    def affinity_matrix(self) -> np.ndarray:
        matrix = np.zeros((self.application_count, self.juror_count), dtype=bool)
        matrix[self.pair_application(), self.pair_juror] = self.pair_affinity
        return matrix

    def slots(self) -> np.ndarray:
        return np.full(self.application_count, self.k) if self.need is None else self.need

    def sides_needed(self) -> np.ndarray:
        if self.need_side is not None:
            return self.need_side
        return np.full((self.application_count, 2), self.k >= 2)


@dataclass(frozen=True)
class Solution:
    pairs: np.ndarray           # int (N, 2): (application index, juror index)
    uncovered: np.ndarray       # int (A): slots left empty
    side_missing: np.ndarray    # bool (A, 2): a required side could not be covered
    objective: int              # cost of the assignment itself (penalties and bonuses excluded)
    load_missing: np.ndarray | None = None  # int (J): how far each juror stays below their minimum


def solve(problem: Problem) -> Solution:
    a_count, j_count = problem.application_count, problem.juror_count
    slots = problem.slots().astype(np.int64)
    sides = problem.sides_needed() & (slots[:, None] > 0)
    capacity = np.maximum(problem.capacity.astype(np.int64), 0)

    app = np.arange(a_count, dtype=np.int64)
    side_node = np.stack([a_count + app, 2 * a_count + app], axis=1)       # (A, 2)
    juror_node = 3 * a_count + np.arange(j_count, dtype=np.int64)
    sink = 3 * a_count + j_count
    flow = min_cost_flow.SimpleMinCostFlow()

    def arcs(tails, heads, caps, costs):
        """Add the arcs of positive capacity; returns their ids and which of the given ones they are.
        Arcs go in group by group (no concatenated copy of every arc: the pairs are most of them)."""
        tails, heads = np.asarray(tails, np.int64), np.asarray(heads, np.int64)
        caps = np.broadcast_to(np.asarray(caps, np.int64), tails.shape)
        costs = np.broadcast_to(np.asarray(costs, np.int64), tails.shape)
        keep = np.nonzero(caps > 0)[0]
        ids = flow.add_arcs_with_capacity_and_unit_cost(tails[keep], heads[keep], np.ascontiguousarray(caps[keep]),
                                                        np.ascontiguousarray(costs[keep]))
        return ids, keep

    # Application → its two side nodes (capacity reduced by the moved lower bound).
    for s in (0, 1):
        arcs(app, side_node[:, s], slots - sides[:, s], 0)
    # Side node → eligible jurors of that side: most of the arcs. They go in by slices (the solver copies
    # them; only a slice is ever held twice) and nothing of them is kept during the solve but one byte per
    # pair, its side: a group's arc ids are consecutive, so the pairs are found again afterwards.
    pair_side = problem.juror_side.astype(np.int8)[problem.pair_juror]
    first_arc: dict[int, int] = {}
    for s in (0, 1):
        on_side = np.flatnonzero(pair_side == s)
        for start in range(0, len(on_side), ARC_SLICE):
            part = on_side[start:start + ARC_SLICE]
            ids = flow.add_arcs_with_capacity_and_unit_cost(
                side_node[problem.application_of(part), s], juror_node[problem.pair_juror[part]],
                np.ones(len(part), np.int64), _pair_cost(problem, part))
            first_arc.setdefault(s, int(ids[0]))
        del on_side
    # Jurors → sink, one unit arc per unit of capacity, cost rising by one each time.
    max_cap = int(capacity.max()) if j_count else 0
    minimum = np.zeros(j_count, np.int64) if problem.min_load is None else np.maximum(problem.min_load, 0)
    load_arcs = None
    if max_cap:
        steps = np.arange(max_cap)
        j_rep, step = np.nonzero(steps[None, :] < capacity[:, None])
        base = np.zeros(j_count, np.int64) if problem.base_load is None else np.maximum(problem.base_load, 0)
        load_cost = steps[step] + base[j_rep]
        ids, _ = arcs(juror_node[j_rep], np.full(j_rep.shape, sink), 1,
                      load_cost - np.where(step < minimum[j_rep], MUST_BONUS, 0))
        load_arcs = (ids, load_cost)
    # Penalty arcs: what cannot be covered.
    uncovered_arcs = arcs(app, np.full(a_count, sink), slots, UNCOVERED_COST)
    side_arcs = [arcs(side_node[:, s], np.full(a_count, sink), sides[:, s], UNCOVERED_COST) for s in (0, 1)]

    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[app] = slots - sides.sum(axis=1)
    supplies[side_node[:, 0]] += sides[:, 0]
    supplies[side_node[:, 1]] += sides[:, 1]
    supplies[sink] = -int(slots.sum())
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")

    chosen, objective = [], 0
    for s, first in first_arc.items():
        on_side = np.flatnonzero(pair_side == s)
        used = on_side[np.flatnonzero(flow.flows(np.arange(first, first + len(on_side))) > 0)]
        chosen.append(np.stack([problem.application_of(used), problem.pair_juror[used]], axis=1))
        objective += int(_pair_cost(problem, used).sum())
    pairs = np.concatenate(chosen).astype(np.int64) if chosen else np.zeros((0, 2), dtype=np.int64)
    if load_arcs is not None:
        ids, step_cost = load_arcs
        objective += int((flow.flows(ids) * step_cost).sum())

    uncovered = np.zeros(a_count, dtype=np.int64)
    ids, rows = uncovered_arcs
    np.add.at(uncovered, rows, flow.flows(ids))
    side_missing = np.zeros((a_count, 2), dtype=bool)
    for s, (ids, rows) in enumerate(side_arcs):
        missing = flow.flows(ids)
        side_missing[rows[missing > 0], s] = True
        np.add.at(uncovered, rows, missing)
    load = np.bincount(pairs[:, 1], minlength=j_count) if len(pairs) else np.zeros(j_count, np.int64)
    return Solution(pairs=pairs, uncovered=uncovered, side_missing=side_missing, objective=objective,
                    load_missing=np.maximum(minimum - load, 0))


def _pair_cost(problem: Problem, pairs: np.ndarray) -> np.ndarray:
    return np.where(problem.pair_affinity[pairs], 0, MISMATCH_COST)


def assignment_cost(problem: Problem, pairs) -> int:
    """The objective of any assignment, computed directly (used to check the solver)."""
    cost = 0
    load = np.zeros(problem.juror_count, dtype=np.int64)
    affinity = problem.affinity_matrix()
    for a, j in pairs:
        cost += 0 if affinity[a, j] else MISMATCH_COST
        load[j] += 1
    return int(cost + (load * (load - 1) // 2).sum())
