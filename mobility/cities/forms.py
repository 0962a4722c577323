from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from mobility.accounts.forms import REQUIRED
from mobility.cities.enums import Programme
from mobility.core.fields import DecimalField, IntegerField
from mobility.core.text import lazy_gettext as _l
from mobility.i18n.forms import add_localized_fields

NUMBER = _l("Enter a number.")


class PairForm(FlaskForm):
    europe_city_id = SelectField(_l("European Capital of Culture"), coerce=int)
    east_asia_city_id = SelectField(_l("Culture City of East Asia"), coerce=int)
    start_year = IntegerField(_l("First year"), validators=[InputRequired(NUMBER), NumberRange(1985, 2100)])
    end_year = IntegerField(_l("Last year"), validators=[InputRequired(NUMBER), NumberRange(1985, 2100)])
    illustrative = BooleanField(_l("Illustrative pair (for demonstration, not a real partnership)"))
    submit = SubmitField(_l("Save pair"))


add_localized_fields(PairForm, "description", _l("Description"), TextAreaField, validators=[Length(max=4000)])


class CityForm(FlaskForm):
    programme = SelectField(_l("Culture-city title"), choices=Programme.choices)
    title_year = IntegerField(_l("Year of the title"), validators=[InputRequired(NUMBER)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(REQUIRED), Length(max=120)])
    name_local = StringField(_l("Name in the local language"), validators=[Length(max=120)])
    name_zh_Hans = StringField(_l("Name in Chinese"), validators=[Length(max=120)])
    name_ja = StringField(_l("Name in Japanese"), validators=[Length(max=120)])
    name_ko = StringField(_l("Name in Korean"), validators=[Length(max=120)])
    country = StringField(_l("Country (two-letter code)"), validators=[
        DataRequired(REQUIRED), Regexp(r"^[A-Za-z]{2}$", message=_l("Use the two-letter country code, for example DE or KR."))])
    latitude = DecimalField(_l("Latitude"), places=4, below=1000, validators=[InputRequired(NUMBER)])
    longitude = DecimalField(_l("Longitude"), places=4, below=1000, validators=[InputRequired(NUMBER)])
    submit = SubmitField(_l("Add city"))
