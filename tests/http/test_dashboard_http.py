"""The dashboard: every figure equals the length of the list behind it; only the office sees it."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from mobility.awards import services as awards
from mobility.reports import dashboard, services
from mobility.review import services as review
from mobility.review.enums import Decision
from tests.conftest import csrf_from
from tests.factories import make_awardable


def _programme(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, applications = make_awardable(budget="20000", applications=4)
        first = awards.award_application(manager, applications[0], "Strong")
        awards.award_application(manager, applications[1], "Strong")
        review.record_decision(manager, applications[2], Decision.REJECT, "Weaker")
        awards.accept_grant(applications[0].applicant, first, name="A")
        first.created_at -= timedelta(days=30)
        report = services.report_for(first)
        services.save_report(applications[0].applicant, report, services.ReportData(
            actual_start=date.today() - timedelta(days=9), actual_end=date.today(), activities="A",
            co_creations="A dance piece", audience=250, sectors=["creative", "tourism"], travel_mode="train",
            public_summary="S"))
        services.submit_report(applications[0].applicant, report)
        services.confirm_stay(report, "Lee Ji-eun")  # the host confirms the stay
        services.approve_report(manager, report)
        db.session.commit()
        return call


def test_indicators_on_known_data(app, db):
    call = _programme(app, db)
    figures = dashboard.indicators(dashboard.Filters(call_id=call.id))
    assert (figures.applications, figures.eligible, figures.awarded, figures.grants) == (4, 4, 2, 2)
    assert figures.committed == 850 + 800 + 3350  # the first grant is recomputed for 10 actual days
    assert (figures.reports, figures.co_creations, figures.audience) == (1, 1, 250)
    assert figures.sectors["creative"] == 1 and figures.sectors["tourism"] == 1 and figures.sectors["care"] == 0
    assert figures.success_rate == 0.5
    assert figures.co2_kg > 0


def test_every_figure_equals_its_drill_down_list(app, client, db, signed_in):
    call = _programme(app, db)
    signed_in("manager")
    page = client.get(f"/manage/dashboard?call={call.id}").get_data(as_text=True)
    cards = re.findall(r'href="(/manage/dashboard/(\w+)\?[^"]*)"><span class="figure">([^<]+)</span>', page)
    bars = re.findall(r'<td class="num"><a href="(/manage/dashboard/(\w+)\?[^"]*)">([^<]+)</a>', page)
    # Every card drills down, sectors and the summed figures (days, audience, CO2...) included.
    assert {name for _url, name, _value in cards} == {
        "applications", "eligible", "awarded", "grants", "artists", "days", "reports", "co_creations",
        "audience", "co2"}
    assert {name for _url, name, _value in bars} >= {"applications", "sector_creative", "sector_tourism"}
    figures = dashboard.indicators(dashboard.Filters(call_id=call.id))
    checked = set()
    for url, name, value in cards + bars:
        listing = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        total = int(re.search(r'class="muted row-count">(\d+)', listing).group(1))
        assert total == listing.count("<tr>") - 1  # one page holds them all here
        if name in dashboard.SUMMED:  # a sum: the column of the list adds up to it
            added = sum(Decimal(v) for v in re.findall(r'data-adds="([^"]+)"', listing))
            assert added == (figures.committed if name == "grants" else Decimal(value.replace(",", ""))), name
            assert listing.count("data-adds=") == total
        else:
            assert total == int(value.replace(",", "")), name
        checked.add(name)
    assert {"days", "audience", "co2", "co_creations", "sector_creative"} <= checked
    assert figures.co2_kg > 0 and figures.audience == 250
    assert len(dashboard.figure_rows("grants", dashboard.Filters(call_id=call.id))) == figures.grants


def test_only_the_office_sees_the_dashboard(client, db, signed_in):
    for role in ("applicant", "juror"):
        signed_in(role)
        assert client.get("/manage/dashboard").status_code == 403
        assert client.get("/manage/dashboard/applications").status_code == 403
        client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    assert client.get("/manage/dashboard").status_code == 302


def test_the_dashboard_follows_every_change_after_it_was_shown(app, client, db, signed_in):
    from decimal import Decimal

    from sqlalchemy import select

    from mobility.awards.enums import GrantStatus
    from mobility.awards.models import Grant

    call = _programme(app, db)
    signed_in("manager")
    url = f"/manage/dashboard?call={call.id}"

    def paid() -> str:
        return re.search(r"([^>]+) paid</span>", client.get(url).get_data(as_text=True)).group(1)

    assert paid() == "€0.00"
    with app.test_request_context():
        grant = db.session.scalar(select(Grant).where(Grant.call_id == call.id,
                                                      Grant.status == GrantStatus.ACCEPTED))
        from tests.factories import make_user

        awards.record_payment(make_user("manager"), grant, instalment=1, amount=Decimal("100"),
                              reference="BANK-1", paid_on=date.today())
        db.session.commit()
    assert paid() == "€100.00"  # the same page a moment later, not a stale copy
