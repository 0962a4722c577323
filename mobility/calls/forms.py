"""Forms of the call editor and of the public call list."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from mobility.accounts.enums import Discipline, Language
from mobility.accounts.forms import REQUIRED, MultiCheckboxField, zone_choices
from mobility.calls.enums import CallKind, CallText, CareerStage, QuestionKind, RuleKind, SharedComments
from mobility.cities.enums import Direction, Side
from mobility.core.errors import DomainError
from mobility.core.fields import DecimalField, IntegerField
from mobility.core.paging import id_or_none
from mobility.core.text import lazy_gettext as _l
from mobility.i18n.forms import add_localized_fields
from mobility.i18n.locales import LOCALES, NATIVE_NAMES

NUMBER = _l("Enter a number.")
DATETIME = _l("Enter a date and time.")


class CallCreateForm(FlaskForm):
    # Choices are the programmes the person runs (the view fills them); the service checks again.
    programme_id = SelectField(_l("Programme"), coerce=int, validate_choice=False,
                               description=_l("Only this programme's managers will be able to run the call."))
    kind = SelectField(_l("Kind of call"), choices=CallKind.choices)
    title = StringField(_l("Title in English"), validators=[DataRequired(REQUIRED), Length(max=300)])
    pair_ids = MultiCheckboxField(_l("City pairs"), coerce=int)
    opens_at = DateTimeLocalField(_l("Opens"), validators=[InputRequired(DATETIME)])
    closes_at = DateTimeLocalField(_l("Closes (deadline)"), validators=[InputRequired(DATETIME)])
    timezone = SelectField(_l("Time zone of the dates"), choices=zone_choices, default="Europe/Brussels",
                           validate_choice=False,
                           description=_l("The zone in which the office announces the deadline."))
    submit = SubmitField(_l("Create draft"))


class CallSettingsForm(FlaskForm):
    kind = SelectField(_l("Kind of call"), choices=CallKind.choices)
    pair_ids = MultiCheckboxField(_l("City pairs"), coerce=int)
    directions = MultiCheckboxField(_l("Directions allowed"), choices=Direction.choices)
    opens_at = DateTimeLocalField(_l("Opens"), validators=[InputRequired(DATETIME)])
    closes_at = DateTimeLocalField(_l("Closes (deadline)"), validators=[InputRequired(DATETIME)])
    timezone = SelectField(_l("Time zone of the dates"), choices=zone_choices, validate_choice=False)
    disciplines = MultiCheckboxField(_l("Disciplines"), choices=Discipline.choices,
                                     description=_l("Leave all unticked to welcome every discipline."))
    accepted_languages = MultiCheckboxField(_l("Languages applications may be written in"),
                                            choices=Language.choices)
    required_texts = MultiCheckboxField(_l("Texts required before publication"), choices=CallText.choices)
    required_locales = MultiCheckboxField(_l("Languages those texts are required in"),
                                          choices=[(code, NATIVE_NAMES[code]) for code in LOCALES])
    reviewers_per_application = IntegerField(_l("Jurors per application"), default=3,
                                             validators=[InputRequired(NUMBER), NumberRange(1, 20)])
    min_reviews_per_juror = IntegerField(
        _l("Minimum applications per juror"), default=0, validators=[Optional(), NumberRange(0, 500)],
        description=_l("The assignment gives every juror in the pool at least this many (0: no minimum)."))
    blind_review = BooleanField(_l("Blind review (jurors do not see who applied)"))
    same_city_conflict = BooleanField(
        _l("A juror who lives in the applicant's city has a conflict of interest"), default=True,
        description=_l("The assignment then never gives them the application. Untick it for a call whose jury "
                       "must come from the cities of the pair."))
    review_due_at = DateTimeLocalField(_l("Reviews due"), validators=[Optional()],
                                       description=_l("In the call's time zone; each juror sees it in their own."))
    first_instalment_percent = IntegerField(_l("Share of the grant paid when the agreement is accepted (%)"),
                                            default=70, validators=[InputRequired(NUMBER), NumberRange(0, 100)],
                                            description=_l("The rest is paid after the final report is approved."))
    appeal_days = IntegerField(_l("Days an applicant has to ask for a review of the decision"), default=14,
                               validators=[InputRequired(NUMBER), NumberRange(0, 365)])
    offer_days = IntegerField(_l("Days a grantee has to answer a grant offer"), default=30,
                              validators=[InputRequired(NUMBER), NumberRange(1, 365)],
                              description=_l("Counted from the decision letter. An offer left unanswered then "
                                             "expires, and the grant is offered to the next on the waiting list."))
    shared_comments = SelectField(
        _l("Jurors' comments an applicant without a consensus report reads"), default=SharedComments.NONE.value,
        choices=SharedComments.choices,
        description=_l("Beside the scores in the evaluation summary, without the jurors' names. Jurors are told "
                       "on their review form."))
    report_min_photos = IntegerField(_l("Photos the final report must carry"), default=0,
                                     validators=[Optional(), NumberRange(0, 8)])
    interim_report_days = IntegerField(
        _l("Interim report due (days after the first day of the stay)"), validators=[Optional(), NumberRange(1, 365)],
        description=_l("Leave it empty for no interim report. Its questions are set under “Interim report "
                       "questions”."))
    submit = SubmitField(_l("Save settings"))


class MoveCallForm(FlaskForm):
    # Choices are the programmes the person runs (the view fills them); the service checks again.
    programme_id = SelectField(_l("Programme"), coerce=int, validate_choice=False,
                               description=_l("Its managers will run the call from then on; the managers of the "
                                              "programme it leaves will no longer see it."))
    submit = SubmitField(_l("Move the call"))


class CallTextsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=1000)],
                            description=_l("Two or three sentences shown in the list of calls."))
    body = TextAreaField(_l("Full text"), validators=[Length(max=20000)],
                         description=_l("Everything an artist needs to decide to apply. Blank lines separate paragraphs."))
    guidance = TextAreaField(_l("Guidance for applicants"), validators=[Length(max=20000)])
    seen = HiddenField()  # the texts as the page was opened (calls.services.texts_digest)
    submit = SubmitField(_l("Save texts"))


class RuleForm(FlaskForm):
    kind = SelectField(_l("Kind of rule"), choices=RuleKind.choices)
    min_value = IntegerField(_l("Minimum"), validators=[Optional()])
    max_value = IntegerField(_l("Maximum"), validators=[Optional()])
    sides = MultiCheckboxField(_l("Sides"), choices=Side.choices)
    disciplines = MultiCheckboxField(_l("Disciplines"), choices=Discipline.choices)
    stages = MultiCheckboxField(_l("Career stages"), choices=CareerStage.choices)
    city_ids = SelectMultipleField(_l("Cities"), coerce=int, validate_choice=False)
    start_date = DateField(_l("First possible travel day"), validators=[Optional()])
    end_date = DateField(_l("Last possible travel day"), validators=[Optional()])
    submit = SubmitField(_l("Save rule"))

    def params(self) -> dict:
        return {
            "min": self.min_value.data, "max": self.max_value.data,
            "sides": self.sides.data, "disciplines": self.disciplines.data, "stages": self.stages.data,
            "city_ids": self.city_ids.data,
            "start": self.start_date.data.isoformat() if self.start_date.data else None,
            "end": self.end_date.data.isoformat() if self.end_date.data else None,
        }


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of answer"), choices=QuestionKind.choices)
    required = BooleanField(_l("An answer is required"))
    max_length = IntegerField(_l("Length limit in characters"), validators=[Optional()],
                              description=_l("For text answers. Characters are counted, not words, so the "
                                             "limit is fair to Chinese, Japanese and Korean."))
    condition_question_id = SelectField(_l("Show only if the answer to"), coerce=lambda v: int(v) if v else None,
                                        validate_choice=False)
    condition_value = StringField(_l("is"), validators=[Length(max=100)])
    submit = SubmitField(_l("Save question"))


add_localized_fields(QuestionForm, "label", _l("Question"), validators=[Length(max=500)])
add_localized_fields(QuestionForm, "help", _l("Help text"), TextAreaField, validators=[Length(max=2000)])
add_localized_fields(QuestionForm, "options", _l("Options, one per line"), TextAreaField,
                     validators=[Length(max=4000)])


class ScaleForm(FlaskForm):
    scale_min = DecimalField(_l("Lowest score"), places=2, below=1000, validators=[InputRequired(NUMBER)])
    scale_max = DecimalField(_l("Highest score"), places=2, below=1000, validators=[InputRequired(NUMBER)])
    scale_step = DecimalField(_l("Step"), places=2, below=1000, validators=[InputRequired(NUMBER)])
    overall_threshold = DecimalField(_l("Overall threshold (weighted total)"), places=2, below=1000, validators=[Optional()])
    submit = SubmitField(_l("Save scale"))


class CriterionForm(FlaskForm):
    weight = DecimalField(_l("Weight"), places=2, below=10000, default=1, validators=[InputRequired(NUMBER)])
    threshold = DecimalField(_l("Threshold"), places=2, below=1000, validators=[Optional()],
                             description=_l("The lowest score on this criterion that can still be funded."))
    tie_break_rank = IntegerField(_l("Place in the tie-break order"), validators=[Optional()],
                                  description=_l("1 breaks ties first. Leave empty if not used."))
    submit = SubmitField(_l("Save criterion"))


add_localized_fields(CriterionForm, "label", _l("Criterion"), validators=[Length(max=300)])
add_localized_fields(CriterionForm, "description", _l("What jurors look for"), TextAreaField,
                     validators=[Length(max=2000)])


class RatesForm(FlaskForm):
    daily_allowance = DecimalField(_l("Daily allowance (per person per day)"), places=2,
                                   validators=[InputRequired(NUMBER)])
    green_travel_topup = DecimalField(_l("Green travel top-up"), places=2, validators=[InputRequired(NUMBER)])
    visa_topup = DecimalField(_l("Visa top-up"), places=2, validators=[InputRequired(NUMBER)])
    family_topup_per_child = DecimalField(_l("Family top-up per child"), places=2,
                                          validators=[InputRequired(NUMBER)])
    accessibility_topup_per_day = DecimalField(_l("Accessibility top-up per day"), places=2,
                                               validators=[InputRequired(NUMBER)])
    bands = TextAreaField(_l("Distance bands"), validators=[DataRequired(REQUIRED)],
                          description=_l("One band per line: from–to km and the travel amount, e.g. "
                                         "“0-5000: 400”. Leave the last band open: “9000-: 1100”."))
    per_diems = TextAreaField(_l("Daily allowance by host country"),
                              description=_l("One country per line where it differs from the default, "
                                             "e.g. “JP: 95”."))
    submit = SubmitField(_l("Save rate table"))


class StatusForm(FlaskForm):
    submit = SubmitField(_l("Change"))


class CallFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    pair = SelectField(_l("City pair"), coerce=id_or_none, validate_choice=False)
    kind = SelectField(_l("Kind"), choices=lambda: [("", _l("All kinds"))] + CallKind.choices())
    discipline = SelectField(_l("Discipline"), choices=lambda: [("", _l("All disciplines"))] + Discipline.choices())
    closes_before = DateField(_l("Deadline before"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))


def budget_form_class(call):
    """A form with one amount field per pair and direction of `call`."""

    class BudgetForm(FlaskForm):
        submit = SubmitField(_l("Save budget"))

    for pair in call.pairs:
        for direction in Direction:
            setattr(BudgetForm, f"budget_{pair.id}_{direction.value}",
                    DecimalField(_l("%(pair)s, %(direction)s", pair=pair.display_name(), direction=direction.title),
                                 places=2, validators=[Optional()]))
    return BudgetForm


def parse_bands(text: str) -> list[tuple[int, int | None, Decimal]]:
    """Lines like '0-5000: 400' and '5000-: 800' → [(0, 5000, 400), (5000, None, 800)]."""
    bands = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = BAND_LINE.fullmatch(line.replace(" ", "").replace("–", "-"))
        if not match:
            raise DomainError(_l("Write each band as “from-to: amount”, e.g. “0-5000: 400”."), field="bands")
        low, high, amount = match.groups()
        bands.append((int(low), int(high) if high else None, Decimal(amount)))
    return bands


def parse_per_diems(text: str) -> dict[str, Decimal]:
    """Lines like 'JP: 95' → {'JP': Decimal('95')}."""
    rates = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = PER_DIEM_LINE.fullmatch(line.replace(" ", ""))
        if not match:
            raise DomainError(_l("Write each country as “code: amount”, e.g. “JP: 95”."), field="per_diems")
        rates[match.group(1).upper()] = Decimal(match.group(2))
    return rates


def format_bands(bands) -> str:
    return "\n".join(f"{b.min_km}-{b.max_km if b.max_km is not None else ''}: {b.amount.normalize():f}"
                     for b in bands)


def format_per_diems(per_diems) -> str:
    return "\n".join(f"{p.country}: {p.amount.normalize():f}" for p in per_diems)


def parse_options(form) -> list[dict]:
    """Options typed one per line per language; the English line is the option's stable value."""
    lines = {locale: [x.strip() for x in (getattr(form, f"options_{locale}").data or "").splitlines() if x.strip()]
             for locale in LOCALES}
    return [{"value": english, "labels": {locale: lines[locale][i] for locale in LOCALES if i < len(lines[locale])}}
            for i, english in enumerate(lines["en"])]


def fill_options(form, options: list[dict]) -> None:
    for locale in LOCALES:
        getattr(form, f"options_{locale}").data = "\n".join(o["labels"].get(locale, "") for o in options)


BAND_LINE = re.compile(r"(\d+)-(\d*):(\d+(?:\.\d{1,2})?)")
PER_DIEM_LINE = re.compile(r"([A-Za-z]{2}):(\d+(?:\.\d{1,2})?)")
