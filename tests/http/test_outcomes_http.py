"""The office's outcome table (page, CSV, JSON) and the public pair page: who may read what, in which form."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant
from mobility.extensions import db as _db
from mobility.reports.outcomes import MIN_EXCHANGES
from tests.conftest import csrf_from, sign_in
from tests.factories import make_application
from tests.outcome_fixture import EU, make_outcome_programme


def _made(app):
    with app.test_request_context():
        return make_outcome_programme()


def _sign_out(client):
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def test_the_office_reads_its_programmes_outcomes(app, client, db):
    made = _made(app)
    sign_in(client, made.manager.email)
    page = client.get("/manage/outcomes")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "outcome-table" in html
    assert "3,420" in html and "1,440" in html and "Europe → East Asia" in html
    assert "5,000" not in html  # the other programme's grant
    assert f'href="/manage/dashboard/co2?pair={made.pair.id}&amp;direction=ea_to_eu&amp;year={made.year}"' in html
    assert 'href="/manage/outcomes.csv"' in html and 'href="/manage/outcomes.json"' in html


def test_csv_and_json_downloads(app, client, db):
    made = _made(app)
    sign_in(client, made.manager.email)
    response = client.get(f"/manage/outcomes.csv?programme={made.programme_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["City pair", "City pair (code)", "Direction", "Year"]
    assert rows[1][2:5] == ["Europe → East Asia", "2024", "1"]
    assert rows[-1][0] == "Total" and rows[-1][4:9] == ["4", "7", "38", "3800.00", "2100.00"]
    response = client.get("/manage/outcomes.json")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    document = response.get_json()
    assert [r["direction"] for r in document["rows"]] == ["eu_to_ea", "ea_to_eu", "eu_to_ea"]
    assert document["totals"]["committed"] == "3800.00" and document["totals"]["co2_kg"] == 4860


def test_the_table_reads_in_the_viewers_language(app, client, db):
    made = _made(app)
    sign_in(client, made.manager.email)
    client.post("/language", data={"locale": "ja", "csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    response = client.get("/manage/outcomes.csv", headers={"Accept-Language": "ja"})
    header = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert "Direction" not in header and "Exchanges" not in header, header


def test_nobody_else_reads_the_outcomes(app, client, db, signed_in):
    made = _made(app)
    for url in ("/manage/outcomes", "/manage/outcomes.csv", "/manage/outcomes.json"):
        assert client.get(url).status_code == 302  # signed out: to the sign-in page
    for role in ("applicant", "juror"):
        signed_in(role)
        for url in ("/manage/outcomes", "/manage/outcomes.csv", "/manage/outcomes.json"):
            assert client.get(url).status_code == 403, (role, url)
        _sign_out(client)
    signed_in("manager")  # a manager of the test programme only: another programme is not theirs
    others = made.programme_id + 1000
    for url in ("/manage/outcomes", "/manage/outcomes.csv", "/manage/outcomes.json", "/manage/dashboard"):
        assert client.get(f"{url}?programme={others}").status_code == 403, url
    for odd in (str(2**31), "x", "-1", "0", "%00"):  # never a 500: no programme at all
        assert client.get(f"/manage/outcomes?programme={odd}").status_code == 200, odd


def test_a_public_pair_page_is_paginated_and_shows_its_outcomes(app, client, db):
    made = _made(app)
    with app.test_request_context():
        for n in range(25):  # 25 more accepted grants this year, Europe → East Asia
            application = make_application(call=made.call, origin_city_id=made.pair.europe_city_id, title=f"E{n}")
            _db.session.add(Grant(application=application, call_id=made.call.id, pair_id=made.pair.id,
                                  direction=EU, status=GrantStatus.ACCEPTED, amount=Decimal("100"),
                                  currency="EUR", distance_km=9000, days=10, start_date=date(2026, 6, 1),
                                  end_date=date(2026, 6, 10), travellers=[], breakdown=[],
                                  accepted_at=made.call.closes_at))
        _db.session.commit()
    url = f"/pairs/{made.pair.id}"
    first = client.get(url).get_data(as_text=True)
    # 29 accepted grants on the pair (g1, g4, g5, the other programme's g6, and the 25): 20 on the first page.
    assert first.count('<li class="card">') == 20 and f'href="{url}?page=2"' in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert second.count('<li class="card">') == 9 and f'href="{url}?page=1"' in second
    assert client.get(f"{url}?page={2**40}").status_code == 200  # past the end: the last page
    # This year's row Europe → East Asia has g1 + g6 + 25 accepted grants: published; the others are suppressed.
    table = first.split("outcome-table")[1].split("</table>")[0]
    assert '<td class="num">27</td>' in table and "8,500" in table  # 1,000 + 5,000 + 25 × 100
    assert first.count("no figure is published") == 2 and MIN_EXCHANGES == 5
    assert "Total" not in table  # no total that would give a hidden row away
