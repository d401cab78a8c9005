"""Coarse access checks as decorators; object-level checks live in each feature's policies.py."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.web.policies import has_any_role


def roles_required(*roles: str):
    """Signed in and holding at least one of the roles (employee, head, facilitator, admin)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not has_any_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required("admin")
