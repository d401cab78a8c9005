"""A service's change run from a view: committed, or rolled back with the reason flashed to the person."""
from flask import flash
from flask_login import current_user

from app.extensions import db


def committed(change, *args, refused: type[Exception]) -> bool:
    """Run `change(current_user, *args)` and commit; if it raises `refused`, roll back, flash why, False."""
    try:
        change(current_user, *args)
    except refused as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    db.session.commit()
    return True
