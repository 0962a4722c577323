"""Two acceptances, or an acceptance and an amendment, at the same moment (PostgreSQL, threads in parallel): one
signature per version, and never an acceptance of a version that was replaced meanwhile."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mobility.accounts.models import User
from mobility.awards import services
from mobility.awards.enums import AgreementStatus
from mobility.awards.models import AgreementVersion, Grant, GrantAmendment
from mobility.core.models import AuditEntry
from mobility.extensions import db
from tests.concurrency import in_parallel
from tests.conftest import IS_POSTGRES
from tests.factories import make_awardable

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.postgres_only, pytest.mark.commits]
WORKERS = 4


def _offered(app):
    with app.app_context(), app.test_request_context():
        manager, _call, (application,) = make_awardable(budget="6000")
        grant = services.award_application(manager, application, "Excellent")
        db.session.commit()
        return manager.id, application.applicant_id, grant.id


def test_simultaneous_acceptances_sign_once(app):
    _manager, grantee_id, grant_id = _offered(app)

    def accept(name):
        return lambda: services.accept_grant(db.session.get_one(User, grantee_id),
                                             db.session.get_one(Grant, grant_id), name=name, version=1)

    assert in_parallel([accept(f"Name {i}") for i in range(WORKERS)]) == ["done"] * WORKERS
    with app.app_context():
        version = db.session.scalar(select(AgreementVersion).where(AgreementVersion.grant_id == grant_id))
        assert version.status is AgreementStatus.ACCEPTED and version.accepted_name.startswith("Name ")
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "award.agreement_accepted")) == 1


def test_an_acceptance_and_an_amendment_at_once_never_sign_replaced_terms(app):
    manager_id, grantee_id, grant_id = _offered(app)
    with app.app_context(), app.test_request_context():
        grantee, grant = db.session.get_one(User, grantee_id), db.session.get_one(Grant, grant_id)
        services.accept_grant(grantee, grant, name="A", version=1)
        for days in (39, 44):
            amendment = services.request_amendment(grantee, grant, start=grant.start_date,
                                                   end=grant.start_date + timedelta(days=days),
                                                   travellers=grant.travellers, reason="")
            if days == 39:
                services.decide_amendment(db.session.get_one(User, manager_id), amendment, approve=True)
        db.session.commit()
        pending_id = amendment.id

    outcomes = in_parallel([
        lambda: services.accept_grant(db.session.get_one(User, grantee_id), db.session.get_one(Grant, grant_id),
                                      name="A", version=2),
        lambda: services.decide_amendment(db.session.get_one(User, manager_id),
                                          db.session.get_one(GrantAmendment, pending_id), approve=True),
    ])
    with app.app_context():
        second, third = db.session.scalars(select(AgreementVersion).where(AgreementVersion.grant_id == grant_id,
                                                                          AgreementVersion.number > 1)
                                           .order_by(AgreementVersion.number)).all()
        assert second.status is AgreementStatus.SUPERSEDED and third.status is AgreementStatus.OFFERED
        if outcomes.count("refused"):  # the amendment came first: version 2 was never signed
            assert second.accepted_at is None
        else:                          # the acceptance came first: version 2 signed, then replaced
            assert second.accepted_at is not None and second.pdf is not None
