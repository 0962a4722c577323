"""The evaluation-and-redress revision: letters sent before it get their notice (not sent again, and the
window they gave still holds)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mobility.accounts.models import User
from mobility.awards import services as awards
from mobility.awards.models import DecisionNotice
from mobility.calls.models import Call
from mobility.extensions import db
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.factories import make_awardable
from tests.unit.test_migrations import migration_app  # noqa: F401  (the fixture)

REVISION = "dbcafaaae88b"


def test_letters_sent_before_the_revision_get_their_notice(migration_app):  # noqa: F811
    upgrade()
    with migration_app.test_request_context():
        manager, call, (awarded, rejected) = make_awardable(applications=2, budget="50000")
        awards.award_application(manager, awarded, "Excellent")
        review.record_decision(manager, rejected, Decision.REJECT, "Below the line")
        review.lock_panel(manager, call)
        awards.send_decision_letters(manager, call)
        db.session.commit()
        sent = {n.application_id: (n.outcome.value, n.locale, n.sent_at) for n in db.session.scalars(
            sa.select(DecisionNotice))}
        call_id, appeal_days, manager_id = call.id, call.appeal_days, manager.id
    db.session.remove()
    downgrade(revision=f"{REVISION}-1")
    assert "decision_notice" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    with migration_app.test_request_context():
        notices = {n.application_id: n for n in db.session.scalars(sa.select(DecisionNotice))}
        assert {k: (n.outcome.value, n.locale) for k, n in notices.items()} == {
            k: (outcome, locale) for k, (outcome, locale, _at) in sent.items()}
        for notice in notices.values():
            assert abs((notice.sent_at - sent[notice.application_id][2]).total_seconds()) < 1
            assert (notice.redress_until - notice.sent_at).days == appeal_days
        # Sent once: sending again after the revision sends nothing.
        assert awards.send_decision_letters(db.session.get(User, manager_id), db.session.get(Call, call_id)) == 0
    db.session.remove()
