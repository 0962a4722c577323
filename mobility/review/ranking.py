"""Scores into a ranking: raw and normalised means, disagreement, thresholds, tie-breaks, budget line.

Normalisation (per juror): a juror's weighted totals are turned into z-scores against that juror's own
mean and standard deviation over this call, then mapped back onto the scale of the whole jury:
    normalised = μ_all + σ_all · (total − μ_juror) / σ_juror
A juror with fewer than two reviews, or who gave everyone the same total, is only shifted
(normalised = total − μ_juror + μ_all). The normalised score of an application is the mean of its
reviews' normalised totals. Raw means are always shown beside it.

How it is computed: from plain rows (two statements, no ORM object per application or review, the
driver's values as they come), with NumPy. No JSON is parsed: reviews and consensus reports keep a compact
copy of their scores in hundredths ("12:450 13:300", models.scores_in_hundredths), read in one pass.
Scores and weights have two decimals, so a score is an integer number of hundredths and a weighted total an
integer number of ten-thousandths: every total, sum and variance of scores is exact, and equal totals tie
exactly. A mean is that exact sum divided (sum / 10,000, then / count: the float Python's fmean gives when
the totals are binary fractions, e.g. steps of 0.5 and weights of 1 or 1.5), a standard deviation the
correctly rounded root of the exact variance; the normalised totals, real numbers, are summed with
math.fsum (correctly rounded, whatever the order of the reviews).
"""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import cast

import numpy as np
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.calls.models import Call, CallBudget, DistanceBand, PerDiemRate, RubricCriterion
from mobility.calls.rates import totals_by_days
from mobility.cities.enums import Direction
from mobility.cities.models import City, CityPair
from mobility.core import memo
from mobility.core.paging import ListPage, existing_page
from mobility.extensions import db
from mobility.review.enums import AssignmentStatus, Decision, ReviewStatus
from mobility.review.models import SCORE_UNIT, Assignment, ConsensusReport, PanelDecision, Review

RANKED_STATUSES = (ApplicationStatus.IN_REVIEW, ApplicationStatus.SHORTLISTED, ApplicationStatus.AWARDED,
                   ApplicationStatus.WAITLISTED, ApplicationStatus.REJECTED)

# SCORE_UNIT (100): scores and weights are Numeric(…, 2), whole hundredths.
TOTAL_UNIT = SCORE_UNIT * SCORE_UNIT  # a weighted total: whole ten-thousandths
MISSING = -(1 << 40)                 # no score for this criterion (scores lie within ±999.99)


# What ranking reads of the call (rubric, rate table, budgets, and through the budgets the cities of its
# pairs), in as few statements as possible: the two small ordered collections joined, the others one
# statement each.
CALL_OPTIONS = (joinedload(Call.criteria), joinedload(Call.distance_bands),
                selectinload(Call.budgets).joinedload(CallBudget.pair).options(
                    joinedload(CityPair.europe_city), joinedload(CityPair.east_asia_city)),
                selectinload(Call.per_diems))


# Every table the ranking and budget_lines() read: a service that changes one of them for a call calls
# memo.ranking_changed(call_id) (or memo.rankings_changed() for cities and pairs).
RANKING_TABLES = tuple(model.__tablename__ for model in (
    Application, Assignment, Review, ConsensusReport, PanelDecision, Call, CallBudget, City, CityPair,
    RubricCriterion, DistanceBand, PerDiemRate))


@dataclass(slots=True)
class RankedRow:
    """One line of the ranking: plain values, so the whole ranking can be kept in a cache (not frozen:
    a frozen dataclass takes four times as long to build, and a ranking has thousands of rows)."""

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
    status: ApplicationStatus


# ---- the arithmetic, on arrays ----------------------------------------------------------------

def _hundredths(value: Decimal) -> int:
    scaled = value * SCORE_UNIT
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than two decimals")
    return int(scaled)


def sqrt_of_fraction(n: int, m: int) -> float:
    """√(n/m), correctly rounded, for integers n ≥ 0 and m > 0 (CPython's statistics module does the same)."""
    q = (n.bit_length() - m.bit_length() - 109) // 2  # 109 = 2 × 53 + 3 bits: enough for one rounding
    if q >= 0:
        return (_isqrt_round_to_odd(n, m << 2 * q) << q) / 1
    return _isqrt_round_to_odd(n << -2 * q, m) / (1 << -q)


def _isqrt_round_to_odd(n: int, m: int) -> int:
    root = math.isqrt(n // m)
    return root | (root * root * m != n)


def _exact_sums(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Σ values per group (`index` gives each value's group), exact: int64 while it cannot overflow, else
    Python integers (an array of objects)."""
    big = values.size and (values.dtype == object or float(np.abs(values).max()) * values.size >= 2 ** 62)
    sums = np.zeros(size, dtype=object if big else np.int64)
    np.add.at(sums, index, values.astype(object) if big else values)
    return sums


def _squares(values: np.ndarray) -> np.ndarray:
    if values.size and float(np.abs(values).max()) >= 2 ** 31:
        return values.astype(object) ** 2
    return values * values


def _fits(*arrays: np.ndarray, bound: float) -> bool:
    """Whether every value of these int64 arrays lies within ±bound (objects: Python integers, never)."""
    return all(a.dtype != object and (not a.size or float(np.abs(a).max()) < bound) for a in arrays)


def _means_and_deviations(index: np.ndarray, units: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray,
                                                                                   np.ndarray]:
    """Per group of totals (in ten-thousandths): count, mean and population standard deviation (0 for a
    single total), as floats; mean NaN for an empty group.

    The mean is s / TOTAL_UNIT / n of the exact sum s, as Python computes it: with |s| < 2⁵³ both
    divisions are of floats that are the integers exactly, each correctly rounded, in NumPy as in Python.
    The deviation is sqrt_of_fraction(n·q − s², n²·TOTAL_UNIT²) (q: the exact sum of squares), computed
    once for each distinct (n, n·q − s²): totals lie on a lattice (steps of the scale times the weights),
    so many groups share theirs, and a group whose totals are all equal has 0."""
    counts = np.bincount(index, minlength=size)
    sums, squares = _exact_sums(index, units, size), _exact_sums(index, _squares(units), size)
    with np.errstate(divide="ignore", invalid="ignore"):
        if _fits(sums, bound=2 ** 53):
            means = sums / TOTAL_UNIT / counts
        else:
            means = np.array([s / TOTAL_UNIT / n if n else math.nan for n, s in zip(counts.tolist(), sums.tolist())])
    means[counts == 0] = np.nan
    deviations = np.zeros(size)
    spread = counts > 1
    n, s, q = counts[spread], sums[spread], squares[spread]
    if _fits(s, bound=2 ** 31) and _fits(q, bound=2 ** 62 / max(int(n.max(initial=1)), 1)):
        numerators = n * q - s * s  # int64: no product can overflow
        order = np.lexsort((numerators, n))  # equal (n, numerator) side by side
        n, numerators = n[order], numerators[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = (n[1:] != n[:-1]) | (numerators[1:] != numerators[:-1])
        roots = np.array([sqrt_of_fraction(m, c * c * TOTAL_UNIT * TOTAL_UNIT) if m else 0.0
                          for c, m in zip(n[first].tolist(), numerators[first].tolist())])
        spread_deviations = np.empty(order.size)
        spread_deviations[order] = roots[np.cumsum(first) - 1]
        deviations[spread] = spread_deviations
    else:
        deviations[spread] = [sqrt_of_fraction(c * t - u * u, c * c * TOTAL_UNIT * TOTAL_UNIT)
                              for c, u, t in zip(n.tolist(), s.tolist(), q.tolist())]
    return counts, means, deviations


def normalised_totals(jurors: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Each review's normalised total (the formula above), from its juror and its total in ten-thousandths."""
    if not units.size:
        return np.zeros(0)
    totals = units / TOTAL_UNIT
    _n, (mean_all,), (sd_all,) = _means_and_deviations(np.zeros(units.size, dtype=np.int64), units, 1)
    keys, index = np.unique(jurors, return_inverse=True)
    _counts, means, deviations = _means_and_deviations(index, units, keys.size)
    mean_j, sd_j = means[index], deviations[index]
    scaled = (sd_j > 0) & (sd_all > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_mapped = mean_all + sd_all * (totals - mean_j) / sd_j
    return np.where(scaled, z_mapped, totals - mean_j + mean_all)


def normalise(totals_by_juror: dict[int, list[tuple[int, float]]]) -> dict[tuple[int, int], float]:
    """{(juror, application): normalised total} from {juror: [(application, raw total)]} (totals with at
    most four decimals, as weighted totals are)."""
    reviews = [(j, a, t) for j, rows in totals_by_juror.items() for a, t in rows]
    jurors = np.array([j for j, _a, _t in reviews], dtype=np.int64)
    units = np.array([round(t * TOTAL_UNIT) for _j, _a, t in reviews], dtype=np.int64)
    return {(j, a): v for (j, a, _t), v in zip(reviews, normalised_totals(jurors, units).tolist())}


@dataclass(frozen=True)
class Rubric:
    """The call's criteria as arrays: weights in hundredths, thresholds, tie-break order (columns)."""

    ids: list[int]
    weights: np.ndarray
    thresholds: list[tuple[int, float]]
    tie_breaks: list[int]
    overall_threshold: float | None

    @classmethod
    def of(cls, call: Call) -> Rubric:
        criteria = list(call.criteria)
        ranked = sorted((c.tie_break_rank, i) for i, c in enumerate(criteria) if c.tie_break_rank)
        return cls(ids=[c.id for c in criteria],
                   weights=np.array([_hundredths(c.weight) for c in criteria], dtype=np.int64),
                   thresholds=[(i, float(c.threshold)) for i, c in enumerate(criteria) if c.threshold is not None],
                   tie_breaks=[i for _rank, i in ranked],
                   overall_threshold=None if call.overall_threshold is None else float(call.overall_threshold))

    def totals(self, scores: np.ndarray) -> np.ndarray:
        """Weighted totals in ten-thousandths of rows of scores in hundredths (absent scores count 0)."""
        return np.where(scores != MISSING, scores, 0) @ self.weights


@dataclass
class Scored:
    """Per application (in the order of `application_ids`): what the ranking shows and sorts by."""

    review_count: np.ndarray
    raw_total: np.ndarray          # NaN: no review
    normalised_total: np.ndarray   # NaN: no review
    disagreement: np.ndarray       # NaN: no review
    consensus_total: np.ndarray    # NaN: no approved consensus
    criterion_means: np.ndarray    # applications × criteria; NaN: no score
    passes: np.ndarray
    order: np.ndarray              # indexes of the applications, best first


def score(rubric: Rubric, application_ids: np.ndarray, review_application: np.ndarray,
          review_juror: np.ndarray, review_scores: np.ndarray, consensus_scores: np.ndarray,
          has_consensus: np.ndarray) -> Scored:
    """The ranking's arithmetic. Reviews: their application's id, their juror, their scores (reviews ×
    criteria, hundredths, MISSING). Consensus: applications × criteria, for those with `has_consensus`."""
    size = application_ids.size
    app = np.searchsorted(application_ids, review_application)
    units = rubric.totals(review_scores)
    normalised = normalised_totals(review_juror, units)
    counts, raw, disagreement = _means_and_deviations(app, units, size)
    disagreement = np.where(counts > 0, disagreement, np.nan)

    # The mean of each application's normalised totals, with fsum as statistics.fmean: its reviews side by side.
    by_application = np.argsort(app, kind="stable")
    values = normalised[by_application].tolist()
    bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
    normalised_mean = np.array([math.fsum(values[a:b]) / (b - a) if b > a else math.nan
                                for a, b in zip(bounds, bounds[1:])])

    present = review_scores != MISSING
    means = np.full((size, len(rubric.ids)), np.nan)
    for c in range(len(rubric.ids)):
        scored = np.bincount(app, weights=present[:, c], minlength=size)
        sums = np.bincount(app, weights=np.where(present[:, c], review_scores[:, c], 0), minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            means[:, c] = np.where(scored > 0, sums / SCORE_UNIT / scored, np.nan)
    # An approved consensus replaces the jurors' scores.
    means[has_consensus] = np.where(consensus_scores[has_consensus] != MISSING,
                                    consensus_scores[has_consensus] / SCORE_UNIT, np.nan)
    consensus_total = np.where(has_consensus, rubric.totals(consensus_scores) / TOTAL_UNIT, np.nan)

    ranking_score = np.where(has_consensus, consensus_total,
                             np.where(counts > 0, normalised_mean, -np.inf))
    passes = (counts > 0) | has_consensus
    for c, threshold in rubric.thresholds:
        passes &= means[:, c] >= threshold  # a missing mean (NaN) fails
    if rubric.overall_threshold is not None:
        passes &= ranking_score >= rubric.overall_threshold
    # Passing first, then the higher score, the tie-break criteria in their order (no score: last), the
    # earlier application. np.lexsort sorts by its last key first.
    tie_breaks = [np.where(np.isnan(means[:, c]), np.inf, -means[:, c]) for c in rubric.tie_breaks]
    order = np.lexsort((application_ids, *reversed(tie_breaks), -ranking_score, ~passes))
    return Scored(review_count=counts, raw_total=raw, normalised_total=normalised_mean, disagreement=disagreement,
                  consensus_total=consensus_total, criterion_means=means, passes=passes, order=order)


# ---- from the database -------------------------------------------------------------------------

def _plain_rows(statement) -> list[tuple]:
    """The statement's rows as the driver returns them: tuples of ints, strings and dates (ISO text on
    SQLite), enums as their values. The statement still goes through the session's connection (its
    transaction, its binds, the listeners that count statements); only SQLAlchemy's processing of each
    value of each row is left out (it costs more than reading the rows). Pending changes are flushed first,
    as Session.execute would."""
    if db.session.autoflush:
        db.session.flush()
    result = db.session.connection().execute(statement)
    try:
        return cast(list[tuple], result.cursor.fetchall())
    finally:
        result.close()


def _score_matrix(texts: list[str], rubric: Rubric) -> np.ndarray:
    """Rows of scores in hundredths, one column per criterion of the rubric (MISSING: no score), from the
    scores' compact copies ("12:450 13:300": models.scores_in_hundredths); criteria not in the rubric are
    left out."""
    scores = np.full((len(texts), len(rubric.ids)), MISSING, dtype=np.int64)
    joined = " ".join(texts).replace(":", " ")
    if not joined.strip():  # (np.fromstring reads a blank text as one zero)
        return scores
    values = np.fromstring(joined, dtype=np.int64, sep=" ")
    if values.size % 2:
        raise ValueError("a score_hundredths is not as models.scores_in_hundredths writes it")
    criteria, hundredths = values.reshape(-1, 2).T
    by_id = np.argsort(rubric.ids)
    ids = np.asarray(rubric.ids, dtype=np.int64)[by_id]
    # Each text names its criteria in increasing order, so when the pairs are the rubric's criteria over and
    # over, once per text, each text is one of those runs (as for submitted reviews, which score them all).
    if criteria.size == len(texts) * ids.size and (criteria.reshape(len(texts), ids.size) == ids).all():
        scores[:, by_id] = hundredths.reshape(len(texts), ids.size)
        return scores
    counts = np.fromiter(map(str.count, texts, itertools.repeat(":")), dtype=np.int64, count=len(texts))
    if criteria.size != int(counts.sum()):
        raise ValueError("a score_hundredths is not as models.scores_in_hundredths writes it")
    rows = np.repeat(np.arange(len(texts)), counts)
    found = np.minimum(np.searchsorted(ids, criteria), max(ids.size - 1, 0))
    known = ids[found] == criteria if ids.size else np.zeros(criteria.size, dtype=bool)
    scores[rows[known], by_id[found[known]]] = hundredths[known]
    return scores


# The city an application goes to, as Application.host_city says: the other city of its pair.
_HOST_CITY = case((Application.origin_city_id == CityPair.europe_city_id, CityPair.east_asia_city_id),
                  else_=CityPair.europe_city_id)


def compute_ranking_rows(call: Call) -> list[RankedRow]:
    """The whole ranking of a call, best first, computed from the database (no cache)."""
    rubric = Rubric.of(call)
    applications = _plain_rows(
        select(Application.id, Application.reference, Application.title, Application.status,
               Application.pair_id, Application.origin_city_id, Application.direction, Application.start_date,
               Application.end_date, _HOST_CITY, PanelDecision.decision, ConsensusReport.score_hundredths)
        .outerjoin(CityPair, CityPair.id == Application.pair_id)
        .outerjoin(ConsensusReport, (ConsensusReport.application_id == Application.id)
                   & ConsensusReport.approved_at.is_not(None))
        .outerjoin(PanelDecision, PanelDecision.application_id == Application.id)
        .where(Application.call_id == call.id, Application.status.in_(RANKED_STATUSES))
        .order_by(Application.id))
    # Reviews of applications in no ranked status count nowhere (not even in their jurors' normalisation):
    # they are left out below, one join fewer for the database.
    reviews = _plain_rows(
        select(Assignment.application_id, Assignment.juror_id, Review.score_hundredths)
        .join(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.call_id == call.id, Assignment.status == AssignmentStatus.ACCEPTED,
               Review.status == ReviewStatus.SUBMITTED))
    application_ids = _integers(applications, 0)
    consensus = [(n, row[11]) for n, row in enumerate(applications) if row[11] is not None]
    has_consensus = np.zeros(len(applications), dtype=bool)
    consensus_scores = np.full((len(applications), len(rubric.ids)), MISSING, dtype=np.int64)
    if consensus:
        present = [n for n, _text in consensus]
        has_consensus[present] = True
        consensus_scores[present] = _score_matrix([text for _n, text in consensus], rubric)
    review_application = _integers(reviews, 0)
    ranked = np.isin(review_application, application_ids)
    scored = score(rubric, application_ids, review_application[ranked], _integers(reviews, 1)[ranked],
                   _score_matrix(list(map(itemgetter(2), reviews)), rubric)[ranked], consensus_scores,
                   has_consensus)
    return _rows(call, applications, scored)


def _integers(rows: list[tuple], column: int) -> np.ndarray:
    return np.fromiter(map(itemgetter(column), rows), dtype=np.int64, count=len(rows))


def _nullable(values: np.ndarray, order: np.ndarray) -> list:
    """The values in rank order as Python floats, None where NaN."""
    ordered = values[order]
    listed = ordered.astype(object)
    listed[np.isnan(ordered)] = None
    return listed.tolist()


_STATUS = {s.value: s for s in ApplicationStatus}
_DIRECTION = {d.value: d for d in Direction} | {None: None}
_DECISION = {d.value: d for d in Decision} | {None: None}


def _rows(call: Call, applications: list[tuple], scored: Scored) -> list[RankedRow]:
    """The rows in rank order, from the applications' rows (as _plain_rows read them, in id order)."""
    order = scored.order
    (ids, references, titles, statuses, pair_ids, origins, directions, starts, ends, hosts, decisions,
     _consensus) = zip(*map(applications.__getitem__, order.tolist())) if applications else [()] * 12
    passes = scored.passes[order].tolist()
    # (origin city, host city, days) as Application.days says; None without them.
    trips = [None if pair is None or origin is None or start is None or end is None
             else (origin, host, (end - start).days + 1)
             for pair, origin, host, start, end in zip(pair_ids, origins, hosts, _dates(starts), _dates(ends))]
    grants, cumulative, within = _budget_line(call, trips, list(zip(pair_ids, directions)), passes)
    return list(map(RankedRow, range(1, order.size + 1), ids, references, titles,
                    map(_DIRECTION.__getitem__, directions), pair_ids, scored.review_count[order].tolist(),
                    _nullable(scored.raw_total, order), _nullable(scored.normalised_total, order),
                    _nullable(scored.consensus_total, order), _nullable(scored.disagreement, order), passes,
                    map(_DECISION.__getitem__, decisions), grants, cumulative, within,
                    map(_STATUS.__getitem__, statuses)))


def _dates(values: tuple) -> tuple | list:
    """A column of dates as dates: SQLite's driver gives ISO text (PostgreSQL's, dates)."""
    if isinstance(next((v for v in values if v is not None), None), str):
        return [None if v is None else date.fromisoformat(v) for v in values]
    return values


def _budget_line(call: Call, trips: list, keys: list[tuple], passes: list[bool]) -> tuple[list, list, list]:
    """How far each pair-and-direction budget reaches down the ranking (passing applications only): each
    row's estimated grant, running total of its budget and whether that is within it. `trips` and `keys`
    (pair, direction's value: an enum hashes slowly) are the rows', in rank order."""
    budgets = {(b.pair_id, b.direction.value): b.amount for b in call.budgets}
    days_by_route: dict[tuple[int, int], set[int]] = defaultdict(set)  # a call has few distinct trips
    for origin, host, days in set(trips) - {None}:
        days_by_route[(origin, host)].add(days)
    cities = _cities({city for route in days_by_route for city in route})
    estimates = {(origin, host, d): total for (origin, host), days in days_by_route.items()
                 for d, total in totals_by_days(call, cities[origin], cities[host], days).items()}
    grants = list(map(estimates.get, trips))
    cumulative: list[Decimal | None] = [None] * len(trips)
    within: list[bool | None] = [None] * len(trips)
    spent: dict[tuple, Decimal] = defaultdict(Decimal)
    for n, (grant, key, passed) in enumerate(zip(grants, keys, passes)):
        if passed and grant is not None:
            total = spent[key] = cumulative[n] = spent[key] + grant
            limit = budgets.get(key)
            within[n] = limit is not None and total <= limit
    return grants, cumulative, within


def _cities(ids: set[int]) -> dict[int, City]:
    """The cities, from the session when CALL_OPTIONS loaded them with the budgets, else in one statement."""
    found = {i: city for i in ids if (city := db.session.identity_map.get(db.session.identity_key(City, i)))}
    missing = ids - found.keys()
    if missing:
        found.update({city.id: city for city in db.session.scalars(select(City).where(City.id.in_(missing)))})
    return found


# ---- the ranking page: computed once per change of its inputs, shown a page at a time ---------------

def ranking_rows(call: Call) -> list[RankedRow]:
    """The whole ranking, computed again only once one of its inputs has changed (a score, a decision, the
    call's rubric, rate table or budgets...: each service that changes one calls memo.ranking_changed)."""
    return memo.remember("ranking", call.id, memo.ranking_scopes(call.id), list[RankedRow],
                         lambda: compute_ranking_rows(call))


@dataclass(frozen=True)
class BudgetLine:
    """Where one pair-and-direction budget stops in the ranking, for the summary above the table."""

    budget: CallBudget
    funded: int  # passing applications the budget covers
    last_position: int | None  # the last of them in the ranking
    committed: Decimal


def budget_lines(call: Call, rows: list[RankedRow]) -> list[BudgetLine]:
    """One pass down the ranking: the rows within a budget come in rank order, each with the running total."""
    return _lines(call, _budget_totals(call, rows))


def _lines(call: Call, totals: list[BudgetTotals]) -> list[BudgetLine]:
    budgets = {(budget.pair_id, budget.direction): budget for budget in call.budgets}
    return [BudgetLine(budgets[key], t.funded, t.last_position, t.committed) for t in totals
            if (key := (t.pair_id, t.direction)) in budgets]


@dataclass(frozen=True)
class BudgetTotals:
    """A BudgetLine as plain values (the budget by its key), as the memo keeps it."""

    pair_id: int
    direction: Direction
    funded: int
    last_position: int | None
    committed: Decimal


def _budget_totals(call: Call, rows: list[RankedRow]) -> list[BudgetTotals]:
    last: dict[tuple, tuple[int, RankedRow]] = {}
    for row in rows:
        if row.within_budget:
            key = (row.pair_id, row.direction)
            last[key] = (last.get(key, (0, row))[0] + 1, row)
    totals = []
    for budget in call.budgets:
        found = last.get((budget.pair_id, budget.direction))
        funded = found[0] if found else 0
        final = found[1] if found else None
        # A row within a budget always has its running total.
        totals.append(BudgetTotals(budget.pair_id, budget.direction, funded, final.position if final else None,
                                   (final.cumulative or Decimal("0")) if final else Decimal("0")))
    return totals


@dataclass(frozen=True)
class RankingSummary:
    """What the ranking page shows besides its rows: how many there are and where each budget stops."""

    total: int
    budgets: list[BudgetTotals]


def ranking_page(call: Call, page: int, per_page: int) -> tuple[ListPage[RankedRow], list[BudgetLine]]:
    """One page of the ranking and the budget lines, each kept beside the whole ranking (same generations):
    a request reads and decodes the rows it shows, not the thousands of a large call."""
    scopes = memo.ranking_scopes(call.id)
    summary = memo.remember("ranking-summary", call.id, scopes, RankingSummary, lambda: RankingSummary(
        len(rows := ranking_rows(call)), _budget_totals(call, rows)))
    page = existing_page(page, per_page, summary.total)
    start = (page - 1) * per_page
    items = memo.remember("ranking-page", (call.id, page, per_page), scopes, list[RankedRow],
                          lambda: ranking_rows(call)[start:start + per_page])
    return ListPage(items=items, page=page, per_page=per_page, total=summary.total), _lines(call, summary.budgets)
