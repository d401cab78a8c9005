"""Device cookies (OWASP): a browser someone signed in with before is known to the sign-in limits, so a
stranger's guesses from anywhere lock out only sign-ins from unknown browsers, never the person on theirs."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.auth.services import normalise_email

COOKIE = "tz_device"
LIFETIME = timedelta(days=365)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="device-cookie")


def account_key(email: str) -> str:
    """The account as limits and device cookies name it: a keyed hash, so neither the limits' storage, its
    log lines nor the cookie hold an e-mail address (or a password typed into the e-mail field)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()[:32]


def remember_device(response, email: str) -> None:
    """Mark this browser as one `email` signed in with; a fresh nonce each time."""
    value = _serializer().dumps({"account": account_key(email), "nonce": secrets.token_urlsafe(16)})
    response.set_cookie(COOKIE, value, max_age=int(LIFETIME.total_seconds()), httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")


def known_device(email: str) -> str | None:
    """The nonce of this browser's device cookie if it is genuine, unexpired and for `email`; else None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except BadSignature:  # forged, altered or expired
        return None
    if not isinstance(data, dict) or data.get("account") != account_key(email):
        return None
    nonce = data.get("nonce")
    return nonce if isinstance(nonce, str) and nonce else None
