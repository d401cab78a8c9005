"""Security headers on every response."""
from flask import request
from flask_login import current_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Flask-WTF checks the Referer under https, so a same-origin referrer must still be sent.
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def add_security_headers(response):
    headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    # Asked only when the view did not already forbid caching (the board's poll), to spare the question.
    if request.endpoint != "static" and headers.get("Cache-Control") != "no-store" and (
        # is_anonymous, not is_authenticated: the latter reads the person again after a commit
        not current_user.is_anonymous or request.method != "GET" or response.status_code >= 400
    ):
        headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
