"""A person's data: everything the system holds about them as one download, and erasure on request.

Erasure deletes what nothing obliges us to keep. Applications that became accepted grants are kept for the
legal retention of public funding records, but anonymised: the person's name and e-mail address are
replaced wherever they were copied (mails, audit details, team lists, grant agreements), and their uploaded
files are deleted.
"""
from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from mobility.accounts.models import (
    Affiliation,
    LanguageSkill,
    RecoveryCode,
    User,
    UserDiscipline,
    UserRole,
    UserSession,
    programme_manager,
)
from mobility.accounts.passwords import hash_password, verify_password
from mobility.api.models import ApiToken
from mobility.applications.attachments import with_extension
from mobility.applications.models import Application, Attachment, HostConfirmation, Receipt, TeamMember
from mobility.awards import versions
from mobility.awards.enums import GrantStatus
from mobility.awards.models import (
    AgreementVersion,
    DecisionNotice,
    Grant,
    GrantAmendment,
    Payment,
    RedressRequest,
)
from mobility.core import audit, memo
from mobility.core.backup import encode_value
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.core.storage import get_storage
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.jobs.models import BackgroundJob
from mobility.reports.models import FinalReport, InterimReport, ReportPhoto
from mobility.review.enums import ReviewStatus
from mobility.review.models import (
    Assignment,
    AssignmentRule,
    CallJuror,
    ConsensusReport,
    PanelDecision,
    Review,
)

ERASED = "[erased]"
EXPORT_FORMAT = 1


# ---- the download -----------------------------------------------------------------------------

def _row(obj, exclude: tuple[str, ...] = ()) -> dict:
    return {c.key: encode_value(getattr(obj, c.key)) for c in sa.inspect(obj).mapper.column_attrs if c.key not in exclude}


def _rows(stmt, exclude: tuple[str, ...] = ()) -> list[dict]:
    return [_row(obj, exclude) for obj in db.session.scalars(stmt)]


def personal_data(user: User) -> dict:
    """Everything stored about `user`, as plain JSON-ready data (secrets such as hashes left out).

    What the jury wrote about their applications comes once the decision letter has gone out (the decision
    is final then), and never says who wrote it: no juror's or rapporteur's identity, blind call or not."""
    applications = _applications_with_parts(user)
    # Every file, those set aside in a reopened draft included (they are kept, so they are theirs to read).
    files: dict[int, list[Attachment]] = {}
    for attachment in _attachments_of(user):
        files.setdefault(attachment.application_id, []).append(attachment)
    application_ids = [a.id for a in applications]
    grant_ids = db.session.scalars(sa.select(Grant.id).where(Grant.application_id.in_(application_ids))).all()
    decided = sa.select(PanelDecision.application_id).where(
        PanelDecision.application_id.in_(application_ids), PanelDecision.letter_sent_at.is_not(None))
    return {
        "format": EXPORT_FORMAT,
        "account": _row(user, exclude=("password_hash", "totp_secret", "totp_pending_secret")),
        "roles": _rows(sa.select(UserRole).where(UserRole.user_id == user.id)),
        "programmes_managed": [{"id": p.id, "name": p.name} for p in user.programmes],
        "languages": _rows(sa.select(LanguageSkill).where(LanguageSkill.user_id == user.id)),
        "disciplines": _rows(sa.select(UserDiscipline).where(UserDiscipline.user_id == user.id)),
        "affiliations": _rows(sa.select(Affiliation).where(Affiliation.user_id == user.id)),
        "sign_ins": _rows(sa.select(UserSession).where(UserSession.user_id == user.id), exclude=("token_hash",)),
        "recovery_codes": _rows(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id),
                                exclude=("code_hash", "lookup")),
        "api_tokens": _rows(sa.select(ApiToken).where(ApiToken.user_id == user.id), exclude=("token_hash",)),
        # The record of work they started (an export's file is about other people: not included).
        "background_jobs": _rows(sa.select(BackgroundJob).where(BackgroundJob.owner_id == user.id)
                                 .order_by(BackgroundJob.id), exclude=("storage_key",)),
        "applications": [{
            **_row(a, exclude=("search_text",)),
            "team": [_row(m) for m in a.members],
            "files": [_row(f, exclude=("storage_key",)) for f in files.get(a.id, [])],
            "receipts": [_row(r) for r in a.receipts],
            "host_confirmations": [_row(c) for c in a.host_confirmations],
        } for a in applications],
        "team_memberships": _rows(sa.select(TeamMember).where(
            sa.or_(TeamMember.user_id == user.id, TeamMember.email == user.email))),
        "panel_decisions": _rows(sa.select(PanelDecision).where(PanelDecision.application_id.in_(decided))
                                 .order_by(PanelDecision.application_id), exclude=("decided_by_id",)),
        "jury_feedback": _rows(sa.select(ConsensusReport).where(
            ConsensusReport.application_id.in_(decided), ConsensusReport.approved_at.is_not(None))
            .order_by(ConsensusReport.application_id), exclude=("rapporteur_id", "approved_by_id", "score_hundredths")),
        "reviews_of_your_applications": _reviews_of(decided),
        "decision_letters": _rows(sa.select(DecisionNotice).where(DecisionNotice.application_id.in_(application_ids))
                                  .order_by(DecisionNotice.application_id)),
        # Their requests for review and the office's answers (not who in the office answered).
        "redress_requests": _rows(sa.select(RedressRequest).where(RedressRequest.application_id.in_(application_ids))
                                  .order_by(RedressRequest.id), exclude=("decided_by_id", "reconsidered_by_id")),
        "grants": _rows(sa.select(Grant).where(Grant.id.in_(grant_ids))),
        "grant_amendments": _rows(sa.select(GrantAmendment).where(GrantAmendment.grant_id.in_(grant_ids))
                                  .order_by(GrantAmendment.id), exclude=("decided_by_id",)),
        "payments": _rows(sa.select(Payment).where(Payment.grant_id.in_(grant_ids)), exclude=("recorded_by_id",)),
        "final_reports": _rows(sa.select(FinalReport).where(FinalReport.grant_id.in_(grant_ids)),
                               exclude=("approved_by_id",)),
        "interim_reports": _rows(sa.select(InterimReport).where(InterimReport.grant_id.in_(grant_ids)),
                                 exclude=("approved_by_id",)),
        "report_photos": _rows(sa.select(ReportPhoto).join(FinalReport).where(FinalReport.grant_id.in_(grant_ids))
                               .order_by(ReportPhoto.id), exclude=("storage_key",)),
        "jury_memberships": _rows(sa.select(CallJuror).where(CallJuror.user_id == user.id)),
        "reviews_written": _rows(sa.select(Review).join(Assignment, Assignment.id == Review.assignment_id)
                                 .where(Assignment.juror_id == user.id), exclude=("score_hundredths",)),
        "activity": _rows(sa.select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)),
        "about_you": _audit_about(user, application_ids, grant_ids),
        "mails": _rows(sa.select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                       .order_by(OutboxMessage.id)),
    }


def _reviews_of(decided) -> list[dict]:
    """The submitted reviews of their decided applications: scores and comments, never who wrote them."""
    reviews = db.session.execute(
        sa.select(Assignment.application_id, Review).join(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.application_id.in_(decided), Review.status == ReviewStatus.SUBMITTED)
        .order_by(Assignment.application_id, Review.submitted_at, Review.id)).all()
    numbers: dict[int, int] = {}
    shown = []
    for application_id, review in reviews:
        numbers[application_id] = numbers.get(application_id, 0) + 1  # "reviewer 1, 2 …" of each application
        shown.append({"application_id": application_id, "reviewer": numbers[application_id],
                      **{k: encode_value(getattr(review, k)) for k in
                         ("scores", "comments", "overall_comment", "comment_language", "submitted_at")}})
    return shown


def _audit_about(user: User, application_ids: Sequence[int], grant_ids: Sequence[int]) -> list[dict]:
    """What others did to their account, applications and grants: when and what, not who (a juror, an
    officer) nor from where."""
    targets = sa.or_(sa.and_(AuditEntry.target_type == "User", AuditEntry.target_id == user.id),
                     sa.and_(AuditEntry.target_type == "Application", AuditEntry.target_id.in_(application_ids)),
                     sa.and_(AuditEntry.target_type == "Grant", AuditEntry.target_id.in_(grant_ids)))
    entries = db.session.scalars(sa.select(AuditEntry).where(
        targets, sa.or_(AuditEntry.actor_id.is_(None), AuditEntry.actor_id != user.id)).order_by(AuditEntry.id))
    return [{"id": e.id, "at": encode_value(e.at), "action": e.action, "target_type": e.target_type,
             "target_id": e.target_id, "detail": {k: v for k, v in (e.detail or {}).items() if k not in ("juror",)}}
            for e in entries]


def select_applications(user: User):
    return sa.select(Application).where(Application.applicant_id == user.id).order_by(Application.id)


def _applications_with_parts(user: User) -> Sequence[Application]:
    return db.session.scalars(select_applications(user).options(
        selectinload(Application.members), selectinload(Application.receipts),
        selectinload(Application.host_confirmations))).all()


def _attachments_of(user: User) -> Sequence[Attachment]:
    """The files of the person's applications, those removed from a reopened draft but still kept included."""
    return db.session.scalars(sa.select(Attachment).join(Application, Attachment.application_id == Application.id)
                              .where(Application.applicant_id == user.id).order_by(Attachment.id)).all()


def _files(user: User) -> Iterator[tuple[str, str]]:
    """(archive name, storage key) of every file the person uploaded."""
    for attachment in _attachments_of(user):
        name = with_extension(f"{attachment.id}-{attachment.display_name}", attachment.content_type)
        yield f"files/application-{attachment.application_id}/{name}", attachment.storage_key
    for photo in db.session.scalars(sa.select(ReportPhoto).join(FinalReport).join(Grant).join(Application).where(
            Application.applicant_id == user.id)):
        yield f"files/report-{photo.report_id}/{with_extension(f'photo-{photo.id}', photo.content_type)}", \
            photo.storage_key


def export_archive(user: User) -> bytes:
    """A ZIP with data.json and the person's files; recorded in the audit log."""
    buffer = io.BytesIO()
    storage = get_storage()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(personal_data(user), ensure_ascii=False, indent=1))
        for name, key in _files(user):
            archive.writestr(name, storage.read(key))
    audit.record("account.data_exported", actor=user, target=user)
    return buffer.getvalue()


# ---- erasure ----------------------------------------------------------------------------------
#
# Erasure acts on the person's own rows, and on the fields where their name or address was copied into
# other rows, each found by its key: their id, their applications and grants, their team memberships.
# It never searches the database for their name as text: another "Anna", a title "Annapurna", a city or a
# password hash must stay exactly as they are.

# Audit details that hold what a person typed or was called (a signature, a file name, an address typed at
# sign-in, a token's name): erased in the entries about the person, their applications, grants and tokens.
PERSONAL_DETAIL_KEYS = ("name", "email", "file")

# Acceptance records of a kept grant: (table, column naming the grant). The name typed to sign and the
# network address go; the time and the terms accepted stay. A table this installation lacks is skipped.
ACCEPTANCE_RECORDS = (("grant", "id"), ("agreement_version", "grant_id"))


def retained_application_ids(user: User) -> set[int]:
    """Applications that became accepted grants: public funding records, kept (anonymised)."""
    return set(db.session.scalars(sa.select(Grant.application_id).join(Application).where(
        Application.applicant_id == user.id, Grant.status == GrantStatus.ACCEPTED)))


def retained_applications(user: User) -> Sequence[Application]:
    """The kept applications themselves (the erasure page names them)."""
    return db.session.scalars(select_applications(user).where(
        Application.id.in_(retained_application_ids(user)))).all()


def reviews_written_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Review).join(
        Assignment, Assignment.id == Review.assignment_id).where(Assignment.juror_id == user.id)) or 0


def erase_account(user: User, password: str) -> None:
    """The person's own request, confirmed by their password."""
    if not verify_password(user.password_hash, password or ""):
        raise DomainError(_l("Your current password is not right."), field="password")
    erase(user, actor=user)


def erase(user: User, actor: User | None = None) -> None:
    name, email = user.name, user.email
    retained = retained_application_ids(user)
    application_ids = set(db.session.scalars(select_applications(user).with_only_columns(Application.id)))
    grant_ids = set(db.session.scalars(sa.select(Grant.id).where(Grant.application_id.in_(application_ids))))
    kept_grant_ids = set(db.session.scalars(sa.select(Grant.id).where(Grant.application_id.in_(retained))))
    memberships = db.session.scalars(sa.select(TeamMember).where(
        sa.or_(TeamMember.user_id == user.id, TeamMember.email == email),
        TeamMember.application_id.not_in(application_ids))).all()
    about = {"User": {user.id}, "Application": application_ids, "Grant": grant_ids,
             "ApiToken": set(db.session.scalars(sa.select(ApiToken.id).where(ApiToken.user_id == user.id))),
             "BackgroundJob": set(db.session.scalars(sa.select(BackgroundJob.id)
                                                     .where(BackgroundJob.owner_id == user.id)))}

    _erase_from_audit(user, name, email, about)
    _delete_mail(name, email, application_ids)
    _delete_files(user, application_ids, grant_ids)
    _delete_applications(application_ids - retained)
    _anonymise_kept_applications(retained, name)
    _anonymise_memberships(memberships)
    db.session.flush()
    _anonymise_acceptances(kept_grant_ids)
    # Their agreement versions keep amounts, dates and digests; the name, address and PDF that name them go.
    versions.erase_identity(kept_grant_ids, ERASED)
    for model in (LanguageSkill, UserDiscipline, Affiliation, UserSession, UserRole, CallJuror, ApiToken,
                  RecoveryCode):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.execute(sa.delete(AssignmentRule).where(AssignmentRule.juror_id == user.id))
    db.session.execute(sa.delete(programme_manager).where(programme_manager.c.user_id == user.id))
    db.session.execute(sa.delete(BackgroundJob).where(BackgroundJob.owner_id == user.id))
    db.session.expire_all()
    user.name, user.email = f"Erased user {user.id}", f"erased-{user.id}@erased.invalid"
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # no one can sign in as them again
    user.active, user.email_confirmed_at, user.country, user.home_city_id = False, None, None, None
    user.totp_secret = user.totp_pending_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.flush()
    memo.everything_changed()  # no kept ranking or figure keeps a trace of what was erased
    entry = audit.record("account.erased", actor=actor, target=user, retained_applications=len(retained))
    if actor is user:
        entry.ip = None  # the record of their erasure keeps no address of theirs either


def _delete_files(user: User, application_ids: set[int], grant_ids: set[int]) -> None:
    """Every stored file of theirs: rows now, bytes once the erasure commits (on either store)."""
    deletions = db.session.info.setdefault("storage_deletions", [])
    attachments = Attachment.application_id.in_(application_ids)
    deletions.extend(db.session.scalars(sa.select(Attachment.storage_key).where(attachments)))
    db.session.execute(sa.delete(Attachment).where(attachments))
    photos = ReportPhoto.report_id.in_(sa.select(FinalReport.id).where(FinalReport.grant_id.in_(grant_ids)))
    deletions.extend(db.session.scalars(sa.select(ReportPhoto.storage_key).where(photos)))
    db.session.execute(sa.delete(ReportPhoto).where(photos).execution_options(synchronize_session=False))
    deletions.extend(db.session.scalars(sa.select(BackgroundJob.storage_key).where(
        BackgroundJob.owner_id == user.id, BackgroundJob.storage_key.is_not(None))))


def _delete_mail(name: str, email: str, application_ids: set[int]) -> None:
    """Mail to them, and mail about them to the hosts and team members of their applications (found by
    those addresses; among them, a mail naming them is about them — deleted, never edited)."""
    correspondents = set(db.session.scalars(sa.select(Application.host_email).where(
        Application.id.in_(application_ids), Application.host_email != "")))
    correspondents |= set(db.session.scalars(sa.select(TeamMember.email).where(
        TeamMember.application_id.in_(application_ids))))
    about_them = sa.or_(OutboxMessage.subject.contains(name, autoescape=True),
                        OutboxMessage.body.contains(name, autoescape=True))
    db.session.execute(sa.delete(OutboxMessage).where(sa.or_(
        OutboxMessage.recipient == email,
        sa.and_(OutboxMessage.recipient.in_(correspondents - {email}), about_them))))


def _erased_detail(detail: dict, identity: set[str], keys: tuple[str, ...]) -> dict:
    return {k: ERASED if (k in keys or v in identity) and v not in ("", None) else v for k, v in detail.items()}


def _erase_from_audit(user: User, name: str, email: str, about: dict[str, set[int]]) -> None:
    """What they did keeps its record without their address; what was done to them and theirs loses the
    names and addresses in its details; an address of theirs typed elsewhere (a failed sign-in, an
    invitation) is erased where it is the entry's `email`."""
    identity = {name, email}
    targets = [sa.and_(AuditEntry.target_type == kind, AuditEntry.target_id.in_(ids))
               for kind, ids in about.items() if ids]
    for entry in db.session.scalars(sa.select(AuditEntry).where(sa.or_(*targets))):
        entry.detail = _erased_detail(entry.detail or {}, identity, PERSONAL_DETAIL_KEYS)
        if entry.actor_id == user.id:
            entry.ip = None
    for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_id == user.id)):
        entry.ip, entry.detail = None, _erased_detail(entry.detail or {}, identity, ())
    typed = AuditEntry.detail["email"].as_string() == email
    for entry in db.session.scalars(sa.select(AuditEntry).where(typed)):
        entry.detail = _erased_detail(entry.detail or {}, {email}, ())


def _without_lines(text: str, lines: set[str]) -> str:
    """`search_text` without the lines that were these names (it is one part per line)."""
    lowered = {line.lower() for line in lines if line}
    return "\n".join(line for line in (text or "").split("\n") if line not in lowered)


def _erase_travellers(travellers: list, names: set[str], lead: bool) -> list:
    return [{**t, "name": ERASED} if isinstance(t, dict) and ((lead and i == 0) or t.get("name") in names) else t
            for i, t in enumerate(travellers or [])]


def _anonymise_kept_applications(ids: set[int], name: str) -> None:
    """A funded exchange stays on record without the applicant's name or their host's contact person."""
    for application in db.session.scalars(sa.select(Application).where(Application.id.in_(ids))):
        application.search_text = _without_lines(application.search_text, {name, application.host_contact_name})
        if application.host_contact_name:
            application.host_contact_name = ERASED
        for receipt in application.receipts:  # one per submission: each names the contact
            if len(receipt.content.get("host") or []) > 1 and receipt.content["host"][1]:
                receipt.content = {**receipt.content, "host": [*receipt.content["host"][:1], ERASED,
                                                               *receipt.content["host"][2:]]}
        _erase_grant_travellers(application.id, {name}, lead=True)
    # What they wrote to ask for a review is theirs: the request and the office's decision stay, the words go.
    db.session.execute(sa.update(RedressRequest).where(RedressRequest.application_id.in_(ids), RedressRequest.reason != "")
                       .values(reason=ERASED).execution_options(synchronize_session=False))


def _erase_grant_travellers(application_id: int, names: set[str], lead: bool) -> None:
    for grant in db.session.scalars(sa.select(Grant).where(Grant.application_id == application_id)):
        grant.travellers = _erase_travellers(grant.travellers, names, lead)
        for amendment in grant.amendments:
            amendment.travellers = _erase_travellers(amendment.travellers, names, lead)


def _anonymise_memberships(memberships: Sequence[TeamMember]) -> None:
    """Their place in another artist's team stays (the team was what it was), without their name or address."""
    for member in memberships:
        old_email, old_name = member.email, member.name
        member.name, member.email, member.user_id = ERASED, f"erased-member-{member.id}@erased.invalid", None
        application = member.application
        application.search_text = _without_lines(application.search_text, {old_name})
        for receipt in application.receipts:  # one per submission: each lists the team
            if receipt.content.get("team"):
                receipt.content = {**receipt.content, "team": [
                    [member.email, ERASED, *entry[2:]] if entry and entry[0] == old_email else entry
                    for entry in receipt.content["team"]]}
        _erase_grant_travellers(application.id, {old_name}, lead=False)


def _anonymise_acceptances(grant_ids: set[int]) -> None:
    if not grant_ids:
        return
    for table_name, key in ACCEPTANCE_RECORDS:
        table = db.metadata.tables.get(table_name)
        if table is None or key not in table.c:
            continue
        names_it = table.c[key].in_(grant_ids)
        if "accepted_name" in table.c:
            db.session.execute(sa.update(table).where(names_it, table.c.accepted_name.is_not(None))
                               .values(accepted_name=ERASED))
        if "accepted_ip" in table.c:
            db.session.execute(sa.update(table).where(names_it).values(accepted_ip=None))


def _delete_applications(ids: set[int]) -> None:
    """Each dependant row explicitly, children first (SQLite does not enforce ON DELETE CASCADE here)."""
    if not ids:
        return
    assignments = sa.select(Assignment.id).where(Assignment.application_id.in_(ids))
    grants = sa.select(Grant.id).where(Grant.application_id.in_(ids))  # offered or declined: never paid
    for stmt in (
        sa.delete(Review).where(Review.assignment_id.in_(assignments)),
        sa.delete(Assignment).where(Assignment.application_id.in_(ids)),
        sa.delete(AssignmentRule).where(AssignmentRule.application_id.in_(ids)),
        sa.delete(ConsensusReport).where(ConsensusReport.application_id.in_(ids)),
        sa.delete(PanelDecision).where(PanelDecision.application_id.in_(ids)),
        sa.delete(DecisionNotice).where(DecisionNotice.application_id.in_(ids)),
        sa.delete(RedressRequest).where(RedressRequest.application_id.in_(ids)),
        sa.delete(AgreementVersion).where(AgreementVersion.grant_id.in_(grants)),
        sa.delete(GrantAmendment).where(GrantAmendment.grant_id.in_(grants)),
        sa.delete(Grant).where(Grant.application_id.in_(ids)),
        sa.delete(Receipt).where(Receipt.application_id.in_(ids)),
        sa.delete(HostConfirmation).where(HostConfirmation.application_id.in_(ids)),
        sa.delete(TeamMember).where(TeamMember.application_id.in_(ids)),
        sa.delete(Application).where(Application.id.in_(ids)),
    ):
        db.session.execute(stmt.execution_options(synchronize_session=False))
