"""Who may correct themes (also given to templates)."""
from app.reports.policies import can_read_comments
from app.web.policies import has_role


def can_manage_themes(user) -> bool:
    """The keywords of the themes are an admin's to correct."""
    return has_role(user, "admin")


def can_correct_comment_themes(user, department) -> bool:
    """A single comment's theme: an admin who may also read the department's comments (a facilitator, or
    its head): being an admin alone opens no comment."""
    return can_manage_themes(user) and can_read_comments(user, department)
