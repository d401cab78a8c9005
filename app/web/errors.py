"""Error pages in the user's language; no stack trace ever reaches a user. While the database is down, or a
migration behind the code, every page says so on a page that needs nothing from the database."""
from contextlib import suppress

import sqlalchemy as sa
from flask import current_app, g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.database import DatabaseBusy, schema_revisions
from app.extensions import db
from app.web.htmx import wants_fragment

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("The file is too large.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a minute and try again.")),
    500: (_l("Something went wrong"),
          _l("An unexpected error happened. Nothing was saved. Please try again.")),
    503: (_l("Back in a moment"),
          _l("Trading Zone cannot reach its database just now. Nothing was saved. Please try again in a few "
             "minutes.")),
}
BUSY = (_l("Back in a moment"),
        _l("The database is busy with another change. Nothing was saved. Please try again in a moment."))
BEING_UPDATED = (_l("Being updated"),
                 _l("Trading Zone is being updated. Nothing was saved. Please try again in a few minutes."))


def render_error(code: int):
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    try:
        return make_response(render_template(template, code=code, title=title, message=message), code)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:  # the menu asks who is signed in
        return database_down(error)


def handle_http_error(error: HTTPException):
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    if wants_fragment():
        # The token has gone stale (e.g. after the session ended): reload the whole page.
        response = make_response("", 400)
        response.headers["HX-Refresh"] = "true"
        return response
    return render_error(400)


def unavailable(title, message, retry_after: int = 60):
    """A page that asks nothing of the database (no person, no menu), in the language of the cookie."""
    g.database_down = True
    template = "errors/_error.html" if wants_fragment() else "errors/unavailable.html"
    # Straight from the Jinja environment: render_template's context processors would load the signed-in
    # person from the database.
    page = current_app.jinja_env.get_template(template).render(title=title, message=message,
                                                               path=request.path)
    response = make_response(page, 503)
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"  # and the security headers need not ask who is signed in
    return response


def database_down(error: sa.exc.DBAPIError):
    with suppress(sa.exc.DBAPIError):  # the connection is gone: nothing to roll back
        db.session.rollback()
    current_app.logger.error("The database cannot be reached: %s", error.orig)
    return unavailable(*MESSAGES[503])


def database_busy(error: DatabaseBusy):
    """A writer that could not have SQLite's write lock in time (app.database): it wrote nothing. Reading
    again would wait for the lock again, hence the page that asks nothing of the database."""
    db.session.rollback()
    current_app.logger.warning("A change was refused, SQLite's write lock being held by another: %s", error)
    return unavailable(*BUSY, retry_after=5)


def handle_unexpected_error(error: Exception):
    with suppress(sa.exc.DBAPIError):  # the connection is gone: nothing to roll back
        db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return database_down(error)
    current_app.logger.exception("Unhandled error")
    return render_error(500)


def check_schema():
    """Until the database has the code's migration, every page says the app is being updated (and the log
    says what to run), rather than some pages failing. Asked once per process once it matches."""
    if current_app.extensions.get("schema_current") or request.endpoint in ("static", "web.health"):
        return None
    at, needed = schema_revisions()
    if at != needed:
        current_app.logger.error("The database is at migration %s, the code needs %s: run `flask db upgrade`",
                                 at, needed)
        return unavailable(*BEING_UPDATED)
    current_app.extensions["schema_current"] = True
    return None


def init_app(app) -> None:
    app.before_request(check_schema)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(DatabaseBusy, database_busy)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
