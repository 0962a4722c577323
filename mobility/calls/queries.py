"""select() builders for calls."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from mobility.accounts.enums import Discipline
from mobility.calls.enums import CallKind, CallStatus
from mobility.calls.models import Call, CallDiscipline, call_pair
from mobility.extensions import db
from mobility.i18n.content import localized

# What the public lists show of a call (calls/_macros.html, archive.html): they load only this, not the
# long texts in every language, the rules or the rate table.
LISTED_COLUMNS = load_only(Call.id, Call.kind, Call.status, Call.title, Call.summary, Call.opens_at, Call.closes_at,
                           Call.timezone)


def _with_pairs(stmt: Select) -> Select:
    return stmt.options(selectinload(Call.pairs))  # the pairs' cities are joined to them (CityPair)


def open_calls(now: datetime, *, pair_id: int | None = None, kind: CallKind | None = None,
               discipline: Discipline | None = None, closes_before: datetime | None = None) -> Select:
    """Published calls whose deadline has not passed, soonest deadline first."""
    stmt = select(Call).where(Call.status == CallStatus.PUBLISHED, Call.closes_at > now)
    if pair_id:
        stmt = stmt.where(Call.id.in_(select(call_pair.c.call_id).where(call_pair.c.pair_id == pair_id)))
    if kind:
        stmt = stmt.where(Call.kind == kind)
    if closes_before:
        stmt = stmt.where(Call.closes_at <= closes_before)
    if discipline:
        # A call that names no discipline is open to all of them.
        named = select(CallDiscipline.call_id)
        stmt = stmt.where(or_(Call.id.not_in(named),
                              Call.id.in_(named.where(CallDiscipline.discipline == discipline))))
    return _with_pairs(stmt.order_by(Call.closes_at, Call.id))


def archived_calls(now: datetime) -> Select:
    return _with_pairs(select(Call).where(or_(
        Call.status.in_((CallStatus.CLOSED, CallStatus.ARCHIVED)),
        (Call.status == CallStatus.PUBLISHED) & (Call.closes_at <= now),
    )).order_by(Call.closes_at.desc(), Call.id.desc()))


def calls_for_pair(pair_id: int, statuses) -> Select:
    return select(Call).where(
        Call.id.in_(select(call_pair.c.call_id).where(call_pair.c.pair_id == pair_id)),
        Call.status.in_(statuses),
    ).order_by(Call.closes_at.desc())


def all_calls(programme_ids: frozenset[int] | None = None) -> Select:
    """Every call, newest first; only those of `programme_ids` when given (None: every programme)."""
    stmt = select(Call).options(joinedload(Call.programme)).order_by(Call.created_at.desc(), Call.id.desc())
    if programme_ids is not None:
        stmt = stmt.where(Call.programme_id.in_(programme_ids))
    return _with_pairs(stmt)


def calls_by_deadline(programme_ids: frozenset[int] | None = None) -> list[Call]:
    """Every call, the latest deadline first; only those of `programme_ids` when given (None: every programme)."""
    stmt = select(Call).order_by(Call.closes_at.desc())
    if programme_ids is not None:
        stmt = stmt.where(Call.programme_id.in_(programme_ids))
    return list(db.session.scalars(stmt))


def call_titles_by_deadline(programme_ids: frozenset[int] | None = None) -> list[tuple[int, str]]:
    """(id, title in the viewer's language) of the calls calls_by_deadline() gives, in its order: what a filter
    of calls shows, from two columns (a call's entity carries every text of its page)."""
    stmt = select(Call.id, Call.title).order_by(Call.closes_at.desc())
    if programme_ids is not None:
        stmt = stmt.where(Call.programme_id.in_(programme_ids))
    return [(call_id, localized(title)) for call_id, title in db.session.execute(stmt)]


def calls_of_programme(programme_id: int) -> list[Call]:
    """A programme's calls, newest first."""
    return list(db.session.scalars(select(Call).where(Call.programme_id == programme_id)
                                   .order_by(Call.created_at.desc())))


def call_counts_by_programme() -> dict[int, int]:
    """How many calls each programme has (programmes without a call are not in it)."""
    return dict(db.session.execute(select(Call.programme_id, func.count()).group_by(Call.programme_id)).all())
