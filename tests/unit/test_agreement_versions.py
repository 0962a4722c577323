"""Agreement versions: each accepted version is kept as it was accepted (terms, PDF bytes, digest, name, time,
address); an amendment that changes the terms makes a new version that the grantee accepts again, and no PDF
prints an acceptance beside terms that were not the ones accepted."""
from __future__ import annotations

import hashlib
import importlib.util
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from mobility.awards import queries, services, versions
from mobility.awards.enums import AgreementStatus, GrantStatus
from mobility.awards.models import AgreementVersion
from mobility.core.errors import DomainError
from mobility.core.models import OutboxMessage
from mobility.extensions import db as _db
from tests.factories import make_awardable


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        yield


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def offered(db):
    manager, call, (application,) = make_awardable(budget="6000")
    grant = services.award_application(manager, application, "Excellent")
    return manager, application, grant


def _amend(manager, application, grant, days=39, approve=True):
    amendment = services.request_amendment(application.applicant, grant, start=grant.start_date,
                                           end=grant.start_date + timedelta(days=days), travellers=grant.travellers,
                                           reason="Longer stay")
    services.decide_amendment(manager, amendment, approve=approve)
    return amendment


def test_the_offer_is_version_1_with_its_terms_and_their_digest(offered):
    _manager, application, grant = offered
    (version,) = queries.versions_of(grant.id)
    assert version.number == 1 and version.status is AgreementStatus.OFFERED and version.accepted_at is None
    assert version.terms["amount"] == str(grant.amount) and version.terms["reference"] == application.reference
    assert version.terms["lines"] == grant.breakdown and version.terms["travellers"] == grant.travellers
    assert version.terms["start_date"] == grant.start_date.isoformat() and version.terms["days"] == grant.days
    assert version.terms["first_instalment_percent"] == application.call.first_instalment_percent
    assert version.terms_sha256 == versions.digest_of_terms(version.terms) and len(version.terms_sha256) == 64
    assert version.pdf is None and not versions.agreement_accepted(grant)
    assert "Not accepted yet" in pdf_text(versions.pdf_of(version, "en"))


def test_accepting_keeps_the_pdf_bytes_their_digest_and_the_acceptance(offered):
    _manager, application, grant = offered
    services.accept_grant(application.applicant, grant, name="Suzuki Hanako", version=1)
    version = queries.latest_version(grant.id)
    assert version.status is AgreementStatus.ACCEPTED and version.accepted_name == "Suzuki Hanako"
    assert version.accepted_ip == "203.0.113.7" and version.accepted_at is not None
    assert version.pdf.startswith(b"%PDF") and version.sha256 == hashlib.sha256(version.pdf).hexdigest()
    assert versions.pdf_of(version, "ja") == version.pdf  # always the kept bytes, whatever the language asked
    text = pdf_text(version.pdf)
    assert "Accepted by Suzuki Hanako" in text and "3,350.00" in text
    assert versions.agreement_accepted(grant) and [i.due for i in services.instalments(grant)] == [True, False]


def test_an_amendment_makes_version_2_and_the_old_pdf_keeps_its_terms_and_acceptance(offered):
    manager, application, grant = offered
    application.applicant.locale = "zh_Hans"
    services.accept_grant(application.applicant, grant, name="Suzuki Hanako")
    first_pdf = queries.latest_version(grant.id).pdf
    _amend(manager, application, grant)
    first, second = queries.versions_of(grant.id)
    assert grant.amount == Decimal("4200.00") and grant.status is GrantStatus.ACCEPTED
    assert first.status is AgreementStatus.SUPERSEDED and first.pdf == first_pdf  # kept byte for byte
    assert first.accepted_name == "Suzuki Hanako" and first.terms["amount"] == "3350.00"
    old = pdf_text(versions.pdf_of(first, "en"))
    assert "3,350.00" in old and "4,200.00" not in old and "Suzuki Hanako" in old
    assert second.number == 2 and second.status is AgreementStatus.OFFERED and second.terms["amount"] == "4200.00"
    new = pdf_text(versions.pdf_of(second, "en"))
    assert "4,200.00" in new and "Accepted by" not in new and "Not accepted yet" in new
    # Nothing more is due until version 2 is accepted; the grantee is told, in their language.
    assert not versions.agreement_accepted(grant) and [i.due for i in services.instalments(grant)] == [False, False]
    mail = _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.recipient == application.applicant.email and mail.locale == "zh_Hans"
    assert "2" in mail.subject and "version" not in mail.subject.lower() and f"/grants/{grant.id}" in mail.body
    with pytest.raises(DomainError) as error:
        services.record_payment(manager, grant, instalment=1, amount=Decimal("10"), reference="X",
                                paid_on=grant.created_at.date())
    assert error.value.field == "instalment"

    services.accept_grant(application.applicant, grant, name="苏珊", version=2)
    second = queries.latest_version(grant.id)
    assert second.status is AgreementStatus.ACCEPTED and second.accepted_name == "苏珊"
    assert second.locale == "zh_Hans" and second.sha256 == hashlib.sha256(second.pdf).hexdigest()
    assert "苏珊" in pdf_text(second.pdf) and "4,200.00" in pdf_text(second.pdf)
    assert grant.accepted_name == "Suzuki Hanako"  # the grant's first acceptance stays as it was
    assert versions.agreement_accepted(grant) and services.instalments(grant)[0].due


def test_accepting_names_the_version_read_and_never_signs_another(offered):
    manager, application, grant = offered
    services.accept_grant(application.applicant, grant, name="A", version=1)
    _amend(manager, application, grant)
    # A second click on the old page (version 1, already accepted) changes nothing.
    services.accept_grant(application.applicant, grant, name="A", version=1)
    assert queries.latest_version(grant.id).status is AgreementStatus.OFFERED
    with pytest.raises(DomainError):
        services.accept_grant(application.applicant, grant, name="", version=2)
    _amend(manager, application, grant, days=44)  # version 3 replaces version 2 before it is accepted
    second, third = queries.versions_of(grant.id)[1:]
    assert second.status is AgreementStatus.SUPERSEDED and second.accepted_at is None and third.number == 3
    assert "replaced by a later one" in pdf_text(versions.pdf_of(second, "en"))
    with pytest.raises(DomainError) as error:
        services.accept_grant(application.applicant, grant, name="A", version=2)  # read version 2: refused
    assert "version 3" in str(error.value.message)
    services.accept_grant(application.applicant, grant, name="A", version=3)
    services.accept_grant(application.applicant, grant, name="B", version=3)  # twice: the first signature stands
    assert queries.latest_version(grant.id).accepted_name == "A"
    with pytest.raises(DomainError):
        services.accept_grant(application.applicant, grant, name="A", version=9)


def test_an_amendment_that_changes_no_term_and_a_refused_one_make_no_version(offered):
    manager, application, grant = offered
    services.accept_grant(application.applicant, grant, name="A")
    _amend(manager, application, grant, days=grant.days - 1)  # the same dates: the same terms
    _amend(manager, application, grant, days=39, approve=False)
    assert [v.number for v in queries.versions_of(grant.id)] == [1]
    assert versions.agreement_accepted(grant)


def test_declining_declines_the_version(offered):
    _manager, application, grant = offered
    services.decline_grant(application.applicant, grant)
    assert queries.latest_version(grant.id).status is AgreementStatus.DECLINED
    assert not versions.agreement_accepted(grant)


def test_erasure_keeps_amounts_and_digests_without_the_name_address_or_pdf(offered):
    _manager, application, grant = offered
    services.accept_grant(application.applicant, grant, name="Suzuki Hanako")
    versions.erase_identity([grant.id], "[erased]")
    version = queries.latest_version(grant.id)
    assert version.accepted_ip is None and version.pdf is None and version.accepted_name == "[erased]"
    assert version.terms["grantee"] == "[erased]" and all(t["name"] == "[erased]" for t in version.terms["travellers"])
    assert version.sha256 and version.terms["amount"] == str(grant.amount)


def test_the_migration_backfills_version_1_for_existing_grants(db, offered):
    manager, application, grant = offered
    services.accept_grant(application.applicant, grant, name="Suzuki Hanako")
    expected_terms = dict(queries.latest_version(grant.id).terms)
    _db.session.execute(AgreementVersion.__table__.delete())
    path = next(Path("migrations/versions").glob("*_agreement_versions.py"))
    spec = importlib.util.spec_from_file_location("agreement_versions_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration._backfill(_db.session.connection())
    _db.session.expire_all()
    (version,) = queries.versions_of(grant.id)
    assert version.number == 1 and version.status is AgreementStatus.ACCEPTED and version.pdf is None
    assert (version.accepted_name, version.accepted_ip) == ("Suzuki Hanako", "203.0.113.7")
    assert version.accepted_at == grant.accepted_at and version.terms.pop("recorded") == "migration"
    assert version.terms == expected_terms  # the same snapshot the application would have made
    assert "Accepted by Suzuki Hanako" in pdf_text(versions.pdf_of(version, "en"))
    assert versions.agreement_accepted(grant)


def test_the_grants_export_never_puts_an_acceptance_beside_terms_it_did_not_accept(offered):
    from mobility.reports import exports

    manager, application, grant = offered
    services.accept_grant(application.applicant, grant, name="Suzuki Hanako")

    def row():
        header, rows = exports.grants(application.call)
        return dict(zip((str(h) for h in header), next(iter(rows))))

    assert row()["Accepted by"] == "Suzuki Hanako" and row()["Agreement version"] == 1
    _amend(manager, application, grant)
    amended = row()
    assert amended["Amount (EUR)"] == Decimal("4200.00") and amended["Agreement version"] == 2
    assert amended["Accepted by"] == "" and amended["Accepted (UTC)"] is None
    services.accept_grant(application.applicant, grant, name="Suzuki H.", version=2)
    assert row()["Accepted by"] == "Suzuki H."
