"""The home page: what each role has to do."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from app.auth.services import any_user_exists
from app.web.htmx import render

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login" if any_user_exists() else "auth.setup"))
    return render("web/home.html")


@bp.get("/healthz")
def health():
    return {"status": "ok"}
