"""Final reports: validation, one submission, host confirmation, approval recomputing the grant."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from mobility.awards import services as awards
from mobility.core.errors import DomainError
from mobility.core.models import OutboxMessage
from mobility.reports import services
from mobility.reports.enums import ReportStatus
from tests.factories import MINIMAL_PNG, make_awardable, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


@pytest.fixture
def accepted(db):
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Grantee")
    grant.created_at -= timedelta(days=60)  # awarded two months ago: the stay is over
    db.session.commit()
    return manager, grant


def _data(start, end, **changes):
    data = services.ReportData(actual_start=start, actual_end=end, activities="Workshops in the old factory.",
                               audience=420, sectors=["creative", "tourism"], travel_mode="train",
                               public_summary="Two artists, one stage, two cities.", language="en")
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def test_bad_report_input_is_refused_on_its_field(accepted):
    _manager, grant = accepted
    grantee = grant.application.applicant
    report = services.report_for(grant)
    today = date.today()
    for changes, field in (({"actual_start": today - timedelta(days=400)}, "actual_start"),
                           ({"actual_end": today + timedelta(days=1)}, "actual_end"),
                           ({"audience": -5}, "audience"),
                           ({"sectors": ["space travel"]}, "sectors")):
        data = _data(today - timedelta(days=10), today - timedelta(days=1))  # within the award's two months
        for name, value in changes.items():
            setattr(data, name, value)
        with pytest.raises(DomainError) as error:
            services.save_report(grantee, report, data)
        assert error.value.field == field
    with pytest.raises(DomainError):
        services.save_report(make_user(), report, _data(today, today))


def test_a_report_is_submitted_once_and_the_host_is_asked(accepted, db):
    _manager, grant = accepted
    grantee = grant.application.applicant
    report = services.report_for(grant)
    services.save_report(grantee, report, _data(date.today(), date.today()))
    services.submit_report(grantee, report)
    assert report.status is ReportStatus.SUBMITTED
    with pytest.raises(DomainError):
        services.submit_report(grantee, report)
    with pytest.raises(DomainError):
        services.save_report(grantee, report, _data(date.today(), date.today()))
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "host@example.de")) is not None
    services.confirm_stay(report, "Lee Ji-eun")
    assert report.host_confirmed_name == "Lee Ji-eun"


def test_approval_recomputes_from_the_actual_days_and_releases_the_last_instalment(accepted, db):
    manager, grant = accepted
    grantee = grant.application.applicant
    report = services.report_for(grant)
    with pytest.raises(DomainError):
        services.approve_report(manager, report)  # not submitted yet
    today = date.today()
    services.save_report(grantee, report, _data(today - timedelta(days=19), today))  # 20 days instead of 30
    services.submit_report(grantee, report)
    with pytest.raises(DomainError) as error:
        services.request_changes(manager, report, "  ")
    assert error.value.field == "message"
    services.confirm_stay(report, "Lee Ji-eun")  # the host confirms the stay
    services.approve_report(manager, report)
    assert grant.amount == Decimal("2500.00")  # 800 + 20 × 85
    assert grant.amendments[-1].previous_amount == Decimal("3350.00")
    first, second = awards.instalments(grant)
    assert second.due and second.amount == Decimal("2500.00") - first.amount
    assert services.co2_kg(report) == (Decimal(grant.distance_km * 2) * Decimal("0.04")).quantize(Decimal("1"))


def test_changes_are_asked_for_in_the_grantees_language(accepted, db):
    manager, grant = accepted
    grantee = grant.application.applicant
    grantee.locale = "ja"
    report = services.report_for(grant)
    services.save_report(grantee, report, _data(date.today(), date.today()))
    services.submit_report(grantee, report)
    services.request_changes(manager, report, "Please add photos of the workshop.")
    assert report.status is ReportStatus.CHANGES_REQUESTED
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grantee.email)
                              .order_by(OutboxMessage.id.desc())).first()
    assert mail.locale == "ja" and "Please add photos of the workshop." in mail.body
    services.save_report(grantee, report, _data(date.today(), date.today(), activities="With photos."))




def test_photos_must_be_images(accepted, db):
    _manager, grant = accepted
    grantee = grant.application.applicant
    report = services.report_for(grant)
    photo = services.add_photo(grantee, report, data=MINIMAL_PNG, caption="Opening night")
    assert photo.content_type == "image/png" and report.photos == [photo]
    for not_a_photo in (b"%PDF-1.4\n%%EOF", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a"):
        with pytest.raises(DomainError) as error:
            services.add_photo(grantee, report, data=not_a_photo, caption="")
        assert error.value.field == "photo"


def test_reminders_a_week_before_the_report_is_due_and_when_overdue(accepted, db):
    _manager, grant = accepted
    due = grant.end_date + timedelta(days=services.REPORT_DUE_DAYS)
    assert services.send_report_reminders(today=due - timedelta(days=7)) == 1
    assert services.send_report_reminders(today=due - timedelta(days=6)) == 0
    assert services.send_report_reminders(today=due + timedelta(days=1)) == 1
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.recipient == grant.application.applicant.email and "was due" in mail.body
    report = services.report_for(grant)
    services.save_report(grant.application.applicant, report,
                         _data(date.today() - timedelta(days=1), date.today()))
    services.submit_report(grant.application.applicant, report)
    assert services.send_report_reminders(today=due + timedelta(days=8)) == 0



def test_a_reminder_goes_out_once_and_a_missed_day_is_caught_up_the_next(accepted, db):
    """Reminders are recorded when sent (core.reminders): cron running twice sends nothing twice, and a day
    cron missed is caught up the day after."""
    _manager, grant = accepted
    due = grant.end_date + timedelta(days=services.REPORT_DUE_DAYS)
    assert services.send_report_reminders(today=due - timedelta(days=8)) == 0   # not yet
    # The run a week before the due date was missed: the next day's run sends the reminder …
    assert services.send_report_reminders(today=due - timedelta(days=6)) == 1
    assert services.send_report_reminders(today=due - timedelta(days=6)) == 0   # … once, however often it runs
    assert services.send_report_reminders(today=due) == 1   # on the day: the second, firmer reminder
    assert services.send_report_reminders(today=due) == 0
    assert services.send_report_reminders(today=due + timedelta(days=3)) == 1   # first week overdue
    assert services.send_report_reminders(today=due + timedelta(days=7)) == 0
    assert services.send_report_reminders(today=due + timedelta(days=8)) == 1   # second week overdue
    assert services.send_report_reminders(today=due + timedelta(days=8)) == 0
    subjects = db.session.scalars(select(OutboxMessage.subject).where(
        OutboxMessage.recipient == grant.application.applicant.email, OutboxMessage.subject.like("%final report%")))
    assert len(subjects.all()) == 4


def test_reminder_stages():
    due = date(2027, 3, 1)
    assert services.reminder_stage(due, date(2027, 2, 21)) is None
    assert services.reminder_stage(due, date(2027, 2, 22)) == services.reminder_stage(due, date(2027, 2, 28)) \
        == "due:2027-03-01"
    assert services.reminder_stage(due, due) == "today:2027-03-01"
    assert services.reminder_stage(due, date(2027, 3, 2)) == "overdue:2027-03-01:0"
    assert services.reminder_stage(due, date(2027, 3, 2)) == services.reminder_stage(due, date(2027, 3, 8))
    assert services.reminder_stage(due, date(2027, 3, 9)) == "overdue:2027-03-01:1"


def _report_question(manager, call, **options):
    from mobility.calls import services as calls
    from mobility.calls.enums import QuestionKind, Questionnaire
    defaults = dict(kind=QuestionKind.SINGLE_CHOICE, required=True,
                    label={"en": "Will the partnership continue?", "zh_Hans": "合作会继续吗？"}, help={},
                    max_length=None, options=[{"value": "yes", "labels": {"en": "Yes", "zh_Hans": "会"}},
                                              {"value": "no", "labels": {"en": "No", "zh_Hans": "不会"}}],
                    condition_question_id=None, condition_value=None, questionnaire=Questionnaire.REPORT)
    return calls.save_question(manager, call, **{**defaults, **options})


def test_report_questions_are_the_calls_own_and_required_ones_block_submission(accepted, db):
    manager, grant = accepted
    call = grant.application.call
    question = _report_question(manager, call)
    assert question in call.report_questions and question not in call.questions  # the application form is untouched
    grantee = grant.application.applicant
    report = services.report_for(grant)
    with pytest.raises(DomainError) as error:  # an answer that is not an option
        services.save_report(grantee, report, _data(date.today(), date.today(), answers={str(question.id): "maybe"}))
    assert error.value.field == f"q_{question.id}"
    services.save_report(grantee, report, _data(date.today(), date.today()))
    with pytest.raises(DomainError) as error:  # required and unanswered
        services.submit_report(grantee, report)
    assert error.value.field == f"q_{question.id}"
    services.save_report(grantee, report, _data(date.today(), date.today(), answers={str(question.id): "yes"}))
    services.submit_report(grantee, report)
    assert report.answers == {str(question.id): "yes"}


def test_report_questions_freeze_at_the_first_submitted_report_and_take_no_files(accepted, db):
    from mobility.calls import services as calls
    from mobility.calls.enums import QuestionKind
    manager, grant = accepted
    call = grant.application.call
    with pytest.raises(DomainError) as error:
        _report_question(manager, call, kind=QuestionKind.FILE, options=[])
    assert error.value.field == "kind"
    question = _report_question(manager, call, required=False)
    grantee = grant.application.applicant
    report = services.report_for(grant)
    services.save_report(grantee, report, _data(date.today(), date.today()))
    assert not calls.report_questions_locked(call)  # a draft does not freeze them
    services.submit_report(grantee, report)
    assert calls.report_questions_locked(call)
    with pytest.raises(DomainError):
        _report_question(manager, call, label={"en": "Another"})
    with pytest.raises(DomainError):
        calls.delete_question(manager, call, question)


def test_reminders_escalate_before_on_and_after_the_due_date_each_recorded(accepted, db):
    from mobility.core.models import AuditEntry, SentReminder
    manager, grant = accepted
    grantee = grant.application.applicant
    grantee.locale = "ko"
    due = grant.end_date + timedelta(days=services.REPORT_DUE_DAYS)
    for day, sent in ((-3, 1), (-2, 0), (0, 1), (0, 0), (2, 1), (5, 0), (9, 1), (9, 0)):
        assert services.send_report_reminders(today=due + timedelta(days=day)) == sent, day
    stages = db.session.scalars(select(SentReminder.stage).where(SentReminder.target_id == grant.id)
                                .order_by(SentReminder.id)).all()
    assert [s.split(":")[0] for s in stages] == ["due", "today", "overdue", "overdue"]
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "report.reminded")) == 4
    to_grantee = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grantee.email,
                                                                OutboxMessage.subject.contains("2")
                                                                | (OutboxMessage.locale == "ko"))
                                    .order_by(OutboxMessage.id)).all()
    reminders = [m for m in to_grantee if m.body.count(grant.application.title)]
    assert len(reminders) == 4 and all(m.locale == "ko" for m in reminders)
    assert len({m.subject for m in reminders}) == 3  # before, on the day, overdue: three different mails
    # From the second week overdue the programme office hears of it too, in its own language.
    to_office = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == manager.email)).all()
    assert len(to_office) == 1 and grant.application.reference in to_office[0].subject
    assert "/manage/reports" in to_office[0].body


def test_a_submitted_report_is_no_longer_reminded(accepted, db):
    _manager, grant = accepted
    due = grant.end_date + timedelta(days=services.REPORT_DUE_DAYS)
    report = services.report_for(grant)
    services.save_report(grant.application.applicant, report, _data(date.today() - timedelta(days=1), date.today()))
    services.submit_report(grant.application.applicant, report)
    assert services.send_report_reminders(today=due) == 0
    assert services.send_report_reminders(today=due + timedelta(days=20)) == 0


def test_approval_and_a_lowered_grant_are_mailed_to_the_grantee_in_their_language(accepted, db):
    manager, grant = accepted
    grantee = grant.application.applicant
    grantee.locale = "ja"
    awarded = grant.amount
    report = services.report_for(grant)
    services.save_report(grantee, report, _data(date.today() - timedelta(days=1), date.today()))
    services.submit_report(grantee, report)
    services.approve_report(manager, report, unconfirmed_stay_ok=True)
    assert grant.amount < awarded  # two days instead of the stay awarded
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grantee.email)
                              .order_by(OutboxMessage.id.desc())).first()
    assert mail.locale == "ja" and str(grant.amount) in mail.subject
    assert "Your final report" not in mail.subject and "Hello" not in mail.body  # Japanese, not English
    assert f"/grants/{grant.id}" in mail.body
    services.approve_report(manager, report)  # approving again mails nothing
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grantee.email)
                              .order_by(OutboxMessage.id.desc())).first().id == mail.id


def test_an_approval_that_keeps_the_grant_says_what_is_still_to_pay(accepted, db):
    manager, grant = accepted
    grantee = grant.application.applicant
    grant.start_date, grant.end_date = date.today() - timedelta(days=grant.days - 1), date.today()
    report = services.report_for(grant)
    services.save_report(grantee, report, _data(grant.start_date, grant.end_date))
    services.submit_report(grantee, report)
    services.approve_report(manager, report, unconfirmed_stay_ok=True)
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grantee.email)
                              .order_by(OutboxMessage.id.desc())).first()
    assert mail.subject == "Your final report is approved"
    assert "Still to be paid to you" in mail.body and "recalculated" not in mail.body


def test_a_reminders_subject_writes_the_day_in_the_grantees_language(accepted, db):
    """The subject is rendered in the recipient's locale: 2027년 3월 1일, never 2027-03-01."""
    from babel.dates import format_date

    _manager, grant = accepted
    grantee = grant.application.applicant
    grantee.locale = "ko"
    due = grant.end_date + timedelta(days=services.REPORT_DUE_DAYS)
    assert services.send_report_reminders(today=due - timedelta(days=7)) == 1
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert format_date(due, "long", locale="ko") in mail.subject and due.isoformat() not in mail.subject


def test_an_interim_report_is_reminded_to_the_grantee_in_their_language_once_a_stage(accepted, db):
    """A call asking for an interim report N days into the stay: a week before, on the day and each week late
    the grantee hears once; a submitted interim report ends the reminders. The office is not alerted."""
    manager, grant = accepted
    grant.application.call.interim_report_days = 10
    grantee = grant.application.applicant
    grantee.locale = "ja"
    due = services.interim_due_on(grant)

    def interim_mails():
        return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grantee.email,
                                                              OutboxMessage.body.contains("/interim"))).all()

    assert services.send_interim_reminders(due - timedelta(days=8)) == 0
    assert services.send_interim_reminders(due - timedelta(days=7)) == 1
    assert services.send_interim_reminders(due - timedelta(days=7)) == 0  # once, however often cron runs
    mail = interim_mails()[-1]
    assert mail.locale == "ja" and due.isoformat() not in mail.subject and "中間報告" in mail.subject + mail.body
    assert services.send_interim_reminders(due + timedelta(days=1)) == 1  # late
    report = services.interim_to_show(grant)
    services.save_interim(grantee, report, progress="順調です。", answers={}, expected_version=report.version,
                          submit=True)
    assert services.send_interim_reminders(due + timedelta(days=8)) == 0  # submitted: no more reminders
    assert len(interim_mails()) == 2
    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == manager.email,
                                                              OutboxMessage.subject.contains("interim"))).all()
