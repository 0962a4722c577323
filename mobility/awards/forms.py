from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from mobility.accounts.forms import REQUIRED
from mobility.awards.enums import CURRENCIES
from mobility.core.fields import DecimalField, IntegerField
from mobility.core.text import lazy_gettext as _l

NUMBER = _l("Enter a number.")


class AcceptForm(FlaskForm):
    name = StringField(_l("Your full name, as your signature"), validators=[DataRequired(REQUIRED), Length(max=200)])
    # The number of the version the grantee read: an acceptance never signs terms they were not shown.
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, 10000)])
    accept = SubmitField(_l("I accept the grant agreement"))


class DeclineForm(FlaskForm):
    decline = SubmitField(_l("Decline the grant"))


class AmendmentForm(FlaskForm):
    start_date = DateField(_l("First day of the stay"), validators=[InputRequired(_l("Enter a date."))])
    end_date = DateField(_l("Last day of the stay"), validators=[InputRequired(_l("Enter a date."))])
    green_travel = BooleanField(_l("I travel by train, bus or ship for most of the way (green travel)"))
    visa = BooleanField(_l("I need a visa"))
    children = IntegerField(_l("Children travelling with me"), default=0,
                            validators=[Optional(), NumberRange(0, 10, message=_l("Use a number from 0 to 10."))])
    accessibility_days = IntegerField(_l("Days with accessibility support"), default=0,
                                      validators=[Optional(), NumberRange(0, 400)])
    accessibility_costs = DecimalField(_l("Actual cost of an assistant or interpreter (EUR)"), places=2, default=0,
                                       validators=[Optional(), NumberRange(0, 100000)])
    reason = TextAreaField(_l("Why the change?"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Ask for the change"))


class PaymentForm(FlaskForm):
    instalment = SelectField(_l("Instalment"), coerce=int, choices=[(1, _l("First")), (2, _l("Second"))])
    amount = DecimalField(_l("Amount (EUR)"), places=2, validators=[InputRequired(NUMBER)])
    reference = StringField(_l("Payment reference"), validators=[DataRequired(REQUIRED), Length(max=100)])
    paid_on = DateField(_l("Paid on"), validators=[InputRequired(_l("Enter a date."))])
    save = SubmitField(_l("Record the payment"))


class ExchangeRateForm(FlaskForm):
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES])
    rate = DecimalField(_l("Units for one euro"), places=6, below=10**12, validators=[InputRequired(NUMBER)])
    valid_from = DateField(_l("Valid from"), validators=[InputRequired(_l("Enter a date."))])
    save = SubmitField(_l("Save the rate"))


class RedressForm(FlaskForm):
    reason = TextAreaField(_l("Why should the decision be reviewed?"),
                           validators=[DataRequired(REQUIRED), Length(max=4000)],
                           description=_l("Say which step of the procedure you think was not followed, or what the "
                                          "jury did not take into account. You can ask once."))
    submit = SubmitField(_l("Ask for a review of the decision"))


class RedressDecisionForm(FlaskForm):
    outcome = RadioField(_l("Decision"), choices=[("upheld", _l("Uphold the request")),
                                                  ("rejected", _l("Reject the request"))],
                         validators=[InputRequired(_l("Choose one."))])
    reason = TextAreaField(_l("Reason (the applicant reads it, in the letter and on their page)"),
                           validators=[DataRequired(REQUIRED), Length(max=4000)])
    submit = SubmitField(_l("Record the decision"))


class ReconsiderForm(FlaskForm):
    """The office's new decision after upholding a request for review (awards.redress.reconsider)."""

    decision = RadioField(_l("Reconsidered decision"),
                          choices=[("award", _l("Award a grant (within the budget line)")),
                                   ("waitlist", _l("Put on the waiting list")),
                                   ("reject", _l("Confirm the rejection"))],
                          validators=[InputRequired(_l("Choose one."))])
    reason = TextAreaField(_l("Reason (the applicant reads it in their new decision letter)"),
                           validators=[DataRequired(REQUIRED), Length(max=4000)])
    submit = SubmitField(_l("Record the reconsidered decision"))
