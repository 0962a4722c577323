"""The form that creates a personal API token."""
from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from mobility.api.enums import TokenScope
from mobility.core.text import lazy_gettext as _l


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)],
                       description=_l("What will use it, e.g. \"Finance system\"."))
    scope = RadioField(_l("Access"), choices=TokenScope.choices(), default=TokenScope.READ.value,
                       validators=[DataRequired()])
    # New on every page that shows the form; the service refuses a key it has seen (a reload re-sending it).
    request_key = HiddenField(default=lambda: secrets.token_hex(16))
    submit = SubmitField(_l("Create token"))
