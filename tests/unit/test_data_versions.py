"""Data versions: raised by the transaction that writes a table, and the tables the cached results read."""
from __future__ import annotations

import sqlalchemy as sa

from mobility.accounts import sessions
from mobility.accounts.models import programme_manager
from mobility.calls.models import Call
from mobility.core import data_versions
from mobility.db import bulk_insert
from mobility.reports import dashboard
from mobility.review import ranking
from tests.factories import make_application, make_awardable, make_programme, make_user


def test_a_committed_write_raises_the_version_of_each_table_it_wrote_once(app, db):
    with app.test_request_context():
        user = make_user()
        before = data_versions.current()
        user.name = "Seo-yeon Park"
        db.session.execute(sa.update(Call).where(Call.id == -1).values(title={}))  # a bulk statement counts too
        db.session.commit()
        after = data_versions.current()
    assert after["user"] == before["user"] + 1
    assert after["call"] == before.get("call", 0) + 1
    assert {k: v for k, v in after.items() if k not in {"user", "call"}} == \
        {k: v for k, v in before.items() if k not in {"user", "call"}}


def test_rows_copied_in_bulk_raise_their_table_s_version(app, db):
    """The assignment run saves its rows with COPY on PostgreSQL, which the engine does not see."""
    with app.test_request_context():
        manager = make_user("manager", programme=None)
        programme = make_programme("Another programme")
        before = data_versions.current().get("programme_manager", 0)
        bulk_insert(db.session, programme_manager, [{"user_id": manager.id, "programme_id": programme.id}])
        db.session.commit()
        assert data_versions.current()["programme_manager"] == before + 1


def test_a_rolled_back_write_raises_nothing(app, db):
    with app.test_request_context():
        user = make_user()
        before = data_versions.current()
        user.name = "Never saved"
        db.session.flush()
        db.session.rollback()
        assert data_versions.current() == before


def test_a_result_found_under_the_versions_of_tables_counts_as_reading_them(app, db):
    """The ranking found in the cache reads no table; a page showing it still depends on them all."""
    with app.test_request_context():
        data_versions.begin_request()
        data_versions.versions_of(["review", "panel_decision"])
        assert {"review", "panel_decision"} <= data_versions.tables_read()


def _tables_read_by(work) -> set[str]:
    data_versions.begin_request()
    work()
    return data_versions.tables_read()


def test_the_ranking_is_computed_again_after_a_write_to_any_table_it_reads(app, db):
    """RANKING_TABLES names every table rank() and the budget lines read (else a change could go unseen)."""
    with app.test_request_context():
        _manager, call, _made = make_awardable(applications=3)
        db.session.expire_all()
        call = db.session.get(Call, call.id)
        read = _tables_read_by(lambda: ranking.budget_lines(call, ranking.ranking_rows(call)))
    assert read and read <= set(ranking.RANKING_TABLES), read - set(ranking.RANKING_TABLES)


def test_the_dashboard_figures_are_computed_again_after_a_write_to_any_table_they_read(app, db):
    with app.test_request_context():
        make_application()
        read = _tables_read_by(lambda: dashboard.indicators(dashboard.Filters(programme_ids=(1,))))
    assert read and read <= set(dashboard.DASHBOARD_TABLES), read - set(dashboard.DASHBOARD_TABLES)


def test_the_signed_in_check_reads_only_the_tables_whose_writes_renew_it(app, db):
    with app.test_request_context():
        user = make_user("manager", programme="Test programme")
        row = sessions.start_session(user)
        db.session.commit()
        db.session.expire_all()
        read = _tables_read_by(lambda: sessions._session_with_user(row.token_hash))
    assert read == set(sessions.SIGNED_IN_TABLES)
