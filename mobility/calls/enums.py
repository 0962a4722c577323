"""The vocabulary of calls: kinds, states, rule and question kinds, career stages."""
from __future__ import annotations

from mobility.core.enums import TitledEnum
from mobility.core.text import lazy_gettext as _l


class CallKind(TitledEnum):
    INDIVIDUAL_MOBILITY = "individual_mobility"
    RESIDENCY = "residency"
    CO_CREATION = "co_creation"

    @classmethod
    def _titles(cls):
        return {
            cls.INDIVIDUAL_MOBILITY: _l("Individual mobility"),
            cls.RESIDENCY: _l("Residency"),
            cls.CO_CREATION: _l("Co-creation"),
        }


class CallStatus(TitledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"

    @classmethod
    def _titles(cls):
        return {
            cls.DRAFT: _l("Draft"),
            cls.PUBLISHED: _l("Published"),
            cls.CLOSED: _l("Closed"),
            cls.ARCHIVED: _l("Archived"),
        }


class CallText(TitledEnum):
    """The texts of a call, each written per language."""

    TITLE = "title"
    SUMMARY = "summary"
    BODY = "body"
    GUIDANCE = "guidance"

    @classmethod
    def _titles(cls):
        return {
            cls.TITLE: _l("Title"),
            cls.SUMMARY: _l("Summary"),
            cls.BODY: _l("Full text"),
            cls.GUIDANCE: _l("Guidance for applicants"),
        }


class CareerStage(TitledEnum):
    EMERGING = "emerging"
    MID_CAREER = "mid_career"
    ESTABLISHED = "established"

    @classmethod
    def _titles(cls):
        return {
            cls.EMERGING: _l("Emerging (up to 5 years of practice)"),
            cls.MID_CAREER: _l("Mid-career (5 to 15 years)"),
            cls.ESTABLISHED: _l("Established (more than 15 years)"),
        }


class RuleKind(TitledEnum):
    RESIDENCE_SIDE = "residence_side"
    RESIDENCE_CITY = "residence_city"
    DISCIPLINE = "discipline"
    CAREER_STAGE = "career_stage"
    DURATION = "duration"
    TEAM_SIZE = "team_size"
    TRAVEL_WINDOW = "travel_window"

    @classmethod
    def _titles(cls):
        return {
            cls.RESIDENCE_SIDE: _l("Where the applicant lives (Europe or East Asia)"),
            cls.RESIDENCE_CITY: _l("The city the applicant lives in"),
            cls.DISCIPLINE: _l("Discipline"),
            cls.CAREER_STAGE: _l("Career stage"),
            cls.DURATION: _l("Length of stay in days"),
            cls.TEAM_SIZE: _l("Team size"),
            cls.TRAVEL_WINDOW: _l("Travel dates"),
        }


class Questionnaire(TitledEnum):
    """Which form of the call a question belongs to."""

    APPLICATION = "application"
    REPORT = "report"
    INTERIM = "interim"  # the interim report's, when the call asks for one

    @classmethod
    def _titles(cls):
        return {
            cls.APPLICATION: _l("Application form"),
            cls.REPORT: _l("Final report form"),
            cls.INTERIM: _l("Interim report form"),
        }


class QuestionKind(TitledEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    DATE = "date"
    NUMBER = "number"
    FILE = "file"

    @classmethod
    def _titles(cls):
        return {
            cls.SHORT_TEXT: _l("Short text"),
            cls.LONG_TEXT: _l("Long text"),
            cls.SINGLE_CHOICE: _l("Single choice"),
            cls.MULTIPLE_CHOICE: _l("Multiple choice"),
            cls.DATE: _l("Date"),
            cls.NUMBER: _l("Number"),
            cls.FILE: _l("File"),
        }

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)

    @property
    def is_text(self) -> bool:
        return self in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)


class SharedComments(TitledEnum):
    """Which of the jurors' own comments an applicant without a consensus report reads in their evaluation
    summary (always anonymously, beside the scores)."""

    NONE = "none"
    OVERALL = "overall"
    ALL = "all"

    @classmethod
    def _titles(cls):
        return {cls.NONE: _l("None: scores only"), cls.OVERALL: _l("The jurors' overall comments"),
                cls.ALL: _l("Every comment of the jurors (per criterion and overall)")}
