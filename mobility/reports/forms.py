from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from mobility.accounts.enums import Discipline, Language
from mobility.accounts.forms import REQUIRED, MultiCheckboxField
from mobility.calls.models import Call
from mobility.calls.questionnaires import add_question_fields, field_name
from mobility.cities.enums import Direction
from mobility.core.fields import IntegerField
from mobility.core.paging import id_or_none
from mobility.core.text import lazy_gettext as _l
from mobility.reports.enums import ReportState, Sector, TravelMode
from mobility.reports.services import ReportData


class ReportForm(FlaskForm):
    version = HiddenField()  # the version the page was loaded with: a save over a newer one is a conflict
    # Sent by the autosave script only (as on applications: see reports/services.save_report).
    save_id = HiddenField(validators=[Optional(), Length(max=64)])
    lost_save = HiddenField(validators=[Optional(), Length(max=64)])
    actual_start = DateField(_l("First day of the stay, as it happened"), validators=[Optional()])
    actual_end = DateField(_l("Last day of the stay, as it happened"), validators=[Optional()])
    activities = TextAreaField(_l("What you did"), validators=[Length(max=10000)], render_kw={"rows": 6})
    co_creations = TextAreaField(_l("Works made together"), validators=[Length(max=10000)], render_kw={"rows": 4})
    audience = IntegerField(_l("People reached (audiences, participants)"), validators=[Optional()])
    partners = TextAreaField(_l("Partners and new networks"), validators=[Length(max=10000)], render_kw={"rows": 3})
    sectors = MultiCheckboxField(_l("Sectors your exchange touched"), choices=Sector.choices)
    travel_mode = SelectField(_l("How you travelled for most of the way"),
                              choices=lambda: [("", "—")] + TravelMode.choices(), default="")
    public_summary = TextAreaField(_l("A short public summary"), validators=[Length(max=2000)],
                                   description=_l("Shown on the public page of the city pair."), render_kw={"rows": 4})
    language = SelectField(_l("Language of the report"), choices=lambda: [("", "—")] + Language.choices(), default="")
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit the report"))

    questions: list = []  # the call's report questions, set by report_form_class

    # The labels above speak to the grantee; the office and a juror read the same form about them.
    READER_LABELS = {
        "activities": _l("What the grantee did"),
        "sectors": _l("Sectors the exchange touched"),
        "travel_mode": _l("How the grantee travelled for most of the way"),
        "public_summary": _l("The short public summary"),
    }

    def for_reader(self) -> ReportForm:
        """The form labelled for someone reading the grantee's report, not writing it."""
        for name, label in self.READER_LABELS.items():
            self[name].label.text = label
        self.public_summary.description = _l("Shown on the public page of the city pair once approved.")
        return self

    def question_fields(self):
        return [(q, self[field_name(q)]) for q in self.questions]

    def answers(self) -> dict[str, object]:
        return {str(q.id): f.data for q, f in self.question_fields()}

    def report_data(self) -> ReportData:
        return ReportData(
            actual_start=self.actual_start.data, actual_end=self.actual_end.data,
            activities=self.activities.data or "", co_creations=self.co_creations.data or "",
            audience=self.audience.data, partners=self.partners.data or "", sectors=self.sectors.data or [],
            travel_mode=self.travel_mode.data or None, public_summary=self.public_summary.data or "",
            language=self.language.data or None, answers=self.answers())

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


def report_form_class(call: Call) -> type[ReportForm]:
    """The fixed report form plus one field per report question of `call`."""
    form_class = type("CallReportForm", (ReportForm,), {"questions": list(call.report_questions)})
    add_question_fields(form_class, call.report_questions)
    return form_class


class HostStayForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    digest = HiddenField(validators=[Length(max=64)])  # of the stay the page showed
    confirm = SubmitField(_l("I confirm the stay took place"))


class ChangesForm(FlaskForm):
    message = TextAreaField(_l("What should the grantee change?"), validators=[Length(max=4000)])
    approve = SubmitField(_l("Approve the report"))
    # Sent by the confirmation step: the office approves knowing that the host has not confirmed the stay.
    unconfirmed_stay_ok = HiddenField(validators=[Length(max=1)])
    send_back = SubmitField(_l("Ask for changes"))


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    programme = SelectField(_l("Programme"), coerce=id_or_none, validate_choice=False)
    call = SelectField(_l("Call"), coerce=id_or_none, validate_choice=False)
    pair = SelectField(_l("City pair"), coerce=id_or_none, validate_choice=False)
    direction = SelectField(_l("Direction"), choices=lambda: [("", "—")] + Direction.choices(), validate_choice=False)
    discipline = SelectField(_l("Discipline"), choices=lambda: [("", "—")] + Discipline.choices(),
                             validate_choice=False)
    year = IntegerField(_l("Year"), validators=[Optional()])


class PhotoForm(FlaskForm):
    """Sent with the report's own form (its fields say form="report-form"): the text typed goes with the photo."""

    photo = FileField(_l("Photo"), validators=[FileRequired(_l("Choose a file."))],
                      description=_l("PNG, JPEG or WebP."), render_kw={"form": "report-form"})
    caption = StringField(_l("Caption"), validators=[Length(max=300)], render_kw={"form": "report-form"})
    upload = SubmitField(_l("Add the photo"))


DESK_PAGE_SIZES = (50, 100, 250)


class DeskFilterForm(FlaskForm):
    """The report desk's filters (a GET: they change nothing); the export sends the same ones."""

    class Meta:
        csrf = False

    call = SelectField(_l("Call"), coerce=id_or_none, validate_choice=False)
    pair = SelectField(_l("City pair"), coerce=id_or_none, validate_choice=False)
    direction = SelectField(_l("Direction"), choices=lambda: [("", "—")] + Direction.choices(), validate_choice=False)
    state = SelectField(_l("State of the report"), choices=lambda: [("", "—")] + ReportState.choices(),
                        validate_choice=False)
    overdue = BooleanField(_l("Overdue only"), false_values=(False, "false", "", "0"))
    per_page = SelectField(_l("Rows per page"), choices=[(str(n), str(n)) for n in DESK_PAGE_SIZES], default="50",
                           validate_choice=False)
    page = IntegerField(validators=[Optional()])


class InterimForm(FlaskForm):
    """The interim report: how the exchange is going, then the call's interim questions (interim_form_class)."""

    version = HiddenField()
    progress = TextAreaField(_l("How is the exchange going?"), validators=[Length(max=10000)], render_kw={"rows": 6},
                             description=_l("What you have done so far, what is next, anything the office should "
                                            "know."))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit the interim report"))

    questions: list = []

    def question_fields(self):
        return [(q, self[field_name(q)]) for q in self.questions]

    def answers(self) -> dict[str, object]:
        return {str(q.id): f.data for q, f in self.question_fields()}

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


def interim_form_class(call: Call) -> type[InterimForm]:
    form_class = type("CallInterimForm", (InterimForm,), {"questions": list(call.interim_questions)})
    add_question_fields(form_class, call.interim_questions)
    return form_class
