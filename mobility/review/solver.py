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


@dataclass(frozen=True)
class Problem:
    k: int                      # jurors per application
    eligible: np.ndarray        # bool (A, J): reads a language of the application and has no conflict
    juror_side: np.ndarray      # int (J): 0 Europe, 1 East Asia, -1 unknown (counts for neither side)
    capacity: np.ndarray        # int (J): how many more applications each juror can take
    affinity: np.ndarray        # bool (A, J): juror works in the application's discipline
    need: np.ndarray | None = None        # int (A): slots still to fill (default k)
    need_side: np.ndarray | None = None   # bool (A, 2): a juror of this side is still needed
    min_load: np.ndarray | None = None    # int (J): applications each juror must still get (default 0)
    base_load: np.ndarray | None = None   # int (J): applications each juror already has (default 0): their
    #                                       next one costs that much, so a run that adds seats spreads them too

    def slots(self) -> np.ndarray:
        return np.full(self.eligible.shape[0], self.k) if self.need is None else self.need

    def sides_needed(self) -> np.ndarray:
        if self.need_side is not None:
            return self.need_side
        return np.full((self.eligible.shape[0], 2), self.k >= 2)


@dataclass(frozen=True)
class Solution:
    pairs: np.ndarray           # int (N, 2): (application index, juror index)
    uncovered: np.ndarray       # int (A): slots left empty
    side_missing: np.ndarray    # bool (A, 2): a required side could not be covered
    objective: int              # cost of the assignment itself (penalties and bonuses excluded)
    load_missing: np.ndarray | None = None  # int (J): how far each juror stays below their minimum


def solve(problem: Problem) -> Solution:
    a_count, j_count = problem.eligible.shape
    slots = problem.slots().astype(np.int64)
    sides = problem.sides_needed() & (slots[:, None] > 0)
    capacity = np.maximum(problem.capacity.astype(np.int64), 0)

    app = np.arange(a_count)
    side_node = np.stack([a_count + app, 2 * a_count + app], axis=1)       # (A, 2)
    juror_node = 3 * a_count + np.arange(j_count)
    sink = 3 * a_count + j_count

    tails, heads, caps, costs, bonuses = [], [], [], [], []

    def arcs(t, h, c, w, bonus=0):
        tails.append(np.asarray(t, dtype=np.int64))
        heads.append(np.asarray(h, dtype=np.int64))
        caps.append(np.broadcast_to(np.asarray(c, dtype=np.int64), np.shape(t)).copy())
        costs.append(np.broadcast_to(np.asarray(w, dtype=np.int64), np.shape(t)).copy())
        bonuses.append(np.broadcast_to(np.asarray(bonus, dtype=np.int64), np.shape(t)).copy())

    # Application → its two side nodes (capacity reduced by the moved lower bound).
    for s in (0, 1):
        arcs(app, side_node[:, s], slots - sides[:, s], 0)
    # Side node → eligible jurors of that side.
    a_idx, j_idx = np.nonzero(problem.eligible)
    juror_side = problem.juror_side[j_idx]
    pair_cost = np.where(problem.affinity[a_idx, j_idx], 0, MISMATCH_COST)
    for s in (0, 1):
        on_side = juror_side == s
        arcs(side_node[a_idx[on_side], s], juror_node[j_idx[on_side]], 1, pair_cost[on_side])
    # Jurors → sink, one unit arc per unit of capacity, cost rising by one each time.
    max_cap = int(capacity.max()) if j_count else 0
    minimum = np.zeros(j_count, np.int64) if problem.min_load is None else np.maximum(problem.min_load, 0)
    if max_cap:
        steps = np.arange(max_cap)
        j_rep, step = np.nonzero(steps[None, :] < capacity[:, None])
        base = np.zeros(j_count, np.int64) if problem.base_load is None else np.maximum(problem.base_load, 0)
        arcs(juror_node[j_rep], np.full(j_rep.shape, sink), 1, steps[step] + base[j_rep],
             np.where(step < minimum[j_rep], MUST_BONUS, 0))
    # Penalty arcs: what cannot be covered.
    arcs(app, np.full(a_count, sink), slots, UNCOVERED_COST)
    for s in (0, 1):
        arcs(side_node[:, s], np.full(a_count, sink), sides[:, s].astype(np.int64), UNCOVERED_COST)

    flow = min_cost_flow.SimpleMinCostFlow()
    tail, head = np.concatenate(tails), np.concatenate(heads)
    capacity_all, cost_all, bonus_all = np.concatenate(caps), np.concatenate(costs), np.concatenate(bonuses)
    keep = capacity_all > 0
    tail, head, capacity_all, cost_all, bonus_all = (tail[keep], head[keep], capacity_all[keep], cost_all[keep],
                                                     bonus_all[keep])
    arc_ids = flow.add_arcs_with_capacity_and_unit_cost(tail, head, capacity_all, cost_all - bonus_all)

    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[app] = slots - sides.sum(axis=1)
    supplies[side_node[:, 0]] += sides[:, 0]
    supplies[side_node[:, 1]] += sides[:, 1]
    supplies[sink] = -int(slots.sum())
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")

    flows = flow.flows(arc_ids)
    used = flows > 0
    t_used, h_used, f_used, c_used = tail[used], head[used], flows[used], cost_all[used]

    is_pair = (t_used >= a_count) & (t_used < 3 * a_count) & (h_used >= 3 * a_count) & (h_used < sink)
    pair_app = (t_used[is_pair] - a_count) % a_count
    pair_juror = h_used[is_pair] - 3 * a_count
    pairs = np.stack([pair_app, pair_juror], axis=1) if is_pair.any() else np.zeros((0, 2), dtype=np.int64)

    to_sink_from_app = (h_used == sink) & (t_used < a_count)
    uncovered = np.zeros(a_count, dtype=np.int64)
    np.add.at(uncovered, t_used[to_sink_from_app], f_used[to_sink_from_app])
    side_missing = np.zeros((a_count, 2), dtype=bool)
    for s, (low, high) in enumerate(((a_count, 2 * a_count), (2 * a_count, 3 * a_count))):
        from_side = (h_used == sink) & (t_used >= low) & (t_used < high)
        side_missing[t_used[from_side] - low, s] = True
        np.add.at(uncovered, t_used[from_side] - low, f_used[from_side])
    objective = int((f_used * c_used)[c_used < UNCOVERED_COST].sum())
    load = np.bincount(pairs[:, 1], minlength=j_count) if len(pairs) else np.zeros(j_count, np.int64)
    return Solution(pairs=pairs, uncovered=uncovered, side_missing=side_missing, objective=objective,
                    load_missing=np.maximum(minimum - load, 0))


def assignment_cost(problem: Problem, pairs) -> int:
    """The objective of any assignment, computed directly (used to check the solver)."""
    cost = 0
    load = np.zeros(problem.eligible.shape[1], dtype=np.int64)
    for a, j in pairs:
        cost += 0 if problem.affinity[a, j] else MISMATCH_COST
        load[j] += 1
    return int(cost + (load * (load - 1) // 2).sum())
