"""Forms of the jury, the assignment run, the review and the panel."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from mobility.accounts.enums import Language
from mobility.accounts.forms import REQUIRED
from mobility.core.fields import IntegerField
from mobility.core.text import lazy_gettext as _l
from mobility.i18n.locales import HTML_LANG, LANGUAGE_TITLES
from mobility.review.enums import Decision, PairRule, PhaseKind


class JurorForm(FlaskForm):
    user_id = SelectField(_l("Juror"), coerce=int, validate_choice=False)
    max_load = IntegerField(_l("At most this many applications"), default=20,
                            validators=[InputRequired(_l("Enter a number.")), NumberRange(0, 500)])
    add = SubmitField(_l("Add to the jury"))


class PairRuleForm(FlaskForm):
    juror_id = SelectField(_l("Juror"), coerce=int, validate_choice=False)
    rule = SelectField(_l("Rule"), choices=lambda: [("", _l("No rule"))] + PairRule.choices())
    save = SubmitField(_l("Save"))


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("What is the conflict?"), validators=[Length(max=2000)],
                           description=_l("Only the programme office reads this."))


def score_choices(call) -> list[tuple[str, str]]:
    values, value = [], call.scale_min
    while value <= call.scale_max:
        values.append((str(value.normalize()), format(value.normalize(), "f")))
        value += call.scale_step
    return [("", "—")] + values


def review_form_class(call):
    class ReviewForm(FlaskForm):
        overall_comment = TextAreaField(_l("Overall comment"), validators=[Length(max=4000)],
                                        render_kw={"data-maxlength": 4000, "rows": 6})
        comment_language = SelectField(_l("Language of your comments"),
                                       choices=lambda: [("", "—")] + Language.choices())
        save = SubmitField(_l("Save draft"))
        submit = SubmitField(_l("Submit review"))

        def criterion_fields(self):
            return [(c, self[f"score_{c.id}"], self[f"comment_{c.id}"]) for c in call.criteria]

    choices = score_choices(call)
    for criterion in call.criteria:
        setattr(ReviewForm, f"score_{criterion.id}", SelectField(
            _l("Score"), choices=choices, validate_choice=False,
            render_kw={"data-weight": str(criterion.weight.normalize()), "class": "score"}))
        setattr(ReviewForm, f"comment_{criterion.id}", TextAreaField(
            _l("Comment on this criterion"), validators=[Length(max=4000)], render_kw={"rows": 3}))
    return ReviewForm


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=Decision.choices)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=2000)])
    save = SubmitField(_l("Record"))


class PhaseForm(FlaskForm):
    phase = SelectField(_l("Phase"), choices=PhaseKind.choices)
    save = SubmitField(_l("Change phase"))


def consensus_form_class(call, translation_locale: str | None = None):
    """The rapporteur writes the feedback in English; when the applicant reads another language
    (`translation_locale`), a second field beside each text, named after that language, takes the same
    feedback in it (optional)."""
    in_language = LANGUAGE_TITLES[translation_locale] if translation_locale in LANGUAGE_TITLES else None

    class ConsensusForm(FlaskForm):
        summary = TextAreaField(_l("Consensus summary for the applicant, in English"),
                                validators=[Length(max=4000)], render_kw={"rows": 5, "lang": "en"})
        save = SubmitField(_l("Save draft"))
        approve = SubmitField(_l("Approve as moderator"))

        def criterion_fields(self):
            return [(c, self[f"score_{c.id}"], self[f"comment_{c.id}"]) for c in call.criteria]

        def translation_field(self, criterion):
            return self[f"comment_tr_{criterion.id}"] if in_language else None

        def translated_comments(self) -> dict[int, str]:
            return {c.id: self[f"comment_tr_{c.id}"].data or "" for c in call.criteria} if in_language else {}

    choices = score_choices(call)
    lang = HTML_LANG.get(translation_locale or "", "und")
    for criterion in call.criteria:
        setattr(ConsensusForm, f"score_{criterion.id}", SelectField(_l("Agreed score"), choices=choices,
                                                                    validate_choice=False))
        setattr(ConsensusForm, f"comment_{criterion.id}", TextAreaField(
            _l("Agreed feedback on this criterion, in English"), validators=[Length(max=4000)],
            render_kw={"rows": 3, "lang": "en"}))
        if in_language:
            setattr(ConsensusForm, f"comment_tr_{criterion.id}", TextAreaField(
                _l("The same feedback in %(language)s (optional)", language=in_language),
                validators=[Length(max=4000)], render_kw={"rows": 3, "lang": lang}))
    if in_language:
        ConsensusForm.summary_translation = TextAreaField(
            _l("The same summary in %(language)s (optional)", language=in_language),
            description=_l("The applicant reads %(language)s: the letter gives both texts, each marked with its "
                           "language.", language=in_language),
            validators=[Length(max=4000)], render_kw={"rows": 5, "lang": lang})
    return ConsensusForm
