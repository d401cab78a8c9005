"""Who may see the metrics catalog, change it, and add readings to which metric."""
from app.web.policies import has_any_role


def can_view_metrics(user) -> bool:
    """Heads, facilitators and admins read every metric: clients' numbers are no secret inside."""
    return has_any_role(user, "admin", "facilitator", "head")


def can_manage_catalog(user) -> bool:
    """Creating and editing metrics is for facilitators and admins."""
    return has_any_role(user, "admin", "facilitator")


def can_add_readings(user, metric) -> bool:
    """Facilitators and admins add readings to any metric; a head to the metrics their department owns."""
    if can_manage_catalog(user):
        return True
    if not getattr(user, "is_authenticated", False) or metric.owner_department_id is None:
        return False
    return metric.owner_department_id in user.head_of

