"""Sign in and out, first-run setup, password links, own account and language."""
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import limits, services
from app.auth.devices import remember_device
from app.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    NewPasswordForm,
    SetupForm,
    SignInForm,
)
from app.auth.links import request_reset_after_response
from app.auth.login import mark_seen
from app.extensions import db, limiter
from app.web.htmx import render
from app.web.mail import mail_configured

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (other host, scheme, '//', backslashes, control characters,
    which no Location header may carry) goes home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.home")


def _clear_session() -> None:
    """Forget everything in the cookie but the chosen language."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def _begin_session(user) -> None:
    """A fresh session at sign-in (no fixation)."""
    _clear_session()
    if user.language:  # kept in the cookie too: the page shown while the database is down reads it there
        session["language"] = user.language
    services.start_session(user)
    login_user(user)
    mark_seen()


@bp.route("/login", methods=["GET", "POST"])
@limits.sign_in_limits
def login():
    if not services.any_user_exists():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _begin_session(user)
            db.session.commit()
            response = redirect(safe_next(form.next.data), code=303)
            remember_device(response, user.email)
            return response
        db.session.commit()  # the failure's audit entry
        limits.note_failure()
        # One answer for an unknown e-mail, a wrong password and a deactivated account.
        flash(_("The e-mail or password is not right."), "error")
    return render("auth/login.html", form=form)


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error):
    broken = limits.breached()
    wait = limits.retry_after(broken)
    signing_in = request.endpoint == "auth.login"
    if signing_in and limits.first_lockout_this_hour(broken):
        services.record_lockout(request.form.get("email", ""), limits.kinds(broken))
        db.session.commit()
    response = render("auth/too_many.html", http_status=429, signing_in=signing_in,
                      wait=format_timedelta(timedelta(seconds=wait), add_direction=True))
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
def logout():
    services.end_session(session.get("_user_id"))
    db.session.commit()
    logout_user()
    _clear_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if services.any_user_exists():
        if request.method == "POST":  # a second copy of the setup (a double-click, a second tab)
            return _set_up_already()
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = services.create_first_admin(form.name.data, form.email.data, form.password.data)
        except services.AccountError:  # a copy sent at the same moment came first
            db.session.rollback()
            return _set_up_already()
        _begin_session(user)
        db.session.commit()
        flash(_("Welcome! Your organisation is ready: add departments, then invite people."), "info")
        return redirect(url_for("org.departments"), code=303)
    return render("auth/setup.html", form=form)


def _set_up_already():
    flash(_("The first administrator already exists: sign in."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    link = services.find_link(token)
    if link is None:
        return render("auth/link_invalid.html", http_status=404, mail=mail_configured())
    form = NewPasswordForm()
    if form.validate_on_submit():
        invited = link.purpose == "invite"
        try:
            user = services.set_password_from_link(token, form.password.data)
        except services.AccountError:
            db.session.rollback()
            return render("auth/link_invalid.html", http_status=404, mail=mail_configured())
        # Whoever was signed in on this browser (an admin trying the link) is signed out first: their
        # session must not outlive the cookie that held it.
        services.end_session(session.get("_user_id"))
        _begin_session(user)
        db.session.commit()
        if invited:
            flash(_("Welcome, %(name)s: your password is set and you are signed in.", name=user.name), "info")
        else:
            flash(_("Your new password is set and you are signed in; your other sessions have ended."),
                  "info")
        response = redirect(url_for("home.home"), code=303)
        # The link proved the mailbox: this browser may sign in even while unknown browsers are locked out.
        remember_device(response, user.email)
        return response
    return render("auth/set_password.html", form=form, link=link)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_reset_after_response(form.email.data)
        # The same answer whether or not the address is known.
        if mail_configured():
            flash(_("If the address belongs to an account, a link to set a new password is on its way."),
                  "info")
        else:
            flash(_("No e-mail can be sent from here: ask an administrator for a link to set a new "
                    "password."), "info")
        return redirect(url_for("auth.login"), code=303)
    return render("auth/forgot.html", form=form, mail=mail_configured())


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    password_form = ChangePasswordForm()
    language_form = LanguageForm(language=current_user.language or "en")
    if password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current.data,
                                     password_form.password.data, session.get("_user_id"))
        except services.AccountError:
            password_form.current.errors.append(_("The current password is not right."))
        else:
            db.session.commit()
            flash(_("Your password is changed; your other sessions have ended."), "info")
            return redirect(url_for("auth.account"), code=303)
    return render("auth/account.html", password_form=password_form, language_form=language_form)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    services.sign_out_everywhere(current_user)
    db.session.commit()
    logout_user()
    _clear_session()
    flash(_("You have signed out everywhere: on every device and browser."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(safe_next(request.referrer and urlsplit(request.referrer).path), code=303)
