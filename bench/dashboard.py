"""Dashboard aggregates at scale: each figure group beside a bare count(*) of the same rows.

    .venv/bin/python bench/dashboard.py                       # 100,000 applications on a temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/dashboard.py
    DATABASE_URL=… .venv/bin/python bench/dashboard.py --reuse   # the programme bench/pages.py loaded

The programme comes from bench/data.py (20 calls, reviews, grants, payments, final reports). The page
runs three aggregate statements (mobility/reports/dashboard.py); each is timed on its own, then the
whole `indicators()` call, for the whole programme and filtered to one call.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from bench.data import MANAGER, analyze, bench_app, fresh_schema, generate  # noqa: E402
from mobility.accounts.models import User  # noqa: E402
from mobility.applications.models import Application  # noqa: E402
from mobility.calls.models import Call  # noqa: E402
from mobility.extensions import db  # noqa: E402
from mobility.reports import dashboard  # noqa: E402


def timed(label: str, work, baseline: float | None = None, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t0)
    ratio = f"   {best / baseline:5.1f}× count(*)" if baseline else ""
    print(f"  {label:<46} {best * 1000:8.1f} ms{ratio}")
    return best


def statements_of(filters: dashboard.Filters) -> list:
    """The statements indicators() sends, captured once so that each can be timed alone."""
    captured = []

    def keep(conn, clauseelement, multiparams, params, execution_options):
        captured.append(clauseelement)

    sa.event.listen(db.engine, "before_execute", keep)
    try:
        dashboard.indicators(filters)
    finally:
        sa.event.remove(db.engine, "before_execute", keep)
    return captured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep the programme already in the database")
    args = parser.parse_args()
    app = bench_app()
    with app.app_context(), app.test_request_context():
        loaded = args.reuse and sa.inspect(db.engine).has_table("user") and db.session.scalar(
            sa.select(User.id).where(User.email == MANAGER)) is not None
        if not loaded:
            fresh_schema()
            t0 = time.perf_counter()
            programme = generate(args.applications)
            analyze()
            print(f"data: {programme.counts} on {db.engine.dialect.name} ({time.perf_counter() - t0:.0f} s to load)")
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Application))
        one_call = db.session.scalar(sa.select(Call.id).where(Call.panel_locked_at.is_not(None)).limit(1))
        print(f"{total:,} applications on {db.engine.dialect.name}")
        for title, filters in (("whole programme", dashboard.Filters()),
                               ("one decided call", dashboard.Filters(call_id=one_call)),
                               ("direction + discipline", dashboard.Filters(direction="eu_to_ea",
                                                                            discipline="dance"))):
            print(title)
            # The yardstick counts the same applications the figures start from (same filters).
            baseline = timed("bare SELECT count(*) of those applications", lambda f=filters: db.session.scalar(
                f.applications(sa.select(sa.func.count()).select_from(Application))))
            names = ("applications (status, direction, discipline)", "grants, committed, days, paid",
                     "final reports, audience, CO2, sectors")
            for name, statement in zip(names, statements_of(filters)):
                timed(name, lambda s=statement: db.session.execute(s).all(), baseline)
            timed("all indicators (3 statements)", lambda: dashboard.indicators(filters), baseline)
            timed("drill-down list, first page of 100", lambda: db.session.scalars(
                dashboard.figure_query("awarded", filters).limit(100)).all(), baseline)
        print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
