"""Open data: the funded exchanges, with no personal data."""
from __future__ import annotations

from flask import Blueprint

from mobility.core.access import public
from mobility.core.exports import csv_response
from mobility.extensions import db
from mobility.reports.queries import funded_exchanges

bp = Blueprint("open_data", __name__, url_prefix="/open-data")

# Only facts about exchanges: no names, e-mail addresses, host organisations or free text that
# was not written for the public (the public summary is).
OPEN_DATA_HEADER = ("call", "city_pair", "direction", "origin_city", "host_city", "discipline", "start_date",
                    "end_date", "days", "grant_eur", "distance_km", "travel_mode", "audience", "sectors",
                    "public_summary")


def exchange_record(grant, report) -> dict:
    """One funded exchange as open data (the CSV and the JSON API both come from here)."""
    application = grant.application
    return {
        "call": application.call.text("title", "en"),
        "city_pair": application.pair.display_name("en"),
        "direction": grant.direction.value,
        "origin_city": application.origin_city.name_en,
        "host_city": application.host_city.name_en,
        "discipline": application.discipline.value if application.discipline else None,
        "start_date": report.actual_start if report else grant.start_date,
        "end_date": report.actual_end if report else grant.end_date,
        "days": report.actual_days if report else grant.days,
        "grant_eur": grant.amount,
        "distance_km": grant.distance_km,
        "travel_mode": report.travel_mode.value if report and report.travel_mode else None,
        "audience": report.audience if report else None,
        "sectors": list(report.sectors) if report else [],
        "public_summary": report.public_summary if report else "",
    }


def exchange_rows():
    for grant, report in db.session.execute(funded_exchanges()):
        record = exchange_record(grant, report)
        record["sectors"] = " ".join(record["sectors"])
        yield tuple(record[column] for column in OPEN_DATA_HEADER)


@bp.get("/exchanges.csv")
@public
def exchanges_csv():
    return csv_response("mobility-funded-exchanges.csv", OPEN_DATA_HEADER, exchange_rows())
