"""Who may change the service dimensions people rate on."""
from app.web.policies import has_role


def can_edit_dimensions(user) -> bool:
    return has_role(user, "admin")
