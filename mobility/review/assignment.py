"""From the database to the solver and back: who may review what, built with sets and arrays."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mobility.accounts.enums import Language, Level
from mobility.accounts.models import Affiliation, LanguageSkill, User, UserDiscipline
from mobility.accounts.services import organisation_key
from mobility.applications.enums import ApplicationStatus, MemberStatus
from mobility.applications.models import Application, TeamMember
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
    applications: list  # rows: id, applicant_id, languages, summary_translations, host_organisation, discipline
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
    # Plain rows, not ORM objects: a call can hold tens of thousands of applications.
    reviewable = [Application.call_id == call.id, Application.status.in_(REVIEWABLE)]
    if only is not None:
        reviewable.append(Application.id == only.id)
    applications = db.session.execute(
        select(Application.id, Application.reference, Application.title, Application.applicant_id,
               Application.languages, Application.translations, Application.host_organisation,
               Application.origin_city_id, Application.discipline)
        .where(*reviewable).order_by(Application.id)).all()
    accepted_members: dict[int, list[int]] = defaultdict(list)
    for application_id, user_id in db.session.execute(
            select(TeamMember.application_id, TeamMember.user_id)
            .join(Application, Application.id == TeamMember.application_id)
            .where(*reviewable, TeamMember.user_id.is_not(None), TeamMember.status == MemberStatus.ACCEPTED)):
        if user_id is not None:  # never: the query asks for members with an account
            accepted_members[application_id].append(user_id)
    pool = db.session.scalars(select(CallJuror).where(CallJuror.call_id == call.id)
                              .options(selectinload(CallJuror.user).selectinload(User.home_city))
                              .order_by(CallJuror.user_id)).all()
    jurors = [entry.user for entry in pool]
    a_index = {a.id: i for i, a in enumerate(applications)}
    j_index = {u.id: i for i, u in enumerate(jurors)}
    a_count, j_count = len(applications), len(jurors)
    juror_ids = list(j_index)

    # Languages: bit masks. What a juror must read is the application itself — the languages it is written in,
    # or one it is fully translated into (a translated summary alone is not enough). Applications readable in
    # the same languages share their readers, so the eligible pairs are built group by group (never an
    # applications × jurors matrix).
    reads = np.zeros(j_count, dtype=np.int64)
    for user_id, language in db.session.execute(
            select(LanguageSkill.user_id, LanguageSkill.language)
            .where(LanguageSkill.user_id.in_(juror_ids), LanguageSkill.reading.in_(READS))):
        reads[j_index[user_id]] |= LANGUAGE_BIT[language.value]
    translated = _fully_translated(item.id for item in applications if item.translations)
    written = np.array([sum(LANGUAGE_BIT.get(x, 0) for x in {*item.languages, *translated.get(item.id, ())})
                        for item in applications], dtype=np.int64)
    pair_a, pair_j = _pairs_by_language(written, reads)
    readable_key = pair_a * max(j_count, 1) + pair_j
    del pair_a, pair_j

    # Conflicts: shared organisations (applicant, accepted team, host), being part of the application, and
    # (unless the call says otherwise) living in the applicant's city. The first reason of each pair is kept.
    blocked: dict[tuple[int, int], int] = {}
    juror_orgs: dict[str, set[int]] = defaultdict(set)
    for user_id, key in db.session.execute(select(Affiliation.user_id, Affiliation.organisation_key)
                                           .where(Affiliation.user_id.in_(juror_ids))):
        juror_orgs[key].add(j_index[user_id])
    people = {item.applicant_id for item in applications} | {
        user_id for members in accepted_members.values() for user_id in members}
    person_orgs: dict[int, set[str]] = defaultdict(set)
    for user_id, key in db.session.execute(select(Affiliation.user_id, Affiliation.organisation_key)
                                           .where(Affiliation.user_id.in_(people))):
        person_orgs[user_id].add(key)
    jurors_in_city: dict[int, list[int]] = defaultdict(list)
    for j, user in enumerate(jurors):
        if user.home_city_id:
            jurors_in_city[user.home_city_id].append(j)
    for item in applications:
        row = a_index[item.id]
        members = [item.applicant_id, *accepted_members[item.id]]
        keys: set[str] = set().union(*(person_orgs[p] for p in members))
        if item.host_organisation:
            keys.add(organisation_key(item.host_organisation))
        for key in keys:
            for j in juror_orgs.get(key, ()):
                blocked.setdefault((row, j), ORGANISATION)
        for person in members:
            if person in j_index:
                blocked.setdefault((row, j_index[person]), MEMBER)
        if call.same_city_conflict and item.origin_city_id:
            for j in jurors_in_city.get(item.origin_city_id, ()):
                blocked.setdefault((row, j), SAME_CITY)

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
                blocked.setdefault((row_of, j), DECLARED)
        elif only is not None or (assignment.status is AssignmentStatus.ACCEPTED and row_of is not None):
            # Kept where it is (filling one application's seats: every other seat stays), and weighs on its juror.
            kept.append(assignment)
            capacity[j] -= 1
            min_load[j] -= 1  # what a juror already has counts toward their minimum
            base_load[j] += 1
            if row_of is not None:
                fixed.add((row_of, j))
    forbidden = [(a_index[application_id], j_index[juror_id]) for application_id, juror_id, rule in rules
                 if rule is PairRule.FORBID and juror_id in j_index]
    pair_key = _without(_without(readable_key, list(blocked), j_count), forbidden, j_count)

    pinned: list[tuple[int, int]] = []
    pins_refused: list[str] = []
    for aid, jid, rule in rules:
        if rule is not PairRule.PIN:
            continue
        a = a_index[aid]
        juror: User | None
        if jid not in j_index:
            juror, reason = db.session.get(User, jid), _("they are not in this call's jury")
        elif (a, j_index[jid]) in fixed:
            continue  # already has the seat
        elif (a, j_index[jid]) in blocked or not _contains(readable_key, [(a, j_index[jid])], j_count)[0]:
            juror = jurors[j_index[jid]]
            reason = _blocked_reason(blocked.get((a, j_index[jid]), LANGUAGE))
        else:
            pinned.append((a, j_index[jid]))
            continue
        pins_refused.append(_("%(juror)s is pinned to %(application)s but cannot be assigned: %(reason)s.",
                              juror=juror.name if juror else "—",
                              application=applications[a].reference or applications[a].title, reason=reason))
    del readable_key
    for a, j in fixed | set(pinned):
        need[a] -= 1
        if sides[j] in (0, 1):
            need_side[a, sides[j]] = False
    for a, j in pinned:
        capacity[j] -= 1
        min_load[j] -= 1
        base_load[j] += 1
    pair_key = _without(pair_key, fixed | set(pinned), j_count)  # already placed: not again
    need = np.maximum(need, 0)
    pair_a, pair_j = np.divmod(pair_key, max(j_count, 1))
    del pair_key
    # By application, the jurors as the smallest integers that hold them: the pairs are most of the memory.
    pair_start = np.searchsorted(pair_a, np.arange(a_count + 1))
    pair_j = pair_j.astype(np.min_scalar_type(max(j_count - 1, 0)))

    disciplines: dict[str, set[int]] = defaultdict(set)
    for user_id, discipline in db.session.execute(select(UserDiscipline.user_id, UserDiscipline.discipline)
                                                  .where(UserDiscipline.user_id.in_(juror_ids))):
        disciplines[discipline.value].add(j_index[user_id])
    # Affinity: one small (discipline × juror) table, looked up per pair.
    codes = {code: i for i, code in enumerate(sorted(disciplines))}
    works_in = np.zeros((len(codes) + 1, j_count), dtype=bool)   # the last row: no discipline given
    for code, members_of in disciplines.items():
        works_in[codes[code], list(members_of)] = True
    app_discipline = np.array([codes.get(item.discipline.value, len(codes)) if item.discipline else len(codes)
                               for item in applications], dtype=np.int64)
    affinity = works_in[app_discipline[pair_a], pair_j] if a_count else np.zeros(0, dtype=bool)
    del pair_a

    problem = Problem(k=call.reviewers_per_application, pair_start=pair_start, pair_juror=pair_j,
                      pair_affinity=affinity, juror_side=sides, capacity=np.maximum(capacity, 0), need=need,
                      need_side=need_side, min_load=np.maximum(min_load, 0), base_load=base_load)
    return Instance(applications=list(applications), jurors=jurors, problem=problem, kept=kept,
                    pinned=pinned, pins_refused=pins_refused)


def _fully_translated(ids) -> dict[int, set[str]]:
    """The languages each of these applications is fully translated into (the few with translations are
    loaded whole: the rule reads their answers and the call's questions)."""
    ids = list(ids)
    if not ids:
        return {}
    return {a.id: fully_translated_languages(a)
            for a in db.session.scalars(select(Application).where(Application.id.in_(ids)))}


def _pairs_by_language(written: np.ndarray, reads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (application, juror) pair where the juror reads a language the application is written in,
    ascending by application then juror: applications written in the same languages share one list of
    readers, so nothing of size applications × jurors is ever made."""
    if not len(written) or not len(reads):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    masks, group = np.unique(written, return_inverse=True)
    readers = [np.flatnonzero(reads & mask) for mask in masks]
    counts = np.array([len(r) for r in readers], dtype=np.int64)[group]
    pair_a = np.repeat(np.arange(len(written), dtype=np.int64), counts)
    pair_j = np.concatenate([readers[g] for g in group]).astype(np.int64)
    return pair_a, pair_j


def _keys(pairs, j_count: int) -> np.ndarray:
    return np.array(sorted({a * max(j_count, 1) + j for a, j in pairs}), dtype=np.int64)


def _positions(pair_key: np.ndarray, pairs, j_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each of the given (a, j) pairs would sit in the ascending `pair_key`, and whether it is there."""
    keys = _keys(pairs, j_count)
    at = np.searchsorted(pair_key, keys)
    found = at < len(pair_key)
    found[found] = pair_key[at[found]] == keys[found]
    return at, found


def _without(pair_key: np.ndarray, pairs, j_count: int) -> np.ndarray:
    """`pair_key` (ascending keys a·J + j) without the given (a, j) pairs; the order is kept."""
    if not pairs:
        return pair_key
    at, found = _positions(pair_key, pairs, j_count)
    return np.delete(pair_key, at[found])


def _contains(pair_key: np.ndarray, pairs, j_count: int) -> list[bool]:
    """For each (a, j), in the given order: is it an eligible pair?"""
    return [bool(len(pair_key)) and bool(_positions(pair_key, [pair], j_count)[1][0]) for pair in pairs]


def explain_uncovered(instance: Instance, solution: Solution) -> list[str]:
    """Sentences like "3 applications in Korean: no Korean-reading juror with capacity left"."""
    groups: dict[tuple[str, str], int] = defaultdict(int)
    problem = instance.problem
    for a, missing in enumerate(solution.uncovered):
        if not missing:
            continue
        application = instance.applications[a]
        languages = ", ".join(Language(x).title for x in application.languages) or _("no language given")
        reader_sides = problem.juror_side[problem.readers(a)]
        if not len(reader_sides):
            reason = _("no juror reads it without a conflict of interest")
        elif solution.side_missing[a, 0] and not (reader_sides == 0).any():
            reason = _("no juror from Europe reads it without a conflict of interest")
        elif solution.side_missing[a, 1] and not (reader_sides == 1).any():
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


