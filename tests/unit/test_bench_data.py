"""bench/data.py makes grants as they happen: made when the letters went out, before the stay; the reports it
writes are of stays that are over, and a grantee whose stay is over can submit the report through the service."""
from __future__ import annotations

import sqlalchemy as sa

from bench.data import generate
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant
from mobility.db import utcnow
from mobility.extensions import db
from mobility.reports import services as reports
from mobility.reports.enums import ReportStatus, TravelMode
from mobility.reports.models import FinalReport


def test_generated_grants_can_be_reported_on(app):
    with app.test_request_context():
        generate(applications=2400, jurors=40, pairs=1, seed=3)
        db.session.flush()
        now, today = utcnow(), utcnow().date()
        written = db.session.scalars(sa.select(FinalReport)).all()
        assert written
        for report in written:
            grant = report.grant
            assert grant.created_at < grant.accepted_at <= report.submitted_at <= now
            assert grant.created_at.date() <= report.actual_start <= report.actual_end < today
        waiting = db.session.scalars(sa.select(Grant).outerjoin(FinalReport, FinalReport.grant_id == Grant.id).where(
            Grant.status == GrantStatus.ACCEPTED, FinalReport.id.is_(None), Grant.end_date < today)
            .order_by(Grant.id).limit(3)).all()
        assert waiting
        for grant in waiting:
            grantee = grant.application.applicant
            report = reports.report_for(grant)
            reports.save_report(grantee, report, reports.ReportData(
                actual_start=grant.start_date, actual_end=grant.end_date, activities="Workshops and a showing.",
                partners=grant.application.host_organisation, travel_mode=TravelMode.TRAIN.value,
                public_summary="A month of shared work."))
            reports.submit_report(grantee, report)
            assert report.status is ReportStatus.SUBMITTED
