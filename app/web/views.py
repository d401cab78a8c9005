"""The health check for a load balancer or a monitor."""
import sqlalchemy as sa
from flask import Blueprint, current_app

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
