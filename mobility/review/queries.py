"""select() builders and small reads for juror pools, assignments, reviews and consensus reports."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from mobility.accounts.models import User
from mobility.applications.models import Application
from mobility.calls.models import Call
from mobility.extensions import db
from mobility.review.assignment import REVIEWABLE
from mobility.review.enums import AssignmentStatus, PairRule, ReviewStatus
from mobility.review.models import Assignment, AssignmentRule, CallJuror, ConsensusReport, Review, ReviewPhase

# ---- the jury ---------------------------------------------------------------------------------


def jury_pool(call_id: int) -> list[CallJuror]:
    """A call's jury pool with each juror's languages and home city (the jury page)."""
    return list(db.session.scalars(select(CallJuror).where(CallJuror.call_id == call_id)
                                   .options(selectinload(CallJuror.user).selectinload(User.language_skills),
                                            selectinload(CallJuror.user).selectinload(User.home_city))))


def jury_by_name(call_id: int) -> Select:
    """A call's jury pool, by the jurors' names, with their accounts (the API's list)."""
    return (select(CallJuror).where(CallJuror.call_id == call_id).join(User, User.id == CallJuror.user_id)
            .options(selectinload(CallJuror.user)).order_by(User.name, User.id))


def jurors_of_call(call_id: int) -> list[User]:
    """The people in a call's jury pool, by name."""
    return list(db.session.scalars(select(User).join(CallJuror, CallJuror.user_id == User.id)
                                   .where(CallJuror.call_id == call_id).order_by(User.name)))


def juror_loads(call_id: int) -> dict[int, int]:
    """How many of a call's applications each juror is assigned (jurors without one are not in it)."""
    return dict(db.session.execute(select(Assignment.juror_id, func.count()).where(Assignment.call_id == call_id)
                                   .group_by(Assignment.juror_id)).all())


# ---- assignments ------------------------------------------------------------------------------


def applications_to_assign(call_id: int) -> list[Application]:
    """The applications of a call the assignment page lists: those in review or ready for it, and any that
    already has an assignment."""
    return list(db.session.scalars(select(Application).where(Application.call_id == call_id).where(or_(
        Application.status.in_(REVIEWABLE),
        Application.id.in_(select(Assignment.application_id).where(Assignment.call_id == call_id))))
        .order_by(Application.id)))


def call_assignments(call_id: int) -> list[Assignment]:
    """Every assignment of a call, with its juror."""
    return list(db.session.scalars(select(Assignment).where(Assignment.call_id == call_id)
                                   .options(selectinload(Assignment.juror))))


def declared_conflicts(call_id: int) -> list[Assignment]:
    """A call's declared conflicts of interest, newest first, with the juror and the application (the office
    reads the reasons)."""
    return list(db.session.scalars(
        select(Assignment).where(Assignment.call_id == call_id, Assignment.status == AssignmentStatus.CONFLICT)
        .options(selectinload(Assignment.juror), selectinload(Assignment.application))
        .order_by(Assignment.declared_at.desc(), Assignment.id.desc())))


def pair_rules(application_ids: Iterable[int]) -> dict[tuple[int, int], PairRule]:
    """The manager's pin-or-forbid rules of these applications, by (application id, juror id)."""
    return {(r.application_id, r.juror_id): r.rule for r in db.session.scalars(
        select(AssignmentRule).where(AssignmentRule.application_id.in_(list(application_ids))))}


def assignment_for_review(assignment_id: int) -> Assignment | None:
    """The assignment with what the review page shows, in one statement (and a few per collection), whatever
    the call's size."""
    return db.session.get(Assignment, assignment_id, options=[
        joinedload(Assignment.review),
        joinedload(Assignment.application).options(
            joinedload(Application.call).selectinload(Call.criteria),
            joinedload(Application.call).selectinload(Call.questions),
            joinedload(Application.applicant), joinedload(Application.origin_city), joinedload(Application.pair),
            selectinload(Application.members), selectinload(Application.attachments))])


def assignments_of_juror(juror_id: int) -> Select:
    """A juror's assignments, newest first (a juror who served on many rounds keeps every assignment), with only
    what the cards of "my assignments" show: an application's texts, answers and search text, a call's texts and
    rules, a review's scores and comments would all be read and decoded for every card otherwise."""
    application = joinedload(Assignment.application)
    return (select(Assignment).where(Assignment.juror_id == juror_id)
            .options(application.load_only(Application.id, Application.title, Application.host_organisation,
                                           Application.call_id, Application.applicant_id, Application.languages),
                     application.joinedload(Application.call).load_only(Call.id, Call.title, Call.review_due_at,
                                                                        Call.blind_review, Call.programme_id),
                     application.joinedload(Application.applicant).load_only(User.id, User.name),
                     joinedload(Assignment.review).load_only(Review.id, Review.status, Review.submitted_at))
            .order_by(Assignment.created_at.desc(), Assignment.id.desc()))


def juror_progress(juror_id: int) -> list:
    """Per call a juror serves in (the latest deadline first): (call id, title, panel locked at, assignments,
    reviews submitted, assignments still to confirm), conflicts left out; one aggregate statement."""
    counts = (select(Assignment.call_id.label("call_id"), func.count().label("total"),
                     func.sum(case((Review.status == ReviewStatus.SUBMITTED, 1), else_=0)).label("done"),
                     func.sum(case((Assignment.status == AssignmentStatus.ASSIGNED, 1), else_=0)).label("to_confirm"))
              .outerjoin(Review, Review.assignment_id == Assignment.id)
              .where(Assignment.juror_id == juror_id, Assignment.status != AssignmentStatus.CONFLICT)
              .group_by(Assignment.call_id).subquery())
    return list(db.session.execute(
        select(Call.id, Call.title, Call.panel_locked_at, counts.c.total, counts.c.done, counts.c.to_confirm)
        .join(counts, counts.c.call_id == Call.id).order_by(Call.closes_at.desc(), Call.id)))


def phases_of_calls(call_ids: Iterable[int]) -> list[ReviewPhase]:
    """The stored phases of several calls, by call and position (one statement)."""
    ids = list(call_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(ReviewPhase).where(ReviewPhase.call_id.in_(ids))
                                   .order_by(ReviewPhase.call_id, ReviewPhase.position)))


def assignment_of(application_id: int, juror_id: int) -> Assignment | None:
    """The juror's assignment to the application, if any."""
    return db.session.scalar(select(Assignment).where(Assignment.application_id == application_id,
                                                      Assignment.juror_id == juror_id))


# ---- reviews and consensus --------------------------------------------------------------------


def submitted_reviews(application_id: int) -> list[Review]:
    """The submitted reviews of an application's accepted assignments, with their jurors (the consensus page)."""
    return list(db.session.scalars(
        select(Review).join(Assignment).where(Assignment.application_id == application_id,
                                              Assignment.status == AssignmentStatus.ACCEPTED,
                                              Review.status == ReviewStatus.SUBMITTED)
        .options(selectinload(Review.assignment).selectinload(Assignment.juror))))


def numbered_reviews_of_call(call_id: int) -> Select:
    """The submitted reviews of a call's accepted assignments, by application: (review, number) rows, the number
    counting an application's reviews 1, 2, … in assignment order (the API's list)."""
    number = func.row_number().over(partition_by=Assignment.application_id, order_by=Assignment.id)
    return (select(Review, number).join(Assignment, Assignment.id == Review.assignment_id)
            .where(Assignment.call_id == call_id, Assignment.status == AssignmentStatus.ACCEPTED,
                   Review.status == ReviewStatus.SUBMITTED)
            .options(selectinload(Review.assignment).selectinload(Assignment.juror),
                     selectinload(Review.assignment).selectinload(Assignment.application))
            .order_by(Assignment.application_id, Assignment.id))


def consensus_report_of(application_id: int) -> ConsensusReport | None:
    """The application's consensus report, once drafted."""
    return db.session.scalar(select(ConsensusReport).where(ConsensusReport.application_id == application_id))
