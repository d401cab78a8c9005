"""The app's own floor: the app exactly as served, but the rating answer's view only redirects.

A post to it pays what the answer pays before its view does anything of its own: Flask, the signed cookie,
Flask-WTF's CSRF check, the session and its person read from the database (so that signing out ends a
session on every instance at once),
the security headers. Measured beside the real answer, it shows how much of the answer's figure is left to
the answer itself (docs/BENCHMARKS.md).
"""
from flask import redirect, url_for
from flask_login import current_user

from app import create_app

app = create_app()


def answer_nothing(round_id: int, target_key: str):
    if not current_user.is_authenticated:  # the replay counts a 401 as an error: its people must be signed in
        return "", 401
    return redirect(url_for("ratings.rate", round_id=round_id), code=303)


app.view_functions["ratings.rate_target"] = answer_nothing
