"""Each eligibility rule of the call, checked against a draft, with a plain-language explanation."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from mobility.applications.models import Application
from mobility.calls import rules
from mobility.calls.enums import RuleKind
from mobility.calls.models import EligibilityRule


@dataclass(frozen=True)
class RuleCheck:
    rule: EligibilityRule
    sentence: str           # what the rule asks, as the call page says it
    passed: bool | None     # None: the draft does not say yet
    problem: str = ""       # why it fails, in the applicant's language


def check_eligibility(application: Application) -> list[RuleCheck]:
    return [_check(rule, application) for rule in application.call.rules]


def failing(checks: list[RuleCheck]) -> list[RuleCheck]:
    return [c for c in checks if c.passed is not True]


def _check(rule: EligibilityRule, application: Application) -> RuleCheck:
    sentence = rules.explain(rule.kind, rule.params)
    params = rule.params
    kind = rule.kind

    def result(passed: bool | None, problem: str = "") -> RuleCheck:
        if passed is None and not problem:
            problem = _("Not answered yet.")
        return RuleCheck(rule, sentence, passed, "" if passed else problem)

    if kind is RuleKind.DURATION:
        days = application.days
        if days is None:
            return result(None, _("Give the first and last day of your stay."))
        ok = rules.within_range(params, days)
        return result(ok, ngettext("Your stay lasts %(num)s day.", "Your stay lasts %(num)s days.", days))
    if kind is RuleKind.TEAM_SIZE:
        size = application.team_size
        return result(rules.within_range(params, size), ngettext("Your team has %(num)s member who has accepted.",
                                                                   "Your team has %(num)s members who have accepted.", size))
    if kind is RuleKind.RESIDENCE_SIDE:
        city = application.origin_city
        if city is None:
            return result(None, _("Say which city you live in."))
        return result(city.side.value in params.get("sides", []),
                      _("You live in %(city)s.", city=city.display_name()))
    if kind is RuleKind.RESIDENCE_CITY:
        city = application.origin_city
        if city is None:
            return result(None, _("Say which city you live in."))
        return result(city.id in params.get("city_ids", []), _("You live in %(city)s.", city=city.display_name()))
    if kind is RuleKind.DISCIPLINE:
        if application.discipline is None:
            return result(None, _("Choose your discipline."))
        return result(application.discipline.value in params.get("disciplines", []),
                      _("Your discipline is %(discipline)s.", discipline=application.discipline.title))
    if kind is RuleKind.CAREER_STAGE:
        if application.career_stage is None:
            return result(None, _("Choose your career stage."))
        return result(application.career_stage.value in params.get("stages", []),
                      _("Your career stage is %(stage)s.", stage=application.career_stage.title))
    if kind is RuleKind.TRAVEL_WINDOW:
        if application.start_date is None or application.end_date is None:
            return result(None, _("Give the first and last day of your stay."))
        ok = rules.within_window(params, application.start_date, application.end_date)
        return result(ok, _("Your stay runs from %(start)s to %(end)s.",
                            start=format_date(application.start_date, "long"),
                            end=format_date(application.end_date, "long")))
    return result(None)

