"""Objects as the API shows them: translatable texts in the negotiated language, policies applied."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from mobility.applications.models import Application
from mobility.awards import services as awards
from mobility.awards import versions as awards_versions
from mobility.awards.models import Grant, Payment
from mobility.calls.models import Call
from mobility.cities.models import City, CityPair
from mobility.i18n.content import localized_locale
from mobility.reports.models import FinalReport
from mobility.review import policies as review_policies
from mobility.review.models import CallJuror, Review, ReviewPhase
from mobility.review.services import weighted_total


def city(c: City) -> dict:
    return {"id": c.id, "name": c.display_name(), "name_en": c.name_en, "name_local": c.name_local,
            "country": c.country, "side": c.side.value, "programme": c.programme.value, "title_year": c.title_year,
            "latitude": c.latitude, "longitude": c.longitude}


def pair_ref(p: CityPair | None) -> dict | None:
    return None if p is None else {"id": p.id, "name": p.display_name()}


def pair(p: CityPair) -> dict:
    return {"id": p.id, "name": p.display_name(), "europe_city": city(p.europe_city),
            "east_asia_city": city(p.east_asia_city), "start_year": p.start_year, "end_year": p.end_year,
            "illustrative": p.illustrative, "description": p.localized_description()}


def call(c: Call) -> dict:
    return {"id": c.id, "title": c.text("title"), "summary": c.text("summary"), "language": localized_locale(c.title),
            "kind": c.kind.value, "kind_title": c.kind.title, "status": c.status.value,
            "opens_at": c.opens_at, "closes_at": c.closes_at, "timezone": c.timezone,
            "pairs": [pair_ref(p) for p in c.pairs], "directions": list(c.directions),
            "disciplines": [d.discipline.value for d in c.disciplines],
            "accepted_languages": list(c.accepted_languages), "blind_review": c.blind_review,
            "currency": c.currency, "url": url_for("calls.detail", call_id=c.id, _external=True)}


def person(user) -> dict:
    return {"id": user.id, "name": user.name, "email": user.email}


def application(a: Application) -> dict:
    return {"id": a.id, "reference": a.reference, "call_id": a.call_id, "status": a.status.value,
            "status_title": a.status.title, "submitted_at": a.submitted_at, "applicant": person(a.applicant),
            "title": a.title, "pair": pair_ref(a.pair), "direction": a.direction.value if a.direction else None,
            "origin_city": a.origin_city.display_name() if a.origin_city else None,
            "host_city": a.host_city.display_name() if a.host_city else None,
            "discipline": a.discipline.value if a.discipline else None, "languages": list(a.languages),
            "start_date": a.start_date, "end_date": a.end_date, "days": a.days,
            "host_organisation": a.host_organisation, "host_confirmed": a.host_confirmed_at is not None,
            "team_size": a.team_size,
            "screening_reason": a.screening_reason.value if a.screening_reason else None,
            "screening_reason_title": a.screening_reason.title if a.screening_reason else None,
            "screening_note": a.screening_note, "screened_at": a.screened_at}


def review(r: Review, viewer, phase: ReviewPhase, number: int) -> dict:
    """As the consensus page shows a review: who applied only where blind review lets `viewer` see it
    (review/policies.sees_identity), the juror's name only in a phase that shows names."""
    assignment = r.assignment
    a = assignment.application
    return {"id": r.id, "application_id": a.id, "application_reference": a.reference,
            "applicant_name": a.applicant.name if review_policies.sees_identity(viewer, assignment) else None,
            "juror": ({"id": assignment.juror.id, "name": assignment.juror.name}
                      if phase.can_see_reviewer_names else None),
            "juror_label": _("Juror %(n)s", n=number), "status": r.status.value,
            "scores": dict(r.scores), "comments": dict(r.comments),
            "overall_comment": r.overall_comment, "comment_language": r.comment_language,
            "weighted_total": weighted_total(a.call, r.scores),
            "submitted_at": r.submitted_at}


def grant(g: Grant) -> dict:
    return {**agreement_of(g), "id": g.id, "application_id": g.application_id, "application_reference": g.application.reference,
            "call_id": g.call_id, "pair_id": g.pair_id, "grantee": person(g.application.applicant),
            "direction": g.direction.value, "status": g.status.value, "status_title": g.status.title,
            "amount": g.amount, "currency": g.currency, "distance_km": g.distance_km, "days": g.days,
            "start_date": g.start_date, "end_date": g.end_date, "accepted_at": g.accepted_at,
            "offer_expires_at": g.offer_expires_at, **_money(awards.money_of(g))}


def _money(money: awards.GrantMoney) -> dict:
    return {"paid": money.paid, "remaining": money.remaining, "due_now": money.due_now,
            "overpaid": money.overpaid, "recovery_due": money.recovery_due,
            "instalments": [{"number": i.number, "amount": i.amount, "paid": i.paid, "due": i.due,
                             "outstanding": i.outstanding, "overpaid": i.overpaid, "state": i.state.value,
                             "state_title": i.state.title} for i in money.instalments]}


def agreement_of(g: Grant) -> dict:
    """The agreement version in force and whether the grantee has accepted it (`accepted_at` is the grant's
    first acceptance: an amended version may wait for acceptance since)."""
    version = awards_versions.current_version(g)
    return {"agreement_version": version.number if version else 1,
            "agreement_accepted": awards_versions.agreement_accepted(g)}


def payment(p: Payment) -> dict:
    return {"id": p.id, "grant_id": p.grant_id, "instalment": p.instalment, "amount": p.amount,
            "reference": p.reference, "paid_on": p.paid_on, "created_at": p.created_at}


def report(r: FinalReport) -> dict:
    return {"id": r.id, "grant_id": r.grant_id, "application_reference": r.grant.application.reference,
            "status": r.status.value, "status_title": r.status.title, "actual_start": r.actual_start,
            "actual_end": r.actual_end, "actual_days": r.actual_days, "audience": r.audience,
            "sectors": list(r.sectors), "travel_mode": r.travel_mode.value if r.travel_mode else None,
            "public_summary": r.public_summary, "language": r.language, "submitted_at": r.submitted_at,
            "approved_at": r.approved_at}


def juror(entry: CallJuror) -> dict:
    return {"user_id": entry.user_id, "name": entry.user.name, "email": entry.user.email,
            "max_load": entry.max_load}
