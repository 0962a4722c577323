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
