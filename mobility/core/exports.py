"""CSV and XLSX downloads that a spreadsheet cannot mistake for formulas."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from flask_babel import gettext as _
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


def yes_no(flag) -> str:
    """A yes/no cell in the reader's language (an export is read by people, never a code)."""
    return _("Yes") if flag else _("No")


def title_of(member) -> str:
    """An enum member's title in the reader's language ('' for none): never its code (ea_to_eu, visual_arts)."""
    return member.title if member is not None else ""


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read UTF-8 (CJK names) correctly
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_text(safe_cell(v)) for v in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(safe_cell(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The two formats of a spreadsheet: how to write it and what to call it.
FORMATS = {"csv": (csv_bytes, CSV_MIMETYPE), "xlsx": (xlsx_bytes, XLSX_MIMETYPE)}


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    return download(csv_bytes(header, rows), filename, CSV_MIMETYPE)


def _xlsx_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no zones: the header says UTC
    return value


def download(body: bytes, filename: str, mimetype: str) -> Response:
    # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text/* mimetype even when it has one
    # ("text/csv; charset=utf-8; charset=utf-8"); the type given here is sent exactly as it is.
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def spreadsheet(progress, fmt: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A background export: `rows` (read from the database) are all read first, because each progress
    step commits and so expires what was loaded; then written, moving the bar from 50 to 95 %."""
    progress(5)
    values = [tuple(row) for row in rows]
    progress(50)
    write, _mimetype = FORMATS[fmt]
    return write(header, progress.over(values, len(values), 50, 95))
