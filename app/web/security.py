"""Security headers on every response, and known hosts only."""
from flask import request
from flask_login import current_user
from werkzeug.exceptions import BadRequest
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wsgi import get_host

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
        or "Authorization" in request.headers  # the API's answers to a token are private too
    ):
        headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)


class KnownHostsOnly:
    """WSGI middleware: a request naming a host that is not ours (the Host header, or X-Forwarded-Host once
    ProxyFix has applied it) is answered 400 before the app sees it, so no page, link or redirect is ever
    built for it. Flask's own TRUSTED_HOSTS check comes too late for the hooks that build URLs."""

    def __init__(self, wsgi_app, config):
        self.wsgi_app, self.config = wsgi_app, config

    def __call__(self, environ, start_response):
        hosts = self.config["TRUSTED_HOSTS"]
        if hosts and not host_is_trusted(get_host(environ), hosts):
            return BadRequest("This server does not answer for that host name.")(environ, start_response)
        return self.wsgi_app(environ, start_response)
