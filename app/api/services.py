"""Personal API tokens and the rules of the JSON API: who may read and write which readings."""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.api import policies
from app.audit.services import record
from app.auth.models import ApiToken, User
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics import services as metric_services
from app.metrics.models import Metric, Reading
from app.time import utcnow
from app.web.forms import UNSTORABLE, UNSTORABLE_MESSAGE

TOKEN_PREFIX = "tz_"
SCOPES = ("read", "write")
MAX_READINGS_PER_REQUEST = 1000
MAX_NOTE_LENGTH = metric_services.NOTE_LIMIT
MAX_VALUE = 1e12  # as app.metrics.services checks it; here so each bad item gets a field error
EARLIEST_YEAR = 1900
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
READING_FIELDS = {"date", "value", "note", "dimension"}


class TokenError(Exception):
    """A rule about API tokens was broken; the message is shown to the user."""


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


class PayloadError(Exception):
    """The request body or query broke the API's rules; each field error says where and why."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ReadingInput:
    taken_on: date
    value: float
    note: str
    dimension: Dimension | None = None


# Tokens ------------------------------------------------------------------------------------------

def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def create_token(actor: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `actor`; the plain value is returned once and only its hash is kept."""
    if not policies.may_hold_tokens(actor):
        raise TokenError(_("Only heads, facilitators and admins may create API tokens."))
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise TokenError(_("Give the token a name of 1 to 80 characters."))
    if scope not in SCOPES:
        raise TokenError(_("Choose whether the token may read or also write readings."))
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name, scope=scope, token_hash=hash_token(value),
                     created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    record(actor, "api_token.create", f"{name} ({scope})")
    return token, value


def revoke_token(actor: User, token: ApiToken) -> ApiToken:
    if not policies.can_manage_token(actor, token):
        raise TokenError(_("You may revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record(actor, "api_token.revoke", f"{token.name} ({token.scope})")
    return token


def authenticate(authorization: str | None) -> ApiToken | None:
    """The live token named by an `Authorization: Bearer …` header, or None.

    Marks the token used at most once a day, so reading the API does not write on every request.
    """
    scheme, _sep, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(TOKEN_PREFIX) or len(value) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(value)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active or not policies.may_hold_tokens(user):
        return None
    today = utcnow().date()
    if token.last_used_on != today:
        token.last_used_on = today
        db.session.flush()
    return token


def token_user(token: ApiToken) -> User:
    return db.session.get(User, token.user_id)


# Metrics and readings ----------------------------------------------------------------------------

def metrics() -> list[Metric]:
    return list(db.session.scalars(sa.select(Metric).order_by(Metric.name)))


def parse_date(text, field: str) -> date:
    if not isinstance(text, str) or not ISO_DATE.match(text):
        raise PayloadError([FieldError(field, _("Use a date like 2025-01-31."))])
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PayloadError([FieldError(field, _("This date does not exist."))]) from None


def readings_between(metric: Metric, start: str | None, end: str | None) -> list[Reading]:
    """The metric's readings from `start` to `end` (ISO dates, both optional and inclusive)."""
    errors: list[FieldError] = []
    bounds: dict[str, date | None] = {"from": None, "to": None}
    for name, text in (("from", start), ("to", end)):
        if text is None:
            continue
        try:
            bounds[name] = parse_date(text, name)
        except PayloadError as error:
            errors.extend(error.errors)
    if not errors and bounds["from"] and bounds["to"] and bounds["from"] > bounds["to"]:
        errors.append(FieldError("to", _("The end date is before the start date.")))
    if errors:
        raise PayloadError(errors)
    query = (sa.select(Reading).where(Reading.metric_id == metric.id).options(joinedload(Reading.dimension))
             .order_by(Reading.taken_on))
    if bounds["from"]:
        query = query.where(Reading.taken_on >= bounds["from"])
    if bounds["to"]:
        query = query.where(Reading.taken_on <= bounds["to"])
    return list(db.session.scalars(query))


def _parse_value(raw, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise PayloadError([FieldError(field, _("Give the value as a number."))])
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise PayloadError([FieldError(field, _("Give a finite number no larger than 10^12."))])
    return value


def _parse_item(item, where: str,
                known: dict[str, Dimension]) -> tuple[ReadingInput | None, list[FieldError]]:
    def at(name: str) -> str:
        return f"{where}.{name}" if where else name

    if not isinstance(item, dict):
        return None, [FieldError(where or "body", _("Each reading must be an object with date and value."))]
    errors: list[FieldError] = []
    for extra in sorted(set(item) - READING_FIELDS):
        errors.append(FieldError(at(str(extra)), _("Unknown field.")))
    taken_on = value = None
    if "date" not in item:
        errors.append(FieldError(at("date"), _("The date is missing.")))
    else:
        try:
            taken_on = parse_date(item["date"], at("date"))
        except PayloadError as error:
            errors.extend(error.errors)
        else:
            if taken_on > metric_services.latest_allowed_date():
                errors.append(FieldError(at("date"), _("A reading cannot be dated in the future.")))
            elif taken_on.year < EARLIEST_YEAR:
                errors.append(FieldError(at("date"), _("The date is too far in the past.")))
    if "value" not in item or item["value"] is None:
        errors.append(FieldError(at("value"), _("The value is missing.")))
    else:
        try:
            value = _parse_value(item["value"], at("value"))
        except PayloadError as error:
            errors.extend(error.errors)
    note = item.get("note", "")
    if note is None:
        note = ""
    if not isinstance(note, str):
        errors.append(FieldError(at("note"), _("The note must be text.")))
    elif len(note) > MAX_NOTE_LENGTH:
        errors.append(FieldError(at("note"), _("Keep the note under %(n)d characters.", n=MAX_NOTE_LENGTH)))
    elif UNSTORABLE.search(note):
        errors.append(FieldError(at("note"), str(UNSTORABLE_MESSAGE)))
    dimension = None
    key = item.get("dimension")
    if key is not None and (not isinstance(key, str) or UNSTORABLE.search(key)):
        errors.append(FieldError(at("dimension"),
                                 _("The dimension is the key of a service dimension, as text.")))
    elif key is not None:
        try:
            dimension = metric_services.dimension_of(key, known)
        except metric_services.MetricError as error:
            errors.append(FieldError(at("dimension"), str(error)))
        else:
            problem = metric_services.scale_problem(value) if dimension and value is not None else None
            if problem:
                errors.append(FieldError(at("value"), problem))
    if errors:
        return None, errors
    return ReadingInput(taken_on, value, note.strip(), dimension), []


def parse_readings(payload) -> list[ReadingInput]:
    """One reading object or a list of them, checked whole: any error rejects everything."""
    if isinstance(payload, dict):
        items, single = [payload], True
    elif isinstance(payload, list):
        items, single = payload, False
    else:
        raise PayloadError([FieldError("body", _("Send a JSON object or a list of objects."))])
    if not items:
        raise PayloadError([FieldError("body", _("The list is empty."))])
    if len(items) > MAX_READINGS_PER_REQUEST:
        raise PayloadError([FieldError("body", _("Send at most %(n)d readings at a time.",
                                                 n=MAX_READINGS_PER_REQUEST))])
    readings: list[ReadingInput] = []
    errors: list[FieldError] = []
    seen: dict[date, int] = {}
    known = metric_services.dimensions_by_key()
    for index, item in enumerate(items):
        where = "" if single else f"[{index}]"
        reading, item_errors = _parse_item(item, where, known)
        errors.extend(item_errors)
        if reading is None:
            continue
        if reading.taken_on in seen:
            errors.append(FieldError(f"{where}.date", _("Row %(n)d already has this date.",
                                                        n=seen[reading.taken_on])))
        seen.setdefault(reading.taken_on, index)
        readings.append(reading)
    if errors:
        raise PayloadError(errors)
    return readings


def save_readings(actor: User, metric: Metric, readings: list[ReadingInput]) -> tuple[int, int]:
    """Write all the readings (same date → update) or, on any refusal, raise; returns (added, updated)."""
    if not policies.can_write_readings(actor, metric):
        raise TokenError(_("You may not add readings to this metric."))
    added = 0
    errors: list[FieldError] = []
    for index, reading in enumerate(readings):
        try:
            _reading, is_new = metric_services.record_reading(actor, metric, reading.taken_on,
                                                               reading.value, reading.note, reading.dimension)
        except metric_services.MetricError as error:
            errors.append(FieldError(f"[{index}]" if len(readings) > 1 else "body", str(error)))
        else:
            added += is_new
    if errors:
        raise PayloadError(errors)  # the caller rolls back: all or nothing
    updated = len(readings) - added
    record(actor, "reading.api_write", metric, details=f"added={added} updated={updated}")
    return added, updated
