"""Final reports: draft, submit once, the host confirms, the office approves (and pays the rest) or asks."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from flask import current_app, url_for
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from mobility.accounts.models import User
from mobility.accounts.queries import recipient_locale
from mobility.applications.attachments import detect_type
from mobility.applications.models import Application
from mobility.applications.services import TooLarge
from mobility.awards import services as awards
from mobility.awards.enums import AmendmentStatus, GrantStatus
from mobility.awards.models import Grant, GrantAmendment
from mobility.calls.models import Call
from mobility.calls.questionnaires import field_name, unanswered, validated_answers
from mobility.calls.rates import calculate
from mobility.core import audit, memo, reminders
from mobility.core.digests import content_hash
from mobility.core.errors import DomainError
from mobility.core.lifecycle import Lifecycle
from mobility.core.mail import queue_mail
from mobility.core.storage import save_for_transaction
from mobility.core.text import clean_name
from mobility.core.text import lazy_gettext as _l
from mobility.core.text import lazy_ngettext as ngettext
from mobility.db import locked, utcnow
from mobility.extensions import db
from mobility.i18n.content import localized
from mobility.i18n.formatting import lazy_date
from mobility.i18n.locales import today_for
from mobility.reports import tokens
from mobility.reports.enums import REPORT_DUE_DAYS, ReportStatus, Sector, TravelMode, co2_estimate
from mobility.reports.models import FinalReport, InterimReport, ReportPhoto
from mobility.reports.queries import INTERIM_REMINDER_KIND, REMINDER_KIND, last_report_save

# Written, submitted, then approved or sent back for changes (and submitted again).
REPORT = Lifecycle("final_report", FinalReport, {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.APPROVED, ReportStatus.CHANGES_REQUESTED},
    ReportStatus.CHANGES_REQUESTED: {ReportStatus.SUBMITTED},
    ReportStatus.APPROVED: set(),
}, action="report.status_changed")
# The grantee edits a report in the states it can be submitted from.
EDITABLE = tuple(s for s in ReportStatus if REPORT.allows(s, ReportStatus.SUBMITTED))
TEXT_LIMIT = 10000


def report_to_show(grant: Grant) -> FinalReport:
    """The grant's report, or an unsaved blank draft to show before the first save (a read writes nothing);
    accepted grants only."""
    if grant.status is not GrantStatus.ACCEPTED:
        raise DomainError(_l("A report is written for an accepted grant."))
    report = db.session.scalar(select(FinalReport).where(FinalReport.grant_id == grant.id))
    if report is None:
        # Transient: not added to the session, so nothing is stored until the grantee saves.
        report = FinalReport(grant=grant, status=ReportStatus.DRAFT, version=1, actual_start=grant.start_date,
                             actual_end=grant.end_date, activities="", co_creations="", partners="",
                             sectors=[], public_summary="", answers={})
    return report


def report_for(grant: Grant) -> FinalReport:
    """The grant's report, started as a draft the first time something is saved in it."""
    report = report_to_show(grant)
    if report.id is None:
        # Two first saves at once (two windows): the grant's row lock makes the second wait and find the
        # report the first made (then its save meets a newer version), never a unique-key error.
        grant = locked(grant)
        report = report_to_show(grant)
        if report.id is None:
            db.session.add(report)
            db.session.flush()
    return report


@dataclass
class ReportData:
    actual_start: date | None = None
    actual_end: date | None = None
    activities: str = ""
    co_creations: str = ""
    audience: int | None = None
    partners: str = ""
    sectors: list[str] = field(default_factory=list)
    travel_mode: str | None = None
    public_summary: str = ""
    language: str | None = None
    answers: dict[str, object] = field(default_factory=dict)


class VersionConflict(Exception):
    """The report changed since the page was loaded (saved from another window, submitted, sent back)."""

    def __init__(self, report: FinalReport):
        super().__init__("stale report")
        self.report = report


def save_report(grantee: User, report: FinalReport, data: ReportData, today: date | None = None, *,
                expected_version: int | None = None, save_id: str | None = None,
                lost_save: str | None = None) -> FinalReport:
    """Store the draft report. With `expected_version` (the version the page was loaded with) a report saved
    since is a `VersionConflict`, never overwritten; `save_id` names this save and `lost_save` the page's save
    whose answer never arrived: if that one alone came in between, the newer version is the page's own."""
    grant = report.grant
    if grant.application.applicant_id != grantee.id:
        raise DomainError(_l("Only the grantee writes the report."))
    if report.status not in EDITABLE:
        raise DomainError(_l("The report has been submitted and can no longer be changed."))
    if expected_version is not None and expected_version != report.version:
        if not (lost_save and report.version == expected_version + 1
                and _last_save_id(grantee, report) == lost_save):
            raise VersionConflict(report)
    today = today or today_for(grantee)
    awarded_on = grant.created_at.date()
    if data.actual_start and data.actual_start < awarded_on:
        raise DomainError(_l("The stay cannot start before the grant was awarded (%(date)s).", date=lazy_date(awarded_on)),
                          field="actual_start")
    if data.actual_end and data.actual_end > today:
        raise DomainError(_l("The stay cannot end after today."), field="actual_end")
    if data.actual_start and data.actual_end and data.actual_start > data.actual_end:
        raise DomainError(_l("The last day cannot come before the first day."), field="actual_end")
    if data.audience is not None and data.audience < 0:
        raise DomainError(_l("The audience cannot be negative."), field="audience")
    for name in ("activities", "co_creations", "partners", "public_summary"):
        if len(getattr(data, name) or "") > TEXT_LIMIT:
            raise DomainError(_l("Use at most %(n)s characters.", n=TEXT_LIMIT), field=name)
    if any(s not in {x.value for x in Sector} for s in data.sectors):
        raise DomainError(_l("Choose sectors from the list."), field="sectors")
    answers = validated_answers(grant.application.call.report_questions, data.answers)
    confirmed = report.host_confirmed_snapshot if report.host_confirmed_at is not None else None
    report.actual_start, report.actual_end = data.actual_start, data.actual_end
    changed = stay_changes(confirmed, stay_snapshot(report)) if confirmed else []
    if changed:
        # The host confirmed other dates: that no longer counts; the host is asked again on submission.
        # (The snapshot stays: what the host confirmed earlier.)
        report.host_confirmed_at = report.host_confirmed_name = None
    report.activities, report.co_creations = data.activities.strip(), data.co_creations.strip()
    report.audience, report.partners = data.audience, data.partners.strip()
    report.sectors = list(dict.fromkeys(data.sectors))
    report.travel_mode = TravelMode(data.travel_mode) if data.travel_mode else None
    report.public_summary, report.language = data.public_summary.strip(), data.language or None
    report.answers = answers
    try:
        db.session.flush()  # the version column makes a concurrent save fail here
    except StaleDataError as exc:
        db.session.rollback()
        raise VersionConflict(db.session.get_one(FinalReport, report.id)) from exc
    audit.record("report.saved", actor=grantee, target=grant.application, report=report.id, version=report.version,
                 **({"save": save_id[:64]} if save_id else {}))
    if changed:
        audit.record("report.host_confirmation_withdrawn", actor=grantee, target=grant.application,
                     changed=",".join(changed))
    return report


def _last_save_id(grantee: User, report: FinalReport) -> str | None:
    detail = last_report_save(grantee.id, report.grant.application_id) if report.id else None
    if not detail or detail.get("version") != str(report.version):
        return None
    return detail.get("save")


def stay_snapshot(report: FinalReport) -> dict:
    """The stay as the host is asked to confirm it: the host and the actual dates."""
    application = report.grant.application
    return {"organisation": application.host_organisation,
            "start_date": report.actual_start.isoformat() if report.actual_start else None,
            "end_date": report.actual_end.isoformat() if report.actual_end else None}


def stay_digest(report: FinalReport) -> str:
    return content_hash(stay_snapshot(report))


def stay_changes(confirmed: dict, now: dict) -> list[str]:
    return [key for key in now if confirmed.get(key) != now[key]]


def submit_report(grantee: User, report: FinalReport) -> None:
    if report.grant.application.applicant_id != grantee.id:
        raise DomainError(_l("Only the grantee writes the report."))
    missing = [name for name in ("actual_start", "actual_end", "activities", "public_summary", "travel_mode")
               if not getattr(report, name)]
    if missing:
        raise DomainError(_l("Fill in the dates, the activities, the travel mode and the public summary first."),
                          field=missing[0])
    call = report.grant.application.call
    if len(report.photos) < call.report_min_photos:
        raise DomainError(ngettext("Add at least %(num)d photo of the exchange.",
                                   "Add at least %(num)d photos of the exchange.", call.report_min_photos),
                          field="photo")
    unanswered_questions = unanswered(call.report_questions, report.answers)
    if unanswered_questions:
        first = unanswered_questions[0]
        raise DomainError(_l("Answer “%(question)s”.", question=localized(first.label)), field=field_name(first))
    _mark_submitted(FinalReport, report, EDITABLE, call, "first_report_submitted_at")
    audit.record("report.submitted", actor=grantee, target=report.grant.application)
    application = report.grant.application
    if application.host_email and report.host_confirmed_at is None:  # a stay already confirmed is not asked again
        link = url_for("reports.host_confirmation", token=tokens.make_report_host_token(report), _external=True)
        queue_mail(application.host_email, recipient_locale(application.host_email, application.host_locale),
                   _l("Please confirm the stay of %(artist)s", artist=application.applicant.name),
                   "reports/mail/host.txt", application=application, report=report, link=link)


def _mark_submitted(model, report, editable: tuple, call: Call, frozen_since: str) -> None:
    """`report` (final or interim) submitted in one conditional UPDATE (editable → SUBMITTED): a double click
    or a second tab cannot submit twice. The call's questions of that form freeze with its first submitted
    report (`frozen_since`, the call's column calls/services.py reads)."""
    done = cast(CursorResult, db.session.execute(update(model).where(
        model.id == report.id, model.status.in_(editable))
        .values(status=ReportStatus.SUBMITTED, submitted_at=utcnow(), version=model.version + 1)
        .execution_options(synchronize_session=False))).rowcount
    if done != 1:
        raise DomainError(_l("This report has already been submitted."))
    db.session.expire(report)
    first = getattr(Call, frozen_since)
    db.session.execute(update(Call).where(Call.id == call.id, first.is_(None))
                       .values({first: utcnow()}).execution_options(synchronize_session=False))
    db.session.expire(call, [frozen_since])


def confirm_stay(report: FinalReport, name: str, digest: str | None = None) -> None:
    """The host confirms the stay as the page showed it (`digest`: of what was shown). Once: a second
    confirmation of the same stay changes nothing; a page shown before the dates changed is refused."""
    report = REPORT.lock(report)
    snapshot = stay_snapshot(report)
    if digest is not None and digest != content_hash(snapshot):
        raise DomainError(_l("The dates of this stay have changed since you opened this page. Please check them "
                             "again."))
    if report.host_confirmed_at is not None and report.host_confirmed_snapshot in (None, snapshot):
        return
    name = clean_name(name) or ""
    if not name:
        raise DomainError(_l("Please enter your name."), field="name")
    report.host_confirmed_at, report.host_confirmed_name = utcnow(), name[:200]
    report.host_confirmed_snapshot = snapshot
    db.session.flush()
    audit.record("report.host_confirmed", target=report.grant.application, name=report.host_confirmed_name,
                 digest=content_hash(snapshot))


class StayNotConfirmed(DomainError):
    """Approving a report whose stay the host has not confirmed: the office confirms that it knows."""


def approve_report(actor: User, report: FinalReport, *, unconfirmed_stay_ok: bool = False) -> FinalReport:
    """Recompute the grant from the actual days (never above the award) and release the last instalment.
    Once: approving again changes nothing (no second recalculation). A stay the host has not confirmed (or
    confirmed with other dates) is approved only with `unconfirmed_stay_ok`: the page asks first."""
    report = REPORT.lock(report)
    if report.status is ReportStatus.APPROVED:
        return report
    REPORT.check(report.status, ReportStatus.APPROVED, _l("Only a submitted report can be approved."))
    if not unconfirmed_stay_ok and not stay_confirmed(report):
        raise StayNotConfirmed(_l("The host has not confirmed this stay."))
    grant = locked(report.grant)  # a payment recorded at the same moment is checked against the new amount
    application = grant.application
    previous_amount = grant.amount
    origin, host, days = application.origin_city, application.host_city, report.actual_days
    assert origin is not None and host is not None and days is not None  # a grant's exchange, a submitted report
    actual = calculate(application.call, origin, host, days,
                       [awards.traveller_from_dict(t) for t in grant.travellers])
    if actual.total <= grant.amount:
        # The grant follows the stay as it happened: its amount, days and dates (a longer stay is not paid
        # more: then the grant stays as awarded). Kept as an amendment decided at once: the history of the
        # amount stays in one place.
        if actual.total < grant.amount:
            db.session.add(GrantAmendment(
                grant=grant, status=AmendmentStatus.APPROVED, start_date=report.actual_start,
                end_date=report.actual_end, travellers=grant.travellers, breakdown=awards.breakdown_lines(actual),
                previous_amount=grant.amount, amount=actual.total, reason=str(_l("Final report: actual days")),
                requested_by_id=actor.id, decided_by_id=actor.id, decided_at=utcnow()))
            grant.amount, grant.breakdown = actual.total, awards.breakdown_lines(actual)
        grant.days, grant.start_date, grant.end_date = days, report.actual_start, report.actual_end
        # What was paid beyond the lowered grant is not paid again: the grant page, the office's list and
        # the API show it as to be recovered (awards.services.money_of).
        overpaid = awards.money_of(grant).overpaid
        if overpaid:
            audit.record("award.overpaid", actor=actor, target=application, amount=str(overpaid))
    _mail_approval(report, grant, previous_amount)
    report.approved_at, report.approved_by_id = utcnow(), actor.id
    grant.final_report_approved_at = report.approved_at
    memo.dashboard_changed(application.call.programme_id)
    REPORT.move(actor, report, ReportStatus.APPROVED, action="report.approved", target=application,
                amount=str(grant.amount))
    return report


def _mail_approval(report: FinalReport, grant: Grant, previous_amount: Decimal) -> None:
    """Tell the grantee, in their language, that the report is approved: the grant as it now stands (lowered
    to the stay as it happened, when it was), what is still to be paid, or what is to be paid back."""
    applicant = grant.application.applicant
    money = awards.money_of(grant)
    reduced = grant.amount < previous_amount
    subject = (_l("Your final report is approved; your grant is now %(amount)s %(currency)s",
                  amount=grant.amount, currency=grant.currency) if reduced
               else _l("Your final report is approved"))
    queue_mail(applicant.email, applicant.locale, subject, "reports/mail/approved.txt", user=applicant, grant=grant,
               report=report, reduced=reduced, previous_amount=previous_amount, money=money,
               link=url_for("awards.grant_page", grant_id=grant.id, _external=True))


def stay_confirmed(report: FinalReport) -> bool:
    """The host confirmed the stay with the dates the report gives now."""
    return report.host_confirmed_at is not None and report.host_confirmed_snapshot in (None, stay_snapshot(report))


def request_changes(actor: User, report: FinalReport, message: str) -> None:
    report = REPORT.lock(report)
    REPORT.check(report.status, ReportStatus.CHANGES_REQUESTED, _l("Only a submitted report can be sent back."))
    if not message.strip():
        raise DomainError(_l("Tell the grantee what to change."), field="message")
    report.office_message = message.strip()
    REPORT.move(actor, report, ReportStatus.CHANGES_REQUESTED, action="report.changes_requested",
                target=report.grant.application)
    applicant = report.grant.application.applicant
    queue_mail(applicant.email, applicant.locale, _l("Your report needs a few changes"), "reports/mail/changes.txt",
               user=applicant, report=report, link=url_for("reports.report_page", grant_id=report.grant_id,
                                                           _external=True))


def co2_kg(report: FinalReport) -> Decimal | None:
    """A round trip per traveller at the mode's factor: an estimate for the programme's indicators."""
    return co2_estimate(report.grant.distance_km, len(report.grant.travellers), report.travel_mode)


IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
MAX_PHOTOS = 8


def add_photo(grantee: User, report: FinalReport, *, data: bytes, caption: str) -> ReportPhoto:
    if report.grant.application.applicant_id != grantee.id:
        raise DomainError(_l("Only the grantee writes the report."))
    if report.status not in EDITABLE:
        raise DomainError(_l("The report has been submitted and can no longer be changed."))
    if detect_type(data) not in IMAGE_TYPES:
        raise DomainError(_l("This is not a photo. Use PNG, JPEG or WebP."), field="photo")
    if len(data) > current_app.config["MAX_ATTACHMENT_BYTES"]:
        raise TooLarge(_l("A file may be at most %(size)s MB.",
                                  size=current_app.config["MAX_ATTACHMENT_BYTES"] // 2**20), field="photo")
    if len(report.photos) >= MAX_PHOTOS:
        raise DomainError(_l("A report can have at most %(n)s photos.", n=MAX_PHOTOS), field="photo")
    photo = ReportPhoto(storage_key=save_for_transaction(data), content_type=detect_type(data), size=len(data),
                        caption=(caption or "").strip()[:300])
    report.photos.append(photo)
    db.session.flush()
    audit.record("report.photo_added", actor=grantee, target=report.grant.application)
    return photo


def reminder_stage(due: date, today: date) -> str | None:
    """Which report reminder is current; the three escalate: "due" from a week before the due date (so a run
    cron missed is caught up the next day), "today" on the due date, then "overdue" once per week the report
    is late (days 1–7, 8–14, …; from the second week the programme office hears of it too)."""
    if today > due:
        return f"overdue:{due.isoformat()}:{((today - due).days - 1) // 7}"
    if today == due:
        return f"today:{due.isoformat()}"
    if (due - today).days <= 7:
        return f"due:{due.isoformat()}"
    return None


ESCALATE_TO_OFFICE_AFTER_WEEKS = 1  # overdue weeks (0 = the first) before the programme office is told too


def send_report_reminders(today: date | None = None) -> int:
    """Remind grantees of a report not yet submitted: a week before it is due (30 days after the stay), on the
    day, and each week it is overdue; each reminder once (mobility/core/reminders.py records it), however often
    the command runs and on however many machines. Returns how many grantees were reminded."""
    today = today or date.today()
    count = 0
    waiting = db.session.scalars(
        select(Grant).outerjoin(FinalReport, FinalReport.grant_id == Grant.id)
        .where(Grant.status == GrantStatus.ACCEPTED,
               or_(FinalReport.id.is_(None), FinalReport.status.in_(EDITABLE)))
        .options(selectinload(Grant.application).selectinload(Application.applicant))
        .order_by(Grant.id)).all()
    for grant in waiting:
        due = grant.end_date + timedelta(days=REPORT_DUE_DAYS)
        stage = reminder_stage(due, today)
        if stage is None or not reminders.claim(REMINDER_KIND, grant.id, stage):
            continue
        application = grant.application
        late_days = _remind_grantee(grant, due, today, "reports/mail/reminder.txt", (
            _l("Your final report is overdue (due on %(date)s)", date=lazy_date(due)),
            _l("Your final report is due today"),
            _l("Your final report is due on %(date)s", date=lazy_date(due))), "reports.report_page")
        if late_days > 0 and (late_days - 1) // 7 >= ESCALATE_TO_OFFICE_AFTER_WEEKS:
            for manager in application.call.programme.managers:
                queue_mail(manager.email, manager.locale,
                           _l("A final report is %(days)s days overdue: %(reference)s", days=late_days,
                              reference=application.reference),
                           "reports/mail/overdue_office.txt", user=manager, grant=grant, due=due,
                           late_days=late_days, link=url_for("reports.desk", overdue="y", _external=True))
        audit.record("report.reminded", target=application, stage=stage)
        count += 1
    return count + send_interim_reminders(today)


def _remind_grantee(grant: Grant, due: date, today: date, template: str, subjects: tuple, endpoint: str) -> int:
    """Mail the grantee the reminder of a report due on `due`; `subjects` are (overdue, today, coming). Returns
    how many days late it is (0 on the day, negative before)."""
    applicant = grant.application.applicant
    late_days = (today - due).days
    overdue, due_today, coming = subjects
    subject = overdue if late_days > 0 else due_today if late_days == 0 else coming
    queue_mail(applicant.email, applicant.locale, subject, template, user=applicant, grant=grant, due=due,
               overdue=late_days > 0, due_today=late_days == 0, late_days=late_days,
               link=url_for(endpoint, grant_id=grant.id, _external=True))
    return late_days


def send_interim_reminders(today: date) -> int:
    """The same reminders for an interim report the call asks for (a week before, on the day, each week it is
    late), to the grantee only: it moves no money, so the office is not alerted. Each once (core.reminders)."""
    count = 0
    waiting = db.session.scalars(
        select(Grant).join(Call, Call.id == Grant.call_id).outerjoin(InterimReport, InterimReport.grant_id == Grant.id)
        .where(Grant.status == GrantStatus.ACCEPTED, Call.interim_report_days > 0,
               or_(InterimReport.id.is_(None), InterimReport.status.in_(INTERIM_EDITABLE)))
        .options(selectinload(Grant.application).selectinload(Application.applicant),
                 selectinload(Grant.application).selectinload(Application.call))  # interim_due_on reads the call
        .order_by(Grant.id)).all()
    for grant in waiting:
        due = interim_due_on(grant)
        if due is None:
            continue
        stage = reminder_stage(due, today)
        if stage is None or not reminders.claim(INTERIM_REMINDER_KIND, grant.id, stage):
            continue
        _remind_grantee(grant, due, today, "reports/mail/interim_reminder.txt", (
            _l("Your interim report is overdue (due on %(date)s)", date=lazy_date(due)),
            _l("Your interim report is due today"),
            _l("Your interim report is due on %(date)s", date=lazy_date(due))), "reports.interim_page")
        audit.record("interim_report.reminded", target=grant.application, stage=stage)
        count += 1
    return count


# ---- the interim report ---------------------------------------------------------------------

# The same table as the final report's: written, submitted, then approved or sent back (and submitted again).
INTERIM = Lifecycle("interim_report", InterimReport, {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.APPROVED, ReportStatus.CHANGES_REQUESTED},
    ReportStatus.CHANGES_REQUESTED: {ReportStatus.SUBMITTED},
    ReportStatus.APPROVED: set(),
}, action="interim_report.status_changed")
INTERIM_EDITABLE = tuple(s for s in ReportStatus if INTERIM.allows(s, ReportStatus.SUBMITTED))


def interim_due_on(grant: Grant) -> date | None:
    """When the interim report is due, if the grant's call asks for one."""
    days = grant.application.call.interim_report_days
    return grant.start_date + timedelta(days=days) if days else None


def interim_to_show(grant: Grant) -> InterimReport:
    """The grant's interim report, or an unsaved blank one (a read writes nothing); accepted grants of calls
    that ask for one only."""
    if grant.status is not GrantStatus.ACCEPTED:
        raise DomainError(_l("A report is written for an accepted grant."))
    if not grant.application.call.interim_report_days:
        raise DomainError(_l("This call asks for no interim report."))
    report = db.session.scalar(select(InterimReport).where(InterimReport.grant_id == grant.id))
    if report is None:
        report = InterimReport(grant=grant, status=ReportStatus.DRAFT, version=1, progress="", answers={})
    return report


def save_interim(grantee: User, report: InterimReport, *, progress: str, answers: dict[str, object],
                 expected_version: int, submit: bool = False) -> InterimReport:
    """Store the interim report (started by its first save, under the grant's row lock), then submit it if asked;
    a save over a newer version is a VersionConflict, never an overwrite."""
    grant = report.grant
    if grant.application.applicant_id != grantee.id:
        raise DomainError(_l("Only the grantee writes the report."))
    if report.id is None:
        locked(grant)  # two first saves at once: the second finds the report the first made
        report = interim_to_show(grant)
        if report.id is None:
            db.session.add(report)
            db.session.flush()
    if report.status not in INTERIM_EDITABLE:
        raise DomainError(_l("The report has been submitted and can no longer be changed."))
    if expected_version != report.version:
        raise VersionConflict(report)  # type: ignore[arg-type]  # the page shows the saved version again
    progress = (progress or "").replace("\r\n", "\n").strip()
    if len(progress) > TEXT_LIMIT:
        raise DomainError(_l("Use at most %(n)s characters.", n=TEXT_LIMIT), field="progress")
    call = grant.application.call
    report.progress, report.answers = progress, validated_answers(call.interim_questions, answers)
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise VersionConflict(db.session.get_one(InterimReport, report.id)) from exc  # type: ignore[arg-type]
    audit.record("interim_report.saved", actor=grantee, target=grant.application, version=report.version)
    if submit:
        if not report.progress:
            raise DomainError(_l("Say how the exchange is going first."), field="progress")
        missing = unanswered(call.interim_questions, report.answers)
        if missing:
            raise DomainError(_l("Answer “%(question)s”.", question=localized(missing[0].label)),
                              field=field_name(missing[0]))
        _mark_submitted(InterimReport, report, INTERIM_EDITABLE, call, "first_interim_submitted_at")
        audit.record("interim_report.submitted", actor=grantee, target=grant.application)
    return report


def review_interim(actor: User, report: InterimReport, *, approve: bool, message: str = "") -> None:
    """The office approves the interim report or sends it back with a message; the grantee is told either way,
    in their language. Approving twice changes nothing."""
    report = INTERIM.lock(report)
    if approve and report.status is ReportStatus.APPROVED:
        return
    application = report.grant.application
    applicant = application.applicant
    link = url_for("reports.interim_page", grant_id=report.grant_id, _external=True)
    if approve:
        INTERIM.check(report.status, ReportStatus.APPROVED, _l("Only a submitted report can be approved."))
        report.approved_at, report.approved_by_id = utcnow(), actor.id
        INTERIM.move(actor, report, ReportStatus.APPROVED, action="interim_report.approved", target=application)
        queue_mail(applicant.email, applicant.locale, _l("Your interim report is approved"),
                   "reports/mail/interim_approved.txt", user=applicant, grant=report.grant, link=link)
        return
    INTERIM.check(report.status, ReportStatus.CHANGES_REQUESTED, _l("Only a submitted report can be sent back."))
    if not (message or "").strip():
        raise DomainError(_l("Tell the grantee what to change."), field="message")
    report.office_message = message.strip()
    INTERIM.move(actor, report, ReportStatus.CHANGES_REQUESTED, action="interim_report.changes_requested",
                 target=application)
    queue_mail(applicant.email, applicant.locale, _l("Your interim report needs a few changes"),
               "reports/mail/interim_changes.txt", user=applicant, report=report, link=link)
