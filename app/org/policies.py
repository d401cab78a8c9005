"""Who may do what to which department or person."""
from app.web.policies import has_any_role, has_role


def is_head_of(user, department) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and department.id in user.head_of


def can_view_department(user, department) -> bool:
    """Admins and facilitators see every department; a head sees their own."""
    return has_any_role(user, "admin", "facilitator") or is_head_of(user, department)


def can_act_for(user, department) -> bool:
    """Start and own a department's projects, bring it into work: its heads, and facilitators for any."""
    return has_role(user, "facilitator") or is_head_of(user, department)


def can_view_organisation(user) -> bool:
    """The list of departments and the service map: admins, and facilitators who set up rounds on them."""
    return has_any_role(user, "admin", "facilitator")


def can_manage_organisation(user) -> bool:
    """Departments, their heads, people and the service map are changed by admins."""
    return has_role(user, "admin")
