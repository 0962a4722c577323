"""Office clerks record the last instalment of a lowered grant at the same moment, each with their own bank
reference: the grant's row lock makes them count one after the other, so exactly one is recorded and the
total paid never exceeds the grant. PostgreSQL only: that is where the race is real."""
from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mobility import create_app
from mobility.accounts.models import User
from mobility.awards import services
from mobility.awards.models import Grant, Payment
from mobility.core.errors import DomainError
from mobility.extensions import db
from tests.conftest import IS_POSTGRES, Config
from tests.factories import make_lowered_grant

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="row locking is a PostgreSQL behaviour"),
              pytest.mark.postgres_only, pytest.mark.commits]

CLERKS = 6


def test_simultaneous_payments_never_exceed_the_grant(app):
    with app.test_request_context():
        manager, grant = make_lowered_grant()  # €1,650, €1,452.50 paid: €197.50 left
        manager_id, grant_id = manager.id, grant.id

    crowd = create_app(Config)
    start = threading.Barrier(CLERKS)
    outcomes: list[str] = []

    def pay(n: int):
        with crowd.app_context(), crowd.test_request_context():
            actor, target = db.session.get(User, manager_id), db.session.get(Grant, grant_id)
            services.instalments(target)  # each has read the payments before the others commit
            start.wait()
            try:
                services.record_payment(actor, target, instalment=2, amount=Decimal("197.50"),
                                        reference=f"SEPA-{n}", paid_on=date.today())
                db.session.commit()
                outcomes.append("paid")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd.app_context():
        db.engine.dispose()

    assert sorted(outcomes) == ["paid"] + ["refused"] * (CLERKS - 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(Payment.amount)).where(Payment.grant_id == grant_id)) == Decimal("1650.00")


IDENTICAL = 20


class CrowdConfig(Config):
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": IDENTICAL + 2, "max_overflow": 4, "pool_timeout": 60}


def _pay_the_same_transfer_at_once(app, monkeypatch, *, skip_the_lock: bool):
    with app.test_request_context():
        manager, grant = make_lowered_grant()  # €1,650, €1,452.50 paid: €197.50 left
        manager_id, grant_id = manager.id, grant.id
    if skip_the_lock:  # a path that forgot the grant's lock: the unique key alone must hold
        monkeypatch.setattr(services, "locked", lambda row: row)
    crowd = create_app(CrowdConfig)
    start = threading.Barrier(IDENTICAL, timeout=60)
    outcomes: list[tuple[int, bool]] = []
    failures: list[BaseException] = []

    def pay(n: int):
        with crowd.app_context(), crowd.test_request_context():
            actor, target = db.session.get(User, manager_id), db.session.get(Grant, grant_id)
            services.instalments(target)  # each has read the payments before the others commit
            start.wait()
            try:
                # The same transfer, typed as a clerk, a double click and an API retry would send it.
                recorded = services.record_payment_once(actor, target, instalment=2, amount=Decimal("197.50"),
                                                        reference=("SEPA-77", " sepa 77", "ＳＥＰＡ７７")[n % 3],
                                                        paid_on=date.today())
                outcomes.append((recorded.payment.id, recorded.new))
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - any failure is the test's answer
                db.session.rollback()
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(IDENTICAL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with crowd.app_context():
        db.engine.dispose()
    stored = db.session.execute(select(Payment.id, Payment.amount).where(
        Payment.grant_id == grant_id, Payment.reference_key == "SEPA77")).all()
    assert len(stored) == 1 and stored[0].amount == Decimal("197.50")
    if skip_the_lock:
        # Without the lock a late reader may see the sum paid before it sees the reference (a refusal, never
        # an error or a second row): the key stores one, the lock is what makes every repeat an answer.
        assert all(isinstance(error, DomainError) for error in failures)
        assert outcomes.count((stored[0].id, True)) == 1 and {o[0] for o in outcomes} == {stored[0].id}
    else:
        assert failures == []
        assert sorted(outcomes, key=lambda o: not o[1]) == (
            [(stored[0].id, True)] + [(stored[0].id, False)] * (IDENTICAL - 1))
    assert db.session.scalar(select(func.sum(Payment.amount)).where(Payment.grant_id == grant_id)) == Decimal("1650.00")


def test_twenty_identical_payments_at_once_store_one(app, monkeypatch):
    _pay_the_same_transfer_at_once(app, monkeypatch, skip_the_lock=False)


def test_the_reference_key_alone_stores_one_when_the_lock_is_skipped(app, monkeypatch):
    _pay_the_same_transfer_at_once(app, monkeypatch, skip_the_lock=True)
