"""The grant agreement as a PDF, drawn from one version's terms: the grantee's language first, then English.

The PDF shows the version's own terms (never the grant as it stands today) and, only for an accepted version,
its acceptance: no PDF prints an acceptance beside terms that were not the ones accepted."""
from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import force_locale
from weasyprint import HTML


def _shown(terms: dict) -> dict:
    """The terms with their dates as dates, for the template's filters."""
    return {**terms, "start_date": date.fromisoformat(terms["start_date"]),
            "end_date": date.fromisoformat(terms["end_date"])}


def render_agreement_pdf(version, locale: str, *, accepted: bool) -> bytes:
    """`version` is an AgreementVersion: its terms, and its acceptance when `accepted` (only when the grantee
    accepts this version, or for a version accepted before PDFs were kept)."""
    terms = _shown(version.terms)
    sections = []
    for language in dict.fromkeys((locale, "en")):
        with force_locale(language):
            sections.append(render_template("awards/agreement_section.html", terms=terms, version=version,
                                            accepted=accepted, language=language))
    html = render_template("awards/agreement_pdf.html", sections=sections)
    return HTML(string=html).write_pdf()
