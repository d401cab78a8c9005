"""Flask-Login wiring: the cookie holds a session token checked against the database on every request."""
import time

from flask import current_app, make_response, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

from app.auth.services import load_session
from app.extensions import login_manager
from app.web.htmx import wants_fragment

SEEN_KEY = "seen"


def load_user(token: str):
    now = int(time.time())
    seen = session.get(SEEN_KEY, 0)
    if now - seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return None  # idle too long: this cookie, replayed or not, no longer signs anyone in
    user = load_session(token)
    if user is not None and now - seen > 60:
        mark_seen()  # refreshed at most once a minute to spare cookie churn
    return user


def mark_seen() -> None:
    session[SEEN_KEY] = int(time.time())


def unauthorized():
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if wants_fragment():
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
