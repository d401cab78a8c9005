"""Absolute links for what leaves the app (e-mails, notices, the log): built from BASE_URL, never from the
Host header of the request that caused them, which whoever sends it chooses."""
from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["BASE_URL"]
    if not base:  # development and tests, where production's start-up check does not apply
        return url_for(endpoint, _external=True, **values)
    return base.rstrip("/") + url_for(endpoint, **values)  # the path keeps a proxy's prefix (SCRIPT_NAME)


def app_path(endpoint: str, **values) -> str:
    """A page's path inside the app, in a request or out of one (`flask tick` has none): kept in the
    notices' outbox and made absolute by `absolute_url` when sent."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute_url(path: str) -> str:
    """`path` (from app_path) under BASE_URL, for work done outside any request."""
    config = current_app.config
    host = config.get("SERVER_NAME") or "localhost"
    base = config["BASE_URL"] or f"{config['PREFERRED_URL_SCHEME']}://{host}"
    return base.rstrip("/") + config["APPLICATION_ROOT"].rstrip("/") + path
