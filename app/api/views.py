"""The JSON API under /api/v1, authenticated by personal API tokens (no cookies, so no CSRF).

Also the `tokens` blueprint: the HTML pages (/account/tokens, CSRF-protected like every page) where
people create and revoke their tokens. It is registered on the app together with `api`.
"""
import json
import time
from functools import wraps
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from app.api import policies, services
from app.api.forms import EmptyForm, TokenForm
from app.auth.models import ApiToken
from app.complaints import policies as complaints_policies
from app.complaints import services as complaints
from app.extensions import db, limiter
from app.metrics.models import Metric
from app.web import errors as web_errors
from app.web.authz import requires
from app.web.htmx import redirect_to, render

bp = Blueprint("api", __name__, url_prefix="/api/v1")
tokens_bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
blueprints = (bp, tokens_bp)
# Plain data beside this file; tests/api/test_openapi.py checks its limits against app/api/services.py.
OPENAPI_DOCUMENT = json.loads((Path(__file__).parent / "openapi.json").read_text(encoding="utf-8"))

ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "too_many_requests", 500: "server_error",
}


@bp.record_once
def _register_token_pages(state) -> None:
    # app/__init__.py registers only `api`; the token pages come along with it (CSRF applies to them).
    if "tokens" not in state.app.blueprints:
        state.app.register_blueprint(tokens_bp)


# JSON errors -------------------------------------------------------------------------------------

def error_response(status: int, message: str, details: list | None = None, code: str | None = None):
    response = jsonify({"error": {"code": code or ERROR_CODES.get(status, "error"), "message": message,
                                  "details": details or []}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 429:
        return _too_many_requests()
    _title, message = web_errors.MESSAGES.get(status, web_errors.MESSAGES[500])
    response = error_response(status, str(message))
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


@bp.errorhandler(HTTPException)
def api_http_error(error: HTTPException):
    return _http_error(error)


@bp.errorhandler(Exception)
def api_unexpected_error(error: Exception):
    db.session.rollback()
    if isinstance(error, HTTPException):
        return _http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled API error")
    return error_response(500, str(web_errors.MESSAGES[500][1]))


def _under_api() -> bool:
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


# A URL under /api/v1 that matches no route, or no method of its route, never reaches the blueprint's
# handlers: answer those in JSON too, and leave every other page's error as it was.
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def routing_error(error: HTTPException):
    if _under_api():
        return _http_error(error)
    return web_errors.handle_http_error(error)


# Authentication and the rate limit ---------------------------------------------------------------

@bp.before_request
def _identify() -> None:
    """The request's live token, or None: looked up before the rate limit, which counts by it."""
    g.api_token = services.authenticate(request.headers.get("Authorization"))


def _caller() -> str:
    # Without a live token, the address: made-up tokens must not each get an allowance of their own.
    return f"token:{g.api_token.id}" if g.api_token is not None else f"address:{get_remote_address()}"


# One allowance per caller for every route of the API (the app has no app-wide limits: app/__init__.py).
rate_limited = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api",
                                    key_func=_caller)


def _too_many_requests():
    breached = limiter.current_limit
    seconds = max(1, breached.reset_at - int(time.time())) if breached is not None else 60
    response = error_response(429, _("Too many requests: wait %(seconds)d seconds and try again.",
                                     seconds=seconds))
    response.headers["Retry-After"] = str(seconds)
    return response


def token_required(scope: str):
    """A live bearer token with this scope (write includes read); a session cookie counts for nothing."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = g.api_token
            if token is None:
                db.session.rollback()
                return error_response(401, _("Send a valid API token: Authorization: Bearer <token>."))
            db.session.commit()  # last_used_on, written at most once a day
            if scope == "write" and token.scope != "write":
                response = error_response(403, _("This token may only read; create a token with write "
                                                 "access to add readings."), code="insufficient_scope")
                response.headers["WWW-Authenticate"] = 'Bearer realm="api", error="insufficient_scope"'
                return response
            g.api_user = services.token_user(token)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _metric_or_404(metric_id: int) -> Metric:
    metric = db.session.get(Metric, metric_id)
    if metric is None:
        abort(404)
    return metric


def _metric_json(metric: Metric) -> dict:
    return {
        "id": metric.id, "name": metric.name, "description": metric.description or "",
        "unit": metric.unit or "", "direction": metric.direction,
        "owner_department": metric.owner_department.code if metric.owner_department else None,
    }


def _reading_json(reading) -> dict:
    return {"date": reading.taken_on.isoformat(), "value": reading.value, "note": reading.note or "",
            "dimension": reading.dimension.key if reading.dimension else None}


def _invalid(error: services.PayloadError):
    return error_response(422, _("The request has invalid fields."), [e.as_dict() for e in error.errors])


# API routes --------------------------------------------------------------------------------------

@bp.get("/openapi.json")
@rate_limited
def openapi():
    return jsonify(OPENAPI_DOCUMENT)


@bp.get("/metrics")
@rate_limited
@token_required("read")
def metrics():
    return jsonify({"metrics": [_metric_json(m) for m in services.metrics()]})


@bp.get("/metrics/<int:metric_id>/readings")
@rate_limited
@token_required("read")
def readings(metric_id: int):
    metric = _metric_or_404(metric_id)
    try:
        found = services.readings_between(metric, request.args.get("from"), request.args.get("to"))
    except services.PayloadError as error:
        return _invalid(error)
    return jsonify({"metric": _metric_json(metric), "readings": [_reading_json(r) for r in found]})


@bp.post("/metrics/<int:metric_id>/readings")
@rate_limited
@token_required("write")
def add_readings(metric_id: int):
    metric = _metric_or_404(metric_id)
    if not policies.can_write_readings(g.api_user, metric):
        return error_response(403, _("You may not add readings to this metric."))
    if not request.is_json:  # a form or text/plain is not JSON, whatever it holds
        return error_response(415, _("Send the readings as JSON (Content-Type: application/json)."))
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than Python's parser goes
        payload = None
    try:
        readings = services.parse_readings(payload)
        added, updated = services.save_readings(g.api_user, metric, readings)
    except services.PayloadError as error:
        db.session.rollback()
        return _invalid(error)
    except services.TokenError as error:
        db.session.rollback()
        return error_response(403, str(error))
    db.session.commit()
    return jsonify({"added": added, "updated": updated})


@bp.post("/complaints")
@rate_limited
@token_required("write")
def add_complaints():
    if not complaints_policies.can_import_complaints(g.api_user):
        return error_response(403, _("Only facilitators and admins may import complaints."))
    if not request.is_json:
        return error_response(415, _("Send the complaints as JSON (Content-Type: application/json)."))
    try:
        payload = request.get_json(silent=True)
    except RecursionError:
        payload = None
    items = payload.get("complaints") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items or len(items) > complaints.API_LIMIT:
        return _invalid(services.PayloadError([services.FieldError("complaints", _(
            "Send {\"complaints\": [...]} with 1 to %(n)d complaints.", n=complaints.API_LIMIT))]))
    rows = complaints.parse_complaint_items(items)
    errors = [services.FieldError(f"complaints[{row.line}]", problem)
              for row in rows for problem in row.problems]
    if errors:
        return _invalid(services.PayloadError(errors))
    added = complaints.import_complaints(g.api_user, rows)
    db.session.commit()
    return jsonify({"added": added, "imported_before": len(rows) - added})


# Token pages -------------------------------------------------------------------------------------

def _tokens_page(form: TokenForm, new_value: str | None = None, new_token: ApiToken | None = None):
    return render("api/tokens.html", form=form, tokens=services.tokens_of(current_user),
                  new_value=new_value, new_token=new_token)


@tokens_bp.get("")
@requires(policies.may_hold_tokens)
def index():
    return _tokens_page(TokenForm())


@tokens_bp.post("")
@requires(policies.may_hold_tokens)
def create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, value = services.create_token(current_user, form.name.data, form.scope.data)
        except services.TokenError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            # Shown on this answer only: the database keeps just its hash.
            return _tokens_page(TokenForm(formdata=None), new_value=value, new_token=token)
    return _tokens_page(form)


@tokens_bp.post("/<int:token_id>/revoke")
@requires(policies.may_hold_tokens)
def revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if not policies.can_manage_token(current_user, token):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.revoke_token(current_user, token)
    db.session.commit()
    flash(_("Token %(name)s revoked; it no longer works.", name=token.name), "success")
    return redirect_to(url_for("tokens.index"))
