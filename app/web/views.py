"""The home page: what each role has to do."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from app.auth.services import any_user_exists
from app.projects import services as projects
from app.ratings import services
from app.web.htmx import render

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login" if any_user_exists() else "auth.setup"))
    rounds = [(round_, services.targets_for(current_user, round_))
              for round_ in services.open_rounds_for(current_user)]
    return render("web/home.html", open_rounds=[
        (round_, sum(t.done for t in targets if t.listed), sum(t.listed for t in targets))
        for round_, targets in rounds
    ], department_projects={d.id: projects.projects_for_department(d)
                            for d in current_user.headed_departments},
        status_label=projects.status_label)


@bp.get("/healthz")
def health():
    return {"status": "ok"}
