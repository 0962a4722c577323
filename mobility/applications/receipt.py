"""The submission receipt as a PDF, in the reader's language, with CJK text set in Noto CJK."""
from __future__ import annotations

from flask import render_template
from weasyprint import HTML


def render_receipt_pdf(application, receipt) -> bytes:
    html = render_template("applications/receipt_pdf.html", application=application, receipt=receipt)
    return HTML(string=html).write_pdf()
