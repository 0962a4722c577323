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
    fact: str = ""          # what the application says, passed or not (the screening page shows it)


def check_eligibility(application: Application, *, office: bool = False) -> list[RuleCheck]:
    """Each rule checked; `office`: the explanations speak of the applicant (the screening page), not to them."""
    return [_check(rule, application, office) for rule in application.call.rules]


def failing(checks: list[RuleCheck]) -> list[RuleCheck]:
    return [c for c in checks if c.passed is not True]


def _check(rule: EligibilityRule, application: Application, office: bool = False) -> RuleCheck:
    sentence = rules.explain(rule.kind, rule.params)
    params = rule.params
    kind = rule.kind

    def result(passed: bool | None, problem: str = "") -> RuleCheck:
        if passed is None and not problem:
            problem = _("Not answered yet.")
        return RuleCheck(rule, sentence, passed, "" if passed else problem, problem)

    def missing(to_applicant: str, about_applicant: str) -> RuleCheck:
        return result(None, about_applicant if office else to_applicant)

    if kind is RuleKind.DURATION:
        days = application.days
        if days is None:
            return missing(_("Give the first and last day of your stay."), _("The applicant gave no dates."))
        ok = rules.within_range(params, days)
        return result(ok, ngettext("The stay lasts %(num)s day.", "The stay lasts %(num)s days.", days) if office
                      else ngettext("Your stay lasts %(num)s day.", "Your stay lasts %(num)s days.", days))
    if kind is RuleKind.TEAM_SIZE:
        size = application.team_size
        return result(rules.within_range(params, size),
                      ngettext("The team has %(num)s member who has accepted.",
                               "The team has %(num)s members who have accepted.", size) if office
                      else ngettext("Your team has %(num)s member who has accepted.",
                                    "Your team has %(num)s members who have accepted.", size))
    if kind in (RuleKind.RESIDENCE_SIDE, RuleKind.RESIDENCE_CITY):
        city = application.origin_city
        if city is None:
            return missing(_("Say which city you live in."), _("The applicant has not said where they live."))
        passed = (city.side.value in params.get("sides", []) if kind is RuleKind.RESIDENCE_SIDE
                  else city.id in params.get("city_ids", []))
        return result(passed, _("The applicant lives in %(city)s.", city=city.display_name()) if office
                      else _("You live in %(city)s.", city=city.display_name()))
    if kind is RuleKind.DISCIPLINE:
        if application.discipline is None:
            return missing(_("Choose your discipline."), _("The applicant has chosen no discipline."))
        title = application.discipline.title
        return result(application.discipline.value in params.get("disciplines", []),
                      _("The applicant's discipline is %(discipline)s.", discipline=title) if office
                      else _("Your discipline is %(discipline)s.", discipline=title))
    if kind is RuleKind.CAREER_STAGE:
        if application.career_stage is None:
            return missing(_("Choose your career stage."), _("The applicant has chosen no career stage."))
        title = application.career_stage.title
        return result(application.career_stage.value in params.get("stages", []),
                      _("The applicant's career stage is %(stage)s.", stage=title) if office
                      else _("Your career stage is %(stage)s.", stage=title))
    if kind is RuleKind.TRAVEL_WINDOW:
        if application.start_date is None or application.end_date is None:
            return missing(_("Give the first and last day of your stay."), _("The applicant gave no dates."))
        ok = rules.within_window(params, application.start_date, application.end_date)
        start, end = format_date(application.start_date, "long"), format_date(application.end_date, "long")
        return result(ok, _("The stay runs from %(start)s to %(end)s.", start=start, end=end) if office
                      else _("Your stay runs from %(start)s to %(end)s.", start=start, end=end))
    return result(None)
