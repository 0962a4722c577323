"""Erasure acts on the person's own rows, found by their keys: another Anna, "Annapurna", a Joanna who signs
in with joanna@…, the cities and everyone's password hashes stay exactly as they were."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mobility.accounts import services as accounts
from mobility.accounts.models import User
from mobility.api import services as api_tokens
from mobility.api.enums import TokenScope
from mobility.applications import services as applications
from mobility.applications.enums import AttachmentKind
from mobility.applications.models import Application, Attachment, TeamMember
from mobility.awards import services as awards
from mobility.calls.enums import CallKind
from mobility.cities.models import City
from mobility.core.models import AuditEntry
from mobility.core.storage import get_storage
from mobility.extensions import db
from mobility.privacy import services
from mobility.reports import services as reports
from mobility.reports.models import ReportPhoto
from tests.factories import (
    MINIMAL_PDF,
    MINIMAL_PNG,
    PASSWORD,
    make_application,
    make_awardable,
    make_call,
    make_user,
)


@pytest.fixture(autouse=True)
def ctx(app, store):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        yield


def _snapshot(model, *where) -> dict:
    """Every column of every row of `model` (optionally filtered), by primary key."""
    columns = [c.key for c in sa.inspect(model).mapper.column_attrs]
    db.session.expire_all()
    return {obj.id: {c: getattr(obj, c) for c in columns} for obj in db.session.scalars(sa.select(model).where(*where))}


def test_erasing_anna_leaves_joanna_anna_schmidt_and_annapurna_alone(db):
    anna = make_user(name="Anna", email="anna@example.org")
    joanna = make_user(name="Joanna Weiss", email="joanna@example.org")
    schmidt = make_user(name="Anna Schmidt", email="anna.schmidt@example.org")
    mine = make_application(applicant=anna, title="Anna's sea")
    annapurna = make_application(applicant=schmidt, title="Annapurna", summary="Anna climbs; Anna writes.",
                                 host_organisation="Anna Haus")
    db.session.commit()
    anna_id, mine_id = anna.id, mine.id
    others = _snapshot(User, User.id != anna_id)
    others_applications = _snapshot(Application, Application.id != mine_id)

    services.erase_account(anna, PASSWORD)
    db.session.commit()

    assert _snapshot(User, User.id != anna_id) == others          # names, e-mails, password hashes as they were
    assert _snapshot(Application, Application.id != mine_id) == others_applications
    assert db.session.get(Application, annapurna.id).title == "Annapurna"
    assert db.session.get(User, schmidt.id).name == "Anna Schmidt"
    assert db.session.get(User, joanna.id).email == "joanna@example.org"
    assert accounts.authenticate("joanna@example.org", PASSWORD) is not None  # Joanna still signs in
    assert db.session.get(Application, mine_id) is None
    erased = db.session.get(User, anna_id)
    assert erased.name == f"Erased user {anna_id}" and not erased.active


def test_a_two_letter_name_renames_no_city_and_touches_no_password_hash(db):
    li = make_user(name="Li", email="li@example.org")
    others = [make_user(name=f"Lina Li {n}") for n in range(3)]
    make_application(applicant=li, title="Li")
    make_application(applicant=others[0], title="Light of Lisbon and Liepāja")
    db.session.commit()
    cities, users = _snapshot(City), _snapshot(User, User.id != li.id)
    assert any("Li" in c["name_en"] for c in cities.values())        # there is something to rename

    services.erase_account(li, PASSWORD)
    db.session.commit()

    assert _snapshot(City) == cities
    assert _snapshot(User, User.id != li.id) == users
    assert db.session.scalar(sa.select(Application.title).where(Application.applicant_id == others[0].id)) \
        == "Light of Lisbon and Liepāja"


def test_a_team_member_is_erased_from_the_other_artists_team_and_nothing_else_of_it(db):
    manager = make_user("manager")
    call = make_call(actor=manager, kind=CallKind.CO_CREATION, publish=True)
    lead_application = make_application(call=call, title="Anna and the sea")
    pair = call.pairs[0]
    anna = make_user(name="Anna", email="anna@example.org")
    member = applications.invite_member(lead_application.applicant, lead_application, name="Anna",
                                        email="anna@example.org", city_id=pair.europe_city_id)
    applications.respond_to_invitation(anna, member, True)
    db.session.commit()
    lead = lead_application.applicant

    services.erase(anna)
    db.session.commit()

    member = db.session.get(TeamMember, member.id)
    assert member.name == services.ERASED and member.user_id is None and "anna@" not in member.email
    kept = db.session.get(Application, lead_application.id)
    assert kept.title == "Anna and the sea" and kept.applicant.name == lead.name  # the lead's own text stays
    invitations = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "application.member_invited"))
    assert [e.detail["email"] for e in invitations] == [services.ERASED]


def test_erasure_deletes_their_report_photos_and_files_on_the_store_and_keeps_the_grant(db):
    manager, _call, (funded,) = make_awardable()
    user = funded.applicant
    grant = awards.award_application(manager, funded, "Excellent")
    awards.accept_grant(user, grant, name="Signed by me")
    grant.created_at -= timedelta(days=60)
    report = reports.report_for(grant)
    reports.add_photo(user, report, data=MINIMAL_PNG, caption="Opening night")
    draft = make_application(applicant=user, title="Second idea")
    applications.add_attachment(user, draft, kind=AttachmentKind.CV, filename="cv.pdf", data=MINIMAL_PDF)
    someone_else = make_application(title="Not theirs")
    applications.add_attachment(someone_else.applicant, someone_else, kind=AttachmentKind.CV, filename="cv.pdf",
                                data=MINIMAL_PDF + b"other")
    db.session.commit()
    storage = get_storage()
    theirs = {p.storage_key for p in db.session.scalars(sa.select(ReportPhoto))} | {
        a.storage_key for a in db.session.scalars(sa.select(Attachment).where(Attachment.application_id == draft.id))}
    others = {a.storage_key for a in db.session.scalars(sa.select(Attachment).where(
        Attachment.application_id == someone_else.id))}
    assert theirs and theirs | others <= set(storage.keys())

    services.erase_account(user, PASSWORD)
    db.session.commit()

    assert set(storage.keys()) == others                          # their bytes are gone, others' are there
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportPhoto)) == 0
    kept = db.session.get(type(grant), grant.id)
    assert kept.accepted_name == services.ERASED and kept.accepted_ip is None
    assert kept.travellers[0]["name"] == services.ERASED


def test_an_erasure_that_fails_deletes_no_file(db):
    user = make_user()
    draft = make_application(applicant=user)
    applications.add_attachment(user, draft, kind=AttachmentKind.CV, filename="cv.pdf", data=MINIMAL_PDF)
    db.session.commit()
    keys = set(get_storage().keys())
    services.erase(user)
    db.session.rollback()                                         # the request failed after the erasure
    assert set(get_storage().keys()) == keys and db.session.get(Application, draft.id) is not None


def test_mail_about_them_to_their_host_goes_and_the_hosts_mail_about_others_stays(db):
    from mobility.core.models import OutboxMessage

    anna = make_user(name="Anna Kowalska", email="anna.k@example.org")
    other = make_user(name="Bo Lindqvist")
    mine, theirs = make_application(applicant=anna), make_application(applicant=other)  # the same host address
    applications.request_host_confirmation(anna, mine)
    applications.request_host_confirmation(other, theirs)
    db.session.commit()
    to_host = sa.select(OutboxMessage.body).where(OutboxMessage.recipient == mine.host_email)
    assert len(db.session.scalars(to_host).all()) == 2

    services.erase(anna)
    db.session.commit()

    bodies = db.session.scalars(to_host).all()
    assert len(bodies) == 1 and "Bo Lindqvist" in bodies[0] and "Anna Kowalska" not in bodies[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == "anna.k@example.org")) == 0


def test_what_they_did_keeps_its_record_without_their_address(db):
    user = make_user("manager", name="Anna", email="anna@example.org")
    token_name = "Anna's laptop"
    api_tokens.create_token(user, name=token_name, scope=TokenScope.READ)
    # Failed sign-ins with addresses typed at the form: theirs, and Joanna's.
    db.session.add(AuditEntry(action="auth.sign_in_failed", ip="203.0.113.9",
                              detail={"email": "anna@example.org", "reason": "unknown"}))
    db.session.add(AuditEntry(action="auth.sign_in_failed", ip="203.0.113.9",
                              detail={"email": "joanna@example.org", "reason": "unknown"}))
    db.session.commit()

    services.erase(user, actor=user)
    db.session.commit()

    mine = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_id == user.id)).all()
    assert mine and all(e.ip is None for e in mine)
    assert all(token_name not in str(e.detail) for e in db.session.scalars(sa.select(AuditEntry)))
    typed = [e.detail["email"] for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "auth.sign_in_failed"))]
    assert sorted(typed) == [services.ERASED, "joanna@example.org"]   # Joanna's own failed sign-in stays
