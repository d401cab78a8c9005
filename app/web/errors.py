"""Error pages in the user's language; no stack trace ever reaches a user."""
from flask import current_app, make_response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
}


def render_error(code: int):
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    return make_response(render_template(template, code=code, title=title, message=message), code)


def handle_http_error(error: HTTPException):
    return render_error(error.code or 500)


def handle_csrf_error(error: CSRFError):
    if wants_fragment():
        # The token has gone stale (e.g. after the session ended): reload the whole page.
        response = make_response("", 400)
        response.headers["HX-Refresh"] = "true"
        return response
    return render_error(400)


def handle_unexpected_error(error: Exception):
    db.session.rollback()
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    current_app.logger.exception("Unhandled error")
    return render_error(500)


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
