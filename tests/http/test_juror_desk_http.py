"""The juror's desk: progress per call, each card's language, submitted reviews read-only, the rubric and the
call's guidance in the juror's language beside the application."""
from __future__ import annotations

import re

from sqlalchemy import select

from mobility.calls import services as calls
from mobility.review import services
from mobility.review.enums import PhaseKind, ReviewStatus
from mobility.review.models import Assignment, Review
from tests.conftest import csrf_from, sign_in
from tests.factories import make_juror, make_reviewable_call


def _desk(app, db, *, locale="en"):
    """One juror (reading English and Japanese) assigned three applications, one in Japanese."""
    with app.test_request_context():
        juror = make_juror(city="Chemnitz", reads=("en", "ja"), locale=locale)
        manager, call, made = make_reviewable_call(jurors=[juror], k=1, applications=3)
        calls.update_texts(manager, call, "en", {"title": "Test call", "summary": "A summary.",
                                                 "body": "The full text.", "guidance": "Read the whole file first."})
        calls.update_texts(manager, call, "ja", {"guidance": "まず書類全体を読んでください。"})
        made[2].languages = ["ja"]
        services.run_assignment(manager, call, accept_partial=True)
        db.session.commit()
        assignments = list(db.session.scalars(select(Assignment).order_by(Assignment.application_id)))
        for assignment in assignments[:2]:
            services.declare_no_conflict(juror, assignment)
        services.save_review(juror, assignments[0], scores={c.id: "4" for c in call.criteria}, comments={},
                             overall_comment="Strong and clear.", comment_language="en", submit=True)
        db.session.commit()
        return juror, manager, call, assignments


def test_the_list_shows_progress_language_and_what_is_read_only(app, client, db):
    juror, _manager, call, assignments = _desk(app, db)
    sign_in(client, juror.email)
    html = client.get("/review/").get_data(as_text=True)
    assert "1 of 3 done" in html and "2 to do" in html and "1 to confirm first" in html
    assert '<progress max="3" value="1"' in html
    assert html.count("Written in") == 3 and '<span lang="ja">Japanese</span>' in html
    assert html.count('status-done') == 1 and html.count('status-to-do') == 2
    cards = html.split('class="card assignment-card"')[1:]
    submitted = next(c for c in cards if f"/review/assignments/{assignments[0].id}\"" in c)
    assert "Read-only" in submitted and "See your review" in submitted


def test_a_submitted_review_is_shown_read_only(app, client, db):
    juror, _manager, call, assignments = _desk(app, db)
    sign_in(client, juror.email)
    html = client.get(f"/review/assignments/{assignments[0].id}").get_data(as_text=True)
    assert 'id="review-form"' not in html and "<select" not in html.split('id="scores-heading"')[1]
    assert "Strong and clear." in html and "read-only" in html
    # A draft in the individual phase is a form; once the phase moves on it is read-only too.
    draft = client.get(f"/review/assignments/{assignments[1].id}").get_data(as_text=True)
    assert 'id="review-form"' in draft
    with app.test_request_context():
        services.move_to_phase(_manager, call, PhaseKind.CONSENSUS)
        db.session.commit()
    after = client.get(f"/review/assignments/{assignments[1].id}").get_data(as_text=True)
    assert 'id="review-form"' not in after and "Read-only" in after
    # Posting anyway changes nothing (the service refuses: the phase is over).
    data = {f"score_{c.id}": "3" for c in call.criteria}
    data.update(overall_comment="Changed", csrf_token=csrf_from(draft), submit="1")
    client.post(f"/review/assignments/{assignments[0].id}", data=data)
    review = db.session.scalar(select(Review).where(Review.assignment_id == assignments[0].id))
    assert review.status is ReviewStatus.SUBMITTED and review.overall_comment == "Strong and clear."


def test_rubric_and_guidance_in_the_jurors_language(app, client, db):
    juror, _manager, call, assignments = _desk(app, db, locale="ja")
    sign_in(client, juror.email)
    html = client.get(f"/review/assignments/{assignments[1].id}").get_data(as_text=True)
    rubric = html.split('id="rubric-heading"')[1].split('id="scores-heading"')[0]
    assert "まず書類全体を読んでください。" in rubric and "Read the whole file first." not in rubric
    assert '<div lang="ja">' in rubric
    with app.test_request_context():
        labels = [str(c.label.get("ja")) for c in call.criteria]
    assert all(label in rubric for label in labels)
    assert re.search(r"Artistic quality", rubric) is None  # the criteria in Japanese, not in English


def test_a_guidance_missing_in_the_jurors_language_says_which_one_is_shown(app, client, db):
    juror, _manager, _call, assignments = _desk(app, db, locale="ko")
    sign_in(client, juror.email)
    html = client.get(f"/review/assignments/{assignments[1].id}").get_data(as_text=True)
    rubric = html.split('id="rubric-heading"')[1].split('id="scores-heading"')[0]
    assert "Read the whole file first." in rubric and '<div lang="en">' in rubric


def test_another_juror_sees_neither_the_progress_nor_the_review(app, client, db):
    _juror, _manager, _call, assignments = _desk(app, db)
    with app.test_request_context():
        other = make_juror(city="Nara")
    sign_in(client, other.email)
    assert "Nothing to review" in client.get("/review/").get_data(as_text=True)
    assert client.get(f"/review/assignments/{assignments[0].id}").status_code == 404
