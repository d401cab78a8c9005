"""Role predicates shared by views and templates, so a hidden button and a refused request agree."""


def has_role(user, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return {
        "employee": lambda: user.is_employee,
        "head": lambda: user.is_head,
        "facilitator": lambda: user.is_facilitator,
        "admin": lambda: user.is_admin,
    }[role]()


def has_any_role(user, *roles: str) -> bool:
    return any(has_role(user, role) for role in roles)
