"""The JSON API under /api/v1, authenticated by personal API tokens (no cookies, so no CSRF)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
