"""Juror assignment at scale: rows in the database → instance → min-cost flow → assignments saved,
beside a bare reference: OR-Tools SimpleMinCostFlow fed straight from NumPy arrays on the same instance.

    .venv/bin/python bench/assign.py                       # 5,000 × 300 × 3 on a temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/assign.py
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from ortools.graph.python import min_cost_flow  # noqa: E402

from bench.data import MANAGER, Generator, analyze, bench_app, fresh_schema  # noqa: E402
from mobility.accounts.enums import Role  # noqa: E402
from mobility.accounts.models import User  # noqa: E402
from mobility.applications.enums import ApplicationStatus  # noqa: E402
from mobility.calls.enums import CallStatus  # noqa: E402
from mobility.extensions import db  # noqa: E402
from mobility.review import services as review  # noqa: E402
from mobility.review.assignment import build_instance  # noqa: E402
from mobility.review.solver import MISMATCH_COST, Problem, solve  # noqa: E402


def populate(applications: int, jurors: int, k: int, seed: int, min_load: int):
    """One call in review: eligible applications in EN/ZH/JA/KO, a jury with languages, organisations
    (conflicts with applicants and hosts), caps with 30 % headroom over the average load, minimum loads."""
    gen = Generator(seed)
    [manager_id] = gen.people(1, Role.MANAGER, emails=[MANAGER])
    manager = db.session.get(User, manager_id)
    pairs = gen.pairs(1, manager)
    sides = ([pairs[0].europe_city], [pairs[0].east_asia_city])
    juror_ids = gen.people(jurors, Role.JUROR, cities_by_side=sides)
    gen.juror_profiles(juror_ids)
    artist_ids = gen.people(applications, Role.APPLICANT, cities_by_side=sides)
    gen.affiliations(artist_ids)
    closes = gen.now - timedelta(days=1)
    call = gen.call(manager, pairs, 0, opens=closes - timedelta(days=60), closes=closes,
                    status=CallStatus.CLOSED, k=k)
    call.status = CallStatus.CLOSED
    call.min_reviews_per_juror = min_load
    gen.applications(call, artist_ids, [ApplicationStatus.ELIGIBLE] * applications)
    gen.pool(call, juror_ids, max_load=-(-applications * k * 13 // (10 * jurors)))
    db.session.commit()
    return call, manager


def reference(problem: Problem) -> tuple[int, float]:
    """The plain textbook network on the same arrays — a → eligible j (affinity cost) → sink (convex
    load cost) — with the side and minimum-load rules written as node supplies and arc lower bounds
    the usual way; no penalty arcs, no bookkeeping. Returns (objective, seconds)."""
    t0 = time.perf_counter()
    a_count, j_count = problem.application_count, problem.juror_count
    k = problem.k
    cap = problem.capacity.astype(np.int64)
    lower = np.minimum(problem.min_load.astype(np.int64), cap) if problem.min_load is not None \
        else np.zeros(j_count, np.int64)
    a_idx, j_idx = problem.pair_application(), problem.pair_juror.astype(np.int64)
    side = problem.juror_side[j_idx]
    # Nodes: applications, their Europe / East Asia halves, jurors, sink.
    half = a_count + side * a_count + a_idx
    juror = 3 * a_count + j_idx
    sink = 3 * a_count + j_count
    pair_cost = np.where(problem.pair_affinity, 0, MISMATCH_COST)
    need_side = k >= 2
    steps = np.arange(int(cap.max()))
    j_rep, step = np.nonzero(steps[None, :] < cap[:, None])
    must = step < lower[j_rep]            # the first `lower` units are forced (moved to supplies)
    app = np.arange(a_count)
    tails = np.concatenate([app, app, half, (3 * a_count + j_rep)[~must]])
    heads = np.concatenate([a_count + app, 2 * a_count + app, juror, np.full((~must).sum(), sink)])
    caps = np.concatenate([np.full(a_count, k - need_side), np.full(a_count, k - need_side),
                           np.ones(len(half), np.int64), np.ones((~must).sum(), np.int64)])
    costs = np.concatenate([np.zeros(2 * a_count, np.int64), pair_cost, steps[step][~must]])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, np.int64)
    supplies[app] = k - 2 * need_side
    supplies[a_count + app] += need_side
    supplies[2 * a_count + app] += need_side
    forced = np.bincount(j_rep[must], minlength=j_count)
    supplies[3 * a_count + np.arange(j_count)] -= forced
    supplies[sink] = -(k * a_count - int(forced.sum()))
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"reference: status {status} (the instance has no full assignment)")
    forced_cost = int(steps[step][must].sum())
    return int(flow.optimal_cost()) + forced_cost, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--jurors", type=int, default=300)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--min-load", type=int, default=20, help="minimum reviews per juror (call setting)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    app = bench_app()
    with app.app_context(), app.test_request_context():
        fresh_schema()
        started = time.perf_counter()
        call, manager = populate(args.applications, args.jurors, args.k, args.seed, args.min_load)
        analyze()
        loaded_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"data: {args.applications:,} applications, {args.jurors} jurors, k={args.k}, minimum load "
              f"{args.min_load} on {db.engine.dialect.name} ({time.perf_counter() - started:.1f} s to load)")

        # The whole path first, from the state after loading, so that its peak memory is its own.
        t0 = time.perf_counter()
        report = review.run_assignment(manager, call, accept_partial=True)
        db.session.commit()
        t1 = time.perf_counter()
        product_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        whole = t1 - t0
        # Then its parts (unconfirmed assignments do not change the instance) and the reference.
        t0 = time.perf_counter()
        instance = build_instance(call)
        t1 = time.perf_counter()
        solution = solve(instance.problem)
        t2 = time.perf_counter()
        ref_objective, ref_time = reference(instance.problem)
        pairs = len(instance.problem.pair_juror)
        print(f"prepare instance (languages, conflicts, caps):     {t1 - t0:6.2f} s   ({pairs:,} eligible pairs)")
        print(f"product solve:                                     {t2 - t1:6.2f} s   objective {solution.objective:,}"
              f", uncovered seats {int(solution.uncovered.sum())}")
        print(f"reference SimpleMinCostFlow from NumPy arrays:     {ref_time:6.2f} s   objective {ref_objective:,}")
        print(f"objective product / reference: {solution.objective / ref_objective:.4f}   "
              f"solve time product / reference: {(t2 - t1) / ref_time:.1f}×")
        print(f"whole product path (prepare + solve + save {report.assigned:,} assignments + mail): "
              f"{whole:6.2f} s = {whole / ref_time:.1f}× the reference")
        print(f"peak resident memory: {product_peak:.0f} MB through the product's path ({loaded_peak:.0f} MB after "
              f"loading the data), {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB with the "
              f"reference")
        db.drop_all()


if __name__ == "__main__":
    main()
