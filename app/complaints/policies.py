"""Who may map complaint categories, import complaints, and read what complaints a department feeds."""
from app.web.policies import has_any_role


def can_manage_categories(user) -> bool:
    """Mapping a category to a dimension and a root cause is an admin's call."""
    return has_any_role(user, "admin")


def can_import_complaints(user) -> bool:
    return has_any_role(user, "admin", "facilitator")
