"""Absolute links for what leaves the app (e-mails, the log): built from BASE_URL, never from the Host header
of the request that caused them, which whoever sends it chooses."""
from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["BASE_URL"]
    if not base:  # development and tests, where production's start-up check does not apply
        return url_for(endpoint, _external=True, **values)
    return base.rstrip("/") + url_for(endpoint, **values)  # the path keeps a proxy's prefix (SCRIPT_NAME)
