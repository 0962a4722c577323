"""Drafts are never lost (issue 18): the final report saves like the application form — a save over a newer
version is a conflict, never an overwrite; a save whose answer was lost is not a conflict with itself — and the
page after a conflict reads both versions field by field, in the reader's language."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from mobility.applications.forms import application_form_class
from mobility.awards import services as awards
from mobility.core.errors import DomainError
from mobility.i18n.forms import compare_forms, readable_value
from mobility.reports import services
from mobility.reports.enums import ReportStatus
from mobility.reports.forms import report_form_class
from tests.factories import make_application, make_awardable, make_user


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        yield


@pytest.fixture
def accepted(db):
    manager, call, (application,) = make_awardable()
    grant = awards.award_application(manager, application, "Excellent")
    awards.accept_grant(application.applicant, grant, name="Grantee")
    grant.created_at -= timedelta(days=60)
    db.session.commit()
    return manager, grant


def _data(**changes) -> services.ReportData:
    today = date.today()
    data = services.ReportData(actual_start=today - timedelta(days=12), actual_end=today - timedelta(days=2),
                               activities="Three sound workshops in the old factory.", audience=80,
                               travel_mode="train", public_summary="Two cities, one stage.")
    for name, value in changes.items():
        setattr(data, name, value)
    return data


def test_a_report_saved_from_a_page_loaded_before_another_save_is_a_conflict(accepted, db):
    _manager, grant = accepted
    grantee = grant.application.applicant
    page_version = services.report_to_show(grant).version  # what a page shows before the first save
    report = services.report_for(grant)
    services.save_report(grantee, report, _data(activities="Written in the first window."),
                         expected_version=page_version)
    first = report.version
    assert first == page_version + 1
    # The second window still holds the version it was loaded with.
    with pytest.raises(services.VersionConflict) as conflict:
        services.save_report(grantee, report, _data(activities="Written in the second window."),
                             expected_version=page_version)
    assert conflict.value.report is report
    db.session.refresh(report)
    assert report.activities == "Written in the first window." and report.version == first
    services.save_report(grantee, report, _data(activities="Written after reading both."), expected_version=first)
    assert report.activities == "Written after reading both." and report.version == first + 1


def test_a_save_whose_answer_was_lost_is_not_a_conflict_with_itself(accepted, db):
    _manager, grant = accepted
    grantee = grant.application.applicant
    report = services.report_for(grant)
    loaded = report.version
    services.save_report(grantee, report, _data(activities="Stored, answer lost."), expected_version=loaded,
                         save_id="a1")
    # The page never saw that answer: it still holds `loaded` and names the lost save.
    services.save_report(grantee, report, _data(activities="Typed after."), expected_version=loaded,
                         save_id="a2", lost_save="a1")
    assert report.activities == "Typed after." and report.version == loaded + 2
    # Our save "b1" was lost before the server stored it, and another window saved ("c1"): a conflict.
    services.save_report(grantee, report, _data(activities="Other window."), expected_version=loaded + 2,
                         save_id="c1")
    with pytest.raises(services.VersionConflict):
        services.save_report(grantee, report, _data(activities="Mine, later."), expected_version=loaded + 2,
                             save_id="b2", lost_save="b1")
    assert report.activities == "Other window."


def test_only_the_grantee_saves_and_a_submitted_report_says_so_rather_than_conflicting(accepted, db):
    manager, grant = accepted
    grantee = grant.application.applicant
    report = services.report_for(grant)
    with pytest.raises(DomainError):
        services.save_report(make_user(), report, _data(), expected_version=report.version)
    services.save_report(grantee, report, _data(), expected_version=report.version)
    loaded = report.version
    services.submit_report(grantee, report)
    with pytest.raises(DomainError) as refused:  # not a conflict: there is nothing to compare, it is closed
        services.save_report(grantee, report, _data(activities="Too late."), expected_version=loaded)
    assert "can no longer be changed" in str(refused.value.message)
    # Sent back for changes: a page loaded before that holds an old version, and compares.
    services.request_changes(manager, report, "Add the audience of the second evening.")
    assert report.status is ReportStatus.CHANGES_REQUESTED
    with pytest.raises(services.VersionConflict):
        services.save_report(grantee, report, _data(activities="From the old page."), expected_version=loaded)
    services.save_report(grantee, report, _data(audience=95), expected_version=report.version)
    assert report.audience == 95


def test_the_two_versions_read_as_labels_and_values_never_codes_and_the_differences_are_marked(accepted):
    _manager, grant = accepted
    form_class = report_form_class(grant.application.call)
    saved = form_class(formdata=None)
    saved.travel_mode.data, saved.sectors.data = "train", ["creative"]
    saved.actual_start.data, saved.activities.data, saved.language.data = date(2026, 5, 4), "Workshops", "en"
    mine = form_class(formdata=MultiDict([("travel_mode", "plane"), ("sectors", "creative"), ("sectors", "tourism"),
                                          ("actual_start", "2026-05-04"), ("activities", "Workshops\r\n"),
                                          ("language", "en")]), meta={"csrf": False})
    with force_locale("en"):
        rows = {row.name: row for row in compare_forms(mine, saved)}
    assert "version" not in rows and "save" not in rows and "csrf_token" not in rows
    assert rows["travel_mode"].label == "How you travelled for most of the way"
    assert (rows["travel_mode"].mine, rows["travel_mode"].saved) == ("Plane", "Train")
    assert rows["travel_mode"].differs and rows["sectors"].differs
    assert (rows["sectors"].mine, rows["sectors"].saved) == ("Creative sector, Tourism", "Creative sector")
    assert rows["actual_start"].saved == "May 4, 2026" and not rows["actual_start"].differs
    assert not rows["activities"].differs  # a line ending is not a difference
    assert rows["audience"].mine == rows["audience"].saved == "—"
    assert rows["language"].saved == "English"
    with force_locale("ja"):
        rows = {row.name: row for row in compare_forms(mine, saved)}
    assert rows["travel_mode"].saved not in ("train", "Train") and rows["actual_start"].saved.startswith("2026")


def test_the_application_versions_show_city_pairs_and_disciplines_by_name(db):
    application = make_application()
    form_class = application_form_class(application.call)
    pair = application.call.pairs[0]
    saved = form_class(formdata=None)
    saved.pair_id.data, saved.discipline.data = pair.id, "dance"
    with force_locale("en"):
        assert readable_value(saved.pair_id) == pair.display_name()
        assert readable_value(saved.discipline) == "Dance"
        assert readable_value(saved.career_stage) == "—"
