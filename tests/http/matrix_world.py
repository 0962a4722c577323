"""One programme with every kind of object, for the route matrix (tests/http/test_route_matrix.py).

The *victim* is an artist whose co-creation application went the whole way: submitted (receipt), with an
attachment and an accepted team member, reviewed by an assigned juror, awarded, accepted, paid, amended and
reported on. The same artist also has a draft (with a file and a pending invitation) in a second call, so
the drafting routes have something to act on. Around them: another artist with their own application, an
unassigned juror (reviewing the other artist), the manager of another programme, an admin.
Each private value of the victim carries a canary, grouped by who may see it (CANARY_GROUPS).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from mobility.accounts import tokens as account_tokens
from mobility.applications import services as applications
from mobility.applications import tokens as application_tokens
from mobility.applications.enums import AttachmentKind
from mobility.awards import services as awards
from mobility.awards.models import RedressRequest
from mobility.calls import services as calls
from mobility.calls.enums import CallKind, QuestionKind, Questionnaire, RuleKind
from mobility.cities.enums import Direction
from mobility.cities.models import City
from mobility.core.storage import get_storage
from mobility.extensions import db
from mobility.jobs.models import BackgroundJob, JobStatus
from mobility.reports import services as reports
from mobility.reports import tokens as report_tokens
from mobility.review import services as review
from mobility.review.enums import PairRule, PhaseKind
from mobility.review.models import Assignment
from tests.factories import (
    MINIMAL_PDF,
    MINIMAL_PNG,
    make_api_token,
    make_application,
    make_call,
    make_juror,
    make_pair,
    make_user,
)

# Canaries: unique strings in the victim's private values, grouped by who may see them (see the matrix's
# ENTITLED table). The programme manager's API token (its name, and its secret, added when it is made) and
# the signed links (added too) belong to no group: no page shows them to anyone but the link's own page.
CANARIES = {
    "owner_name": "Kanari Owner-7Q4", "owner_email": "kanari.owner.7q4@example.org",
    "member_name": "Kanari Member-3X9", "member_email": "kanari.member.3x9@example.org",
    "title": "Kanari title 5RZ", "summary": "Kanari summary 8JD", "answer": "Kanari answer 2PF",
    "file_bytes": "KANARI-FILE-BYTES-6TW", "file_name": "kanari-portfolio-1HC",
    "draft_title": "Kanari draft title 4MB", "draft_bytes": "KANARI-DRAFT-BYTES-9GA",
    "review_comment": "Kanari review overall 7VE", "criterion_comment": "Kanari review criterion 3NK",
    "payment_reference": "KANARI-PAYMENT-REF-5SU", "amendment_reason": "Kanari amendment reason 6YL",
    "signature": "Kanari Signature 2BW",
    "report_activities": "Kanari report activities 8QC", "photo_caption": "Kanari photo caption 4DT",
    "token_name": "Kanari token name 9HX",
}
CANARY_GROUPS = {
    # In a blind call even a file's name could say who applied (review.views.file).
    "identity": ("owner_name", "owner_email", "file_name"),
    "member": ("member_name", "member_email"),
    "application": ("title", "summary", "answer", "file_bytes"),
    "draft": ("draft_title", "draft_bytes"),
    "review": ("review_comment", "criterion_comment"),
    "grant": ("payment_reference", "amendment_reason", "signature"),
    "report": ("report_activities", "photo_caption"),
}

ROLES = ("anonymous", "owner", "member", "other_artist", "juror", "unassigned_juror", "other_manager",
         "admin")
TOKEN_HOLDERS = ("other_manager", "admin")  # the office roles, who also go through the API with a token


@dataclass
class World:
    users: dict = field(default_factory=dict)          # role -> User (no anonymous)
    ids: dict = field(default_factory=dict)            # URL argument -> value (the victim's)
    draft_ids: dict = field(default_factory=dict)      # the same for the drafting routes (the victim's draft)
    own_ids: dict = field(default_factory=dict)        # the other artist's application, the unassigned seat
    api_secrets: dict = field(default_factory=dict)    # role -> bearer secret (office roles only)
    canaries: dict = field(default_factory=dict)       # name -> string


def _city(name: str) -> City:
    return db.session.scalar(select(City).where(City.name_en == name))


def _team_application(call, applicant, member, europe, **values):
    """A co-creation draft from Kamakura with `member` (from Chemnitz) accepted into the team."""
    application = make_application(call=call, applicant=applicant, **values)
    invited = applications.invite_member(applicant, application, name=member.name, email=member.email,
                                         city_id=europe.id)
    applications.respond_to_invitation(member, invited, True)
    db.session.flush()
    return application


def _submit_and_screen(manager, application) -> None:
    applications.submit_application(application.applicant, application)
    db.session.flush()
    applications.screen_application(manager, application, eligible=True, reason=None, note=None)


def build_world() -> World:
    """The programme, built through the services (call it inside a request context)."""
    canary = CANARIES
    world = World(canaries=dict(CANARIES))
    manager = make_user("manager", name="Programme Manager")  # runs both calls; not a matrix role
    users = world.users
    users["admin"] = make_user("admin", name="Site Admin")
    # The manager of another programme sharing the installation: none of the victim's calls are theirs.
    users["other_manager"] = make_user("manager", name="Other Manager", programme="Another programme")
    users["owner"] = make_user("applicant", name=canary["owner_name"], email=canary["owner_email"])
    users["member"] = make_user("applicant", name=canary["member_name"], email=canary["member_email"])
    users["other_artist"] = make_user("applicant", name="Other Artist")
    other_member = make_user("applicant", name="Other Member")
    users["juror"] = make_juror(city="Chemnitz", name="Assigned Juror")
    users["unassigned_juror"] = make_juror(city="Nara", name="Unassigned Juror")
    owner, juror, unassigned = users["owner"], users["juror"], users["unassigned_juror"]

    pair = make_pair(actor=manager)
    europe = _city("Chemnitz")
    call = make_call(actor=manager, pairs=[pair], kind=CallKind.CO_CREATION, title="Matrix call",
                     publish=True)
    call.reviewers_per_application, call.blind_review = 1, True
    question_fields = dict(required=False, help={}, max_length=None, options=[], condition_question_id=None,
                           condition_value=None)
    question = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, label={"en": "Plan"},
                                   **question_fields)
    report_question = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, label={"en": "Legacy"},
                                          questionnaire=Questionnaire.REPORT, **question_fields)
    call.interim_report_days = 10  # the call asks for an interim report too
    interim_question = calls.save_question(manager, call, kind=QuestionKind.LONG_TEXT, label={"en": "Halfway"},
                                           questionnaire=Questionnaire.INTERIM, **question_fields)
    rule = calls.save_rule(manager, call, RuleKind.DURATION, {"min": 7, "max": 60})

    # The victim's application, all the way to a report.
    application = _team_application(call, owner, users["member"], europe, title=canary["title"],
                                    summary=canary["summary"],
                                    answers={str(question.id): canary["answer"]})
    attachment = applications.add_attachment(
        owner, application, kind=AttachmentKind.PORTFOLIO, filename=canary["file_name"] + ".pdf",
        data=MINIMAL_PDF + b"%" + canary["file_bytes"].encode() + b"\n")
    _submit_and_screen(manager, application)
    other_application = _team_application(call, users["other_artist"], other_member, europe,
                                          title="Other project")
    _submit_and_screen(manager, other_application)

    review.add_juror(manager, call, juror, 10)
    review.add_juror(manager, call, unassigned, 10)
    review.set_pair_rule(manager, application, juror, PairRule.PIN)
    review.set_pair_rule(manager, application, unassigned, PairRule.FORBID)
    review.set_pair_rule(manager, other_application, unassigned, PairRule.PIN)
    review.set_pair_rule(manager, other_application, juror, PairRule.FORBID)
    review.run_assignment(manager, call, accept_partial=True)
    assignment, other_assignment = (
        db.session.scalar(select(Assignment).where(Assignment.application_id == a.id))
        for a in (application, other_application))
    assert assignment.juror_id == juror.id and other_assignment.juror_id == unassigned.id
    for who, seat in ((juror, assignment), (unassigned, other_assignment)):
        review.declare_no_conflict(who, seat)
    criterion = call.criteria[0]
    review.save_review(juror, assignment, scores={c.id: "4" for c in call.criteria},
                       comments={criterion.id: canary["criterion_comment"]},
                       overall_comment=canary["review_comment"], comment_language="en", submit=True)
    review.save_review(unassigned, other_assignment, scores={c.id: "3" for c in call.criteria}, comments={},
                       overall_comment="Other review", comment_language="en", submit=True)
    calls.set_budgets(manager, call, {(pair.id, d): Decimal("50000") for d in Direction})
    review.move_to_phase(manager, call, PhaseKind.PANEL)

    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(owner, grant, name=canary["signature"])
    grant.created_at -= timedelta(days=40)
    first = awards.instalments(grant)[0]
    awards.record_payment(manager, grant, instalment=first.number, amount=first.amount,
                          reference=canary["payment_reference"], paid_on=date.today())
    amendment = awards.request_amendment(owner, grant, start=grant.start_date, end=grant.end_date,
                                         travellers=list(grant.travellers), reason=canary["amendment_reason"])
    report = reports.report_for(grant)
    reports.save_report(owner, report, reports.ReportData(
        actual_start=date.today() - timedelta(days=10), actual_end=date.today(),
        activities=canary["report_activities"], travel_mode="train", public_summary="A public summary."))
    photo = reports.add_photo(owner, report, data=MINIMAL_PNG, caption=canary["photo_caption"])
    # A request for review of the decision, waiting for the office (as if filed after a letter).
    redress_request = RedressRequest(application_id=application.id, reason="Please look again.",
                                     requested_by_id=owner.id)
    db.session.add(redress_request)

    # The victim's draft in a second call: a file and an invitation nobody has answered yet.
    call2 = make_call(actor=manager, pairs=[pair], kind=CallKind.CO_CREATION, title="Second call",
                      publish=True)
    draft = _team_application(call2, owner, users["member"], europe, title=canary["draft_title"])
    draft_attachment = applications.add_attachment(
        owner, draft, kind=AttachmentKind.OTHER, filename="draft.pdf",
        data=MINIMAL_PDF + b"%" + canary["draft_bytes"].encode() + b"\n")
    pending = applications.invite_member(owner, draft, name="Pending Member",
                                         email="pending.member@example.org", city_id=europe.id)

    # An export the programme manager ran: its page and its file (the applicant's identity and title).
    export = BackgroundJob(kind="export", owner_id=manager.id, function="mobility.applications.exports.export_job",
                           arguments={"call_id": call.id}, status=JobStatus.DONE, progress=100,
                           message=canary["title"], result={"filename": "applications.csv", "mimetype": "text/csv"},
                           storage_key=get_storage().save(f"{canary['owner_name']},{canary['title']}".encode()))
    db.session.add(export)
    host_request = applications.request_host_confirmation(owner, application)
    victim_token, victim_secret = make_api_token(manager, scope="read_write", name=CANARIES["token_name"])
    world.canaries["api_secret"] = victim_secret
    for role in TOKEN_HOLDERS:
        world.api_secrets[role] = make_api_token(users[role], scope="read_write")[1]
    db.session.commit()

    world.ids = {
        "call_id": call.id, "programme_id": call.programme_id, "pair_id": pair.id, "application_id": application.id,
        "attachment_id": attachment.id, "assignment_id": assignment.id, "grant_id": grant.id,
        "photo_id": photo.id, "amendment_id": amendment.id, "number": 1, "request_id": redress_request.id,
        "rule_id": rule.id, "question_id": question.id, "report_question_id": report_question.id,
        "interim_question_id": interim_question.id,
        "criterion_id": criterion.id, "token_id": victim_token.id, "user_id": owner.id, "job_id": export.id,
        "action": "grant", "status": "published", "locale": "ko", "decision": "approve", "figure": "awarded",
        "kind": "reports", "fmt": "csv", "filename": "css/mobility.css",
        "confirm_token": account_tokens.make_confirm_token(owner),
        "reset_token": account_tokens.make_reset_token(owner),
        "invitation_token": application_tokens.make_invitation_token(pending),
        "host_token": application_tokens.make_host_token(host_request),
        "report_host_token": report_tokens.make_report_host_token(report),
    }
    for link in ("confirm_token", "reset_token", "invitation_token", "host_token", "report_host_token"):
        world.canaries[link] = world.ids[link]
    world.own_ids = {"other_application_id": other_application.id, "other_assignment_id": other_assignment.id}
    world.draft_ids = {"application_id": draft.id, "attachment_id": draft_attachment.id}
    return world
