"""Account forms. Labels are lazy strings so they follow the request's language."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from mobility.accounts.enums import Discipline, Language, Level, Role
from mobility.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from mobility.core.text import lazy_gettext as _l
from mobility.i18n.locales import LOCALES, NATIVE_NAMES, timezone_choices

REQUIRED = _l("This field is required.")
EMAIL_INVALID = _l("Enter a valid e-mail address, for example name@example.org.")


def locale_choices():
    return [(code, NATIVE_NAMES[code]) for code in LOCALES]


def zone_choices():
    return [(zone, zone.replace("_", " ")) for zone in timezone_choices()]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def new_password_field(label):
    return PasswordField(label, validators=[
        DataRequired(REQUIRED),
        Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_l("Use between %(min)d and %(max)d characters.")),
    ], render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH})


def repeat_field(other: str):
    return PasswordField(_l("Repeat the password"), validators=[
        DataRequired(REQUIRED), EqualTo(other, message=_l("The two passwords are not the same.")),
    ], render_kw={"autocomplete": "new-password"})


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)],
                       description=_l("As you want it written, for example family name first."),
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Email(EMAIL_INVALID),
                                                         Length(max=320)],
                       render_kw={"autocomplete": "email"})
    password = new_password_field(_l("Password"))
    password_repeat = repeat_field("password")
    locale = SelectField(_l("Preferred language"), choices=locale_choices)
    # No default here: the page starts at the browser's zone (accounts.views.register, static/js/timezone.js).
    timezone = SelectField(_l("Time zone"), choices=zone_choices,
                           description=_l("Deadlines and times are shown in this zone."))
    submit = SubmitField(_l("Create account"))


class SignInForm(FlaskForm):
    # No syntax check here: whatever address an account has must be able to sign in.
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=320)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class ConfirmEmailForm(FlaskForm):
    submit = SubmitField(_l("Confirm my address"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=320)])
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    password_repeat = repeat_field("password")
    submit = SubmitField(_l("Save the new password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = new_password_field(_l("New password"))
    password_repeat = repeat_field("new_password")
    submit = SubmitField(_l("Change password"))


def level_choices():
    return [("", _l("None"))] + Level.choices()


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=200)])
    locale = SelectField(_l("Preferred language"), choices=locale_choices)
    timezone = SelectField(_l("Time zone"), choices=zone_choices)
    country = StringField(_l("Country (two-letter code)"), validators=[
        Optional(), Regexp(r"^[A-Za-z]{2}$", message=_l("Use the two-letter country code, for example DE or KR."))],
        description=_l("For example DE, FI, CN, JP or KR."))
    home_city_id = SelectField(_l("Home city"), coerce=lambda v: int(v) if v else None, validate_choice=False)
    disciplines = MultiCheckboxField(_l("Disciplines"), choices=Discipline.choices)
    affiliations = TextAreaField(_l("Organisations you belong to"), validators=[Length(max=4000)],
                                 description=_l("One per line. Used to avoid conflicts of interest in review."))
    submit = SubmitField(_l("Save profile"))

    def language_rows(self):
        """Reading and writing level per language, built from the Language enum."""
        return [(lang, getattr(self, f"read_{lang.value}"), getattr(self, f"write_{lang.value}"))
                for lang in Language]


for _lang in Language:
    setattr(ProfileForm, f"read_{_lang.value}", SelectField(_l("Reading"), choices=level_choices))
    setattr(ProfileForm, f"write_{_lang.value}", SelectField(_l("Writing"), choices=level_choices))


def _code_field(label, description=None):
    return StringField(label, validators=[DataRequired(REQUIRED), Length(max=64)], description=description,
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"})


class SecondStepForm(FlaskForm):
    """The second step of signing in: a code from the app, or one of the recovery codes."""

    code = _code_field(_l("Code"), _l("The six digits your authenticator app shows now, or one of your recovery "
                                      "codes if you do not have the device with you."))
    submit = SubmitField(_l("Sign in"))


class BeginTwoFactorForm(FlaskForm):
    submit = SubmitField(_l("Set up two-factor sign-in"))


class ConfirmTwoFactorForm(FlaskForm):
    code = _code_field(_l("Code from the app"), _l("The six digits the app shows for this account now."))
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class RenewRecoveryCodesForm(FlaskForm):
    code = _code_field(_l("Code from the app"), _l("The six digits the app shows now."))
    submit = SubmitField(_l("Make new recovery codes"))


class DisableTwoFactorForm(FlaskForm):
    code = _code_field(_l("Code from the app or a recovery code"))
    submit = SubmitField(_l("Turn off two-factor sign-in"))


class ResetTwoFactorForm(FlaskForm):
    # A reset lets in whoever knows the password: the administrator says they made sure it is the person.
    identity_checked = BooleanField(_l("I have made sure that this request comes from them (for example by "
                                       "calling them on a number we already had)."),
                                    validators=[DataRequired(_l("Confirm that you made sure it is them."))])
    submit = SubmitField(_l("Reset two-factor sign-in"))


class RoleChangeForm(FlaskForm):
    role = SelectField(_l("Role"), choices=Role.choices)
    submit = SubmitField(_l("Apply"))



class ProgrammeForm(FlaskForm):
    name = StringField(_l("Name of the programme"), validators=[DataRequired(REQUIRED), Length(max=200)],
                       description=_l("For example: Chemnitz 2025 ⇄ Kamakura artist mobility."))
    submit = SubmitField(_l("Create programme"))


class ProgrammeManagerForm(FlaskForm):
    email = EmailField(_l("E-mail address of the manager"), validators=[DataRequired(REQUIRED), Email(EMAIL_INVALID)],
                       description=_l("The person needs the manager role first (People and roles)."))
    submit = SubmitField(_l("Add manager"))


class RemoveManagerForm(FlaskForm):
    submit = SubmitField(_l("Remove"))
