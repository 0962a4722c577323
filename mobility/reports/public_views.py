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


def exchange_rows():
    for grant, report in db.session.execute(funded_exchanges()):
        application = grant.application
        yield (application.call.text("title", "en"), application.pair.display_name("en"), grant.direction.value,
               application.origin_city.name_en, application.host_city.name_en,
               application.discipline.value if application.discipline else "",
               (report.actual_start if report else grant.start_date), (report.actual_end if report else grant.end_date),
               (report.actual_days if report else grant.days), grant.amount, grant.distance_km,
               report.travel_mode.value if report and report.travel_mode else "",
               report.audience if report and report.audience is not None else "",
               " ".join(report.sectors) if report else "", report.public_summary if report else "")


@bp.get("/exchanges.csv")
@public
def exchanges_csv():
    return csv_response("mobility-funded-exchanges.csv", OPEN_DATA_HEADER, exchange_rows())
