"""The home page: what each role has to do now."""
import sqlalchemy as sa
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from app.auth.services import any_user_exists
from app.extensions import db
from app.home.first_run import checklist
from app.metrics.models import Metric
from app.projects import services as projects
from app.ratings import services
from app.reports import results
from app.reports.gate import results_of
from app.web.htmx import render
from app.web.policies import has_role

bp = Blueprint("home", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login" if any_user_exists() else "auth.setup"))
    rounds = [(round_, services.targets_for(current_user, round_))
              for round_ in services.open_rounds_for(current_user)]
    return render("home/home.html", open_rounds=[
        (round_, sum(t.done for t in targets if t.listed), sum(t.listed for t in targets))
        for round_, targets in rounds
    ], heads=[_department_summary(d) for d in current_user.headed_departments],
        running=[(round_, *(services.finished_and_members(round_) if round_.state == "open" else (0, 0)))
                 for round_ in services.running_rounds()] if has_role(current_user, "facilitator") else [],
        status_label=projects.status_label, first_run=checklist(current_user))


def _department_summary(department) -> dict:
    """What a head sees first: the weak spots of the latest published round, projects and metrics."""
    rounds = results.published_rounds(newest_first=True)
    read = results_of(rounds)
    taken = [r for r in rounds if read[r.id].took_part(department.id)]
    card = results.scorecard(taken[0], department, with_comments=False) if taken else None
    return {
        "department": department,
        "scorecard": card,
        "projects": projects.projects_for_department(department),
        "metrics": list(db.session.scalars(
            sa.select(Metric).where(Metric.owner_department_id == department.id).order_by(Metric.name))),
    }
