"""From the database to the solver and back: who may review what, built with sets and arrays."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mobility.accounts.enums import Language, Level
from mobility.accounts.models import Affiliation, LanguageSkill, User, UserDiscipline
from mobility.accounts.services import organisation_key
from mobility.applications.enums import ApplicationStatus, MemberStatus
from mobility.applications.models import Application
from mobility.applications.services import fully_translated_languages
from mobility.calls.models import Call
from mobility.cities.enums import Side
from mobility.extensions import db
from mobility.review.enums import AssignmentStatus, PairRule
from mobility.review.models import Assignment, AssignmentRule, CallJuror
from mobility.review.solver import Problem, Solution

READS = (Level.WORKING, Level.FLUENT, Level.NATIVE)
LANGUAGE_BIT = {lang.value: 1 << i for i, lang in enumerate(Language)}
EAST_ASIAN_COUNTRIES = {"CN", "JP", "KR"}
REVIEWABLE = (ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW)


@dataclass
class Instance:
    applications: list[Application]
    jurors: list[User]
    problem: Problem
    kept: list[Assignment] = field(default_factory=list)    # assignments the run keeps where they are
    pinned: list[tuple[int, int]] = field(default_factory=list)
    pins_refused: list[str] = field(default_factory=list)    # pinned jurors who cannot be assigned, and why


def juror_side(user: User) -> int:
    if user.home_city is not None:
        return 0 if user.home_city.side is Side.EUROPE else 1
    if user.country:
        return 1 if user.country in EAST_ASIAN_COUNTRIES else 0
    return -1


# Why a juror may not review an application (the first reason found is kept, for a pinned juror's report).
LANGUAGE, ORGANISATION, SAME_CITY, MEMBER, DECLARED = 1, 2, 3, 4, 5


def _blocked_reason(code: int) -> str:
    return {
        LANGUAGE: _("they do not read a language the application is written in or fully translated into"),
        ORGANISATION: _("they share an organisation with the applicant, the team or the host"),
        SAME_CITY: _("they live in the applicant's city, a conflict of interest in this call"),
        MEMBER: _("they are part of the application"),
        DECLARED: _("they declared a conflict of interest"),
    }[code]


def build_instance(call: Call, *, only: Application | None = None) -> Instance:
    """Eligibility of every (application, juror) pair: language, conflicts, manager rules, capacity.

    With `only`, the instance fills that application's free seats and nothing else: every seat already given
    in the call, confirmed or not, stays where it is and counts in its juror's load."""
    query = select(Application).where(Application.call_id == call.id, Application.status.in_(REVIEWABLE))
    if only is not None:
        query = query.where(Application.id == only.id)
    applications = db.session.scalars(query.options(selectinload(Application.members))
                                      .order_by(Application.id)).all()
    pool = db.session.scalars(select(CallJuror).where(CallJuror.call_id == call.id)
                              .options(selectinload(CallJuror.user).selectinload(User.home_city))
                              .order_by(CallJuror.user_id)).all()
    jurors = [entry.user for entry in pool]
    a_index = {a.id: i for i, a in enumerate(applications)}
    j_index = {u.id: i for i, u in enumerate(jurors)}
    a_count, j_count = len(applications), len(jurors)
    juror_ids = list(j_index)
    blocked = np.zeros((a_count, j_count), dtype=np.int8)

    def block(rows: Any, cols: Any, code: int) -> None:
        current = blocked[rows, cols]
        blocked[rows, cols] = np.where(current == 0, code, current)

    # Languages: bit masks, one matrix product. What a juror must read is the application itself — the
    # languages it is written in, or one it is fully translated into (a translated summary alone is not enough).
    reads = np.zeros(j_count, dtype=np.int64)
    for user_id, language in db.session.execute(
            select(LanguageSkill.user_id, LanguageSkill.language)
            .where(LanguageSkill.user_id.in_(juror_ids), LanguageSkill.reading.in_(READS))):
        reads[j_index[user_id]] |= LANGUAGE_BIT[language.value]
    written = np.array([sum(LANGUAGE_BIT.get(x, 0) for x in {*a.languages, *fully_translated_languages(a)})
                        for a in applications], dtype=np.int64)
    if a_count and j_count:
        unread_rows, unread_cols = np.nonzero((written[:, None] & reads[None, :]) == 0)
        block(unread_rows, unread_cols, LANGUAGE)

    # Conflicts: shared organisations (applicant, accepted team, host), being part of the application, and
    # (unless the call says otherwise) living in the applicant's city.
    juror_orgs: dict[str, set[int]] = defaultdict(set)
    for user_id, key in db.session.execute(select(Affiliation.user_id, Affiliation.organisation_key)
                                           .where(Affiliation.user_id.in_(juror_ids))):
        juror_orgs[key].add(j_index[user_id])
    people = {a.applicant_id for a in applications} | {
        m.user_id for a in applications for m in a.members if m.user_id}
    person_orgs: dict[int, set[str]] = defaultdict(set)
    for user_id, key in db.session.execute(select(Affiliation.user_id, Affiliation.organisation_key)
                                           .where(Affiliation.user_id.in_(people))):
        person_orgs[user_id].add(key)
    juror_city = np.array([u.home_city_id or 0 for u in jurors], dtype=np.int64)
    for application in applications:
        row = a_index[application.id]
        members = [application.applicant_id] + [m.user_id for m in application.members
                                                if m.user_id and m.status is MemberStatus.ACCEPTED]
        keys: set[str] = set().union(*(person_orgs[p] for p in members))
        if application.host_organisation:
            keys.add(organisation_key(application.host_organisation))
        for key in keys:
            for j in juror_orgs.get(key, ()):
                block(row, j, ORGANISATION)
        for person in members:
            if person in j_index:
                block(row, j_index[person], MEMBER)
        if call.same_city_conflict and application.origin_city_id and j_count:
            block(row, np.nonzero(juror_city == application.origin_city_id)[0], SAME_CITY)

    # Manager rules, earlier conflict declarations, and what is already settled.
    need = np.full(a_count, call.reviewers_per_application, dtype=np.int64)
    sides = np.array([juror_side(u) for u in jurors], dtype=np.int64)
    need_side = np.full((a_count, 2), call.reviewers_per_application >= 2)
    capacity = np.array([entry.max_load for entry in pool], dtype=np.int64)
    base_load = np.zeros(j_count, dtype=np.int64)
    min_load = np.full(j_count, call.min_reviews_per_juror, dtype=np.int64)
    rules = db.session.execute(select(AssignmentRule.application_id, AssignmentRule.juror_id, AssignmentRule.rule)
                               .where(AssignmentRule.application_id.in_(list(a_index)))).all()
    existing = db.session.scalars(select(Assignment).where(Assignment.call_id == call.id)).all()
    kept = []
    fixed: set[tuple[int, int]] = set()
    for assignment in existing:
        row_of, j_of = a_index.get(assignment.application_id), j_index.get(assignment.juror_id)
        if j_of is None:
            continue
        j = j_of
        if assignment.status is AssignmentStatus.CONFLICT:
            if row_of is not None:
                block(row_of, j, DECLARED)
        elif only is not None:
            # Filling one application's seats: every other seat stays, and weighs on its juror.
            kept.append(assignment)
            capacity[j] -= 1
            min_load[j] -= 1
            base_load[j] += 1
            if row_of is not None:
                fixed.add((row_of, j))
        elif assignment.status is AssignmentStatus.ACCEPTED and row_of is not None:
            kept.append(assignment)
            fixed.add((row_of, j))
            capacity[j] -= 1
            min_load[j] -= 1  # what a juror already has counts toward their minimum
            base_load[j] += 1
    eligible = blocked == 0
    for application_id, juror_id, rule in rules:
        if rule is PairRule.FORBID and juror_id in j_index:
            eligible[a_index[application_id], j_index[juror_id]] = False

    pinned: list[tuple[int, int]] = []
    pins_refused: list[str] = []
    for aid, jid, rule in rules:
        if rule is not PairRule.PIN:
            continue
        a = a_index[aid]
        if jid not in j_index:
            juror = db.session.get(User, jid)
            reason = _("they are not in this call's jury")
        elif (a, j_index[jid]) in fixed:
            continue  # already has the seat
        elif blocked[a, j_index[jid]]:
            juror, reason = jurors[j_index[jid]], _blocked_reason(int(blocked[a, j_index[jid]]))
        else:
            pinned.append((a, j_index[jid]))
            continue
        pins_refused.append(_("%(juror)s is pinned to %(application)s but cannot be assigned: %(reason)s.",
                              juror=juror.name if juror else "—",
                              application=applications[a].reference or applications[a].title, reason=reason))
    for a, j in fixed | set(pinned):
        need[a] -= 1
        eligible[a, j] = False  # already placed: not again
        if sides[j] in (0, 1):
            need_side[a, sides[j]] = False
    for a, j in pinned:
        capacity[j] -= 1
        min_load[j] -= 1
        base_load[j] += 1
    need = np.maximum(need, 0)

    disciplines: dict[str, set[int]] = defaultdict(set)
    for user_id, discipline in db.session.execute(select(UserDiscipline.user_id, UserDiscipline.discipline)
                                                  .where(UserDiscipline.user_id.in_(juror_ids))):
        disciplines[discipline.value].add(j_index[user_id])
    affinity = np.zeros((a_count, j_count), dtype=bool)
    for application in applications:
        if application.discipline:
            affinity[a_index[application.id], list(disciplines.get(application.discipline.value, set()))] = True

    problem = Problem(k=call.reviewers_per_application, eligible=eligible, juror_side=sides,
                      capacity=np.maximum(capacity, 0), affinity=affinity, need=need, need_side=need_side,
                      min_load=np.maximum(min_load, 0), base_load=base_load)
    return Instance(applications=list(applications), jurors=jurors, problem=problem, kept=kept,
                    pinned=pinned, pins_refused=pins_refused)


def explain_uncovered(instance: Instance, solution: Solution) -> list[str]:
    """Sentences like "3 applications in Korean: no Korean-reading juror with capacity left"."""
    groups: dict[tuple[str, str], int] = defaultdict(int)
    problem = instance.problem
    for a, missing in enumerate(solution.uncovered):
        if not missing:
            continue
        application = instance.applications[a]
        languages = ", ".join(Language(x).title for x in application.languages) or _("no language given")
        readers = problem.eligible[a]
        if not readers.any():
            reason = _("no juror reads it without a conflict of interest")
        elif solution.side_missing[a, 0] and not (readers & (problem.juror_side == 0)).any():
            reason = _("no juror from Europe reads it without a conflict of interest")
        elif solution.side_missing[a, 1] and not (readers & (problem.juror_side == 1)).any():
            reason = _("no juror from East Asia reads it without a conflict of interest")
        else:
            reason = _("the jurors who read it have no capacity left")
        groups[(languages, reason)] += 1
    lines = [ngettext("%(num)d application in %(languages)s: %(reason)s",
                      "%(num)d applications in %(languages)s: %(reason)s", count, languages=languages, reason=reason)
             for (languages, reason), count in sorted(groups.items())]
    return lines + explain_minimum_loads(instance, solution)


def explain_minimum_loads(instance: Instance, solution: Solution) -> list[str]:
    """One sentence per juror who stays below the call's minimum, with what they get instead."""
    if solution.load_missing is None or instance.problem.min_load is None:
        return []
    lines = []
    for j in np.nonzero(solution.load_missing)[0]:
        wanted = int(instance.problem.min_load[j])
        lines.append(ngettext(
            "%(name)s gets %(got)s of the minimum of %(num)d application: not enough applications they can "
            "read without a conflict of interest, or their cap is lower",
            "%(name)s gets %(got)s of the minimum of %(num)d applications: not enough applications they can "
            "read without a conflict of interest, or their cap is lower",
            wanted, name=instance.jurors[j].name, got=wanted - int(solution.load_missing[j])))
    return lines


