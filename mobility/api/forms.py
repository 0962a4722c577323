"""The form that creates a personal API token."""
from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from mobility.api.enums import TokenScope
from mobility.core.text import lazy_gettext as _l


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What will use it, e.g. \"Finance system\"."))
    scope = RadioField(_l("Access"), choices=TokenScope.choices(), default=TokenScope.READ.value,
                       validators=[DataRequired()])
    expires_on = DateField(_l("Works until"), validators=[Optional()],
                           description=_l("The last day it works (your time zone): 90 days from today if you leave it "
                                          "empty, at most a year."))
    # "" for every programme the holder runs, else a programme's id (the view lists the holder's own).
    programme = SelectField(_l("Programme"), choices=[], validate_choice=False,
                            description=_l("The token reaches the calls of this programme only."))
    # New on every page that shows the form; the service refuses a key it has seen (a reload re-sending it).
    request_key = HiddenField(default=lambda: secrets.token_hex(16))
    submit = SubmitField(_l("Create token"))
