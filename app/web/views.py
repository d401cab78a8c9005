"""The health check for a load balancer or a monitor; the page on how figures are worked out."""
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app

from app.database import schema_revisions

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def health():
    """For a load balancer or a monitor: 200 only when the database answers and has the code's migration;
    else 503, saying which part is not ready."""
    try:
        at, needed = schema_revisions()
    except sa.exc.DBAPIError as error:
        current_app.logger.error("Health check: the database cannot be reached: %s", error.orig)
        return {"status": "unavailable", "database": "unreachable"}, 503
    if at != needed:
        return {"status": "unavailable", "database": "ok", "migration": at, "needed": needed}, 503
    return {"status": "ok", "database": "ok", "migration": at}


@bp.get("/methods")
def methods():
    """docs/METHODS.md as it ships with the code, for everyone: how intervals and "did it move?" are
    worked out (pages link to it)."""
    path = Path(current_app.root_path).parent / "docs" / "METHODS.md"
    if not path.is_file():
        abort(404)
    return current_app.response_class(path.read_text(encoding="utf-8"), mimetype="text/markdown")
