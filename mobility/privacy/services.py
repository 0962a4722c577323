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

from mobility.accounts.models import Affiliation, LanguageSkill, User, UserDiscipline, UserRole, UserSession
from mobility.accounts.passwords import hash_password, verify_password
from mobility.api.models import ApiToken
from mobility.applications.models import Application, Attachment, Receipt, TeamMember
from mobility.awards.enums import GrantStatus
from mobility.awards.models import Grant, GrantAmendment, Payment
from mobility.core import audit, memo
from mobility.core.backup import encode_value
from mobility.core.errors import DomainError
from mobility.core.models import AuditEntry, OutboxMessage
from mobility.core.storage import get_storage
from mobility.core.text import lazy_gettext as _l
from mobility.extensions import db
from mobility.jobs.models import BackgroundJob
from mobility.reports.models import FinalReport, ReportPhoto
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
    """Everything stored about `user`, as plain JSON-ready data (secrets such as hashes left out)."""
    applications = _applications_with_parts(user)
    application_ids = [a.id for a in applications]
    grant_ids = db.session.scalars(sa.select(Grant.id).where(Grant.application_id.in_(application_ids))).all()
    return {
        "format": EXPORT_FORMAT,
        "account": _row(user, exclude=("password_hash",)),
        "roles": _rows(sa.select(UserRole).where(UserRole.user_id == user.id)),
        "programmes_managed": [{"id": p.id, "name": p.name} for p in user.programmes],
        "languages": _rows(sa.select(LanguageSkill).where(LanguageSkill.user_id == user.id)),
        "disciplines": _rows(sa.select(UserDiscipline).where(UserDiscipline.user_id == user.id)),
        "affiliations": _rows(sa.select(Affiliation).where(Affiliation.user_id == user.id)),
        "sign_ins": _rows(sa.select(UserSession).where(UserSession.user_id == user.id), exclude=("token_hash",)),
        "api_tokens": _rows(sa.select(ApiToken).where(ApiToken.user_id == user.id), exclude=("token_hash",)),
        # The record of work they started (an export's file is about other people: not included).
        "background_jobs": _rows(sa.select(BackgroundJob).where(BackgroundJob.owner_id == user.id)
                                 .order_by(BackgroundJob.id), exclude=("storage_key",)),
        "applications": [{
            **_row(a, exclude=("search_text",)),
            "team": [_row(m) for m in a.members],
            "files": [_row(f) for f in a.attachments],
            "receipt": _row(a.receipt) if a.receipt else None,
        } for a in applications],
        "team_memberships": _rows(sa.select(TeamMember).where(
            sa.or_(TeamMember.user_id == user.id, TeamMember.email == user.email))),
        "grants": _rows(sa.select(Grant).where(Grant.id.in_(grant_ids))),
        "payments": _rows(sa.select(Payment).where(Payment.grant_id.in_(grant_ids))),
        "final_reports": _rows(sa.select(FinalReport).where(FinalReport.grant_id.in_(grant_ids))),
        "jury_memberships": _rows(sa.select(CallJuror).where(CallJuror.user_id == user.id)),
        "reviews_written": _rows(sa.select(Review).join(Assignment, Assignment.id == Review.assignment_id)
                                 .where(Assignment.juror_id == user.id)),
        "activity": _rows(sa.select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)),
        "mails": _rows(sa.select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                       .order_by(OutboxMessage.id)),
    }


def select_applications(user: User):
    return sa.select(Application).where(Application.applicant_id == user.id).order_by(Application.id)


def _applications_with_parts(user: User) -> Sequence[Application]:
    return db.session.scalars(select_applications(user).options(
        selectinload(Application.members), selectinload(Application.attachments),
        selectinload(Application.receipt))).all()


def _files(user: User) -> Iterator[tuple[str, str]]:
    """(archive name, storage key) of every file the person uploaded."""
    for attachment in db.session.scalars(sa.select(Attachment).join(Application).where(
            Application.applicant_id == user.id)):
        yield f"files/application-{attachment.application_id}/{attachment.id}-{attachment.display_name}", \
            attachment.storage_key
    for photo in db.session.scalars(sa.select(ReportPhoto).join(FinalReport).join(Grant).join(Application).where(
            Application.applicant_id == user.id)):
        yield f"files/report-{photo.report_id}/photo-{photo.id}", photo.storage_key


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

def retained_application_ids(user: User) -> set[int]:
    """Applications that became accepted grants: public funding records, kept (anonymised)."""
    return set(db.session.scalars(sa.select(Grant.application_id).join(Application).where(
        Application.applicant_id == user.id, Grant.status == GrantStatus.ACCEPTED)))


def erase_account(user: User, password: str) -> None:
    """The person's own request, confirmed by their password."""
    if not verify_password(user.password_hash, password or ""):
        raise DomainError(_l("Your current password is not right."), field="password")
    erase(user, actor=user)


def erase(user: User, actor: User | None = None) -> None:
    identity = [value for value in (user.name, user.email) if value and len(value) >= 2]
    retained = retained_application_ids(user)
    application_ids = set(db.session.scalars(select_applications(user).with_only_columns(Application.id)))
    deletions = db.session.info.setdefault("storage_deletions", [])  # files go once the erasure commits
    deletions.extend(db.session.scalars(sa.select(Attachment.storage_key).where(
        Attachment.application_id.in_(application_ids))))
    db.session.execute(sa.delete(Attachment).where(Attachment.application_id.in_(application_ids)))
    _delete_applications(application_ids - retained)
    db.session.execute(sa.update(Application).where(Application.id.in_(retained), Application.host_contact_name != "")
                       .values(host_contact_name=ERASED))
    db.session.execute(sa.update(Grant).where(Grant.application_id.in_(retained))
                       .values(accepted_name=ERASED, accepted_ip=None))
    for model in (LanguageSkill, UserDiscipline, Affiliation, UserSession, UserRole, CallJuror, ApiToken):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    jobs = sa.select(BackgroundJob).where(BackgroundJob.owner_id == user.id)
    deletions.extend(db.session.scalars(jobs.where(BackgroundJob.storage_key.is_not(None))
                                        .with_only_columns(BackgroundJob.storage_key)))
    db.session.execute(sa.delete(BackgroundJob).where(BackgroundJob.owner_id == user.id))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient == user.email))
    for value in identity:
        scrub_everywhere(value)
    db.session.expire_all()
    user.name, user.email = f"Erased user {user.id}", f"erased-{user.id}@erased.invalid"
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # no one can sign in as them again
    user.active, user.email_confirmed_at, user.country, user.home_city_id = False, None, None, None
    db.session.flush()
    memo.everything_changed()  # no kept ranking or figure keeps a trace of what was erased
    audit.record("account.erased", actor=actor, target=user, retained_applications=len(retained))


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
        sa.delete(GrantAmendment).where(GrantAmendment.grant_id.in_(grants)),
        sa.delete(Grant).where(Grant.application_id.in_(ids)),
        sa.delete(Receipt).where(Receipt.application_id.in_(ids)),
        sa.delete(TeamMember).where(TeamMember.application_id.in_(ids)),
        sa.delete(Application).where(Application.id.in_(ids)),
    ):
        db.session.execute(stmt.execution_options(synchronize_session=False))


def _text_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.columns
            if isinstance(c.type, (sa.String, sa.Text, sa.JSON)) and not isinstance(c.type, sa.Enum)]


def _replace(value, old: str):
    if isinstance(value, str):
        return value.replace(old, ERASED)
    if isinstance(value, list):
        return [_replace(v, old) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, old) for k, v in value.items()}
    return value


def scrub_everywhere(old: str) -> int:
    """Replace `old` in every text and JSON column of every table; returns the number of rows changed.

    JSON is stored with non-ASCII escaped, so both spellings are searched for."""
    escaped = json.dumps(old)[1:-1]
    changed = 0
    for table in db.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        for column in _text_columns(table):
            text = sa.cast(column, sa.Text)
            matches = db.session.execute(sa.select(*key, column).where(
                sa.or_(text.contains(old, autoescape=True), text.contains(escaped, autoescape=True)))).all()
            for row in matches:
                new = _replace(row[-1], old)
                if new != row[-1]:
                    db.session.execute(sa.update(table).where(*(k == v for k, v in zip(key, row[:-1])))
                                       .values({column.name: new}))
                    changed += 1
    return changed
