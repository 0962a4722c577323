"""Review verbs: pool, assignment runs, declarations, reviews, consensus, decisions, the panel lock."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import cast

import numpy as np
import sqlalchemy as sa
from flask import url_for
from sqlalchemy import CursorResult, delete, func, or_, select, update

from mobility.accounts.enums import Role
from mobility.accounts.models import User
from mobility.applications import services as applications
from mobility.applications.enums import ApplicationStatus
from mobility.applications.models import Application
from mobility.calls.models import Call
from mobility.core import audit, memo, reminders
from mobility.core.errors import DomainError
from mobility.core.lifecycle import Lifecycle
from mobility.core.mail import queue_mail
from mobility.core.once import once
from mobility.core.text import LazyText
from mobility.core.text import lazy_gettext as _l
from mobility.db import bulk_insert, locked, utcnow
from mobility.extensions import db
from mobility.i18n.content import localized
from mobility.i18n.locales import DEFAULT_LOCALE, LOCALES
from mobility.review.assignment import build_instance, explain_uncovered, juror_side
from mobility.review.enums import (
    AssignmentStatus,
    ConsensusStatus,
    Decision,
    PairRule,
    PhaseKind,
    ReviewStatus,
)
from mobility.review.models import (
    Assignment,
    AssignmentRule,
    CallJuror,
    ConsensusReport,
    PanelDecision,
    Review,
    ReviewPhase,
)
from mobility.review.queries import juror_progress, phases_of_calls
from mobility.review.solver import solve

COMMENT_LIMIT = 4000

# A juror declares once per assignment; a conflict can still be declared after reading (access ends).
ASSIGNMENT = Lifecycle("assignment", Assignment, {
    AssignmentStatus.ASSIGNED: {AssignmentStatus.ACCEPTED, AssignmentStatus.CONFLICT},
    AssignmentStatus.ACCEPTED: {AssignmentStatus.CONFLICT},
    AssignmentStatus.CONFLICT: set(),
}, action="review.declared")

# A review is saved as a draft any number of times and submitted once.
REVIEW = Lifecycle("review", Review, {
    ReviewStatus.DRAFT: {ReviewStatus.SUBMITTED},
    ReviewStatus.SUBMITTED: set(),
}, action="review.submitted")

# A rapporteur drafts the consensus; a moderator approves it once (the state is `approved_at`).
CONSENSUS = Lifecycle("consensus", ConsensusReport, {
    ConsensusStatus.DRAFT: {ConsensusStatus.APPROVED},
    ConsensusStatus.APPROVED: set(),
}, action="review.consensus_approved")

# Capability flags of the three phases a call starts with (managers may change them).
DEFAULT_PHASES = (
    (PhaseKind.INDIVIDUAL, dict(can_review=True, can_see_others_reviews=False, can_see_reviewer_names=False,
                                can_change_decisions=False)),
    (PhaseKind.CONSENSUS, dict(can_review=False, can_see_others_reviews=True, can_see_reviewer_names=True,
                               can_change_decisions=False)),
    (PhaseKind.PANEL, dict(can_review=False, can_see_others_reviews=True, can_see_reviewer_names=True,
                           can_change_decisions=True)),
)


# ---- phases ---------------------------------------------------------------------------------

def phases(call: Call) -> list[ReviewPhase]:
    """The call's phases; a call that never changed them has the defaults (not stored: reading never writes)."""
    rows = list(db.session.scalars(select(ReviewPhase).where(ReviewPhase.call_id == call.id)
                                   .order_by(ReviewPhase.position)))
    return rows or [ReviewPhase(call_id=call.id, position=i, kind=kind, active=(i == 0), **flags)
                    for i, (kind, flags) in enumerate(DEFAULT_PHASES)]


def active_phase(call: Call) -> ReviewPhase:
    rows = phases(call)
    return next((p for p in rows if p.active), rows[0])


def reviews_can_change(call: Call, phase: ReviewPhase | None = None) -> bool:
    """Whether a juror's draft review may still change: the active phase lets jurors review and the panel has
    not locked the call (save_review's own rules). A submitted review never changes."""
    return call.panel_locked_at is None and (phase or active_phase(call)).can_review


@dataclass(frozen=True)
class DeskProgress:
    """A juror's progress in one call (the assignment list's head)."""

    call_id: int
    title: str
    assigned: int       # assignments, conflicts left out
    done: int           # reviews submitted
    to_confirm: int     # waiting for the no-conflict declaration
    phase: ReviewPhase
    can_change: bool    # drafts may still be saved and submitted

    @property
    def to_do(self) -> int:
        return self.assigned - self.done


def desk_progress(juror: User) -> list[DeskProgress]:
    """Done and to do per call, with the phase each call is in: two statements, however many calls."""
    rows = juror_progress(juror.id)
    stored: dict[int, list[ReviewPhase]] = {}
    for phase in phases_of_calls(r.id for r in rows):
        stored.setdefault(phase.call_id, []).append(phase)
    progress = []
    for row in rows:
        call_phases = stored.get(row.id) or [
            ReviewPhase(call_id=row.id, position=i, kind=kind, active=(i == 0), **flags)
            for i, (kind, flags) in enumerate(DEFAULT_PHASES)]
        phase = next((p for p in call_phases if p.active), call_phases[0])
        progress.append(DeskProgress(call_id=row.id, title=localized(row.title), assigned=int(row.total),
                                     done=int(row.done or 0), to_confirm=int(row.to_confirm or 0), phase=phase,
                                     can_change=row.panel_locked_at is None and phase.can_review))
    return progress


def phase_change(call: Call, kind: PhaseKind) -> tuple[bool, list[LazyText]]:
    """Whether moving to `kind` goes back to an earlier phase, and what that reopens or closes (sentences)."""
    rows = phases(call)
    current = next((p for p in rows if p.active), rows[0])
    target = next(p for p in rows if p.kind is kind)
    if target.position >= current.position:
        return False, []
    effects = []
    if target.can_review and not current.can_review:
        submitted = db.session.scalar(select(func.count()).select_from(Review).join(Assignment).where(
            Assignment.call_id == call.id, Review.status == ReviewStatus.SUBMITTED)) or 0
        effects.append(_l("Individual review reopens: jurors can write and change their draft reviews and submit "
                          "them, so the ranking can change. The %(n)s reviews already submitted stay as they are.",
                          n=submitted))
    if current.can_see_others_reviews and not target.can_see_others_reviews:
        effects.append(_l("Jurors no longer see each other's reviews, and consensus reports cannot be drafted "
                          "until the consensus phase comes back."))
    if current.can_change_decisions and not target.can_change_decisions:
        decided = db.session.scalar(select(func.count()).select_from(PanelDecision).join(Application).where(
            Application.call_id == call.id)) or 0
        effects.append(_l("Panel decisions can no longer be recorded or changed until the panel phase comes back. "
                          "The %(n)s decisions already recorded stay.", n=decided))
    return True, effects


def move_to_phase(actor: User, call: Call, kind: PhaseKind, *, confirmed: bool = False) -> None:
    """A phase never moves back without the office confirming what it reopens (phase_change says it)."""
    # Under the call's lock: two moves at once leave one phase active, and the defaults are stored once.
    call = lock_call_row(call)
    _ensure_not_locked(call)
    backwards, _effects = phase_change(call, kind)
    if backwards and not confirmed:
        raise DomainError(_l("Going back to an earlier phase reopens what it closed: confirm it first."))
    rows = phases(call)
    if next((p for p in rows if p.active), rows[0]).kind is kind and any(p.active for p in rows):
        return  # already there: the same request again changes nothing
    for phase in rows:
        phase.active = phase.kind is kind
    db.session.add_all(rows)  # stores the defaults the first time
    audit.record("review.phase_changed", actor=actor, target=call, phase=kind.value,
                 **({"backwards": "yes"} if backwards else {}))


# ---- the pool and manager rules -------------------------------------------------------------

def add_juror(actor: User, call: Call, juror: User, max_load: int) -> CallJuror:
    if not juror.has_role(Role.JUROR):
        raise DomainError(_l("Only people with the juror role can join a jury."), field="user_id")
    if juror_side(juror) < 0:
        raise DomainError(_l("Ask the juror to give their home city in their profile first: the jury needs "
                             "to know which side of the pair they are from."), field="user_id")
    if max_load < 0 or max_load > 500:
        raise DomainError(_l("Use a number from 0 to 500."), field="max_load")
    def existing() -> CallJuror | None:
        return db.session.get(CallJuror, (call.id, juror.id), populate_existing=True)

    def make() -> CallJuror:
        made = CallJuror(call_id=call.id, user_id=juror.id, max_load=max_load)
        db.session.add(made)
        db.session.flush()
        return made

    entry = existing() or once(make, existing)  # added twice at once: one row, the later load stands
    entry.max_load = max_load
    db.session.flush()
    audit.record("review.juror_added", actor=actor, target=call, juror=juror.id, max_load=max_load)
    return entry


def set_pair_rule(actor: User, application: Application, juror: User, rule: PairRule | None) -> None:
    def stored() -> AssignmentRule | None:
        return db.session.get(AssignmentRule, (application.id, juror.id), populate_existing=True)

    def make() -> AssignmentRule:
        made = AssignmentRule(application_id=application.id, juror_id=juror.id, rule=rule, created_by_id=actor.id)
        db.session.add(made)
        db.session.flush()
        return made

    existing = stored()
    if rule is None:
        if existing is not None:
            db.session.delete(existing)
    else:  # set twice at once: one row (the key), the later rule stands
        (existing or once(make, stored)).rule = rule
    audit.record("review.pair_rule", actor=actor, target=application, juror=juror.id,
                 rule=rule.value if rule else "none")


# ---- assignment runs ------------------------------------------------------------------------

@dataclass
class AssignmentReport:
    assigned: int
    kept: int
    uncovered_slots: int
    uncovered: list[str]            # what cannot be covered, and jurors below the call's minimum load
    objective: int
    saved: bool
    below_minimum: int = 0          # jurors the run cannot give their minimum load
    pins_refused: list[str] = field(default_factory=list)  # pinned jurors who cannot be assigned, and why


def run_assignment(actor: User, call: Call, *, accept_partial: bool = False, progress=None) -> AssignmentReport:
    """Solve the whole call at once. With uncovered slots nothing is saved unless the manager accepts.

    `progress(percent)` (a background job's) is told how far it is, before anything is written."""
    _ensure_not_locked(call)
    instance = build_instance(call)
    if progress:
        progress(30)
    solution = solve(instance.problem)
    if progress:
        progress(70)
    uncovered = int(solution.uncovered.sum())
    below = 0 if solution.load_missing is None else int(np.count_nonzero(solution.load_missing))
    report = AssignmentReport(assigned=len(solution.pairs) + len(instance.pinned), kept=len(instance.kept),
                              uncovered_slots=uncovered, uncovered=explain_uncovered(instance, solution),
                              objective=solution.objective, saved=False, below_minimum=below,
                              pins_refused=instance.pins_refused)
    if (uncovered or below) and not accept_partial:
        return report
    # Unconfirmed assignments are replaced; confirmed ones (and any with a review) stay. An unconfirmed seat the
    # run gives to the same juror again stays as it was (its row, its date): only what changed is written,
    # and only the jurors with new seats hear about them.
    unconfirmed = {(application_id, juror_id): row_id for row_id, application_id, juror_id in db.session.execute(
        select(Assignment.id, Assignment.application_id, Assignment.juror_id).where(
            Assignment.call_id == call.id, Assignment.status == AssignmentStatus.ASSIGNED,
            ~Assignment.id.in_(select(Review.assignment_id))))}
    pairs = [(int(a), int(j)) for a, j in solution.pairs] + instance.pinned
    chosen = {(instance.applications[a].id, instance.jurors[j].id): j for a, j in pairs}
    gone = [row_id for pair, row_id in unconfirmed.items() if pair not in chosen]
    for start in range(0, len(gone), 5000):
        db.session.execute(delete(Assignment).where(Assignment.id.in_(gone[start:start + 5000])))
    added = [(pair, j) for pair, j in chosen.items() if pair not in unconfirmed]
    now = utcnow()
    # One bulk statement (COPY on PostgreSQL): a large call has tens of thousands of seats.
    bulk_insert(db.session, cast(sa.Table, Assignment.__table__), [
        {"call_id": call.id, "application_id": application_id, "juror_id": juror_id,
         "status": AssignmentStatus.ASSIGNED.value, "created_at": now, "updated_at": now}
        for (application_id, juror_id), _j in added])
    # ELIGIBLE → IN_REVIEW, a transition of the application table (applications.APPLICATION), for the whole
    # call in one statement.
    applications.APPLICATION.check(ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW)
    db.session.execute(update(Application).where(
        Application.call_id == call.id, Application.status == ApplicationStatus.ELIGIBLE,
        Application.id.in_(select(Assignment.application_id).where(Assignment.call_id == call.id)))
        .values(status=ApplicationStatus.IN_REVIEW, version=Application.version + 1)
        .execution_options(synchronize_session=False))
    db.session.expire_all()
    memo.ranking_changed(call.id)
    seats: dict[int, int] = {}
    for _pair, j in added:
        seats[j] = seats.get(j, 0) + 1
    for j, count in seats.items():
        juror = instance.jurors[j]
        queue_mail(juror.email, juror.locale, _l("New applications to review"), "review/mail/assigned.txt",
                   juror=juror, call=call, count=count, link=url_for("review.my_assignments", _external=True))
    audit.record("review.assignment_run", actor=actor, target=call, assigned=len(pairs), new=len(added),
                 removed=len(gone), uncovered=uncovered, objective=solution.objective)
    report.saved = True
    return report


def fill_freed_seats(actor: User, application: Application) -> list[Assignment]:
    """Give the application's free seats (after a declared conflict) to new jurors, and change nothing else:
    every other seat of the call stays where it is, and only the jurors who receive a seat are mailed."""
    # Under the application's lock: two of its jurors declaring a conflict at once fill the seats one after
    # the other (the second sees the first's new juror), never the same seat twice or a unique-key error.
    application = locked(application)
    call = application.call
    _ensure_not_locked(call)
    if not active_phase(call).can_review:
        return []  # the individual review is over: a new juror could not review (the office sees the free seat)
    instance = build_instance(call, only=application)
    if not instance.applications:
        return []  # no longer in review: nothing to fill
    solution = solve(instance.problem)
    pairs = [(int(a), int(j)) for a, j in solution.pairs] + instance.pinned
    added = [Assignment(call_id=call.id, application_id=application.id, juror_id=instance.jurors[j].id,
                        status=AssignmentStatus.ASSIGNED) for _a, j in pairs]
    db.session.add_all(added)
    db.session.flush()
    for row in added:
        juror = row.juror
        queue_mail(juror.email, juror.locale, _l("New applications to review"), "review/mail/assigned.txt",
                   juror=juror, call=call, count=1, link=url_for("review.my_assignments", _external=True))
    audit.record("review.seat_filled", actor=actor, target=application, jurors=",".join(str(row.juror_id) for row in added),
                 uncovered=int(solution.uncovered.sum()))
    return added


# ---- declarations ---------------------------------------------------------------------------

def declare_no_conflict(juror: User, assignment: Assignment) -> Assignment:
    """Once: the same declaration sent again changes nothing."""
    refusal = _l("This assignment is not waiting for your declaration.")
    if assignment.juror_id != juror.id:
        raise DomainError(refusal)
    assignment = ASSIGNMENT.lock(assignment)
    if assignment.status is AssignmentStatus.ACCEPTED:
        return assignment
    ASSIGNMENT.check(assignment.status, AssignmentStatus.ACCEPTED, refusal)
    assignment.declared_at = utcnow()
    ASSIGNMENT.move(juror, assignment, AssignmentStatus.ACCEPTED, action="review.no_conflict",
                    target=assignment.application)
    return assignment


def declare_conflict(juror: User, assignment: Assignment, reason: str) -> Assignment:
    """Access ends at once; a draft review is kept for the audit; the application gets a replacement.
    Declared once: a second declaration changes nothing."""
    if assignment.juror_id != juror.id:
        raise DomainError(_l("This assignment is not yours to change."))
    if not reason.strip():
        raise DomainError(_l("Say briefly what the conflict is (only the programme office reads it)."),
                          field="reason")
    assignment = ASSIGNMENT.lock(assignment)
    if assignment.status is AssignmentStatus.CONFLICT:
        return assignment
    assignment.declared_at = utcnow()
    assignment.conflict_reason = reason.strip()[:2000]
    memo.ranking_changed(assignment.call_id)  # its review, if any, no longer counts
    ASSIGNMENT.move(juror, assignment, AssignmentStatus.CONFLICT, action="review.conflict_declared",
                    target=assignment.application)
    if assignment.application.call.panel_locked_at is None:
        fill_freed_seats(juror, assignment.application)  # the freed seat only; every other seat stays
    return assignment


# ---- reviews --------------------------------------------------------------------------------

def _ensure_not_locked(call: Call) -> None:
    if call.panel_locked_at is not None:
        raise DomainError(_l("The panel has locked this call: scores and decisions can no longer change."))


def lock_call_row(call: Call) -> Call:
    """Take the call's row lock, so a write and the panel lock never interleave (PostgreSQL)."""
    return locked(call)


def parse_score(raw: str | None, call: Call, field: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation as exc:
        raise DomainError(_l("Enter a number."), field=field) from exc
    if not call.scale_min <= value <= call.scale_max or (value - call.scale_min) % call.scale_step:
        raise DomainError(_l("Use a score from %(min)s to %(max)s in steps of %(step)s.",
                             min=call.scale_min.normalize(), max=call.scale_max.normalize(),
                             step=call.scale_step.normalize()), field=field)
    return value


def save_review(juror: User, assignment: Assignment, *, scores: dict[int, str | None], comments: dict[int, str],
                overall_comment: str, comment_language: str | None, submit: bool) -> Review:
    if assignment.juror_id != juror.id or assignment.status is not AssignmentStatus.ACCEPTED:
        raise DomainError(_l("Confirm that you have no conflict of interest before reviewing."))
    call = lock_call_row(assignment.application.call)
    # Read after the lock: a submission that won the race is seen here, not overwritten.
    review = db.session.execute(select(Review).where(Review.assignment_id == assignment.id)
                                .execution_options(populate_existing=True)).scalar_one_or_none()
    if review is not None and review.status is ReviewStatus.SUBMITTED:
        if submit:
            return review  # submitted once: the same request again gets the review it submitted
        raise DomainError(_l("You have already submitted this review."))
    _ensure_not_locked(call)
    if not active_phase(call).can_review:
        raise DomainError(_l("The individual review phase is over: reviews can no longer change."))
    if review is None:
        review = Review(assignment=assignment, status=ReviewStatus.DRAFT)
        db.session.add(review)  # in the session at once: reading the call's criteria below may autoflush
    parsed: dict[str, str] = {}
    for criterion in call.criteria:
        value = parse_score(scores.get(criterion.id), call, f"score_{criterion.id}")
        if value is not None:
            parsed[str(criterion.id)] = str(value)
        elif submit:
            raise DomainError(_l("Give a score for every criterion."), field=f"score_{criterion.id}")
        comment = (comments.get(criterion.id) or "").strip()
        if len(comment) > COMMENT_LIMIT:
            raise DomainError(_l("Use at most %(n)s characters.", n=COMMENT_LIMIT), field=f"comment_{criterion.id}")
    if len(overall_comment or "") > COMMENT_LIMIT:
        raise DomainError(_l("Use at most %(n)s characters.", n=COMMENT_LIMIT), field="overall_comment")
    review.scores = parsed
    review.comments = {str(c.id): (comments.get(c.id) or "").strip() for c in call.criteria
                       if (comments.get(c.id) or "").strip()}
    review.overall_comment = (overall_comment or "").strip()
    review.comment_language = comment_language or None
    if submit:
        review.submitted_at = utcnow()
        memo.ranking_changed(call.id)  # a draft saved is not ranked: only a submission changes it
        REVIEW.move(juror, review, ReviewStatus.SUBMITTED, target=assignment.application)
    else:
        db.session.flush()
        audit.record("review.saved", actor=juror, target=assignment.application)
    return review


def weighted_total(call: Call, scores: dict[str, str]) -> Decimal:
    return sum((Decimal(scores[str(c.id)]) * c.weight for c in call.criteria if str(c.id) in scores), Decimal("0"))


# ---- consensus, decisions, lock -------------------------------------------------------------

def feedback_translation_locale(application: Application) -> str | None:
    """The language, besides English, that the consensus feedback may be written in: the applicant's."""
    locale = application.applicant.locale if application.applicant else None
    return locale if locale in LOCALES and locale != DEFAULT_LOCALE else None


def save_consensus(actor: User, application: Application, *, scores: dict[int, str | None], comments: dict[int, str],
                   summary: str, approve: bool, comments_translation: dict[int, str] | None = None,
                   summary_translation: str = "") -> ConsensusReport:
    """The agreed scores and feedback. The feedback is written in English (`comments`, `summary`); the same in
    the applicant's language may be added (`comments_translation`, `summary_translation`), kept with that
    language so that the letter says which text is which."""
    call = lock_call_row(application.call)
    # Read after the lock: an approval that won the race is seen here.
    report = db.session.execute(select(ConsensusReport).where(ConsensusReport.application_id == application.id)
                                .execution_options(populate_existing=True)).scalar_one_or_none()
    if report is not None and report.status is ConsensusStatus.APPROVED:
        if approve:
            return report  # approved once: approving again gets the approved report
        raise DomainError(_l("The moderator has approved this consensus: it can no longer change."))
    _ensure_not_locked(call)
    if report is None:
        report = ConsensusReport(application_id=application.id, rapporteur_id=actor.id)
        db.session.add(report)
    report.scores = {str(c.id): str(v) for c in call.criteria
                     if (v := parse_score(scores.get(c.id), call, f"score_{c.id}")) is not None}
    report.comments = {str(c.id): (comments.get(c.id) or "").strip() for c in call.criteria
                       if (comments.get(c.id) or "").strip()}
    report.summary = (summary or "").strip()
    translation_locale = feedback_translation_locale(application)
    translated = comments_translation or {}
    report.comments_translation = {str(c.id): (translated.get(c.id) or "").strip() for c in call.criteria
                                   if (translated.get(c.id) or "").strip()} if translation_locale else {}
    report.summary_translation = (summary_translation or "").strip() if translation_locale else ""
    report.translation_locale = translation_locale if (report.comments_translation
                                                       or report.summary_translation) else None
    if approve:
        if report.rapporteur_id == actor.id:
            raise DomainError(_l("The moderator who approves must not be the rapporteur who drafted."))
        if len(report.scores) != len(call.criteria):
            raise DomainError(_l("Give a score for every criterion."))
        report.approved_by_id = actor.id
        memo.ranking_changed(call.id)
        CONSENSUS.move(actor, report, ConsensusStatus.APPROVED, target=application)
    else:
        db.session.flush()
        audit.record("review.consensus_saved", actor=actor, target=application)
    return report


DECISION_STATUS = {
    Decision.SHORTLIST: ApplicationStatus.SHORTLISTED,
    Decision.AWARD: ApplicationStatus.AWARDED,
    Decision.WAITLIST: ApplicationStatus.WAITLISTED,
    Decision.REJECT: ApplicationStatus.REJECTED,
}


def record_decision(actor: User, application: Application, decision: Decision, reason: str) -> PanelDecision:
    call = lock_call_row(application.call)
    _ensure_not_locked(call)
    if not active_phase(call).can_change_decisions:
        raise DomainError(_l("Decisions are taken in the panel phase."))
    if not reason.strip():
        raise DomainError(_l("Give the reason for the decision."), field="reason")
    row = db.session.get(PanelDecision, application.id)
    if row is not None and row.decision is decision and row.reason == reason.strip():
        return row  # the same decision sent again (a double click): the one recorded stands, audited once
    row = row or PanelDecision(application_id=application.id)
    row.decision, row.reason, row.decided_by_id, row.decided_at = decision, reason.strip(), actor.id, utcnow()
    db.session.add(row)
    memo.ranking_changed(call.id)
    target = DECISION_STATUS[decision]
    if application.status is not target:
        applications.set_status(actor, application, target, decision=decision.value)
    audit.record("review.decision", actor=actor, target=application, decision=decision.value)
    return row


RECONSIDERED_DECISIONS = (Decision.AWARD, Decision.WAITLIST, Decision.REJECT)


def reconsideration_target(application: Application, decision: Decision) -> ApplicationStatus | None:
    """The status a reconsidered `decision` moves `application` to, or None when it keeps the decision it has
    (the office confirms it). Refused, on the decision field, when the application's lifecycle does not allow
    it (a withdrawn application, an award taken back)."""
    if decision not in RECONSIDERED_DECISIONS:
        raise DomainError(_l("Choose an award, the waiting list or the rejection."), field="decision")
    target = DECISION_STATUS[decision]
    row = db.session.get(PanelDecision, application.id)
    if application.status is target and (row is None or row.decision is decision):
        return None
    try:
        applications.APPLICATION.check(application.status, target)
    except DomainError as refused:
        raise DomainError(refused.message, field="decision") from None
    return target


def reconsider_decision(actor: User, application: Application, decision: Decision, reason: str) -> PanelDecision:
    """The one exception to the panel lock: the new panel decision on one application whose request for review
    the office upheld (awards.redress.reconsider checks the request and calls this, once; nothing else does).
    Only this application's decision changes; every other score, consensus and decision stays locked. The
    decision the application already has is confirmed as it stands."""
    call = lock_call_row(application.call)
    reason = reason.strip()
    if not reason:
        raise DomainError(_l("Give the reason for the decision."), field="reason")
    target = reconsideration_target(application, decision)
    row = db.session.get(PanelDecision, application.id)
    if target is None and row is not None:
        audit.record("review.decision_reconsidered", actor=actor, target=application, decision=decision.value,
                     changed=False)
        return row
    row = row or PanelDecision(application_id=application.id)
    row.decision, row.reason, row.decided_by_id, row.decided_at = decision, reason, actor.id, utcnow()
    row.letter_sent_at = None
    db.session.add(row)
    memo.ranking_changed(call.id)
    if target is not None:
        applications.set_status(actor, application, target, decision=decision.value, reconsidered=True)
    audit.record("review.decision_reconsidered", actor=actor, target=application, decision=decision.value,
                 changed=True)
    return row


def lock_panel(actor: User, call: Call) -> None:
    """After this no score, consensus or decision changes; it takes the same row lock as every write.
    Once: locking again (a double click, a second manager) leaves the first lock as it was."""
    locked = cast(CursorResult, db.session.execute(
        update(Call).where(Call.id == call.id, Call.panel_locked_at.is_(None))
        .values(panel_locked_at=utcnow()).execution_options(synchronize_session=False)))
    db.session.expire(call)
    if locked.rowcount != 1:
        return
    audit.record("review.panel_locked", actor=actor, target=call)


def send_reminders(today: date | None = None) -> int:
    """One mail per juror and call with unfinished reviews, in the juror's language, at most once a calendar
    week (mobility/core/reminders.py: a second run that week sends nothing; a missed run is caught up by
    the next run that week). Returns the count sent."""
    year, week, _day = (today or utcnow().date()).isocalendar()
    open_work = db.session.execute(
        select(Assignment.juror_id, Assignment.call_id, func.count())
        .join(Call, Call.id == Assignment.call_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Call.panel_locked_at.is_(None), Assignment.status != AssignmentStatus.CONFLICT,
               or_(Review.id.is_(None), Review.status != ReviewStatus.SUBMITTED))
        .group_by(Assignment.juror_id, Assignment.call_id)
        .order_by(Assignment.call_id, Assignment.juror_id)).all()
    sent = 0
    for juror_id, call_id, count in open_work:
        if not reminders.claim("review", juror_id, f"call:{call_id}:{year}-W{week:02d}"):
            continue
        juror, call = db.session.get_one(User, juror_id), db.session.get_one(Call, call_id)
        queue_mail(juror.email, juror.locale, _l("A reminder: reviews waiting for you"), "review/mail/reminder.txt",
                   juror=juror, call=call, count=count, link=url_for("review.my_assignments", _external=True))
        sent += 1
    return sent
