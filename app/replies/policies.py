"""Who may reply to released comments (also given to templates); reading a reply needs only its code."""
from app.org.policies import is_head_of


def can_reply_to_comments(user, department) -> bool:
    """The rated department's heads reply, in its name; facilitators read the comments but do not reply."""
    return is_head_of(user, department)
