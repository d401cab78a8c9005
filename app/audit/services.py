"""Writing to the audit log."""
from app.audit.models import AuditEntry
from app.extensions import db


class _Schedule:
    """The actor of what `flask tick` does on its own (app.ratings.schedule): nobody signed in, but not
    "someone not signed in" either."""

    id = None
    name = ""


SCHEDULE = _Schedule()


def record(actor, action: str, target: object = "", details: str = "") -> AuditEntry:
    """Note that `actor` (None: someone not signed in; SCHEDULE: the schedule) did `action` to `target`;
    part of the caller's transaction."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "name", None) or "",
        action=action,
        target=str(target)[:200],
        details=details,
        by_schedule=actor is SCHEDULE,
    )
    db.session.add(entry)
    return entry
