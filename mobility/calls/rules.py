"""Eligibility rules as data: how each kind's parameters are checked and how a rule explains itself."""
from __future__ import annotations

from datetime import date

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from mobility.accounts.enums import Discipline
from mobility.calls.enums import CareerStage, RuleKind
from mobility.cities.enums import Side
from mobility.cities.models import City
from mobility.core.enums import TitledEnum
from mobility.core.errors import DomainError
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db

RANGE_KINDS = (RuleKind.DURATION, RuleKind.TEAM_SIZE)
CHOICE_KINDS: dict[RuleKind, tuple[str, type[TitledEnum]]] = {
    RuleKind.RESIDENCE_SIDE: ("sides", Side),
    RuleKind.DISCIPLINE: ("disciplines", Discipline),
    RuleKind.CAREER_STAGE: ("stages", CareerStage),
}


def clean_params(kind: RuleKind, raw: dict) -> dict:
    """Checked, normalised parameters for a rule of `kind`; DomainError names the offending field."""
    if kind in RANGE_KINDS:
        low, high = raw.get("min"), raw.get("max")
        if low is None and high is None:
            raise DomainError(_l("Give a minimum, a maximum or both."), field="min_value")
        for name, value in (("min_value", low), ("max_value", high)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise DomainError(_l("Use a whole number of 1 or more."), field=name)
        if low is not None and high is not None and low > high:
            raise DomainError(_l("The minimum cannot be larger than the maximum."), field="min_value")
        return {"min": low, "max": high}
    if kind in CHOICE_KINDS:
        key, enum_cls = CHOICE_KINDS[kind]
        values = [v for v in raw.get(key) or [] if v]
        valid = {m.value for m in enum_cls}
        if not values or any(v not in valid for v in values):
            raise DomainError(_l("Choose at least one option."), field=key)
        return {key: sorted(set(values), key=[m.value for m in enum_cls].index)}
    if kind is RuleKind.RESIDENCE_CITY:
        ids = sorted({int(v) for v in raw.get("city_ids") or []})
        if not ids:
            raise DomainError(_l("Choose at least one city."), field="city_ids")
        return {"city_ids": ids}
    if kind is RuleKind.TRAVEL_WINDOW:
        start, end = raw.get("start"), raw.get("end")
        if not start or not end:
            raise DomainError(_l("Give both the first and the last possible travel day."), field="start_date")
        if date.fromisoformat(start) > date.fromisoformat(end):
            raise DomainError(_l("The window must start before it ends."), field="start_date")
        return {"start": start, "end": end}
    raise DomainError(_l("Unknown kind of rule."), field="kind")


def explain(kind: RuleKind, params: dict) -> str:
    """A plain-language sentence for applicants, in the current locale."""
    low, high = params.get("min"), params.get("max")
    # The plural follows the bound that ends the sentence ("at least 1 day").
    if kind is RuleKind.DURATION:
        if low is not None and high is not None:
            return ngettext("Stays last at least %(min)s and at most %(max)s day.",
                            "Stays last at least %(min)s and at most %(max)s days.", int(high), min=low, max=high)
        if low is not None:
            return ngettext("Stays last at least %(min)s day.", "Stays last at least %(min)s days.", int(low), min=low)
        return ngettext("Stays last at most %(max)s day.", "Stays last at most %(max)s days.", int(high or 0),
                        max=high)
    if kind is RuleKind.TEAM_SIZE:
        if low is not None and high is not None:
            return ngettext("Teams have between %(min)s and %(max)s member.",
                            "Teams have between %(min)s and %(max)s members.", int(high), min=low, max=high)
        if low is not None:
            return ngettext("Teams have at least %(min)s member.", "Teams have at least %(min)s members.", int(low),
                            min=low)
        return ngettext("Teams have at most %(max)s member.", "Teams have at most %(max)s members.", int(high or 0),
                        max=high)
    if kind in CHOICE_KINDS:
        key, enum_cls = CHOICE_KINDS[kind]
        names = _("; ").join(enum_cls(v).title for v in params.get(key, []))
        sentences = {
            RuleKind.RESIDENCE_SIDE: _("Applicants live in: %(list)s.", list=names),
            RuleKind.DISCIPLINE: _("Open to these disciplines: %(list)s.", list=names),
            RuleKind.CAREER_STAGE: _("Open to artists at these career stages: %(list)s.", list=names),
        }
        return sentences[kind]
    if kind is RuleKind.RESIDENCE_CITY:
        names = _("; ").join(_city_names(params.get("city_ids", [])))
        return _("Applicants live in one of these cities: %(list)s.", list=names)
    if kind is RuleKind.TRAVEL_WINDOW:
        return _("Travel takes place between %(start)s and %(end)s.",
                 start=format_date(date.fromisoformat(params["start"]), "long"),
                 end=format_date(date.fromisoformat(params["end"]), "long"))
    return ""


def _city_names(ids: list[int]) -> list[str]:
    cities = db.session.scalars(select(City).where(City.id.in_(ids))).all() if ids else []
    by_id = {c.id: c.display_name() for c in cities}
    return [by_id.get(i, str(i)) for i in ids]


def within_range(params: dict, value: int) -> bool:
    """A DURATION or TEAM_SIZE rule: min and max inclusive, either may be missing."""
    low, high = params.get("min"), params.get("max")
    return (low is None or value >= low) and (high is None or value <= high)


def within_window(params: dict, start: date, end: date) -> bool:
    """A TRAVEL_WINDOW rule: the whole stay lies inside it."""
    return date.fromisoformat(params["start"]) <= start and end <= date.fromisoformat(params["end"])
