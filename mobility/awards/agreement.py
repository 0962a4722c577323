"""The grant agreement as a PDF: the grantee's language first, then English."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from weasyprint import HTML


def render_agreement_pdf(grant, locale: str) -> bytes:
    sections = []
    for language in dict.fromkeys((locale, "en")):
        with force_locale(language):
            sections.append(render_template("awards/agreement_section.html", grant=grant,
                                            application=grant.application, call=grant.application.call,
                                            language=language))
    html = render_template("awards/agreement_pdf.html", sections=sections)
    return HTML(string=html).write_pdf()
