"""Sign-up, sign-in, sign-out, e-mail confirmation, passwords and the profile."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from mobility.accounts import policies, services, twofactor
from mobility.accounts.enums import Discipline, Language, Level
from mobility.accounts.forms import (
    BeginTwoFactorForm,
    ChangePasswordForm,
    ConfirmEmailForm,
    ConfirmTwoFactorForm,
    DisableTwoFactorForm,
    ForgotPasswordForm,
    ProfileForm,
    RegisterForm,
    RenewRecoveryCodesForm,
    ResetPasswordForm,
    SecondStepForm,
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
            user = authenticated.value
            if user.two_factor_enabled:
                # Half signed in: the browser waits for the code and is signed in to nothing meanwhile.
                twofactor.begin_pending(user, request.args.get("next"))
                return redirect(url_for("accounts.sign_in_code"))
            services.sign_in(user)
            return redirect(safe_next_url(request.args.get("next")))
    return render_template("accounts/sign_in.html", form=form)


def _pending_account_key() -> str:
    # The person's own allowance, however often the password step is repeated to start a new wait.
    return f"code-account:{twofactor.pending_user_id()}"


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"], methods=["POST"],
               deduct_when=_sign_in_failed, scope="sign-in-code-ip")
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_pending_account_key, deduct_when=_sign_in_failed, scope="sign-in-code-account")
def sign_in_code():
    """The second step of signing in: a one-time code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user = twofactor.pending_user()
    if user is None:
        twofactor.forget_pending()
        flash(_("Please sign in again: the time for the code is over."), "info")
        return redirect(url_for("accounts.sign_in"))
    form = SecondStepForm()
    if form.validate_on_submit():
        # A refusal keeps its audit entry, as a wrong password does.
        checked = unit_of_work.attempt_keeping(form, twofactor.verify_second_step, user, form.code.data)
        if checked:
            next_url = twofactor.pending_next()
            services.sign_in(user, second_factor=checked.value)  # a fresh session: the wait is forgotten
            if checked.value == "recovery":
                flash(_("You signed in with a recovery code; it cannot be used again. You have %(n)s left.",
                        n=twofactor.unused_recovery_codes(user)), "info")
            return redirect(safe_next_url(next_url))
    return render_template("accounts/sign_in_code.html", form=form), 422 if form.errors else 200


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


def _codes_page(codes: list[str]):
    response = make_response(render_template("accounts/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"  # shown once: no cache keeps a copy
    return response


def _two_factor_page(*, confirm_form=None, renew_form=None, disable_form=None, status: int = 200):
    user = current_user._get_current_object()
    secret = user.totp_pending_secret if not user.two_factor_enabled else None
    uri = twofactor.provisioning_uri(user, secret) if secret else None
    response = make_response(render_template(
        "accounts/two_factor.html", user=user, secret=secret and twofactor.grouped_secret(secret),
        raw_secret=secret, qr=uri and twofactor.qr_svg(uri),
        required=twofactor.is_required_for(user),
        codes_left=twofactor.unused_recovery_codes(user) if user.two_factor_enabled else 0,
        begin_form=BeginTwoFactorForm(),
        confirm_form=confirm_form or ConfirmTwoFactorForm(formdata=None),
        renew_form=renew_form or RenewRecoveryCodesForm(formdata=None, prefix="renew"),
        disable_form=disable_form or DisableTwoFactorForm(formdata=None, prefix="disable")), status)
    response.headers["Cache-Control"] = "no-store"  # the secret being set up is on the page
    return response


@bp.get("/account/two-factor")
@signed_in
def two_factor():
    return _two_factor_page()


@bp.post("/account/two-factor/begin")
@signed_in
def two_factor_begin():
    if BeginTwoFactorForm().validate_on_submit():
        unit_of_work.attempt(None, twofactor.start_setup, current_user._get_current_object())
    return redirect(url_for("accounts.two_factor"))


@bp.post("/account/two-factor/confirm")
@signed_in
def two_factor_confirm():
    user = current_user._get_current_object()
    if user.two_factor_enabled:  # the page that showed the codes, sent again
        return redirect(url_for("accounts.two_factor"))
    form = ConfirmTwoFactorForm()
    if form.validate_on_submit():
        turned_on = unit_of_work.attempt(form, twofactor.confirm_setup, user, form.code.data)
        if turned_on:
            flash(_("Two-factor sign-in is on. Other devices have been signed out."), "success")
            return _codes_page(turned_on.value)
    return _two_factor_page(confirm_form=form, status=422)


@bp.post("/account/two-factor/recovery-codes")
@signed_in
def two_factor_renew_codes():
    form = RenewRecoveryCodesForm(prefix="renew")
    if form.validate_on_submit():
        renewed = unit_of_work.attempt(form, twofactor.regenerate_recovery_codes,
                                       current_user._get_current_object(), form.code.data)
        if renewed:
            flash(_("Here are your new recovery codes. The old ones no longer work."), "success")
            return _codes_page(renewed.value)
    return _two_factor_page(renew_form=form, status=422)


@bp.post("/account/two-factor/disable")
@signed_in
def two_factor_disable():
    form = DisableTwoFactorForm(prefix="disable")
    if form.validate_on_submit():
        if unit_of_work.attempt(form, twofactor.disable, current_user._get_current_object(), form.code.data):
            flash(_("Two-factor sign-in is off. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return _two_factor_page(disable_form=form, status=422)


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
