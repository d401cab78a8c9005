"""The access check of a whole page as a decorator; checks of one object live in each policies.py."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def requires(predicate):
    """Signed in, and `predicate(current_user)` holds, or 403: the same predicate the templates ask before
    they show the link or button (they are Jinja globals), so a hidden button and a refused request agree."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
