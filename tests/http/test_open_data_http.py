"""The open data through HTTP: figures per cell with one charset, the licence and the data dictionary."""
from __future__ import annotations

import csv
import io

import pytest

from mobility.awards import services as awards
from tests.factories import make_awardable


@pytest.fixture
def funded(app, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, call, made = make_awardable(budget="100000", applications=5)
        for application in made:
            grant = awards.award_application(manager, application, "Good")
            awards.accept_grant(application.applicant, grant, name=application.applicant.name)
        db.session.commit()
        return [a.applicant for a in made]


def test_the_csv_has_cells_one_charset_and_links_to_its_licence_and_dictionary(client, funded):
    response = client.get("/open-data/exchanges.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'rel="license"' in response.headers["Link"] and "/open-data/datapackage.json" in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["grants"] == "5" and rows[0]["suppressed"] == "false"
    text = response.get_data(as_text=True)
    assert not any(person.name in text or person.email in text for person in funded)


def test_the_data_package_is_json_with_the_licence_and_every_column(client, funded):
    response = client.get("/open-data/datapackage.json")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    package = response.get_json()
    assert package["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    fields = package["resources"][0]["schema"]["fields"]
    assert "suppressed" in {f["name"] for f in fields}
    assert package["resources"][0]["path"].endswith("/open-data/exchanges.csv")


@pytest.mark.parametrize("locale, label", [("en", "Total granted (EUR)"), ("ko", None), ("ja", None)])
def test_the_page_has_the_dictionary_in_the_readers_language(client, funded, locale, label):
    page = client.get("/open-data/", headers={"Accept-Language": locale}).get_data(as_text=True)
    assert "grant_eur_total" in page and "CC-BY-4.0" in page and "chemnitz-2025~kamakura-2025" in page
    if label:
        assert label in page
    else:
        assert "Total granted (EUR)" not in page  # translated


def test_a_small_cell_is_suppressed_in_every_format(app, client, db):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        manager, _call, (application,) = make_awardable()
        grant = awards.award_application(manager, application, "Good")
        awards.accept_grant(application.applicant, grant, name="Someone")
        db.session.commit()
        amount = str(grant.amount)
    csv_text = client.get("/open-data/exchanges.csv").get_data(as_text=True)
    api = client.get("/api/v1/open-data/exchanges").get_json()
    assert amount not in csv_text and csv_text.strip().endswith(",,,,true")
    assert api["items"][0]["suppressed"] is True and api["items"][0]["grant_eur_total"] is None
