"""Network addresses are kept IP_RETENTION_DAYS, then the daily clean-up removes them (and only them)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mobility.accounts.models import UserSession
from mobility.awards.models import Grant
from mobility.core.models import AuditEntry
from mobility.db import utcnow
from mobility.extensions import db
from mobility.privacy import retention
from tests.factories import make_accepted_grant, make_user


@pytest.fixture
def old_and_new(app):
    """An accepted grant and audit entries from 100 days ago and from today, all with an address."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.23"}):
        _manager, _call, _application, grant = make_accepted_grant()
        user = make_user()
        long_ago = utcnow() - timedelta(days=100)
        old = AuditEntry(action="auth.signed_in", actor_id=user.id, ip="198.51.100.23", at=long_ago, detail={})
        new = AuditEntry(action="auth.signed_in", actor_id=user.id, ip="198.51.100.24", detail={})
        session = UserSession(user_id=user.id, token_hash="a" * 64, ip="198.51.100.25", created_at=long_ago)
        db.session.add_all([old, new, session])
        grant.accepted_at = long_ago
        db.session.commit()
        yield grant, old, new, session


def test_addresses_older_than_the_period_are_removed_and_the_rows_stay(app, old_and_new):
    grant, old, new, session = old_and_new
    with app.test_request_context():
        assert retention.forget_network_addresses() >= 3
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(AuditEntry, old.id).ip is None and db.session.get(AuditEntry, old.id).action
        assert db.session.get(AuditEntry, new.id).ip == "198.51.100.24"      # within the period: kept
        assert db.session.get(UserSession, session.id).ip is None
        kept = db.session.get(Grant, grant.id)
        assert kept.accepted_ip is None and kept.accepted_name == "Suzuki Hanako"  # the acceptance stays
        assert retention.forget_network_addresses() == 0                    # again: nothing more to do


def test_the_period_is_the_setting(app, old_and_new):
    _grant, old, _new, _session = old_and_new
    app.config["IP_RETENTION_DAYS"] = 365
    try:
        with app.test_request_context():
            assert retention.forget_network_addresses() == 0
            assert db.session.get(AuditEntry, old.id).ip == "198.51.100.23"
            assert retention.forget_network_addresses(days=0) >= 4
    finally:
        app.config["IP_RETENTION_DAYS"] = 90


def test_the_daily_clean_up_removes_them(app, old_and_new):
    _grant, old, new, _session = old_and_new
    result = app.test_cli_runner().invoke(args=["jobs", "prune"])
    assert "network address(es) older than 90 days removed" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(AuditEntry, old.id).ip is None and db.session.get(AuditEntry, new.id).ip is not None
    again = app.test_cli_runner().invoke(args=["jobs", "prune"])
    assert "0 network address(es)" in again.output


def test_every_address_column_is_declared_with_its_instant():
    declared = {(t.name, a.name) for t, a, _at in retention.address_columns()}
    looks_like_an_address = {(table.name, column.name) for table in db.metadata.sorted_tables
                             for column in table.columns if column.name == "ip" or column.name.endswith("_ip")}
    assert looks_like_an_address <= declared
    assert {("audit_entry", "ip"), ("grant", "accepted_ip")} <= declared
    names = {name for name, *_ in retention.NETWORK_ADDRESSES}
    assert "agreement_version" in names  # an acceptance record of the agreements, once that table exists
    assert all(isinstance(c.type, sa.String) for _t, c, _at in retention.address_columns())
