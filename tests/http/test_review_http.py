"""Review through the pages: only assigned jurors after declaring, blind calls hide identity everywhere."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from mobility.applications import services as applications
from mobility.applications.enums import AttachmentKind
from mobility.core.storage import get_storage
from mobility.review import services
from mobility.review.models import Assignment, Review
from tests.conftest import csrf_from, sign_in
from tests.factories import (
    jpeg_with_exif,
    make_juror,
    make_reviewable_call,
    make_user,
    pdf_with_metadata,
)

CANARY = "Zq7canaryXy"


def _token(client, url="/"):
    return csrf_from(client.get(url).get_data(as_text=True))


@pytest.fixture
def blind_call(app, db):
    """A blind call whose applicant, team, host and file names all carry the canary."""
    from mobility.calls.enums import CallKind

    with app.test_request_context():
        europe, asia = make_juror(city="Chemnitz"), make_juror(city="Nara")
        manager = make_user("manager")
        from tests.factories import make_application, make_call

        call = make_call(actor=manager, kind=CallKind.CO_CREATION, publish=True)
        call.blind_review = True
        call.reviewers_per_application = 2
        artist = make_user(name=f"Artist {CANARY}", email=f"{CANARY.lower()}@example.org")
        application = make_application(call=call, applicant=artist, host_organisation=f"Host {CANARY}",
                                       host_email=f"host.{CANARY.lower()}@example.org")
        application.host_contact_name = f"Contact {CANARY}"
        member = applications.invite_member(artist, application, name=f"Member {CANARY}",
                                            email=f"member.{CANARY.lower()}@example.org",
                                            city_id=call.pairs[0].europe_city_id)
        partner = make_user(email=f"member.{CANARY.lower()}@example.org", name=f"Member {CANARY}")
        applications.respond_to_invitation(partner, member, True)
        applications.add_attachment(artist, application, kind=AttachmentKind.CV, filename=f"CV {CANARY}.pdf",
                                    data=pdf_with_metadata(f"Artist {CANARY}"))
        applications.add_attachment(artist, application, kind=AttachmentKind.PORTFOLIO,
                                    filename=f"Photo {CANARY}.jpg", data=jpeg_with_exif(f"Artist {CANARY}"))
        applications.submit_application(artist, application)
        applications.screen_application(manager, application, eligible=True, reason=None, note=None)
        for juror in (europe, asia):
            services.add_juror(manager, call, juror, 5)
        services.run_assignment(manager, call)
        db.session.commit()
        return europe, application


def test_a_blind_call_never_shows_a_juror_who_applied(store, client, db, blind_call):  # files in a directory, in S3
    juror, application = blind_call
    sign_in(client, juror.email)
    responses = [client.get("/review/")]
    assignment = db.session.scalar(select(Assignment).where(Assignment.juror_id == juror.id))
    token = csrf_from(responses[0].get_data(as_text=True))
    responses.append(client.post(f"/review/assignments/{assignment.id}/declare",
                                 data={"answer": "none", "csrf_token": token}, follow_redirects=True))
    responses.append(client.get(f"/review/assignments/{assignment.id}"))
    for attachment in application.attachments:
        responses.append(client.get(f"/review/assignments/{assignment.id}/files/{attachment.id}"))
    responses.append(client.get(f"/applications/{application.id}"))
    responses.append(client.get(f"/applications/{application.id}/attachments/{application.attachments[0].id}"))
    for response in responses:
        assert response.status_code in (200, 404)
        everything = response.get_data() + str(response.headers).encode()
        assert CANARY.encode() not in everything and CANARY.lower().encode() not in everything
    assert responses[2].status_code == 200 and b"Tidal memory" in responses[2].data
    # The juror's copies carry no metadata; the stored originals (the office's, the applicant's) still do.
    assert responses[3].status_code == 200 and responses[3].data.startswith(b"%PDF")
    assert responses[4].status_code == 200 and responses[4].data.startswith(b"\xff\xd8")
    assert all(CANARY.encode() in get_storage().read(a.storage_key) for a in application.attachments)


def _review_urls(assignment, attachment_id):
    base = f"/review/assignments/{assignment.id}"
    return [("GET", base), ("POST", base), ("POST", base + "/declare"), ("GET", f"{base}/files/{attachment_id}")]


@pytest.mark.parametrize("intruder", ["unassigned juror", "artist", "anonymous"])
def test_review_urls_are_closed_to_everyone_else(app, client, db, blind_call, intruder):
    _juror, application = blind_call
    assignment = db.session.scalar(select(Assignment).where(Assignment.application_id == application.id))
    with app.test_request_context():
        if intruder == "unassigned juror":
            sign_in(client, make_juror(city="Oulu").email)
        elif intruder == "artist":
            sign_in(client, application.applicant.email)
    token = _token(client)
    for method, url in _review_urls(assignment, application.attachments[0].id):
        response = client.open(url, method=method, data={"csrf_token": token, "answer": "conflict", "reason": "x"})
        expected = {"unassigned juror": 404, "artist": 403}.get(intruder)
        if intruder == "anonymous":
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
        else:
            assert response.status_code == expected, (url, response.status_code)


def test_an_undeclared_juror_cannot_open_the_application(client, db, blind_call):
    juror, _application = blind_call
    sign_in(client, juror.email)
    assignment = db.session.scalar(select(Assignment).where(Assignment.juror_id == juror.id))
    assert client.get(f"/review/assignments/{assignment.id}").status_code == 403


def test_a_bad_score_keeps_everything_typed(app, client, db, blind_call):
    juror, application = blind_call
    sign_in(client, juror.email)
    assignment = db.session.scalar(select(Assignment).where(Assignment.juror_id == juror.id))
    client.post(f"/review/assignments/{assignment.id}/declare", data={"answer": "none", "csrf_token": _token(client)})
    c1, c2, c3 = application.call.criteria
    url = f"/review/assignments/{assignment.id}"
    response = client.post(url, data={f"score_{c1.id}": "4.5", f"score_{c2.id}": "", f"score_{c3.id}": "3",
                                      f"comment_{c1.id}": "좋은 기획입니다", "overall_comment": "전체 의견",
                                      "comment_language": "ko", "submit": "1", "csrf_token": _token(client, url)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="score_{c2.id}-error"' in html and "좋은 기획입니다" in html and "전체 의견" in html
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0  # the refused draft is not kept


def test_refused_review_steps_store_nothing_and_say_why(app, client, db):
    """Each refusal is flashed where the person lands, and nothing of the refused step is committed."""
    from mobility.core.models import AuditEntry
    from mobility.review.enums import AssignmentStatus, PhaseKind
    from mobility.review.models import PanelDecision, ReviewPhase

    with app.test_request_context():
        jurors = [make_juror(city="Chemnitz"), make_juror(city="Nara")]
        manager, call, (application,) = make_reviewable_call(jurors=jurors, applications=1)
        services.run_assignment(manager, call)
        db.session.commit()

    def audited():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))

    assignment = db.session.scalar(select(Assignment).where(Assignment.juror_id == jurors[0].id))
    sign_in(client, jurors[0].email)
    before = audited()
    refused = client.post(f"/review/assignments/{assignment.id}/declare",
                          data={"answer": "conflict", "reason": " ", "csrf_token": _token(client)})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/review/")
    assert "Say briefly what the conflict is" in client.get("/review/").get_data(as_text=True)
    db.session.refresh(assignment)
    assert assignment.status is AssignmentStatus.ASSIGNED and audited() == before

    client.post("/sign-out", data={"csrf_token": _token(client)})
    sign_in(client, manager.email)
    ranking = f"/manage/calls/{call.id}/ranking"
    token = _token(client, ranking)
    before = audited()
    refused = client.post(f"/manage/applications/{application.id}/decision",
                          data={"decision": "shortlist", "reason": "Strong", "csrf_token": token})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(ranking)
    assert "Decisions are taken in the panel phase." in client.get(ranking).get_data(as_text=True)
    assert db.session.scalar(select(PanelDecision)) is None and audited() == before

    asked = client.post(f"/manage/calls/{call.id}/lock", data={"csrf_token": token})  # one click: not yet
    assert asked.status_code == 302 and asked.headers["Location"].endswith(f"/manage/calls/{call.id}/lock")
    assert db.session.get(type(call), call.id).panel_locked_at is None
    locked = client.post(f"/manage/calls/{call.id}/lock", data={"csrf_token": token, "confirmed": "1"},
                         follow_redirects=True)
    assert "The panel is locked." in locked.get_data(as_text=True)
    before = audited()
    again = client.post(f"/manage/calls/{call.id}/lock", data={"csrf_token": token, "confirmed": "1"},
                        follow_redirects=True)
    assert again.status_code == 200 and audited() == before  # the first lock stands
    moved = client.post(f"/manage/calls/{call.id}/phase", data={"phase": "panel", "csrf_token": token},
                        follow_redirects=True)
    assert "The panel has locked this call" in moved.get_data(as_text=True) and audited() == before
    assert not db.session.scalars(select(ReviewPhase).where(ReviewPhase.call_id == call.id,
                                                            ReviewPhase.kind == PhaseKind.PANEL,
                                                            ReviewPhase.active)).all()


def test_the_office_runs_assignment_and_sees_the_ranking(client, db, signed_in, app):
    with app.test_request_context():
        jurors = [make_juror(city="Chemnitz"), make_juror(city="Nara")]
        _manager, call, _apps = make_reviewable_call(jurors=jurors)
    signed_in("manager")
    url = f"/manage/calls/{call.id}/assignment"
    page = client.post(url, data={"csrf_token": _token(client, url)}, follow_redirects=True).get_data(as_text=True)
    assert "Seats filled: 4" in page and "100 %" in page  # the run's job page shows its report
    ranking = client.get(f"/manage/calls/{call.id}/ranking")
    assert ranking.status_code == 200 and "Project 1" in ranking.get_data(as_text=True)


def test_consensus_a_juror_drafts_and_the_office_approves(app, client, db):
    from mobility.review.enums import PhaseKind
    from mobility.review.models import ConsensusReport

    with app.test_request_context():
        jurors = [make_juror(city="Chemnitz"), make_juror(city="Nara")]
        manager, call, (application,) = make_reviewable_call(jurors=jurors, applications=1)
        services.run_assignment(manager, call)
        for assignment in db.session.scalars(select(Assignment)):
            services.declare_no_conflict(assignment.juror, assignment)
            services.save_review(assignment.juror, assignment, scores={c.id: "4" for c in call.criteria},
                                 comments={}, overall_comment="Good", comment_language="en", submit=True)
        db.session.commit()
    url = f"/review/applications/{application.id}/consensus"
    sign_in(client, jurors[0].email)
    assert client.get(url).status_code == 403  # still the individual phase
    with app.test_request_context():
        services.move_to_phase(manager, call, PhaseKind.CONSENSUS)
        db.session.commit()
    page = client.get(url)
    assert page.status_code == 200 and "Good" in page.get_data(as_text=True)
    data = {f"score_{c.id}": "4.5" for c in call.criteria}
    data.update(summary="Agreed.", csrf_token=csrf_from(page.get_data(as_text=True)))
    assert client.post(url, data={**data, "save": "1"}).status_code == 302
    assert client.post(url, data={**data, "approve": "1"}).status_code == 403  # a juror is not the moderator
    client.post("/sign-out", data={"csrf_token": _token(client)})
    sign_in(client, manager.email)
    assert client.post(url, data={**data, "csrf_token": _token(client, url), "approve": "1"}).status_code == 302
    report = db.session.scalar(select(ConsensusReport))
    assert report.approved_at is not None and report.approved_by_id == manager.id


def test_reminders_go_to_jurors_with_unfinished_reviews_in_their_language(app, db):
    from mobility.core.models import OutboxMessage

    with app.test_request_context():
        jurors = [make_juror(city="Chemnitz", locale="ko"), make_juror(city="Nara", locale="ja")]
        manager, call, _apps = make_reviewable_call(jurors=jurors, applications=1)
        services.run_assignment(manager, call)
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        assert services.send_reminders() == 2
        db.session.commit()
    mails = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(2)).all()
    assert {m.locale for m in mails} == {"ko", "ja"} and before >= 2


def test_the_office_builds_the_jury(app, client, db, signed_in):
    with app.test_request_context():
        _manager, call, _apps = make_reviewable_call(jurors=[])
        ready = make_juror(city="Andong", name="Kim Ji-won")
        homeless = make_user("juror", name="No City")
    signed_in("manager")
    url = f"/manage/calls/{call.id}/jury"
    page = client.get(url)
    assert page.status_code == 200 and "Kim Ji-won" in page.get_data(as_text=True)
    refused = client.post(url, data={"user_id": str(homeless.id), "max_load": "5",
                                     "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert refused.status_code == 200 and 'id="user_id-error"' in refused.get_data(as_text=True)
    added = client.post(url, data={"user_id": str(ready.id), "max_load": "5",
                                   "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert added.status_code == 302
    assert "Kim Ji-won" in client.get(url).get_data(as_text=True)


def test_a_manager_pins_a_juror_who_was_not_chosen(app, client, db, signed_in):
    with app.test_request_context():
        chosen, spare = make_juror(city="Chemnitz", name="Chosen"), make_juror(city="Oulu", name="Spare")
        asian = make_juror(city="Nara", name="Asian")
        _manager, call, (application,) = make_reviewable_call(jurors=[chosen, spare, asian], applications=1)
    signed_in("manager")
    url = f"/manage/calls/{call.id}/assignment"
    page = client.get(url).get_data(as_text=True)
    assert "Spare" in page and "Project 1" in page  # listed before any run, every pool juror offered
    client.post(f"/manage/applications/{application.id}/pair-rule",
                data={"juror_id": str(spare.id), "rule": "pin", "csrf_token": csrf_from(page)})
    client.post(url, data={"csrf_token": csrf_from(page)})
    jurors = {a.juror_id for a in db.session.scalars(select(Assignment))}
    assert spare.id in jurors and asian.id in jurors


def test_jurors_see_when_reviews_are_due_in_their_own_zone(app, client, db):
    from datetime import timedelta

    from mobility.db import utcnow

    with app.test_request_context():
        juror = make_juror(city="Nara")
        juror.timezone = "Asia/Tokyo"
        other = make_juror(city="Chemnitz")
        manager, call, _apps = make_reviewable_call(jurors=[juror, other], applications=1)
        call.review_due_at = (utcnow() + timedelta(days=20)).replace(hour=3, minute=0, second=0, microsecond=0)
        services.run_assignment(manager, call)
        db.session.commit()
    sign_in(client, juror.email)
    page = client.get("/review/").get_data(as_text=True)
    assert "Due" in page and "Asia/Tokyo" in page and "12:00:00" in page  # 03:00 UTC is noon in Tokyo


def test_an_assignment_run_that_cannot_cover_everything_offers_the_partial_save_on_its_job_page(
        app, client, db, signed_in):
    with app.test_request_context():
        europe, korean_reader = make_juror(reads=("en",), city="Chemnitz"), make_juror(reads=("ko",), city="Andong")
        _manager, call, _apps = make_reviewable_call(jurors=[europe, korean_reader])
    signed_in("manager", locale="ja")
    url = f"/manage/calls/{call.id}/assignment"
    job_page = client.post(url, data={"csrf_token": _token(client, url)}, follow_redirects=True)
    html = job_page.get_data(as_text=True)
    assert "100 %" in html and 'name="partial" value="1"' in html  # the run's report, with the partial save
    assert 'lang="ja"' in html and "Seats filled" not in html  # written in the manager's language
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0  # nothing saved yet
    saved = client.post(url, data={"csrf_token": csrf_from(html), "partial": "1"}, follow_redirects=True)
    assert saved.status_code == 200 and db.session.scalar(select(func.count()).select_from(Assignment)) == 2


def test_the_ranking_follows_a_review_submitted_after_it_was_shown_and_comes_in_pages(
        app, client, db, monkeypatch):
    from decimal import Decimal

    from mobility.calls import services as calls
    from mobility.cities.enums import Direction
    from mobility.review import manage_views

    monkeypatch.setattr(manage_views, "RANKING_PAGE_SIZE", 2)
    with app.test_request_context():
        manager, call, applications = make_reviewable_call(jurors=[make_juror(city="Chemnitz")], k=1,
                                                           applications=3)
        calls.set_budgets(manager, call, {(call.pairs[0].id, d): Decimal("4000") for d in Direction})
        services.run_assignment(manager, call, accept_partial=True)
        db.session.commit()
    assert sign_in(client, manager.email).status_code == 302
    url = f"/manage/calls/{call.id}/ranking"
    before = client.get(url).get_data(as_text=True)
    assert "3 applications in the ranking" in before and "Page 1 of 2" in before
    total = "%.2f" % sum(4 * c.weight for c in call.criteria)  # the raw mean of one review of all 4s
    assert before.count('<td class="position">') == 2 and total not in before

    assignment = db.session.scalar(select(Assignment).where(Assignment.application_id == applications[2].id))
    with app.test_request_context():
        juror = assignment.juror
        services.declare_no_conflict(juror, assignment)
        services.save_review(juror, assignment, scores={c.id: "4" for c in call.criteria}, comments={},
                             overall_comment="", comment_language="en", submit=True)
        db.session.commit()

    after = client.get(url).get_data(as_text=True)
    first_row = after.split('<td class="position">1</td>', 1)[1].split("</tr>", 1)[0]
    assert "Project 3" in first_row and total in first_row and "within budget" in first_row
    budget_line = after.split('class="data-table budget-lines"', 1)[1].split("</table>", 1)[0]
    cells = re.sub(r"\s+", "", budget_line)
    # Its pair and direction: one application within budget, at rank 1, committing its estimate; the other
    # direction of the pair: none yet.
    assert "<td>1</td><td>1</td><td>€3,350.00</td>" in cells and "<td>0</td><td>—</td><td>€0.00</td>" in cells
    second_page = client.get(url + "?page=2").get_data(as_text=True)
    assert second_page.count('<td class="position">') == 1 and '<td class="position">3</td>' in second_page


def test_a_second_assignment_run_waits_for_the_one_under_way(app, client, db):
    from mobility.jobs.models import BackgroundJob, JobStatus
    from mobility.review.models import Assignment as AssignmentRow

    with app.test_request_context():
        first, call, _apps = make_reviewable_call(jurors=[make_juror(city="Chemnitz"), make_juror(city="Nara")])
        other = make_user("manager", name="Second Manager")
        running = BackgroundJob(kind="assignment", owner_id=first.id, function="mobility.review.jobs.assignment_job",
                                arguments={"call_id": call.id, "actor_id": first.id, "accept_partial": False},
                                status=JobStatus.RUNNING, result={})
        db.session.add(running)
        db.session.commit()
    url = f"/manage/calls/{call.id}/assignment"

    assert sign_in(client, other.email).status_code == 302
    refused = client.post(url, data={"csrf_token": _token(client, url)}, follow_redirects=True)
    assert "already under way, started by" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 1
    assert db.session.scalar(select(AssignmentRow)) is None  # nothing ran beside the first run

    client.post("/sign-out", data={"csrf_token": _token(client)})
    assert sign_in(client, first.email).status_code == 302
    again = client.post(url, data={"csrf_token": _token(client, url)})  # its starter clicks again
    assert again.headers["Location"].endswith(f"/jobs/{running.id}")
    assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 1
