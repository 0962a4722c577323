from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired

from mobility.accounts.forms import REQUIRED
from mobility.core.text import lazy_gettext as _l


class EraseForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired(REQUIRED)])
    erase = SubmitField(_l("Erase my account and my data"))
