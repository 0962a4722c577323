"""The application form, generated from the call's questions, and the smaller forms around it."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from mobility.accounts.enums import Discipline, Language
from mobility.accounts.forms import REQUIRED, MultiCheckboxField
from mobility.applications.enums import AttachmentKind, ScreeningReason
from mobility.applications.services import DraftData
from mobility.calls.enums import CareerStage, QuestionKind
from mobility.calls.models import Call
from mobility.calls.questionnaires import add_question_fields
from mobility.core.fields import IntegerField
from mobility.core.paging import id_or_none
from mobility.core.text import lazy_gettext as _l
from mobility.i18n.content import localized
from mobility.i18n.locales import DEFAULT_LOCALE, LOCALES, NATIVE_NAMES

OPTIONAL_CHOICE = [("", "—")]
RECIPIENT_LOCALE_HINT = _l("If they already have an account here, we write in the language they chose there.")


def recipient_locale_choices():
    """The languages a mail to someone else can be written in, each named in itself (the recipient reads it)."""
    return [(code, NATIVE_NAMES[code]) for code in LOCALES]


_int_or_none = id_or_none  # a forged or huge id finds nothing (core.paging)


def application_form_class(call: Call):
    """A form with the fixed fields of every application and one field per question of `call`."""

    class ApplicationForm(FlaskForm):
        version = HiddenField()
        # Sent by the autosave script only: see services.save_draft.
        save_id = HiddenField(validators=[Optional(), Length(max=64)])
        lost_save = HiddenField(validators=[Optional(), Length(max=64)])
        title = StringField(_l("Project title"), render_kw={"data-maxlength": 300})
        summary = TextAreaField(_l("Summary of your project"), render_kw={"data-maxlength": 3000, "rows": 6},
                                description=_l("Up to 3,000 characters. Chinese, Japanese and Korean characters "
                                               "count one each."))
        languages = MultiCheckboxField(_l("Language(s) your application is written in"),
                                       choices=[(x, Language(x).title) for x in call.accepted_languages])
        discipline = SelectField(_l("Your discipline"), choices=lambda: OPTIONAL_CHOICE + Discipline.choices())
        career_stage = SelectField(_l("Your career stage"), choices=lambda: OPTIONAL_CHOICE + CareerStage.choices())
        pair_id = SelectField(_l("City pair"), coerce=_int_or_none,
                              choices=[("", "—")] + [(str(p.id), p.display_name()) for p in call.pairs])
        origin_city_id = SelectField(_l("The city you live in"), coerce=_int_or_none, validate_choice=False,
                                     choices=[("", "—")] + [(str(c.id), c.display_name()) for p in call.pairs
                                                            for c in (p.europe_city, p.east_asia_city)])
        start_date = DateField(_l("First day of the stay"), validators=[Optional()])
        end_date = DateField(_l("Last day of the stay"), validators=[Optional()])
        host_organisation = StringField(_l("Host organisation in the other city"), validators=[Length(max=200)])
        host_contact_name = StringField(_l("Contact person at the host"), validators=[Length(max=200)])
        host_email = EmailField(_l("Host's e-mail address"), validators=[Length(max=320)])
        host_locale = SelectField(_l("Language to write to the host in"), choices=recipient_locale_choices,
                                  default=DEFAULT_LOCALE, description=RECIPIENT_LOCALE_HINT)
        save = SubmitField(_l("Save draft"))

        def question_fields(self):
            return [(q, self[f"q_{q.id}"]) for q in call.questions if q.kind is not QuestionKind.FILE]

        def translation_fields(self):
            return [(lang, self[f"summary_{lang.value}"]) for lang in Language]

        def full_translation_fields(self, lang: Language):
            """Who translated, the title and each written answer in `lang` (with the summary: a full one)."""
            code = lang.value
            return (self[f"tr_{code}_by"], self[f"tr_{code}_title"],
                    [(q, self[f"tr_{code}_q_{q.id}"]) for q in text_questions])

        def full_translations(self) -> dict[str, dict]:
            result = {}
            for lang in Language:
                by, title, answers = self.full_translation_fields(lang)
                result[lang.value] = {"by": by.data or "", "title": title.data or "",
                                      "answers": {str(q.id): f.data or "" for q, f in answers}}
            return result

        def draft_data(self) -> DraftData:
            return DraftData(
                title=self.title.data or "", summary=self.summary.data or "",
                summary_translations={lang.value: f.data or "" for lang, f in self.translation_fields()},
                languages=self.languages.data or [], discipline=self.discipline.data or None,
                career_stage=self.career_stage.data or None, pair_id=self.pair_id.data,
                origin_city_id=self.origin_city_id.data, start_date=self.start_date.data,
                end_date=self.end_date.data, host_organisation=self.host_organisation.data or "",
                host_contact_name=self.host_contact_name.data or "", host_email=self.host_email.data or "",
                host_locale=self.host_locale.data or DEFAULT_LOCALE,
                answers={str(q.id): f.data for q, f in self.question_fields()},
                translations=self.full_translations(),
            )

    text_questions = [q for q in call.questions if q.kind.is_text]
    for lang in Language:
        html_lang = {"zh": "zh-Hans"}.get(lang.value, lang.value)
        setattr(ApplicationForm, f"summary_{lang.value}", TextAreaField(
            _l("Summary in %(language)s (translation, optional)", language=lang.title),
            render_kw={"data-maxlength": 3000, "rows": 4, "lang": html_lang}))
        setattr(ApplicationForm, f"tr_{lang.value}_by", StringField(
            _l("Who translated into %(language)s", language=lang.title), validators=[Length(max=200)]))
        setattr(ApplicationForm, f"tr_{lang.value}_title", StringField(
            _l("Project title in %(language)s", language=lang.title), render_kw={"lang": html_lang}))
        for question in text_questions:
            setattr(ApplicationForm, f"tr_{lang.value}_q_{question.id}", TextAreaField(
                # Plain text (escaped when rendered): the label is the manager's, never markup.
                _("%(question)s (in %(language)s)", question=localized(question.label), language=lang.title),
                render_kw={"rows": 4, "lang": html_lang,
                           **({"data-maxlength": question.max_length} if question.max_length else {})}))
    add_question_fields(ApplicationForm, call.questions)
    return ApplicationForm


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))],
                     description=_l("PDF, PNG, JPEG, WebP, OpenDocument or Office documents, up to 10 MB each."))
    kind = SelectField(_l("What it is"), choices=AttachmentKind.choices)
    question_id = SelectField(_l("Answers the question"), coerce=_int_or_none, validate_choice=False)
    upload = SubmitField(_l("Upload"))


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=320)])
    city_id = SelectField(_l("City"), coerce=_int_or_none, validate_choice=False)
    locale = SelectField(_l("Language to write to them in"), choices=recipient_locale_choices,
                         default=DEFAULT_LOCALE, description=RECIPIENT_LOCALE_HINT)
    invite = SubmitField(_l("Invite"))


class ConfirmForm(FlaskForm):
    """A button (and the CSRF token) for actions that need nothing else."""

    confirm = SubmitField(_l("Confirm"))


class HostConfirmForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    confirm = SubmitField(_l("I confirm that we will host this stay"))


class ScreeningForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("eligible", _l("Eligible")), ("ineligible", _l("Not eligible"))],
                          validators=[DataRequired(REQUIRED)])
    reason = SelectField(_l("Reason the applicant will read"),
                         choices=lambda: OPTIONAL_CHOICE + ScreeningReason.choices())
    note = TextAreaField(_l("Note to the applicant (optional)"), validators=[Length(max=2000)])
    save = SubmitField(_l("Record the screening"))


PAGE_SIZES = (50, 100, 250)


class ApplicationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False)
    pair = SelectField(_l("City pair"), coerce=_int_or_none, validate_choice=False)
    direction = SelectField(_l("Direction"), validate_choice=False)
    discipline = SelectField(_l("Discipline"), validate_choice=False)
    language = SelectField(_l("Language"), validate_choice=False)
    q = StringField(_l("Search"))
    per_page = SelectField(_l("Rows per page"), choices=[(str(n), str(n)) for n in PAGE_SIZES], default="50",
                           validate_choice=False)
    page = IntegerField(validators=[Optional()])
