"""Who may read "you said — we did" and who may answer a department's weaknesses (also given to templates)."""
from app.org.policies import is_head_of


def can_see_what_came_of_it(user) -> bool:
    """Everyone signed in: the page shows only the rounds and departments that are the person's own."""
    return bool(getattr(user, "is_authenticated", False))


def can_respond_to_weakness(user, department) -> bool:
    """A department's public responses are written by its heads, in the department's name."""
    return is_head_of(user, department)
