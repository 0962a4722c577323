"""Requests for review and their decisions at the same moment (PostgreSQL, threads in parallel): one request
per application, one decision per request, one letter per applicant."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from mobility.accounts.models import User
from mobility.applications.models import Application
from mobility.awards import redress
from mobility.awards import services as awards
from mobility.awards.enums import RedressStatus
from mobility.awards.models import DecisionNotice, RedressRequest
from mobility.calls.models import Call
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.extensions import db
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.concurrency import in_parallel
from tests.conftest import IS_POSTGRES
from tests.factories import make_awardable

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.postgres_only, pytest.mark.commits]
WORKERS = 4


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _locked(app, send: bool = True):
    with app.app_context(), app.test_request_context():
        manager, call, applications = make_awardable(applications=2)
        for application in applications:
            review.record_decision(manager, application, Decision.REJECT, "Below the line")
        review.lock_panel(manager, call)
        if send:
            awards.send_decision_letters(manager, call)
        db.session.commit()
        return manager.id, call.id, applications[0].id, applications[0].applicant_id


def test_simultaneous_requests_make_one(app):
    _manager, _call, application_id, applicant_id = _locked(app)

    def ask(n):
        return lambda: redress.request_redress(db.session.get_one(User, applicant_id),
                                               db.session.get_one(Application, application_id), "Please look again.")

    assert in_parallel([ask(n) for n in range(WORKERS)]) == ["done"] * WORKERS
    with app.app_context():
        assert _count(RedressRequest) == 1
        assert _count(AuditEntry, AuditEntry.action == "award.redress_requested") == 1


def test_simultaneous_decisions_decide_once(app):
    manager_id, _call, application_id, applicant_id = _locked(app)
    with app.app_context(), app.test_request_context():
        request_id = redress.request_redress(db.session.get_one(User, applicant_id),
                                             db.session.get_one(Application, application_id), "Please.").id
        db.session.commit()

    def decide(upheld):
        return lambda: redress.decide_redress(db.session.get_one(User, manager_id),
                                              db.session.get_one(RedressRequest, request_id), upheld=upheld,
                                              reason="Decided.")

    outcomes = in_parallel([decide(True), decide(False)])
    assert sorted(outcomes) == ["done", "refused"]
    with app.app_context():
        assert db.session.get(RedressRequest, request_id).status in (RedressStatus.UPHELD, RedressStatus.REJECTED)
        assert _count(AuditEntry, AuditEntry.action == "award.redress_decided") == 1


def test_two_managers_sending_the_letters_at_once_send_each_letter_once(app):
    manager_id, call_id, _application, _applicant = _locked(app, send=False)

    def send():
        return awards.send_decision_letters(db.session.get_one(User, manager_id), db.session.get_one(Call, call_id))

    assert in_parallel([send for _ in range(WORKERS)]) == ["done"] * WORKERS
    with app.app_context():
        assert _count(DecisionNotice) == 2
        letters = db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.subject.like("The decision on your application%"))).all()
        assert len(letters) == 2 == len(set(letters))


def test_simultaneous_reconsiderations_decide_once_offer_one_grant_and_send_one_letter(app):
    from mobility.awards.models import Grant

    manager_id, _call, application_id, applicant_id = _locked(app)
    with app.app_context(), app.test_request_context():
        request = redress.request_redress(db.session.get_one(User, applicant_id),
                                          db.session.get_one(Application, application_id), "Please.")
        redress.decide_redress(db.session.get_one(User, manager_id), request, upheld=True, reason="Upheld.")
        db.session.commit()
        request_id = request.id

    def reconsider(decision):
        return lambda: redress.reconsider(db.session.get_one(User, manager_id),
                                          db.session.get_one(RedressRequest, request_id), decision, "Reconsidered.")

    outcomes = in_parallel([reconsider(Decision.AWARD), reconsider(Decision.AWARD), reconsider(Decision.WAITLIST),
                            reconsider(Decision.REJECT)])
    assert outcomes == ["done"] * WORKERS  # the later ones get the decision the first recorded
    with app.app_context():
        assert db.session.get(RedressRequest, request_id).status is RedressStatus.RECONSIDERED
        assert _count(AuditEntry, AuditEntry.action == "award.redress_reconsidered") == 1
        assert _count(Grant) <= 1
        letters = db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.subject.like("The reconsidered decision on your application%"))).all()
        assert len(letters) == 1
