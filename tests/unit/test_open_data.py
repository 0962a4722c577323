"""Open data publishes cells, never exchanges: a cell of fewer than 5 grants shows no figure and says so."""
from __future__ import annotations

from decimal import Decimal

import pytest

from mobility.accounts.enums import Discipline
from mobility.awards import services as awards
from mobility.extensions import db
from mobility.reports import open_data
from tests.factories import make_awardable


@pytest.fixture
def funded(app):
    """Six accepted grants of one pair and direction: five in dance, one in music."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, made = make_awardable(budget="100000", applications=6)
        made[5].discipline = Discipline.MUSIC
        grants = []
        for application in made:
            grant = awards.award_application(manager, application, "Good")
            awards.accept_grant(application.applicant, grant, name=application.applicant.name)
            grants.append(grant)
        db.session.commit()
        yield call, grants


def test_cells_count_and_sum_and_suppress_the_small_ones(app, funded):
    call, grants = funded
    with app.test_request_context():
        cells = open_data.cells()
    assert len(cells) == 2
    dance, music = sorted(cells, key=lambda c: c["discipline"])
    assert dance["discipline"] == "dance" and dance["grants"] == 5 and not dance["suppressed"]
    assert dance["grant_eur_total"] == sum((g.amount for g in grants[:5]), Decimal("0"))
    assert dance["days_total"] == sum(g.days for g in grants[:5])
    assert music["discipline"] == "music" and music["suppressed"] is True
    assert music["grants"] is None and music["grant_eur_total"] is None and music["days_total"] is None
    pair = call.pairs[0]
    assert dance["pair_code"] == "chemnitz-2025~kamakura-2025" == open_data.pair_code(pair)
    assert dance["direction"] == grants[0].direction.value and dance["year"] == grants[0].start_date.year


def test_no_published_row_points_to_one_person(app, funded):
    _call, grants = funded
    with app.test_request_context():
        rows = list(open_data.csv_rows(open_data.cells()))
    amounts = {str(g.amount) for g in grants}
    for row in rows:
        published = dict(zip(open_data.HEADER, row))
        assert published["suppressed"] == "true" or published["grants"] >= open_data.MIN_GRANTS_PER_CELL
        assert str(published["grant_eur_total"]) not in amounts  # no single grant's amount


def test_the_dictionary_describes_every_column_with_its_codes(app):
    with app.test_request_context():
        package = open_data.data_package("https://x/open-data/exchanges.csv", "https://x/open-data/")
    resource = package["resources"][0]
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert [f["name"] for f in resource["schema"]["fields"]] == list(open_data.HEADER)
    assert all(f["description"] and f["title"] for f in resource["schema"]["fields"])
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert set(fields["direction"]["constraints"]["enum"]) == {"eu_to_ea", "ea_to_eu"}
    assert "unspecified" in fields["discipline"]["constraints"]["enum"]
    assert resource["schema"]["primaryKey"] == ["pair_code", "direction", "discipline", "year"]
