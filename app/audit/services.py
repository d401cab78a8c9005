"""Writing to the audit log."""
from app.audit.models import AuditEntry
from app.extensions import db


def record(actor, action: str, target: object = "", details: str = "") -> AuditEntry:
    """Note that `actor` (None: someone not signed in) did `action` to `target`; part of the caller's
    transaction."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "name", None) or "",
        action=action,
        target=str(target)[:200],
        details=details,
    )
    db.session.add(entry)
    return entry
