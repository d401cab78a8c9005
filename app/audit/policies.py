"""Who may read the audit log."""
from app.web.policies import has_role


def can_read_audit_log(user) -> bool:
    return has_role(user, "admin")
