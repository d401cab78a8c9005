"""Role predicates shared by views and templates, so a hidden button and a refused request agree."""


ROLES = {
    "employee": lambda user: user.is_employee,
    "head": lambda user: user.is_head,
    "facilitator": lambda user: user.is_facilitator,
    "admin": lambda user: user.is_admin,
}


def has_role(user, role: str) -> bool:
    return getattr(user, "is_authenticated", False) and ROLES[role](user)


def has_any_role(user, *roles: str) -> bool:
    return any(has_role(user, role) for role in roles)
