"""CSV and XLSX downloads that a spreadsheet cannot mistake for formulas."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that starts like a formula gets a leading apostrophe (OWASP's CSV-injection advice)."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal, date, datetime)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read UTF-8 (CJK names) correctly
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_text(safe_cell(v)) for v in row])
    return _download(buffer.getvalue().encode("utf-8"), filename, "text/csv; charset=utf-8")


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(safe_cell(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), filename,
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no zones: the header says UTC
    return value


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
