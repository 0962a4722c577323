"""Sign-up, sign-in, sign-out, e-mail confirmation, passwords and the profile."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from mobility.accounts import policies, services
from mobility.accounts.enums import Discipline, Language, Level
from mobility.accounts.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    ForgotPasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from mobility.cities.queries import cities_by_side
from mobility.core import unit_of_work
from mobility.core.access import public, signed_in
from mobility.core.redirects import safe_next_url
from mobility.extensions import limiter
from mobility.i18n.locales import LOCALES, SESSION_KEY, select_locale, select_timezone

bp = Blueprint("accounts", __name__, template_folder="templates")


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _sign_in_failed(response) -> bool:
    # Only failed attempts use up the allowance; a successful sign-in redirects.
    return response.status_code != 302


def _mail_sent(response) -> bool:
    # Registration and password reset mail the typed address when they redirect: only those count, and
    # they count for every address alike (known or not), so the limit tells nothing about accounts.
    return response.status_code == 302


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["MAIL_TO_TYPED_ADDRESS_LIMIT"], methods=["POST"], key_func=_account_key,
               deduct_when=_mail_sent, scope="register-address")
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"], deduct_when=_mail_sent,
               scope="register-ip")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = select_locale()
        # The browser's zone (its cookie), else the language's likely one; the script picks the browser's
        # zone where no cookie was sent.
        form.timezone.data = select_timezone()
        form.timezone.render_kw = {**(form.timezone.render_kw or {}), "data-browser-zone": ""}
    if form.validate_on_submit():
        if unit_of_work.attempt(form, services.register_user, name=form.name.data, email=form.email.data,
                                password=form.password.data, locale=form.locale.data,
                                timezone=form.timezone.data):
            flash(_("Almost done: we have sent you an e-mail. Open the link in it to confirm your address."),
                  "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/register.html", form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    """The link in the mail opens a page; its button confirms (a GET never writes, and a mail scanner that
    follows links confirms nothing)."""
    found = unit_of_work.attempt(None, services.user_for_confirm_token, token)
    if not found:
        return redirect(url_for("accounts.sign_in"))
    user = found.value
    form = ConfirmEmailForm()
    if user.email_confirmed or form.validate_on_submit():
        services.confirm_email(token)
        flash(_("Thank you, your e-mail address is confirmed. You can sign in now."), "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/confirm_email.html", form=form, email=user.email)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"], methods=["POST"],
               deduct_when=_sign_in_failed, scope="sign-in-ip")
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_sign_in_failed, scope="sign-in-account")
def sign_in():
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")))
    form = SignInForm()
    if form.validate_on_submit():
        # A refusal keeps the audit entry of the failed attempt: the unit of work is still committed.
        authenticated = unit_of_work.attempt_keeping(form, services.authenticate, form.email.data,
                                                     form.password.data)
        if authenticated:
            services.sign_in(authenticated.value)
            return redirect(safe_next_url(request.args.get("next")))
    return render_template("accounts/sign_in.html", form=form)


@bp.post("/sign-out")
@signed_in
def sign_out():
    services.sign_out(current_user._get_current_object())
    flash(_("You are signed out."), "success")
    return redirect(url_for("home.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit("5 per 15 minutes", methods=["POST"])
@limiter.limit(lambda: current_app.config["MAIL_TO_TYPED_ADDRESS_LIMIT"], methods=["POST"], key_func=_account_key,
               deduct_when=_mail_sent, scope="forgot-password-address")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account exists for this address, we have sent it a link to choose a new password."),
              "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    if not unit_of_work.attempt(None, services.user_for_reset, token):
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(form, services.reset_password, token, form.password.data):
            flash(_("Your new password is saved. Sign in with it."), "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if unit_of_work.attempt(form, services.change_password, current_user._get_current_object(),
                                current_password=form.current_password.data,
                                new_password=form.new_password.data):
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


def _city_choices():
    # The name in the reader's language, and the city's own name beside it where that is another.
    return [("", "—")] + [(str(c.id), f"{name} ({c.name_local}), {c.country}" if (name := c.display_name()) != c.name_local
                           else f"{name}, {c.country}") for c in cities_by_side()]


@bp.route("/account/profile", methods=["GET", "POST"])
@signed_in
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    form.home_city_id.choices = _city_choices()
    if request.method == "GET":
        skills = {s.language: s for s in user.language_skills}
        for lang, read_field, write_field in form.language_rows():
            skill = skills.get(lang)
            read_field.data = skill.reading.value if skill and skill.reading else ""
            write_field.data = skill.writing.value if skill and skill.writing else ""
        form.disciplines.data = [d.discipline.value for d in user.disciplines]
        form.affiliations.data = "\n".join(a.organisation for a in user.affiliations)
        form.home_city_id.data = user.home_city_id
    if form.validate_on_submit():
        saved = unit_of_work.attempt(
            form, services.update_profile, user,
            name=form.name.data,
            locale=form.locale.data,
            timezone=form.timezone.data,
            country=form.country.data,
            home_city_id=form.home_city_id.data,
            skills={lang: (Level(r.data) if r.data else None, Level(w.data) if w.data else None)
                    for lang, r, w in form.language_rows()},
            disciplines=[Discipline(d) for d in form.disciplines.data],
            affiliations=(form.affiliations.data or "").splitlines(),
        )
        if saved:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, user=user, languages=list(Language),
                           is_programme_office=policies.is_programme_office(user))


@bp.post("/language")
@public
def switch_language():
    """The language switch on every page: kept in the session, and as a signed-in person's preference."""
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400)
    session[SESSION_KEY] = locale
    if current_user.is_authenticated:
        # A signed-in user's saved preference wins over the switch, so the switch updates it.
        services.set_locale(current_user, locale)
    return redirect(safe_next_url(request.form.get("next")))


@bp.get("/account/form-token")
@signed_in
def form_token():
    """A fresh form token for a page left open a long time (static/js/autosave.js asks before it expires):
    what the person typed can still be saved. Read by the page's own script only (no cross-site reader)."""
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response
