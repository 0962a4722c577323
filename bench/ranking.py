"""The ranking of one call from the database: the product's computation beside the former algorithm.

    .venv/bin/python bench/ranking.py                       # 4,500 applications on a temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_ranking .venv/bin/python bench/ranking.py
    DATABASE_URL=… .venv/bin/python bench/ranking.py --reuse  # the call a previous run loaded

One call in review: `--applications` (4,500) ranked applications, `--k` (3) submitted reviews each from a
jury of `--jurors` (300) with their own leniency, four weighted criteria with thresholds and tie-breaks, an
overall threshold, approved consensus on some applications, panel decisions, budgets per pair and
direction. Each run starts from an empty session (as a request does): the call is loaded with the
ranking page's options, then the ranking computed. Prints the median time of the product's
`compute_ranking_rows` and of the former algorithm (`reference_rows`, kept here: ORM objects for every
application, Decimal arithmetic per review, statistics' exact means and deviations), their ratio, and
whether both give the same rows. The test tests/unit/test_ranking.py compares the two on randomised calls.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import joinedload, load_only  # noqa: E402

from bench.data import MANAGER, Generator, analyze, bench_app, fresh_schema, insert  # noqa: E402
from mobility.accounts.enums import Role  # noqa: E402
from mobility.accounts.models import User  # noqa: E402
from mobility.applications.enums import ApplicationStatus  # noqa: E402
from mobility.applications.models import Application  # noqa: E402
from mobility.calls.enums import CallStatus  # noqa: E402
from mobility.calls.models import Call, CallBudget, RubricCriterion  # noqa: E402
from mobility.calls.rates import calculate  # noqa: E402
from mobility.extensions import db  # noqa: E402
from mobility.review import ranking  # noqa: E402
from mobility.review.enums import AssignmentStatus, Decision, ReviewStatus  # noqa: E402
from mobility.review.models import Assignment, ConsensusReport, PanelDecision, Review  # noqa: E402
from mobility.review.services import weighted_total  # noqa: E402

DECISION_OF = {ApplicationStatus.SHORTLISTED: Decision.SHORTLIST, ApplicationStatus.WAITLISTED: Decision.WAITLIST,
               ApplicationStatus.REJECTED: Decision.REJECT, ApplicationStatus.AWARDED: Decision.AWARD}


# ---- the former algorithm, the reference ----------------------------------------------------------

@dataclass
class _Ranked:
    application: Application
    review_count: int = 0
    raw_total: float | None = None
    normalised_total: float | None = None
    disagreement: float | None = None
    criterion_means: dict[int, float] = field(default_factory=dict)
    consensus_total: float | None = None
    passes: bool = True
    decision: PanelDecision | None = None
    estimated_grant: Decimal | None = None
    cumulative: Decimal | None = None
    within_budget: bool | None = None

    @property
    def score(self) -> float:
        for value in (self.consensus_total, self.normalised_total, self.raw_total):
            if value is not None:
                return value
        return float("-inf")


def _reference_normalise(totals_by_juror: dict[int, list[tuple[int, float]]]) -> dict[tuple[int, int], float]:
    every = [t for rows in totals_by_juror.values() for _a, t in rows]
    if not every:
        return {}
    mean_all = statistics.fmean(every)
    sd_all = statistics.pstdev(every) if len(every) > 1 else 0.0
    result = {}
    for juror, rows in totals_by_juror.items():
        values = [t for _a, t in rows]
        mean_j = statistics.fmean(values)
        sd_j = statistics.pstdev(values) if len(values) > 1 else 0.0
        for application_id, total in rows:
            if sd_j > 0 and sd_all > 0:
                result[(juror, application_id)] = mean_all + sd_all * (total - mean_j) / sd_j
            else:
                result[(juror, application_id)] = total - mean_j + mean_all
    return result


def reference_rows(call: Call) -> list[ranking.RankedRow]:
    """The ranking as the product computed it before (mobility/review/ranking.py until this change)."""
    rows = db.session.execute(
        sa.select(Application, ConsensusReport, PanelDecision)
        .outerjoin(ConsensusReport, (ConsensusReport.application_id == Application.id)
                   & ConsensusReport.approved_at.is_not(None))
        .outerjoin(PanelDecision, PanelDecision.application_id == Application.id)
        .where(Application.call_id == call.id, Application.status.in_(ranking.RANKED_STATUSES))
        .options(load_only(Application.id, Application.call_id, Application.reference, Application.title,
                           Application.status, Application.pair_id, Application.origin_city_id,
                           Application.direction, Application.start_date, Application.end_date),
                 joinedload(Application.origin_city), joinedload(Application.pair))
        .order_by(Application.id)).all()
    by_id = {a.id: _Ranked(application=a) for a, _c, _d in rows}
    consensus = {a.id: c for a, c, _d in rows if c is not None}
    decisions = {a.id: d for a, _c, d in rows if d is not None}
    reviews = db.session.execute(
        sa.select(Assignment.juror_id, Assignment.application_id, Review.scores)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.call_id == call.id, Review.status == ReviewStatus.SUBMITTED,
               Assignment.status == AssignmentStatus.ACCEPTED)).all()
    totals_by_juror: dict[int, list[tuple[int, float]]] = defaultdict(list)
    per_application: dict[int, list[tuple[int, float]]] = defaultdict(list)
    criterion_scores: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    criteria = [(str(c.id), c.id) for c in call.criteria]
    for juror_id, application_id, scores in reviews:
        if application_id not in by_id:
            continue
        total = float(weighted_total(call, scores))
        totals_by_juror[juror_id].append((application_id, total))
        per_application[application_id].append((juror_id, total))
        for key, criterion_id in criteria:
            if key in scores:
                criterion_scores[application_id][criterion_id].append(float(scores[key]))
    normalised = _reference_normalise(totals_by_juror)

    for application_id, ranked in by_id.items():
        rows_of = per_application.get(application_id, [])
        ranked.review_count = len(rows_of)
        if rows_of:
            totals = [t for _j, t in rows_of]
            ranked.raw_total = statistics.fmean(totals)
            ranked.normalised_total = statistics.fmean(normalised[(j, application_id)] for j, _t in rows_of)
            ranked.disagreement = statistics.pstdev(totals) if len(totals) > 1 else 0.0
        ranked.criterion_means = {c: statistics.fmean(v) for c, v in criterion_scores[application_id].items()}
        agreed = consensus.get(application_id)
        if agreed is not None:
            ranked.consensus_total = float(weighted_total(call, agreed.scores))
            ranked.criterion_means = {int(c): float(v) for c, v in agreed.scores.items()}
        ranked.decision = decisions.get(application_id)
        _reference_thresholds(call, ranked)

    def order(r: _Ranked):
        tie_breaks = [-(r.criterion_means.get(c.id, float("-inf"))) for c in
                      sorted((c for c in call.criteria if c.tie_break_rank), key=lambda c: c.tie_break_rank)]
        return (not r.passes, -r.score, *tie_breaks, r.application.id)

    ranked_list = sorted(by_id.values(), key=order)
    _reference_budget_line(call, ranked_list)
    return [ranking.RankedRow(
        position=position, application_id=r.application.id, reference=r.application.reference,
        title=r.application.title, direction=r.application.direction, pair_id=r.application.pair_id,
        review_count=r.review_count, raw_total=r.raw_total, normalised_total=r.normalised_total,
        consensus_total=r.consensus_total, disagreement=r.disagreement, passes=r.passes,
        decision=r.decision.decision if r.decision else None, estimated_grant=r.estimated_grant,
        cumulative=r.cumulative, within_budget=r.within_budget, status=r.application.status)
        for position, r in enumerate(ranked_list, start=1)]


def _reference_thresholds(call: Call, ranked: _Ranked) -> None:
    if ranked.review_count == 0 and ranked.consensus_total is None:
        ranked.passes = False
        return
    for criterion in call.criteria:
        mean = ranked.criterion_means.get(criterion.id)
        if criterion.threshold is not None and (mean is None or mean < float(criterion.threshold)):
            ranked.passes = False
    if call.overall_threshold is not None and ranked.score < float(call.overall_threshold):
        ranked.passes = False


def _reference_budget_line(call: Call, ranked_list: list[_Ranked]) -> None:
    budgets = {(b.pair_id, b.direction): b.amount for b in call.budgets}
    spent: dict[tuple, Decimal] = defaultdict(Decimal)
    estimates: dict[tuple, Decimal] = {}
    for ranked in ranked_list:
        application = ranked.application
        if application.origin_city is None or application.days is None or application.host_city is None:
            continue
        trip = (application.origin_city.id, application.host_city.id, application.days)
        if trip not in estimates:
            estimates[trip] = calculate(call, application.origin_city, application.host_city, application.days).total
        ranked.estimated_grant = estimates[trip]
        if not ranked.passes:
            continue
        key = (application.pair_id, application.direction)
        spent[key] += ranked.estimated_grant
        ranked.cumulative = spent[key]
        ranked.within_budget = key in budgets and spent[key] <= budgets[key]


# ---- a call to rank -------------------------------------------------------------------------------

def populate(applications: int = 4500, jurors: int = 300, k: int = 3, seed: int = 11, *,
             weights=("1", "1.5", "2", "0.5"), step: str = "0.5", budget: str = "60000",
             odd_cases: bool = False) -> int:
    """One call in review; returns its id. Scores: each application's quality + its juror's leniency +
    noise, on the call's scale in `step`s. Criteria: the default three plus one, `weights`, thresholds on
    two, tie-breaks on three, an overall threshold. Some approved consensus (some of them equal), some
    draft consensus, panel decisions for the decided statuses, and twins (the same jurors giving the same
    scores to two applications: an exact tie down to the application id).

    `odd_cases` adds what a real call also has: applications in no ranked status (with reviews, which no
    normalisation may count), no review, one review, more reviews than k; draft reviews and reviews of
    assignments not confirmed; a juror with a single review, one who gives everyone the same scores; a
    review missing the fourth criterion; an application without dates; a pair and direction without budget."""
    gen = Generator(seed)
    rng = gen.rng
    [manager_id] = gen.people(1, Role.MANAGER, emails=[MANAGER])
    manager = db.session.get(User, manager_id)
    pairs = gen.pairs(2, manager)
    sides = ([p.europe_city for p in pairs], [p.east_asia_city for p in pairs])
    juror_ids = gen.people(jurors, Role.JUROR, cities_by_side=sides)
    artist_ids = gen.people(applications, Role.APPLICANT, cities_by_side=sides)
    closes = gen.now - timedelta(days=10)
    call = gen.call(manager, pairs, 0, opens=closes - timedelta(days=60), closes=closes, status=CallStatus.CLOSED,
                    k=k, budget=Decimal(budget))
    call.scale_step = Decimal(step)
    db.session.add(RubricCriterion(call_id=call.id, position=3, label={"en": "Fourth"}, description={}))
    db.session.flush()
    db.session.refresh(call, ["criteria"])
    criteria = list(call.criteria)
    for criterion, weight, threshold, tie_break in zip(criteria, weights, ("2", None, "1.5", None), (2, 1, None, 3)):
        criterion.weight = Decimal(weight)
        criterion.threshold = Decimal(threshold) if threshold else None
        criterion.tie_break_rank = tie_break
    call.overall_threshold = sum(Decimal(w) for w in weights) * Decimal("1.5")
    if odd_cases:
        db.session.execute(sa.delete(CallBudget).where(CallBudget.call_id == call.id, CallBudget.pair_id == pairs[1].id))
    db.session.flush()

    ranked = [ApplicationStatus.IN_REVIEW] * 14 + [ApplicationStatus.SHORTLISTED, ApplicationStatus.WAITLISTED,
                                                   ApplicationStatus.REJECTED, ApplicationStatus.AWARDED]
    statuses = [rng.choice(ranked + [ApplicationStatus.INELIGIBLE] * (2 if odd_cases else 0))
                for _ in range(applications)]
    application_ids = gen.applications(call, artist_ids, statuses)
    if odd_cases:
        db.session.execute(sa.update(Application).where(Application.id == application_ids[1]).values(end_date=None))

    lowest, highest, unit = call.scale_min, call.scale_max, Decimal(step)

    def on_scale(value: float) -> str:
        steps = round((Decimal(repr(value)) - lowest) / unit)
        return str(min(max(lowest + steps * unit, lowest), highest))

    leniency = {j: rng.gauss(0, 0.8) for j in juror_ids}
    regular = juror_ids[:-2] if odd_cases else juror_ids
    single, flat = juror_ids[-2:] if odd_cases else (None, None)
    keys = [str(c.id) for c in criteria]
    plan: list[tuple[int, int, dict, AssignmentStatus, ReviewStatus]] = []
    previous: list[tuple[int, dict]] = []
    for n, application in enumerate(application_ids):
        if previous and rng.random() < 0.03:  # a twin of the application before
            plan += [(application, j, dict(s), AssignmentStatus.ACCEPTED, ReviewStatus.SUBMITTED) for j, s in previous]
            continue
        count = k
        if odd_cases:
            count = rng.choice([0, 1, k, k, k, k, k + 1])
        quality = rng.gauss(3, 1)
        chosen = rng.sample(regular, count)
        if odd_cases and n == 5:
            chosen.append(single)
        if odd_cases and n % 7 == 0:
            chosen.append(flat)
        previous = []
        for juror in chosen:
            if juror == flat:
                scores = {key: "3" for key in keys}
            else:
                scores = {key: on_scale(quality + leniency[juror] + rng.gauss(0, 0.6)) for key in keys}
            if odd_cases and rng.random() < 0.02:
                del scores[keys[3]]
            assignment = AssignmentStatus.ACCEPTED
            review = ReviewStatus.SUBMITTED
            if odd_cases and juror not in (single, flat):
                assignment = rng.choice([AssignmentStatus.ACCEPTED] * 18 + [AssignmentStatus.CONFLICT,
                                                                            AssignmentStatus.ASSIGNED])
                review = rng.choice([ReviewStatus.SUBMITTED] * 9 + [ReviewStatus.DRAFT])
            plan.append((application, juror, scores, assignment, review))
            if assignment is AssignmentStatus.ACCEPTED and review is ReviewStatus.SUBMITTED:
                previous.append((juror, scores))

    insert(Assignment, [dict(call_id=call.id, application_id=a, juror_id=j, status=s, created_at=gen.now,
                             updated_at=gen.now) for a, j, _scores, s, _r in plan])
    ids = {(a, j): i for i, a, j in db.session.execute(
        sa.select(Assignment.id, Assignment.application_id, Assignment.juror_id).where(Assignment.call_id == call.id))}
    insert(Review, [dict(assignment_id=ids[(a, j)], status=r, scores=scores, comments={}, overall_comment="",
                         submitted_at=gen.now if r is ReviewStatus.SUBMITTED else None, created_at=gen.now,
                         updated_at=gen.now) for a, j, scores, _s, r in plan])

    consensus, agreed = [], None
    for application in rng.sample(application_ids, max(applications // 20, 2)):
        approved = rng.random() < 0.75
        if agreed is None or rng.random() < 0.7:
            agreed = {key: on_scale(rng.gauss(3, 1)) for key in keys}
        consensus.append(dict(application_id=application, rapporteur_id=juror_ids[0], scores=dict(agreed),
                              comments={}, summary="", approved_by_id=manager_id if approved else None,
                              approved_at=gen.now if approved else None, created_at=gen.now, updated_at=gen.now))
    insert(ConsensusReport, consensus)
    insert(PanelDecision, [dict(application_id=a, decision=DECISION_OF[s], reason="", decided_by_id=manager_id,
                                decided_at=gen.now) for a, s in zip(application_ids, statuses) if s in DECISION_OF])
    db.session.flush()
    return call.id


def load_call(call_id: int) -> Call:
    """The call as the ranking page loads it (rubric, rate table, budgets and their pairs' cities)."""
    return db.session.get(Call, call_id, options=list(ranking.CALL_OPTIONS))


def timed(compute, call_id: int, runs: int) -> tuple[float, list]:
    """Median seconds of `compute(call)`, each run from an empty session (as in a request); the last result."""
    times, result = [], None
    for _ in range(runs):
        db.session.rollback()
        db.session.expunge_all()
        t0 = time.perf_counter()
        result = compute(load_call(call_id))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=4500)
    parser.add_argument("--jurors", type=int, default=300)
    parser.add_argument("--k", type=int, default=3, help="submitted reviews per application")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--runs", type=int, default=21, help="runs of the product's computation (median)")
    parser.add_argument("--reference-runs", type=int, default=5, help="runs of the former algorithm")
    parser.add_argument("--reuse", action="store_true", help="keep the call already in the database")
    args = parser.parse_args()
    app = bench_app()
    with app.app_context(), app.test_request_context():
        call_id = None
        if args.reuse and sa.inspect(db.engine).has_table("call"):
            call_id = db.session.scalar(sa.select(Call.id).order_by(Call.id.desc()).limit(1))
        if call_id is None:
            fresh_schema()
            t0 = time.perf_counter()
            call_id = populate(args.applications, args.jurors, args.k, args.seed)
            analyze()
            print(f"loaded in {time.perf_counter() - t0:.0f} s")
        ranked = db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
            Application.call_id == call_id, Application.status.in_(ranking.RANKED_STATUSES)))
        reviews = db.session.scalar(sa.select(sa.func.count()).select_from(Review).join(Assignment).where(
            Assignment.call_id == call_id, Review.status == ReviewStatus.SUBMITTED))
        print(f"call {call_id}: {ranked:,} ranked applications, {reviews:,} submitted reviews, "
              f"on {db.engine.dialect.name}")

        new, rows = timed(ranking.compute_ranking_rows, call_id, args.runs)
        old, reference = timed(reference_rows, call_id, args.reference_runs)
        print(f"  product (plain rows, NumPy), call + ranking: {new * 1000:8.1f} ms   median of {args.runs}")
        print(f"  former algorithm (ORM, Decimal, statistics): {old * 1000:8.1f} ms   median of {args.reference_runs}")
        print(f"  former / product: {old / new:.1f}×   goal ≤ 50 ms: {'met' if new <= 0.05 else 'NOT met'}")
        print(f"  same rows: {'yes' if rows == reference else 'NO'} ({len(rows):,})")


if __name__ == "__main__":
    main()
