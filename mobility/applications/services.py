"""Application verbs: start, save a draft, invite, attach, submit (once, ever), withdraw, screen."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

from flask import current_app, url_for
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm.exc import StaleDataError

from mobility.accounts.enums import Discipline, Language
from mobility.accounts.models import User
from mobility.accounts.queries import recipient_locale
from mobility.applications import tokens
from mobility.applications.attachments import LEGACY_OFFICE_TYPES, detect_type, display_name
from mobility.applications.eligibility import check_eligibility, failing
from mobility.applications.enums import (
    REOPENABLE,
    WITHDRAWABLE,
    ApplicationStatus,
    AttachmentKind,
    HostConfirmationStatus,
    MemberStatus,
    ScreeningReason,
)
from mobility.applications.models import Application, Attachment, HostConfirmation, Receipt, TeamMember
from mobility.calls.enums import CallKind, CallStatus, CareerStage, QuestionKind
from mobility.calls.models import Call
from mobility.calls.policies import is_open_for_applications, submissions_ended
from mobility.calls.questionnaires import text_length, unanswered, validated_answers
from mobility.cities.enums import Direction, Side
from mobility.core import audit, mail_allowance, memo
from mobility.core.digests import content_hash
from mobility.core.errors import DomainError
from mobility.core.lifecycle import Lifecycle
from mobility.core.mail import queue_mail
from mobility.core.models import AuditEntry
from mobility.core.once import once
from mobility.core.storage import get_storage, keep_with_transaction
from mobility.core.text import clean_name
from mobility.core.text import lazy_gettext as _l
from mobility.db import utcnow
from mobility.extensions import db
from mobility.i18n.content import localized
from mobility.i18n.formatting import local_datetime
from mobility.i18n.locales import DEFAULT_LOCALE, LOCALES

# The application lifecycle; the review and award steps use the same table. Until the deadline a submitted
# or withdrawn application can be reopened (back to a draft) and submitted again (see reopen_application).
APPLICATION = Lifecycle("application", Application, {
    ApplicationStatus.DRAFT: {ApplicationStatus.SUBMITTED},
    ApplicationStatus.SUBMITTED: {ApplicationStatus.ELIGIBLE, ApplicationStatus.INELIGIBLE,
                                  ApplicationStatus.WITHDRAWN, ApplicationStatus.DRAFT},
    ApplicationStatus.ELIGIBLE: {ApplicationStatus.INELIGIBLE, ApplicationStatus.IN_REVIEW,
                                 ApplicationStatus.WITHDRAWN},
    ApplicationStatus.INELIGIBLE: {ApplicationStatus.ELIGIBLE},
    ApplicationStatus.IN_REVIEW: {ApplicationStatus.SHORTLISTED, ApplicationStatus.WAITLISTED,
                                  ApplicationStatus.REJECTED, ApplicationStatus.AWARDED,
                                  ApplicationStatus.WITHDRAWN},
    ApplicationStatus.SHORTLISTED: {ApplicationStatus.AWARDED, ApplicationStatus.WAITLISTED,
                                    ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.WAITLISTED: {ApplicationStatus.AWARDED, ApplicationStatus.REJECTED},
    # A grantee who declines the grant leaves the programme; the money goes back to the budget.
    ApplicationStatus.AWARDED: {ApplicationStatus.WITHDRAWN},
    # A rejection is final, except through a request for review the office upheld: the reconsidered decision
    # (review.services.reconsider_decision, called only by awards.redress.reconsider, once per application)
    # may award it or put it on the waiting list. The panel lock stops every other decision.
    ApplicationStatus.REJECTED: {ApplicationStatus.AWARDED, ApplicationStatus.WAITLISTED},
    ApplicationStatus.WITHDRAWN: {ApplicationStatus.DRAFT},
}, action="application.status_changed",
    refusal=lambda old, new: _l("An application that is %(old)s cannot become %(new)s.", old=old.title,
                                new=new.title))
TRANSITIONS = APPLICATION  # the older name: TRANSITIONS[status] is the set of next states

# A team member answers an invitation once; the answer binds until the application is submitted.
MEMBERSHIP = Lifecycle("team_membership", TeamMember, {
    MemberStatus.INVITED: {MemberStatus.ACCEPTED, MemberStatus.DECLINED},
    MemberStatus.ACCEPTED: set(),
    MemberStatus.DECLINED: set(),
}, action="application.member_responded")

# A request to the host about one version of the stay: answered once; a change of what it showed withdraws it.
HOST_CONFIRMATION = Lifecycle("host_confirmation", HostConfirmation, {
    HostConfirmationStatus.REQUESTED: {HostConfirmationStatus.CONFIRMED, HostConfirmationStatus.WITHDRAWN},
    HostConfirmationStatus.CONFIRMED: {HostConfirmationStatus.WITHDRAWN},
    HostConfirmationStatus.WITHDRAWN: set(),
}, action="application.host_confirmation_changed")


class VersionConflict(Exception):
    """The draft changed since the page was loaded (another tab or a team member saved it)."""

    def __init__(self, application: Application):
        super().__init__("stale draft")
        self.application = application


def set_status(actor, application: Application, new_status: ApplicationStatus, **detail) -> None:
    """The one way an application changes state (submission uses a conditional UPDATE, see below)."""
    APPLICATION.move(actor, application, new_status, **detail)
    memo.ranking_changed(application.call_id)
    memo.dashboard_changed(application.call.programme_id)


# ---- starting and saving ---------------------------------------------------------------------

def start_application(actor: User, call: Call, now: datetime | None = None) -> Application:
    """The artist's application to `call`: the existing one, or a new draft. Once: "Apply" clicked twice, or
    twenty times at once, makes one draft (the unique key on call and applicant decides)."""
    def existing() -> Application | None:
        return db.session.scalar(select(Application).where(Application.call_id == call.id,
                                                           Application.applicant_id == actor.id))

    def make() -> Application:
        locale_language = {"zh_Hans": "zh"}.get(actor.locale, actor.locale)
        languages = [locale_language] if locale_language in call.accepted_languages else []
        application = Application(call=call, applicant=actor, languages=languages)
        if len(call.pairs) == 1:
            application.pair_id = call.pairs[0].id
        db.session.add(application)
        db.session.flush()
        audit.record("application.started", actor=actor, target=application, call=call.id)
        return application

    found = existing()
    if found is not None:
        return found
    if not is_open_for_applications(call, now):
        raise DomainError(_l("This call is not open for applications."))
    return once(make, existing)


@dataclass
class DraftData:
    title: str = ""
    summary: str = ""
    summary_translations: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    discipline: str | None = None
    career_stage: str | None = None
    pair_id: int | None = None
    origin_city_id: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    host_organisation: str = ""
    host_contact_name: str = ""
    host_email: str = ""
    host_locale: str = DEFAULT_LOCALE
    answers: dict[str, object] = field(default_factory=dict)
    # Full translations: {"en": {"by": "…", "title": "…", "answers": {"<question id>": "…"}}}.
    translations: dict[str, dict] = field(default_factory=dict)


def _ensure_editable(application: Application, now: datetime | None = None) -> None:
    if not application.is_draft:
        raise DomainError(_l("This application has been submitted and can no longer be changed."))
    if (now or utcnow()) >= application.call.closes_at:
        raise DomainError(_l("The deadline has passed: the draft can no longer be changed."))


def save_draft(actor: User, application: Application, expected_version: int, data: DraftData,
               now: datetime | None = None, *, save_id: str | None = None, lost_save: str | None = None,
               ask_host: bool = False) -> Application:
    """Validate what can be checked now (lengths, choices, dates) and store it; completeness waits.

    `save_id` names this save (the page's autosave makes one up per request); `lost_save` is the save
    whose answer never reached the page. If that save is the only one since `expected_version`, the
    newer version is the page's own and not another window's: no conflict.

    A change of the host's organisation, contact, e-mail or the dates withdraws the host's confirmation (or
    the open request). `ask_host` (a save with the button, not the autosave) asks the host again at once;
    otherwise the submission does (an autosave must not mail a half-typed address)."""
    if expected_version != application.version:
        if not (lost_save and application.version == expected_version + 1
                and _last_save_id(actor, application) == lost_save):
            raise VersionConflict(application)
        expected_version = application.version
    _ensure_editable(application, now)
    call = application.call
    values = _validated(call, data)
    # One UPDATE per save (an autoflush half-way would bump the version twice).
    with db.session.no_autoflush:
        for name, value in values.items():
            setattr(application, name, value)
        application.search_text = _search_text(application)
        outdated = _outdated_host_confirmation(application)
        if outdated is not None:
            application.host_confirmed_at = application.host_confirmed_name = None
    try:
        db.session.flush()  # the version column makes a concurrent save fail here
    except StaleDataError as exc:
        db.session.rollback()
        raise VersionConflict(db.session.get_one(Application, application.id)) from exc
    if outdated is not None:
        _withdraw_host_confirmation(actor, application, outdated)
    if ask_host:
        ask_host_again(actor, application)
    audit.record("application.saved", actor=actor, target=application, version=application.version,
                 **({"save": save_id[:64]} if save_id else {}))
    return application


def _last_save_id(actor: User, application: Application) -> str | None:
    """The save id of the latest save of `application`, if `actor` made it (the audit log has it)."""
    detail = db.session.scalar(
        select(AuditEntry.detail).where(AuditEntry.actor_id == actor.id, AuditEntry.action == "application.saved",
                                        AuditEntry.target_type == "Application",
                                        AuditEntry.target_id == application.id)
        .order_by(AuditEntry.id.desc()).limit(1))
    if not detail or detail.get("version") != str(application.version):
        return None
    return detail.get("save")


def _validated(call: Call, data: DraftData) -> dict:
    title, summary = clean_name(data.title) or "", data.summary.strip()
    if text_length(title) > 300:
        raise DomainError(_l("Use at most %(n)s characters.", n=300), field="title")
    if text_length(summary) > 3000:
        raise DomainError(_l("Use at most %(n)s characters.", n=3000), field="summary")
    languages = [lang for lang in dict.fromkeys(data.languages) if lang]
    if any(lang not in call.accepted_languages for lang in languages):
        raise DomainError(_l("This call accepts applications in: %(list)s.",
                             list=", ".join(Language(x).title for x in call.accepted_languages)), field="languages")
    translations = {lang: text.strip() for lang, text in data.summary_translations.items()
                    if lang in {x.value for x in Language} and text and text.strip() and lang not in languages}
    for lang, text in translations.items():
        if text_length(text) > 3000:
            raise DomainError(_l("Use at most %(n)s characters.", n=3000), field=f"summary_{lang}")
    full = _validated_translations(call, data.translations, languages)
    discipline = Discipline(data.discipline) if data.discipline else None
    career_stage = CareerStage(data.career_stage) if data.career_stage else None

    pair_id, origin_city_id, direction = data.pair_id, data.origin_city_id, None
    pair = next((p for p in call.pairs if p.id == pair_id), None)
    if pair_id is not None and pair is None:
        raise DomainError(_l("Choose one of the call's city pairs."), field="pair_id")
    if origin_city_id is not None:
        if pair is None:
            raise DomainError(_l("Choose the city pair first."), field="pair_id")
        if origin_city_id not in (pair.europe_city_id, pair.east_asia_city_id):
            raise DomainError(_l("Choose one of the two cities of the pair."), field="origin_city_id")
        direction = (Direction.EUROPE_TO_EAST_ASIA if origin_city_id == pair.europe_city_id
                     else Direction.EAST_ASIA_TO_EUROPE)
        if direction.value not in call.directions:
            raise DomainError(_l("This call does not fund exchanges in this direction (%(direction)s).",
                                 direction=direction.title), field="origin_city_id")
    if data.start_date and data.end_date and data.start_date > data.end_date:
        raise DomainError(_l("The last day cannot come before the first day."), field="end_date")
    host_email = data.host_email.strip().lower()
    if host_email and ("@" not in host_email or len(host_email) > 320):
        raise DomainError(_l("Enter a valid e-mail address, for example name@example.org."), field="host_email")
    host_locale = data.host_locale or DEFAULT_LOCALE
    if host_locale not in LOCALES:
        raise DomainError(_l("Choose one of the offered languages."), field="host_locale")
    return dict(
        title=title, summary=summary, summary_translations=translations, translations=full, languages=languages,
        discipline=discipline, career_stage=career_stage, pair_id=pair_id, origin_city_id=origin_city_id,
        direction=direction, start_date=data.start_date, end_date=data.end_date,
        host_organisation=(clean_name(data.host_organisation) or "")[:200],
        host_contact_name=(clean_name(data.host_contact_name) or "")[:200],
        host_email=host_email, host_locale=host_locale, answers=validated_answers(call.questions, data.answers),
    )


def _validated_translations(call: Call, raw: dict[str, dict], languages: list[str]) -> dict[str, dict]:
    """What the applicant translated, per language not already written in: who, the title, the text answers."""
    questions = {str(q.id): q for q in call.questions if q.kind.is_text}
    kept: dict[str, dict] = {}
    for lang, parts in raw.items():
        if lang not in {x.value for x in Language} or lang in languages or not isinstance(parts, dict):
            continue
        by = str(parts.get("by") or "").strip()
        if text_length(by) > 200:
            raise DomainError(_l("Use at most %(n)s characters.", n=200), field=f"tr_{lang}_by")
        title = str(parts.get("title") or "").strip()
        if text_length(title) > 300:
            raise DomainError(_l("Use at most %(n)s characters.", n=300), field=f"tr_{lang}_title")
        answers = {}
        for key, value in (parts.get("answers") or {}).items():
            text = str(value or "").replace("\r\n", "\n").strip()
            question = questions.get(str(key))
            if question is None or not text:
                continue
            limit = question.max_length or 20000
            if text_length(text) > limit:
                raise DomainError(_l("Use at most %(n)s characters (now %(count)s).", n=limit,
                                     count=text_length(text)), field=f"tr_{lang}_q_{key}")
            answers[str(key)] = text
        entry = {k: v for k, v in (("by", by), ("title", title), ("answers", answers)) if v}
        if entry:
            kept[lang] = entry
    return kept


def fully_translated_languages(application: Application) -> set[str]:
    """The languages (other than those it is written in) into which the applicant translated everything a
    juror must read — the title, the summary and every written answer — saying who translated."""
    text_questions = [q for q in application.call.questions if q.kind.is_text]
    full = set()
    for lang, parts in (application.translations or {}).items():
        if lang in application.languages or not parts.get("by"):
            continue
        if application.summary and not application.summary_translations.get(lang):
            continue
        if application.title and not parts.get("title"):
            continue
        answers = parts.get("answers") or {}
        if any(application.answers.get(str(q.id)) not in (None, "") and not answers.get(str(q.id))
               for q in text_questions):
            continue
        full.add(lang)
    return full


def _search_text(application: Application) -> str:
    translated = [text for parts in (application.translations or {}).values()
                  for text in (parts.get("title", ""), *(parts.get("answers") or {}).values())]
    parts = [application.title, application.summary, *application.summary_translations.values(), *translated,
             application.host_organisation, application.applicant.name if application.applicant else "",
             *(m.name for m in application.members)]
    for value in application.answers.values():
        parts.extend(value if isinstance(value, list) else [str(value)])
    return "\n".join(p for p in parts if p).lower()


# ---- what is missing ------------------------------------------------------------------------

def missing_items(application: Application) -> list[tuple[str, str]]:
    """(field, message) for everything a submission still needs, in the applicant's language."""
    missing: list[tuple[str, str]] = []

    def need(field_name: str, message) -> None:
        missing.append((field_name, str(message)))

    if not application.title:
        need("title", _l("Give your project a title."))
    if not application.summary:
        need("summary", _l("Write a summary of your project."))
    if not application.languages:
        need("languages", _l("Say which language your application is written in."))
    if application.pair_id is None:
        need("pair_id", _l("Choose the city pair."))
    if application.origin_city_id is None:
        need("origin_city_id", _l("Say which city you live in."))
    if application.start_date is None or application.end_date is None:
        need("start_date", _l("Give the first and last day of your stay."))
    if application.discipline is None:
        need("discipline", _l("Choose your discipline."))
    if not application.host_organisation or not application.host_email:
        need("host_organisation", _l("Name the host organisation in the other city and its e-mail address."))
    attached_questions = {a.question_id for a in application.attachments if a.question_id}
    for question in unanswered(application.call.questions, application.answers, attached_questions):
        need(f"q_{question.id}", _l("Answer “%(question)s”.", question=localized(question.label)))
    if application.call.kind is CallKind.CO_CREATION:
        pending = [m for m in application.members if m.status is MemberStatus.INVITED]
        if pending:
            need("members", _l("Wait until every invited team member has accepted or declined."))
        sides = {application.origin_city.side} if application.origin_city else set()
        sides |= {m.city.side for m in application.accepted_members if m.city}
        if application.origin_city and sides != {Side.EUROPE, Side.EAST_ASIA}:
            need("members", _l("A co-creation team needs members from both cities of the pair."))
    for check in failing(check_eligibility(application)):
        if check.passed is False:
            need("eligibility", _l("%(rule)s %(problem)s", rule=check.sentence, problem=check.problem))
    return missing


# ---- submission -----------------------------------------------------------------------------

def content_snapshot(application: Application) -> dict:
    """Everything submitted, in a stable form: the receipt's hash is computed over this."""
    return {
        "call": application.call_id,
        "applicant": application.applicant_id,
        "title": application.title,
        "summary": application.summary,
        "summary_translations": dict(sorted(application.summary_translations.items())),
        # Only when there are any: receipts hashed before full translations existed stay as they were.
        **({"translations": dict(sorted(application.translations.items()))} if application.translations else {}),
        "languages": list(application.languages),
        "discipline": application.discipline.value if application.discipline else None,
        "career_stage": application.career_stage.value if application.career_stage else None,
        "pair": application.pair_id,
        "origin_city": application.origin_city_id,
        "direction": application.direction.value if application.direction else None,
        "start_date": application.start_date.isoformat() if application.start_date else None,
        "end_date": application.end_date.isoformat() if application.end_date else None,
        "host": [application.host_organisation, application.host_contact_name, application.host_email],
        "answers": dict(sorted(application.answers.items())),
        "team": sorted([m.email, m.name, m.status.value] for m in application.members),
        "attachments": sorted([a.display_name, a.sha256, a.kind.value] for a in application.attachments),
    }


def submit_application(actor: User, application: Application, now: datetime | None = None) -> Receipt:
    """Submit the draft once. A second call (double click, second tab, 100 at once) gets the same receipt.
    A draft reopened before the deadline is submitted again: a new receipt (number 2, 3, …) of its own,
    and this latest version is the one reviewed."""
    now = now or utcnow()
    # Under the row's lock, the status and the receipts are read together: a submission committed meanwhile
    # is seen whole (its receipt with it), never a draft beside the receipt it has just made.
    application = APPLICATION.lock(application)
    existing = _receipt_of(application.id)
    if existing is not None and not application.is_draft:
        return existing
    call = application.call
    if not application.is_draft:
        raise DomainError(_l("This application can no longer be submitted."))
    if now >= call.closes_at:
        raise DomainError(_l("The deadline has passed. Applications were accepted until %(deadline)s.",
                             deadline=local_datetime(call.closes_at, "deadline")))
    if now < call.opens_at:
        raise DomainError(_l("This call is not open yet."))
    problems = missing_items(application)
    if problems:
        raise DomainError(problems[0][1], field=problems[0][0])

    APPLICATION.check(ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)
    content = content_snapshot(application)
    # The application keeps the reference of its first submission; a later receipt adds its number.
    number = (existing.number + 1) if existing is not None else 1
    reference = application.reference or f"MOB-{call.id:03d}-{secrets.token_hex(3).upper()}"
    # One conditional UPDATE decides which request wins; the others find the receipt it wrote.
    won = cast(CursorResult, db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == ApplicationStatus.DRAFT)
        .values(status=ApplicationStatus.SUBMITTED, submitted_at=now, reference=reference, withdrawn_at=None,
                version=Application.version + 1)
        .execution_options(synchronize_session=False)
    )).rowcount == 1
    if not won:
        db.session.expire(application)
        receipt = _receipt_of(application.id)
        if receipt is None or receipt.number < number:
            raise DomainError(_l("This application can no longer be submitted."))
        return receipt
    receipt = Receipt(application_id=application.id, number=number,
                      reference=reference if number == 1 else f"{reference}-{number}", submitted_at=now,
                      content_sha256=content_hash(content), content=content)
    db.session.add(receipt)
    for removed in _all_files(application):
        if removed.removed_at is not None:
            _delete_file(removed)
    db.session.execute(update(Call).where(Call.id == call.id, Call.first_submission_at.is_(None))
                       .values(first_submission_at=now).execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire(application)
    db.session.expire(call)
    memo.dashboard_changed(call.programme_id)  # counted from its submission on; ranked from its review
    audit.record("application.submitted", actor=actor, target=application, reference=receipt.reference,
                 receipt=number)
    applicant = application.applicant
    queue_mail(applicant.email, applicant.locale, _l("Your application %(reference)s is submitted",
                                                     reference=receipt.reference),
               "applications/mail/receipt.txt", application=application, receipt=receipt, user=applicant,
               link=url_for("applications.numbered_receipt_pdf", application_id=application.id, number=number,
                            _external=True))
    # A host whose confirmation a change withdrew is asked again about the version now submitted.
    ask_host_again(actor, application)
    return receipt


def _receipt_of(application_id: int) -> Receipt | None:
    """The latest receipt (of the latest submission)."""
    return db.session.scalar(select(Receipt).where(Receipt.application_id == application_id)
                             .order_by(Receipt.number.desc()).limit(1))


def withdraw_application(actor: User, application: Application) -> None:
    """The applicant takes the application back: the office no longer considers it. Once: withdrawing
    again changes nothing."""
    application = APPLICATION.lock(application)
    if application.status is ApplicationStatus.WITHDRAWN:
        return
    if application.status not in WITHDRAWABLE:
        raise DomainError(_l("An application can only be withdrawn after submission and before a decision."))
    application.withdrawn_at = utcnow()
    set_status(actor, application, ApplicationStatus.WITHDRAWN)


def reopen_application(actor: User, application: Application, now: datetime | None = None) -> Application:
    """Until the deadline the applicant takes a submitted or withdrawn application back to a draft, to change
    it and submit it again (a new receipt; the earlier ones are kept). Once: reopening a draft changes nothing.
    Until it is submitted again it is a draft, which the office does not review."""
    application = APPLICATION.lock(application)
    if application.applicant_id != actor.id:
        raise DomainError(_l("Only the lead applicant can reopen the application."))
    if application.is_draft:
        return application
    if not is_open_for_applications(application.call, now):
        raise DomainError(_l("The deadline has passed: the application can no longer be reopened."))
    if application.status not in REOPENABLE:
        raise DomainError(_l("The office has started to check this application: it can no longer be reopened."))
    application.withdrawn_at = None
    set_status(actor, application, ApplicationStatus.DRAFT, receipts=len(application.receipts))
    return application


def restore_last_submission(actor, application: Application, now: datetime | None = None) -> Receipt | None:
    """After the deadline, an application reopened and not submitted again is the version last submitted:
    its content comes back from the latest receipt (files removed from the draft with it; files added and
    people invited since go), and it is submitted again as of that receipt. Returns that receipt, or None if
    there is nothing to restore. Once: a restored application is no longer a draft."""
    application = APPLICATION.lock(application)
    receipt = _receipt_of(application.id)
    if not application.is_draft or receipt is None or not submissions_ended(application.call, now):
        return None
    content = receipt.content
    with db.session.no_autoflush:
        application.title, application.summary = content["title"], content["summary"]
        application.summary_translations = dict(content.get("summary_translations") or {})
        application.translations = dict(content.get("translations") or {})
        application.languages = list(content.get("languages") or [])
        application.answers = dict(content.get("answers") or {})
        application.discipline = Discipline(content["discipline"]) if content.get("discipline") else None
        application.career_stage = CareerStage(content["career_stage"]) if content.get("career_stage") else None
        application.direction = Direction(content["direction"]) if content.get("direction") else None
        application.pair_id, application.origin_city_id = content.get("pair"), content.get("origin_city")
        application.start_date = date.fromisoformat(content["start_date"]) if content.get("start_date") else None
        application.end_date = date.fromisoformat(content["end_date"]) if content.get("end_date") else None
        (application.host_organisation, application.host_contact_name,
         application.host_email) = content.get("host") or ["", "", ""]
        application.search_text = _search_text(application)
        submitted = _submitted_files(receipt)
        for attachment in _all_files(application):
            if _file_key(attachment) in submitted:
                # As submitted: a file set aside and uploaded again under another name gets its name back.
                attachment.removed_at, attachment.display_name = None, submitted[_file_key(attachment)]
            else:
                _delete_file(attachment)
        team = {entry[0] for entry in content.get("team", [])}
        dropped = [member for member in application.members if member.email not in team]
        for member in dropped:
            application.members.remove(member)
    db.session.flush()
    db.session.expire(application, ["attachments"])
    application.submitted_at, application.withdrawn_at = receipt.submitted_at, None
    set_status(actor, application, ApplicationStatus.SUBMITTED, receipt=receipt.number, restored=True)
    # Whole, or the office should know: a city or question deleted since can make it differ.
    restored_whole = content_hash(content_snapshot(application)) == receipt.content_sha256
    audit.record("application.restored", actor=actor, target=application, reference=receipt.reference,
                 receipt=receipt.number, whole=restored_whole, invitations_dropped=len(dropped))
    # The host is asked about the stay as it was submitted, if the draft's changes withdrew the confirmation.
    host_details_changed(actor, application, ask=False)
    ask_host_again(actor, application)
    applicant = application.applicant
    queue_mail(applicant.email, applicant.locale,
               _l("Your application %(reference)s: the version you submitted is the one reviewed",
                  reference=application.reference),
               "applications/mail/restored.txt", application=application, receipt=receipt, user=applicant,
               dropped=[m.name for m in dropped],
               link=url_for("applications.view", application_id=application.id, _external=True))
    return receipt


def settle_deadline(actor, call: Call, now: datetime | None = None) -> int:
    """Once submissions have ended: every application reopened and not submitted again goes back to the
    version last submitted (restore_last_submission). Returns how many. Safe to run again at any time."""
    if not submissions_ended(call, now):
        return 0
    ids = db.session.scalars(
        select(Application.id).where(Application.call_id == call.id, Application.status == ApplicationStatus.DRAFT,
                                     select(Receipt.id).where(Receipt.application_id == Application.id).exists())
        .order_by(Application.id)).all()
    restored = 0
    for application_id in ids:
        if restore_last_submission(actor, db.session.get_one(Application, application_id), now) is not None:
            restored += 1
    return restored


def settle_deadlines(now: datetime | None = None) -> int:
    """settle_deadline for every call whose submissions have ended and that still has reopened drafts (cron)."""
    now = now or utcnow()
    calls = db.session.scalars(
        select(Call).where(or_(Call.closes_at <= now, Call.status.in_((CallStatus.CLOSED, CallStatus.ARCHIVED))),
                           select(Application.id).join(Receipt).where(
            Application.call_id == Call.id, Application.status == ApplicationStatus.DRAFT).exists())
        .order_by(Call.id)).all()
    return sum(settle_deadline(None, call, now) for call in calls)


def screen_application(actor: User, application: Application, *, eligible: bool,
                       reason: ScreeningReason | None, note: str | None) -> None:
    """The office's eligibility check; the applicant sees the reason in their own language."""
    if not eligible and reason is None:
        raise DomainError(_l("Choose the reason the applicant will read."), field="reason")
    target = ApplicationStatus.ELIGIBLE if eligible else ApplicationStatus.INELIGIBLE
    application.screening_reason = None if eligible else reason
    application.screening_note = (note or "").strip() or None
    application.screened_at = utcnow()
    set_status(actor, application, target, reason=reason.value if reason and not eligible else "")
    applicant = application.applicant
    if not eligible:
        queue_mail(applicant.email, applicant.locale, _l("About your application %(reference)s",
                                                         reference=application.reference),
                   "applications/mail/ineligible.txt", application=application, user=applicant)


# ---- team and host --------------------------------------------------------------------------

def invite_member(actor: User, application: Application, *, name: str, email: str, city_id: int | None,
                  locale: str = DEFAULT_LOCALE) -> TeamMember:
    """Invite someone by address; the invitation is written in their account's language, or (no account yet)
    in the language the lead applicant chose for them."""
    _ensure_editable(application)
    if application.call.kind is not CallKind.CO_CREATION:
        raise DomainError(_l("Only co-creation calls have teams."), field="email")
    email, name = email.strip().lower(), clean_name(name) or ""
    if not name:
        raise DomainError(_l("Please enter the name."), field="name")
    if "@" not in email:
        raise DomainError(_l("Enter a valid e-mail address, for example name@example.org."), field="email")
    if email == application.applicant.email or any(m.email == email for m in application.members):
        raise DomainError(_l("This person is already in the team."), field="email")
    pair = application.pair
    if city_id is not None and (pair is None or city_id not in (pair.europe_city_id, pair.east_asia_city_id)):
        raise DomainError(_l("Choose one of the two cities of the pair."), field="city_id")
    if locale not in LOCALES:
        raise DomainError(_l("Choose one of the offered languages."), field="locale")
    mail_allowance.check(actor, application, field="email")
    member = TeamMember(name=name, email=email, city_id=city_id, locale=locale)
    application.members.append(member)
    db.session.flush()
    audit.record("application.member_invited", actor=actor, target=application, email=email)
    link = url_for("applications.team_invitation", token=tokens.make_invitation_token(member), _external=True)
    queue_mail(email, recipient_locale(email, member.locale), _l("%(name)s invites you to a co-creation team",
                                                       name=application.applicant.name),
               "applications/mail/invitation.txt", application=application, member=member, link=link)
    return member


def respond_to_invitation(user: User, member: TeamMember, accept: bool) -> TeamMember:
    """The invited person's answer, once: the same answer sent again (a second click) changes nothing."""
    if user.email != member.email:
        raise DomainError(_l("This invitation was sent to another e-mail address. Sign in with that address."))
    answer = MemberStatus.ACCEPTED if accept else MemberStatus.DECLINED
    if member.status is answer and member.user_id == user.id:
        return member
    MEMBERSHIP.check(member.status, answer, refusal=_l("This invitation has already been answered."))
    if not member.application.is_draft:
        raise DomainError(_l("The application has already been submitted."))
    member.user_id = user.id
    member.responded_at = utcnow()
    MEMBERSHIP.move(user, member, answer, target=member.application, answer=answer.value)
    return member


# What the host is shown and confirms; a change of any of it withdraws the confirmation.
HOST_DETAILS = {
    "organisation": _l("Host organisation in the other city"),
    "contact": _l("Contact person at the host"),
    "email": _l("Host's e-mail address"),
    "start_date": _l("First day of the stay"),
    "end_date": _l("Last day of the stay"),
}


def host_snapshot(application: Application, *, start: date | None = None, end: date | None = None) -> dict:
    """The stay as the host sees it: organisation, contact, e-mail and the dates (`start`/`end`: the grant's,
    once an amendment has changed them)."""
    start = start or application.start_date
    end = end or application.end_date
    return {"organisation": application.host_organisation, "contact": application.host_contact_name,
            "email": application.host_email, "start_date": start.isoformat() if start else None,
            "end_date": end.isoformat() if end else None}


def host_changes(confirmation: HostConfirmation, snapshot: dict) -> list[str]:
    """The details (keys of HOST_DETAILS) that differ between what the host saw and `snapshot`."""
    return [key for key in HOST_DETAILS if confirmation.snapshot.get(key) != snapshot.get(key)]


def _outdated_host_confirmation(application: Application, **dates) -> HostConfirmation | None:
    """The open request or the confirmation, if what it showed the host is no longer the stay."""
    current = application.host_confirmation
    if current is None or current.status is HostConfirmationStatus.WITHDRAWN:
        return None
    return current if current.digest != content_hash(host_snapshot(application, **dates)) else None


def _withdraw_host_confirmation(actor, application: Application, confirmation: HostConfirmation, **dates) -> None:
    confirmation.changed = host_changes(confirmation, host_snapshot(application, **dates))
    confirmation.withdrawn_at = utcnow()
    HOST_CONFIRMATION.move(actor, confirmation, HostConfirmationStatus.WITHDRAWN, target=application,
                           changed=",".join(confirmation.changed), confirmation=confirmation.id)


def host_details_changed(actor, application: Application, *, start: date | None = None, end: date | None = None,
                         ask: bool = True) -> HostConfirmation | None:
    """Call after the organisation, contact or dates of a stay changed anywhere (the application, a grant
    amendment): a confirmation given for the earlier version is withdrawn and, with `ask`, the host is asked
    again (a new request mail). Returns the new request, if one was sent."""
    outdated = _outdated_host_confirmation(application, start=start, end=end)
    if outdated is None:
        return None
    application.host_confirmed_at = application.host_confirmed_name = None
    _withdraw_host_confirmation(actor, application, outdated, start=start, end=end)
    return ask_host_again(actor, application, start=start, end=end) if ask else None


def ask_host_again(actor, application: Application, **dates) -> HostConfirmation | None:
    """If a change withdrew the host's confirmation and nothing newer was asked, ask about the stay as it is."""
    current = application.host_confirmation
    if current is None or current.status is not HostConfirmationStatus.WITHDRAWN or not _mailable(application):
        return None
    return _send_host_request(actor, application, **dates)


def _mailable(application: Application) -> bool:
    email = application.host_email
    return bool(email) and "@" in email and "." in email.rsplit("@", 1)[-1]


def _send_host_request(actor, application: Application, **dates) -> HostConfirmation:
    snapshot = host_snapshot(application, **dates)
    digest = content_hash(snapshot)
    current = application.host_confirmation
    if current is not None and current.status is not HostConfirmationStatus.WITHDRAWN and current.digest == digest:
        confirmation = current  # the same version asked again (a reminder): the same request
    else:
        confirmation = HostConfirmation(snapshot=snapshot, digest=digest, changed=[])
        application.host_confirmations.append(confirmation)
        db.session.flush()
    link = url_for("applications.host_confirmation", token=tokens.make_host_token(confirmation), _external=True)
    queue_mail(application.host_email, recipient_locale(application.host_email, application.host_locale),
               _l("Please confirm a stay at %(host)s", host=application.host_organisation or application.host_email),
               "applications/mail/host.txt", application=application, confirmation=confirmation, link=link,
               again=len(application.host_confirmations) > 1)
    audit.record("application.host_asked", actor=actor, target=application, confirmation=confirmation.id)
    return confirmation


def confirm_host(confirmation: HostConfirmation, *, name: str) -> HostConfirmation:
    """The host organisation confirms the stay it was shown (through its signed link; no account needed).
    Once: confirming again changes nothing. A request that a change has withdrawn cannot be confirmed."""
    confirmation = HOST_CONFIRMATION.lock(confirmation) if confirmation.id is not None else confirmation
    application = db.session.get_one(Application, confirmation.application_id)
    if confirmation.status is HostConfirmationStatus.CONFIRMED:
        return confirmation
    name = clean_name(name) or ""
    if not name:
        raise DomainError(_l("Please enter your name."), field="name")
    if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED):
        raise DomainError(_l("This application is no longer active."))
    HOST_CONFIRMATION.check(confirmation.status, HostConfirmationStatus.CONFIRMED,
                            _l("The details of this stay have changed since this request was sent: this request "
                               "can no longer be confirmed."))
    if confirmation.id is None:  # a link sent before requests were kept: the details shown on its page
        application.host_confirmations.append(confirmation)
    confirmation.confirmed_at, confirmation.confirmed_name = utcnow(), name[:200]
    application.host_confirmed_at = confirmation.confirmed_at
    application.host_confirmed_name = confirmation.confirmed_name
    HOST_CONFIRMATION.move(None, confirmation, HostConfirmationStatus.CONFIRMED, action="application.host_confirmed",
                           target=application, name=name[:200], digest=confirmation.digest)
    return confirmation


def request_host_confirmation(actor: User, application: Application) -> HostConfirmation:
    """The applicant asks the host (again) about the stay as it is now."""
    if not application.host_email:
        raise DomainError(_l("Enter the host's e-mail address first."), field="host_email")
    outdated = _outdated_host_confirmation(application)
    if outdated is not None:
        application.host_confirmed_at = application.host_confirmed_name = None
        _withdraw_host_confirmation(actor, application, outdated)
    mail_allowance.check(actor, application, field="host_email")
    return _send_host_request(actor, application)


def host_confirmation_for_token(token: str) -> HostConfirmation:
    """The request a host link names (raises LinkInvalid/LinkExpired). A link from before requests were kept
    names the application: its latest request, or one for the details as they are (not stored until confirmed)."""
    return tokens.confirmation_for_host_token(
        token, lambda i: db.session.get(HostConfirmation, i), _legacy_confirmation)


def _legacy_confirmation(application_id) -> HostConfirmation | None:
    application = db.session.get(Application, application_id) if isinstance(application_id, int) else None
    if application is None:
        return None
    if application.host_confirmation is not None:
        return application.host_confirmation
    snapshot = host_snapshot(application)
    # Transient (the relationship is not set, so the session does not pick it up): a GET writes nothing.
    return HostConfirmation(application_id=application.id, status=HostConfirmationStatus.REQUESTED,
                            snapshot=snapshot, digest=content_hash(snapshot), changed=[], requested_at=utcnow())


# ---- attachments ----------------------------------------------------------------------------

class TooLarge(DomainError):
    """An upload over a per-file or per-application limit (answered with 413)."""


def add_attachment(actor: User, application: Application, *, kind: AttachmentKind, filename: str, data: bytes,
                   question_id: int | None = None) -> Attachment:
    """Store the file once. The same bytes sent again for the same purpose (the artist retrying after the
    answer was lost: the connection dropped, the server restarted) give back the attachment already there."""
    _ensure_editable(application)
    config = current_app.config
    if len(data) == 0:
        raise DomainError(_l("The file is empty."), field="file")
    sha256 = hashlib.sha256(data).hexdigest()
    for existing in application.attachments:
        if existing.sha256 == sha256 and existing.kind is kind and existing.question_id == question_id:
            return existing
    if len(data) > config["MAX_ATTACHMENT_BYTES"]:
        raise TooLarge(_l("A file may be at most %(size)s MB.", size=config["MAX_ATTACHMENT_BYTES"] // 2**20),
                       field="file")
    if sum(a.size for a in application.attachments) + len(data) > config["MAX_APPLICATION_ATTACHMENT_BYTES"]:
        raise TooLarge(_l("All files of an application together may be at most %(size)s MB.",
                          size=config["MAX_APPLICATION_ATTACHMENT_BYTES"] // 2**20), field="file")
    if len(application.attachments) >= config["MAX_ATTACHMENTS_PER_APPLICATION"]:
        raise DomainError(_l("An application can have at most %(n)s files.",
                             n=config["MAX_ATTACHMENTS_PER_APPLICATION"]), field="file")
    content_type = detect_type(data)
    if content_type is None:
        raise DomainError(_l("This kind of file is not accepted. Use PDF, PNG, JPEG, WebP, or an "
                             "OpenDocument or Office document."), field="file")
    if application.call.blind_review and content_type in LEGACY_OFFICE_TYPES:
        raise DomainError(_l("Review in this call is blind: upload this document as PDF or in the newer Office "
                             "format (docx, xlsx, pptx). The old formats keep the author's name in a way that "
                             "cannot be removed."), field="file")
    if question_id is not None and not any(q.id == question_id and q.kind is QuestionKind.FILE
                                           for q in application.call.questions):
        raise DomainError(_l("Choose one of the call's questions."), field="question_id")
    key = get_storage().save(data)  # kept with the transaction below, once it is known to be this row's

    def make() -> Attachment:
        attachment = Attachment(application_id=application.id, kind=kind, question_id=question_id,
                                display_name=display_name(filename), storage_key=key,
                                content_type=content_type, size=len(data), sha256=sha256,
                                uploaded_by_id=actor.id)
        db.session.add(attachment)
        db.session.flush()
        audit.record("application.file_added", actor=actor, target=application, file=attachment.display_name)
        return attachment

    def already_there() -> Attachment | None:
        return db.session.scalar(select(Attachment).where(
            Attachment.application_id == application.id, Attachment.kind == kind, Attachment.sha256 == sha256,
            Attachment.question_id.is_(None) if question_id is None else Attachment.question_id == question_id))

    # The same upload sent again at the same moment (the unique key on application, purpose and bytes decides).
    try:
        attachment = once(make, already_there)
    except BaseException:
        get_storage().delete(key)
        raise
    if attachment.storage_key == key:
        keep_with_transaction(key)
    else:
        get_storage().delete(key)  # the other request's copy is the one kept
    if attachment.removed_at is not None:  # the file of the last submission, removed from the draft: back again
        attachment.removed_at = None
        attachment.display_name = display_name(filename)
        audit.record("application.file_added", actor=actor, target=application, file=attachment.display_name)
    db.session.expire(application, ["attachments"])
    return attachment


def delete_attachment(actor: User, application: Application, attachment: Attachment) -> None:
    """Take a file off the draft. A file of the last submission only leaves the draft: until the application
    is submitted again that submission may still be the one reviewed (restore_last_submission)."""
    _ensure_editable(application)
    audit.record("application.file_removed", actor=actor, target=application, file=attachment.display_name)
    receipt = _receipt_of(application.id)
    if receipt is not None and _file_key(attachment) in _submitted_files(receipt):
        attachment.removed_at = utcnow()
    else:
        _delete_file(attachment)
    db.session.flush()
    db.session.expire(application, ["attachments"])


def _delete_file(attachment: Attachment) -> None:
    db.session.delete(attachment)
    # The bytes go once the transaction is committed; a rollback keeps both row and file.
    db.session.info.setdefault("storage_deletions", []).append(attachment.storage_key)


def _file_key(attachment: Attachment) -> tuple[str, str]:
    """A file by its bytes and purpose (its name may change when it is uploaded again)."""
    return (attachment.sha256, attachment.kind.value)


def _submitted_files(receipt: Receipt) -> dict[tuple[str, str], str]:
    """The files of a submission as its receipt lists them (content_snapshot): (sha256, kind) → name."""
    return {(sha256, kind): name for name, sha256, kind in receipt.content.get("attachments", [])}


def _all_files(application: Application) -> list[Attachment]:
    """The application's files, those removed from a reopened draft included."""
    return list(db.session.scalars(select(Attachment).where(Attachment.application_id == application.id)
                                   .order_by(Attachment.id)))
