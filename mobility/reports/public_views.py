"""Open data: the funded exchanges as aggregates (no row points to one person), with their licence, data
dictionary and codes."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, url_for

from mobility.cities.queries import pairs_by_id
from mobility.core.access import public
from mobility.core.exports import CSV_MIMETYPE, csv_bytes, download
from mobility.extensions import db
from mobility.reports import open_data

bp = Blueprint("open_data", __name__, url_prefix="/open-data", template_folder="templates")

CSV_NAME = "mobility-funded-exchanges.csv"


def _links() -> str:
    """The licence and the data dictionary of a download, as HTTP Link headers (RFC 8288)."""
    return (f'<{open_data.LICENCE["path"]}>; rel="license", '
            f'<{url_for("open_data.data_package", _external=True)}>; rel="describedby"; type="application/json"')


@bp.get("/")
@public
def index():
    pairs = db.session.scalars(pairs_by_id()).all()
    return render_template("reports/open_data.html", columns=open_data.COLUMNS, licence=open_data.LICENCE,
                           codes=open_data.code_lists(), minimum=open_data.MIN_GRANTS_PER_CELL,
                           pairs=[(open_data.pair_code(p), p) for p in pairs])


@bp.get("/exchanges.csv")
@public
def exchanges_csv():
    response = download(csv_bytes(open_data.HEADER, open_data.csv_rows(open_data.cells())), CSV_NAME,
                        CSV_MIMETYPE)
    response.headers["Link"] = _links()
    return response


@bp.get("/datapackage.json")
@public
def data_package():
    response = jsonify(open_data.data_package(url_for("open_data.exchanges_csv", _external=True),
                                              url_for("open_data.index", _external=True)))
    response.headers["Link"] = f'<{open_data.LICENCE["path"]}>; rel="license"'
    return response
