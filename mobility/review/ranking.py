"""Scores into a ranking: raw and normalised means, disagreement, thresholds, tie-breaks, budget line.

Normalisation (per juror): a juror's weighted totals are turned into z-scores against that juror's own
mean and standard deviation over this call, then mapped back onto the scale of the whole jury:
    normalised = μ_all + σ_all · (total − μ_juror) / σ_juror
A juror with fewer than two reviews, or who gave everyone the same total, is only shifted
(normalised = total − μ_juror + μ_all). The normalised score of an application is the mean of its
reviews' normalised totals. Raw means are always shown beside it.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.awards.calculator import calculate
from mobility.calls.models import Call, CallBudget, DistanceBand, PerDiemRate, RubricCriterion
from mobility.cities.enums import Direction
from mobility.cities.models import City, CityPair
from mobility.core import memo
from mobility.extensions import db
from mobility.review.enums import AssignmentStatus, Decision, ReviewStatus
from mobility.review.models import Assignment, ConsensusReport, PanelDecision, Review
from mobility.review.services import weighted_total

RANKED_STATUSES = (ApplicationStatus.IN_REVIEW, ApplicationStatus.SHORTLISTED, ApplicationStatus.AWARDED,
                   ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED)


@dataclass
class Ranked:
    application: Application
    review_count: int = 0
    raw_total: float | None = None
    normalised_total: float | None = None
    disagreement: float | None = None
    criterion_means: dict[int, float] = field(default_factory=dict)
    consensus_total: float | None = None
    passes: bool = True
    failed: list[str] = field(default_factory=list)
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


def normalise(totals_by_juror: dict[int, list[tuple[int, float]]]) -> dict[tuple[int, int], float]:
    """{(juror, application): normalised total} from {juror: [(application, raw total)]}."""
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


# What ranking reads of the call (rubric, rate table, budgets), in as few statements as possible: the two
# small ordered collections joined, the two others one statement each.
CALL_OPTIONS = (joinedload(Call.criteria), joinedload(Call.distance_bands),
                selectinload(Call.budgets).joinedload(CallBudget.pair).options(
                    joinedload(CityPair.europe_city), joinedload(CityPair.east_asia_city)),
                selectinload(Call.per_diems))


# Every table rank() and budget_lines() read: a service that changes one of them for a call calls
# memo.ranking_changed(call_id) (or memo.rankings_changed() for cities and pairs).
RANKING_TABLES = tuple(model.__tablename__ for model in (
    Application, Assignment, Review, ConsensusReport, PanelDecision, Call, CallBudget, City, CityPair,
    RubricCriterion, DistanceBand, PerDiemRate))


# What a ranked row shows and needs of its application: the long texts and answers stay in the database
# (a call in review has thousands of applications; the others load when something asks for them).
RANKED_COLUMNS = load_only(Application.id, Application.call_id, Application.reference, Application.title,
                           Application.status, Application.pair_id, Application.origin_city_id,
                           Application.direction, Application.start_date, Application.end_date)


def rank(call: Call) -> list[Ranked]:
    # Applications with their places, approved consensus and panel decision: one statement.
    rows = db.session.execute(
        select(Application, ConsensusReport, PanelDecision)
        .outerjoin(ConsensusReport, (ConsensusReport.application_id == Application.id)
                   & ConsensusReport.approved_at.is_not(None))
        .outerjoin(PanelDecision, PanelDecision.application_id == Application.id)
        .where(Application.call_id == call.id, Application.status.in_(RANKED_STATUSES))
        .options(RANKED_COLUMNS, joinedload(Application.origin_city), joinedload(Application.pair))
        .order_by(Application.id)).all()
    by_id = {a.id: Ranked(application=a) for a, _c, _d in rows}
    consensus = {a.id: c for a, c, _d in rows if c is not None}
    decisions = {a.id: d for a, _c, d in rows if d is not None}
    reviews = db.session.execute(
        select(Assignment.juror_id, Assignment.application_id, Review.scores)
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
        total = float(weighted_total(call, scores))  # exact first, so equal totals tie exactly
        totals_by_juror[juror_id].append((application_id, total))
        per_application[application_id].append((juror_id, total))
        for key, criterion_id in criteria:
            if key in scores:
                criterion_scores[application_id][criterion_id].append(float(scores[key]))
    normalised = normalise(totals_by_juror)

    for application_id, ranked in by_id.items():
        rows = per_application.get(application_id, [])
        ranked.review_count = len(rows)
        if rows:
            totals = [t for _j, t in rows]
            ranked.raw_total = statistics.fmean(totals)
            ranked.normalised_total = statistics.fmean(normalised[(j, application_id)] for j, _t in rows)
            ranked.disagreement = statistics.pstdev(totals) if len(totals) > 1 else 0.0
        ranked.criterion_means = {c: statistics.fmean(v) for c, v in criterion_scores[application_id].items()}
        agreed = consensus.get(application_id)
        if agreed is not None:
            ranked.consensus_total = float(weighted_total(call, agreed.scores))
            ranked.criterion_means = {int(c): float(v) for c, v in agreed.scores.items()}
        ranked.decision = decisions.get(application_id)
        _apply_thresholds(call, ranked)

    def order(r: Ranked):
        tie_breaks = [-(r.criterion_means.get(c.id, float("-inf"))) for c in
                      sorted((c for c in call.criteria if c.tie_break_rank), key=lambda c: c.tie_break_rank)]
        return (not r.passes, -r.score, *tie_breaks, r.application.id)

    ranking = sorted(by_id.values(), key=order)
    _budget_line(call, ranking)
    return ranking


def _apply_thresholds(call: Call, ranked: Ranked) -> None:
    if ranked.review_count == 0 and ranked.consensus_total is None:
        ranked.passes = False
        ranked.failed.append("no_reviews")
        return
    for criterion in call.criteria:
        mean = ranked.criterion_means.get(criterion.id)
        if criterion.threshold is not None and (mean is None or mean < float(criterion.threshold)):
            ranked.passes = False
            ranked.failed.append(f"criterion:{criterion.id}")
    if call.overall_threshold is not None and ranked.score < float(call.overall_threshold):
        ranked.passes = False
        ranked.failed.append("overall")


def _budget_line(call: Call, ranking: list[Ranked]) -> None:
    """How far each pair-and-direction budget reaches down the ranking (passing applications only)."""
    budgets = {(b.pair_id, b.direction): b.amount for b in call.budgets}
    spent: dict[tuple, Decimal] = defaultdict(Decimal)
    estimates: dict[tuple, Decimal] = {}  # a call has few distinct (origin, host, days): compute each once
    for ranked in ranking:
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


# ---- the ranking page: computed once per change of its inputs, shown a page at a time ---------------

@dataclass(frozen=True)
class RankedRow:
    """One line of the ranking page: plain values, so the whole ranking can be kept in a cache."""

    position: int
    application_id: int
    reference: str | None
    title: str
    direction: Direction | None
    pair_id: int | None
    review_count: int
    raw_total: float | None
    normalised_total: float | None
    consensus_total: float | None
    disagreement: float | None
    passes: bool
    decision: Decision | None
    estimated_grant: Decimal | None
    cumulative: Decimal | None
    within_budget: bool | None


def ranking_rows(call: Call) -> list[RankedRow]:
    """The whole ranking, computed again only once one of its inputs has changed (a score, a decision, the
    call's rubric, rate table or budgets...: each service that changes one calls memo.ranking_changed)."""
    return memo.remember("ranking", call.id, memo.ranking_scopes(call.id), list[RankedRow],
                         lambda: [_row(position, r) for position, r in enumerate(rank(call), start=1)])


def _row(position: int, r: Ranked) -> RankedRow:
    a = r.application
    return RankedRow(position=position, application_id=a.id, reference=a.reference, title=a.title,
                     direction=a.direction, pair_id=a.pair_id, review_count=r.review_count, raw_total=r.raw_total,
                     normalised_total=r.normalised_total, consensus_total=r.consensus_total,
                     disagreement=r.disagreement, passes=r.passes,
                     decision=r.decision.decision if r.decision else None, estimated_grant=r.estimated_grant,
                     cumulative=r.cumulative, within_budget=r.within_budget)


@dataclass(frozen=True)
class BudgetLine:
    """Where one pair-and-direction budget stops in the ranking, for the summary above the table."""

    budget: CallBudget
    funded: int  # passing applications the budget covers
    last_position: int | None  # the last of them in the ranking
    committed: Decimal


def budget_lines(call: Call, rows: list[RankedRow]) -> list[BudgetLine]:
    """One pass down the ranking: the rows within a budget come in rank order, each with the running total."""
    last: dict[tuple, tuple[int, RankedRow]] = {}
    for row in rows:
        if row.within_budget:
            key = (row.pair_id, row.direction)
            last[key] = (last.get(key, (0, row))[0] + 1, row)
    lines = []
    for budget in call.budgets:
        funded, row = last.get((budget.pair_id, budget.direction), (0, None))
        lines.append(BudgetLine(budget=budget, funded=funded, last_position=row.position if row else None,
                                committed=row.cumulative if row else Decimal("0")))
    return lines


