"""The report desk's readings: the due date, the days overdue, the totals drawn from the grouped counts."""
from __future__ import annotations

from datetime import date

from mobility.reports.desk import days_overdue, due_on
from mobility.reports.enums import REPORT_DUE_DAYS, ReportState, ReportStatus
from mobility.reports.queries import DeskCounts, DeskFilters


def test_a_report_is_due_thirty_days_after_the_stay_and_late_only_while_it_is_owed():
    end = date(2027, 3, 1)
    assert REPORT_DUE_DAYS == 30 and due_on(end) == date(2027, 3, 31)
    assert days_overdue(end, None, date(2027, 3, 31)) == 0          # due today: not late yet
    assert days_overdue(end, None, date(2027, 4, 3)) == 3           # not started
    assert days_overdue(end, ReportStatus.DRAFT, date(2027, 4, 3)) == 3
    assert days_overdue(end, ReportStatus.CHANGES_REQUESTED, date(2027, 4, 3)) == 3  # sent back: owed again
    assert days_overdue(end, ReportStatus.SUBMITTED, date(2027, 4, 3)) == 0   # with the office
    assert days_overdue(end, ReportStatus.APPROVED, date(2027, 9, 1)) == 0
    assert days_overdue(end, None, date(2027, 1, 1)) == 0           # long before


def test_the_total_of_a_filtered_list_comes_from_the_grouped_counts():
    counts = DeskCounts(by_state={ReportState.NOT_STARTED: 4, ReportState.DRAFT: 3, ReportState.SUBMITTED: 2,
                                  ReportState.CHANGES_REQUESTED: 1, ReportState.APPROVED: 5},
                        late_by_state={ReportState.NOT_STARTED: 2, ReportState.DRAFT: 1, ReportState.SUBMITTED: 0,
                                       ReportState.CHANGES_REQUESTED: 1, ReportState.APPROVED: 0})
    assert counts.total == 15 and counts.overdue == 4
    assert counts.matching(DeskFilters()) == 15
    assert counts.matching(DeskFilters(state=ReportState.DRAFT)) == 3
    assert counts.matching(DeskFilters(overdue=True)) == 4
    assert counts.matching(DeskFilters(state=ReportState.DRAFT, overdue=True)) == 1
    assert counts.matching(DeskFilters(state=ReportState.APPROVED, overdue=True)) == 0


def test_the_cutoff_of_lateness_is_thirty_days_before_today():
    assert DeskFilters(today=date(2027, 4, 3)).due_cutoff == date(2027, 3, 4)
