"""Versions of the grant agreement: each kept as it was offered and, once accepted, as it was accepted.

Version 1 is offered with the grant. The grantee's acceptance signs one version, named by its number (the one
they read): the PDF is rendered then, with the acceptance, and its bytes and digest are kept. An approved
amendment that changes the terms replaces the version in force with version n+1, which waits for the
grantee's acceptance (they are mailed, in their language); until then the next instalment is not due
(`agreement_accepted`). The settlement of the final report does not make a version: the agreement itself
provides for it (unused amounts are paid back), and the accepted PDF stays as it was accepted.
"""
from __future__ import annotations

import hashlib
import json

from flask import url_for

from mobility.accounts.models import User
from mobility.awards import queries
from mobility.awards.agreement import render_agreement_pdf
from mobility.awards.enums import AgreementStatus, GrantStatus
from mobility.awards.models import AgreementVersion, Grant, GrantAmendment
from mobility.client import client_ip
from mobility.core import audit
from mobility.core.errors import DomainError
from mobility.core.lifecycle import Lifecycle
from mobility.core.mail import queue_mail
from mobility.core.text import lazy_gettext as _l
from mobility.db import locked, utcnow
from mobility.extensions import db
from mobility.i18n.locales import LOCALES

# A version is offered, then accepted or declined by the grantee, or replaced by a later version (an accepted
# version too: it stays accepted on its own terms, and its PDF keeps its acceptance).
AGREEMENT = Lifecycle("agreement_version", AgreementVersion, {
    AgreementStatus.OFFERED: {AgreementStatus.ACCEPTED, AgreementStatus.DECLINED, AgreementStatus.SUPERSEDED},
    AgreementStatus.ACCEPTED: {AgreementStatus.SUPERSEDED},
    AgreementStatus.DECLINED: set(),
    AgreementStatus.SUPERSEDED: set(),
}, action="award.agreement_status_changed")

# What makes two versions different terms (names and titles shown beside them are not terms).
COMPARED = ("amount", "currency", "start_date", "end_date", "days", "distance_km", "lines", "travellers",
            "first_instalment_percent")


def terms_of(grant: Grant) -> dict:
    """A snapshot of everything the agreement shows, as JSON (amounts as strings, dates ISO)."""
    application = grant.application
    call = application.call
    origin, host = application.origin_city, application.host_city
    assert origin is not None and host is not None  # a grant has an exchange
    return {
        "reference": application.reference, "title": application.title, "grantee": application.applicant.name,
        "call_title": {locale: call.text("title", locale) for locale in LOCALES},
        "origin": {locale: origin.display_name(locale) for locale in LOCALES},
        "host": {locale: host.display_name(locale) for locale in LOCALES},
        "distance_km": grant.distance_km, "days": grant.days,
        "start_date": grant.start_date.isoformat(), "end_date": grant.end_date.isoformat(),
        "currency": grant.currency, "amount": str(grant.amount),
        "lines": [dict(line) for line in grant.breakdown], "travellers": [dict(t) for t in grant.travellers],
        "first_instalment_percent": call.first_instalment_percent,
    }


def digest_of_terms(terms: dict) -> str:
    canonical = json.dumps(terms, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def same_terms(a: dict, b: dict) -> bool:
    return all(a.get(key) == b.get(key) for key in COMPARED)


def current_version(grant: Grant) -> AgreementVersion | None:
    """The version in force or waiting for acceptance: the highest number (lists load `Grant.versions` with
    their grants, so asking per grant costs no query)."""
    return grant.versions[-1] if grant.versions else None


def agreement_accepted(grant: Grant) -> bool:
    """The grantee has accepted the agreement in force: the grant is accepted and no amended version waits
    for their acceptance. Instalments are due only while this holds. (A grant from before versions existed,
    with none, counts as its own status says.)"""
    if grant.status is not GrantStatus.ACCEPTED:
        return False
    version = current_version(grant)
    return version is None or version.status is AgreementStatus.ACCEPTED


def awaiting_acceptance(grant: Grant) -> AgreementVersion | None:
    """An amended version of an accepted grant that the grantee has not accepted yet (for the pages)."""
    version = current_version(grant)
    if grant.status is GrantStatus.ACCEPTED and version is not None and version.status is AgreementStatus.OFFERED:
        return version
    return None


def offer_first(grant: Grant) -> AgreementVersion:
    """Version 1, offered with the grant."""
    terms = terms_of(grant)
    version = AgreementVersion(grant=grant, number=1, status=AgreementStatus.OFFERED, terms=terms,
                               terms_sha256=digest_of_terms(terms), offered_at=utcnow())
    db.session.add(version)
    db.session.flush()
    return version


def check_version(grant: Grant, number: int | None) -> AgreementVersion | None:
    """The version the grantee means to accept: the one in force. None when `number` is an older version
    they already accepted (a repeated request: nothing to do). Refused when the terms have changed since
    they read them. The grant is locked by the caller: its versions are read again under the lock."""
    db.session.expire(grant, ["versions"])
    current = current_version(grant)
    if number is None or current is None or number == current.number:
        return current
    seen = queries.version_of(grant.id, number)
    if seen is not None and seen.accepted_at is not None:
        return None
    raise DomainError(_l("The agreement has changed since you opened it: read version %(number)s and accept it "
                         "again.", number=current.number))


def sign(grantee: User, version: AgreementVersion, name: str) -> AgreementVersion:
    """The acceptance of one version (the grant is locked by the caller): recorded, and the PDF rendered with
    it once and kept byte for byte with its digest."""
    if version.status is AgreementStatus.ACCEPTED:
        return version
    AGREEMENT.check(version.status, AgreementStatus.ACCEPTED,
                    _l("This version of the agreement is no longer waiting for your answer."))
    version.accepted_at, version.accepted_name, version.accepted_ip = utcnow(), name.strip()[:200], client_ip()
    version.locale = grantee.locale
    version.pdf = render_agreement_pdf(version, grantee.locale, accepted=True)
    version.sha256 = hashlib.sha256(version.pdf).hexdigest()
    AGREEMENT.move(grantee, version, AgreementStatus.ACCEPTED, action="award.agreement_accepted",
                   target=version.grant.application, version=version.number, sha256=version.sha256,
                   name=version.accepted_name)
    return version


def decline(grantee: User, grant: Grant) -> None:
    version = current_version(grant)
    if version is not None and version.status is AgreementStatus.OFFERED:
        version.closed_at = utcnow()
        AGREEMENT.move(grantee, version, AgreementStatus.DECLINED, target=grant.application, version=version.number)


def amended(actor: User, grant: Grant, amendment: GrantAmendment) -> AgreementVersion | None:
    """After an approved amendment has changed the grant: if the terms differ from the version in force, that
    version is replaced by version n+1, offered to the grantee (mailed in their language). None when the
    terms are the same (nothing to accept again)."""
    grant = locked(grant)  # an acceptance at the same moment waits, then finds the version replaced
    db.session.expire(grant, ["versions"])
    current = current_version(grant)
    terms = terms_of(grant)
    if current is None or same_terms(current.terms, terms):
        return None
    current.closed_at = utcnow()
    AGREEMENT.move(actor, current, AgreementStatus.SUPERSEDED, target=grant.application, version=current.number)
    version = AgreementVersion(grant=grant, number=current.number + 1, status=AgreementStatus.OFFERED, terms=terms,
                               terms_sha256=digest_of_terms(terms), amendment_id=amendment.id, offered_at=utcnow())
    db.session.add(version)
    db.session.flush()
    audit.record("award.agreement_offered", actor=actor, target=grant.application, version=version.number,
                 amount=terms["amount"], previous_amount=current.terms.get("amount"))
    grantee = grant.application.applicant
    queue_mail(grantee.email, grantee.locale,
               _l("Version %(number)s of your grant agreement awaits your acceptance", number=version.number),
               "awards/mail/new_version.txt", user=grantee, application=grant.application, version=version,
               previous=current, link=url_for("awards.grant_page", grant_id=grant.id, _external=True))
    return version


def unversioned(grant: Grant) -> AgreementVersion:
    """For a grant written without versions (bulk-loaded data): its version 1 as the migration would draw it,
    built for reading only (never added to the session)."""
    terms = {**terms_of(grant), "recorded": "migration"}
    status = {GrantStatus.ACCEPTED: AgreementStatus.ACCEPTED, GrantStatus.DECLINED: AgreementStatus.DECLINED}.get(
        grant.status, AgreementStatus.OFFERED)
    return AgreementVersion(number=1, status=status, terms=terms, terms_sha256=digest_of_terms(terms),
                            offered_at=grant.created_at, accepted_name=grant.accepted_name,
                            accepted_at=grant.accepted_at)


def pdf_of(version: AgreementVersion, locale: str) -> bytes:
    """An accepted version's PDF is the bytes kept when it was accepted; any other version's is drawn from
    its terms, without an acceptance. (A version accepted before the PDFs were kept is drawn from its terms,
    with its acceptance.)"""
    if version.pdf is not None:
        return version.pdf
    return render_agreement_pdf(version, version.locale or locale,
                                accepted=version.accepted_at is not None and version.status is not AgreementStatus.DECLINED)


def erase_identity(grant_ids, erased: str) -> None:
    """Erasure of a grantee whose accepted grants are kept: their versions keep the amounts, dates and
    digests, and lose the name, the address and the PDF bytes that name them."""
    for version in queries.versions_of_grants(grant_ids):
        version.accepted_ip, version.pdf = None, None
        if version.accepted_name:
            version.accepted_name = erased
        version.terms = {**version.terms, "grantee": erased,
                         "travellers": [{**t, "name": erased} for t in version.terms.get("travellers", [])]}
    db.session.flush()
