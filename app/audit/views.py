"""The audit log page, for admins."""
import sqlalchemy as sa
from flask import Blueprint, request

from app.audit.labels import label
from app.audit.models import AuditEntry
from app.audit.policies import can_read_audit_log
from app.extensions import db
from app.web.authz import requires
from app.web.htmx import render

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 50


@bp.get("")
@requires(can_read_audit_log)
def index():
    page = min(max(request.args.get("page", 1, type=int), 1), 10**6)  # an offset the database can take
    action = request.args.get("action", "")[:60]
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    entries = list(db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    actions = list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
    return render("audit/index.html", entries=entries[:PAGE_SIZE], page=page,
                  has_next=len(entries) > PAGE_SIZE, action=action, actions=actions, label=label)
