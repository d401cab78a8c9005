"""Who may run, take part in and see which workshop (also given to templates)."""
from app.web.policies import has_role


def can_create_workshop(user) -> bool:
    return has_role(user, "facilitator")


def can_run(user, workshop) -> bool:
    """Set it up, move its phases, merge cards, turn cards into projects: facilitators."""
    return has_role(user, "facilitator")


def can_take_part(user, workshop) -> bool:
    """Add cards: its participants, and the facilitators running it."""
    # by id: Flask-Login's UserMixin would compare users by their session token
    return can_run(user, workshop) or (getattr(user, "is_authenticated", False)
                                       and any(p.user_id == user.id for p in workshop.participants))


def can_view(user, workshop) -> bool:
    """The board and the minutes: participants and facilitators."""
    return can_take_part(user, workshop)
