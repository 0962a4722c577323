"""select() builders for applications."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, Select, Text, and_, cast, func, or_, select, union
from sqlalchemy.orm import contains_eager, defer, joinedload, selectinload

from mobility.accounts.enums import Discipline, Language
from mobility.accounts.models import User
from mobility.applications.enums import ApplicationStatus, MemberStatus
from mobility.applications.models import Application, TeamMember
from mobility.calls.models import Call
from mobility.cities.enums import Direction
from mobility.extensions import db


@dataclass(frozen=True)
class ApplicationFilters:
    status: ApplicationStatus | None = None
    pair_id: int | None = None
    direction: str | None = None
    discipline: str | None = None
    language: str | None = None
    text: str = ""


def application_filters(call, *, status=None, pair=None, direction=None, discipline=None, language=None,
                        text: str | None = "") -> ApplicationFilters:
    """The filters of the office's list (page and API alike): values that cannot apply are dropped."""
    listed = {s.value for s in ApplicationStatus if s is not ApplicationStatus.DRAFT}
    return ApplicationFilters(
        status=ApplicationStatus(status) if status in listed else None,
        pair_id=pair if pair in {p.id for p in call.pairs} else None,
        direction=direction if direction in {d.value for d in Direction} else None,
        discipline=discipline if discipline in {d.value for d in Discipline} else None,
        language=language if language in {x.value for x in Language} else None,
        text=(text or "").strip()[:100],
    )


def matching_exchange(stmt: Select, *, pair_id: int | None = None, direction: str | None = None,
                      discipline: str | None = None) -> Select:
    """The filters the office's list and the dashboard share: which pair, which way, which art form."""
    if pair_id:
        stmt = stmt.where(Application.pair_id == pair_id)
    if direction:
        stmt = stmt.where(Application.direction == direction)
    if discipline:
        stmt = stmt.where(Application.discipline == discipline)
    return stmt


def application_for_page(application_id: int) -> Application | None:
    """The application with what every page of an application shows (call, pair, city of origin, applicant),
    in one statement."""
    return db.session.get(Application, application_id, options=[
        joinedload(Application.call), joinedload(Application.pair), joinedload(Application.origin_city),
        joinedload(Application.applicant)])


def application_in_call(call_id: int, applicant_id: int) -> Application | None:
    """The application `applicant_id` leads in a call, if any (one each)."""
    return db.session.scalar(select(Application).where(Application.call_id == call_id,
                                                       Application.applicant_id == applicant_id))


def applications_of(user_id: int) -> Select:
    """Applications a person leads or has joined as an accepted team member."""
    joined = select(TeamMember.application_id).where(TeamMember.user_id == user_id,
                                                     TeamMember.status == MemberStatus.ACCEPTED)
    led = select(Application.id).where(Application.applicant_id == user_id)
    # A union of the two id sets, not an OR: each side uses its index instead of a scan of every application.
    # The dashboard reads neither the calls' long texts nor the applications' search text: not loaded.
    return (select(Application)
            .where(Application.id.in_(union(led, joined)))
            .options(defer(Application.search_text), defer(Application.summary_translations),
                     joinedload(Application.call).options(defer(Call.summary), defer(Call.body), defer(Call.guidance),
                                                          selectinload(Call.questions), selectinload(Call.rules)),
                     joinedload(Application.origin_city), selectinload(Application.attachments),
                     selectinload(Application.members))
            .order_by(Application.created_at.desc()))


def call_applications(call_id: int, filters: ApplicationFilters) -> Select:
    """The manager's list: submitted applications of a call (drafts are the artists' own business)."""
    return _submitted(select(Application), call_id, filters).options(contains_eager(Application.applicant))


def call_applications_with_places(call_id: int, filters: ApplicationFilters) -> Select:
    """call_applications() with each application's pair and city of origin (what the API shows of one)."""
    return call_applications(call_id, filters).options(selectinload(Application.pair),
                                                       selectinload(Application.origin_city))


def listed_applications(call_id: int, filters: ApplicationFilters) -> Select:
    """call_applications() as plain rows of the columns the office's list shows: a page of 250 loads in a
    sixth of the time ORM objects take."""
    return _submitted(select(Application.id, Application.reference, User.name.label("applicant_name"),
                             Application.title, Application.direction, Application.languages, Application.status,
                             Application.submitted_at), call_id, filters)


def listed_total(call_id: int, filters: ApplicationFilters) -> int:
    """How many rows listed_applications() has."""
    return db.session.execute(
        select(func.count()).select_from(listed_applications(call_id, filters).order_by(None).subquery())).scalar_one()


def listed_page(call_id: int, filters: ApplicationFilters, page: int, per_page: int) -> list[Row]:
    """One page of listed_applications()."""
    return list(db.session.execute(listed_applications(call_id, filters)
                                   .limit(per_page).offset((page - 1) * per_page)).all())


def _submitted(stmt: Select, call_id: int, filters: ApplicationFilters) -> Select:
    """`stmt` (over applications) narrowed to a call's submitted applications matching `filters`, with their
    applicants, in the order they came in."""
    stmt = stmt.where(Application.call_id == call_id, Application.status != ApplicationStatus.DRAFT)
    if filters.status:
        stmt = stmt.where(Application.status == filters.status)
    stmt = matching_exchange(stmt, pair_id=filters.pair_id, direction=filters.direction,
                             discipline=filters.discipline)
    if filters.language:
        # languages is a small JSON list of codes like ["ja","en"]: a quoted substring match is exact.
        stmt = stmt.where(cast(Application.languages, Text).like(f'%"{filters.language}"%'))
    if filters.text:
        stmt = stmt.where(Application.search_text.contains(filters.text.lower(), autoescape=True))
    return stmt.join(User, User.id == Application.applicant_id).order_by(Application.submitted_at, Application.id)


def counts_by_status_and_direction(call_id: int) -> Select:
    return (select(Application.status, Application.direction, func.count())
            .where(Application.call_id == call_id, Application.status != ApplicationStatus.DRAFT)
            .group_by(Application.status, Application.direction))


def screening_neighbours(application: Application) -> tuple[int | None, int | None]:
    """The applications before and after `application` in the office's list of its call (submitted ones, in the
    order they came in): the screening page's previous and next."""
    base = select(Application.id).where(Application.call_id == application.call_id,
                                        Application.status != ApplicationStatus.DRAFT, Application.id != application.id)
    if application.submitted_at is None:
        return None, None
    key = (Application.submitted_at, Application.id)
    mine = (application.submitted_at, application.id)
    earlier = or_(key[0] < mine[0], and_(key[0] == mine[0], key[1] < mine[1]))
    later = or_(key[0] > mine[0], and_(key[0] == mine[0], key[1] > mine[1]))
    previous = db.session.scalar(base.where(earlier).order_by(Application.submitted_at.desc(),
                                                              Application.id.desc()).limit(1))
    following = db.session.scalar(base.where(later).order_by(Application.submitted_at, Application.id).limit(1))
    return previous, following
