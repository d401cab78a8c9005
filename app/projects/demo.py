"""Demo projects in every state, tied to the demo's weak spots and metrics: one that clearly moved its
metric (first-contact resolution), one that did not (complaint rate), one still proposed, one cancelled."""
from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Metric
from app.org.models import Department
from app.projects import services
from app.projects.models import Project, RootCause
from app.reports.results import published_rounds

# title: owner, other departments, lead, (source department, dimension key) or None, root cause,
# metric names (the first found), target, target date, lag days, start date, check-ins, final move
PROJECTS = {
    "Resolve client requests at the first contact": (
        "SUP", ["IT", "PRD"], "head.support@example.com", ("SUP", "reliability"), "processes",
        ["First-contact resolution"], 72.0, date(2026, 9, 30), 14, date(2025, 9, 15),
        [(date(2025, 11, 3), "New hand-over checklist used by all first-line agents.", "on_track"),
         (date(2026, 2, 2), "Knowledge base rebuilt with IT; call-backs down.", "on_track")], "complete"),
    "Fewer complaints about late deliveries": (
        "LOG", ["SUP", "SAL"], "head.logistics@example.com", None, "products",
        ["Complaint rate"], 0.6, date(2027, 3, 31), 30, date(2025, 12, 1),
        [(date(2026, 3, 2), "Delivery windows published; no change in complaints yet.", "at_risk"),
         (date(2026, 9, 1), "Carrier contract unchanged; complaints flat.", "off_track")], None),
    "Make Finance easy to reach for Sales": (
        "FIN", ["SAL"], "head.finance@example.com", ("FIN", "accessibility"), "people",
        ["Net Promoter Score (NPS)", "Net Promoter Score"], None, None, None, None, [], None),
    "IT learns what its clients need": (
        "IT", ["SAL", "SUP"], "head.it@example.com", ("IT", "understanding"), "clients",
        ["Response time"], None, None, None, None, [], "cancel"),
}

# What people saw, in their own words: the figures a project started from are read on its page, for those
# who may see them, and never written into it.
EVIDENCE = {
    "Resolve client requests at the first contact":
        "Clients tell Support they are passed on to IT and called back before anyone solves their request.",
    "Make Finance easy to reach for Sales":
        "Sales people say Finance answers the phone only in the morning and mail waits for days.",
}


def _one(model, where):
    return db.session.scalar(sa.select(model).where(where))


def load_projects_demo() -> int:
    """Add the demo projects that are missing; returns how many were added. Needs the demo company;
    projects whose metric is missing (no metrics demo) are skipped. Idempotent: matched by title."""
    facilitator = _one(User, User.email == "facilitator@example.com")
    rounds = published_rounds()
    latest = rounds[-1] if rounds else None
    added = 0
    for title, (owner, others, lead_email, source, cause, metric_names, target, target_date, lag, start,
                check_ins, final) in PROJECTS.items():
        if _one(Project, Project.title == title) is not None:
            continue
        owner_department = _one(Department, Department.code == owner)
        metric = next((m for name in metric_names if (m := _one(Metric, Metric.name == name))), None)
        if owner_department is None or metric is None:
            continue
        lead = _one(User, User.email == lead_email)
        actor = lead or facilitator
        spot = None
        if source is not None and latest is not None:
            department = _one(Department, Department.code == source[0])
            dimension = _one(Dimension, Dimension.key == source[1])
            if department in latest.departments and dimension is not None:
                spot = services.weak_spot(latest, department, dimension)
        project = services.save_project(actor, None, services.ProjectData(
            title=title, owner_department=owner_department,
            departments=[d for code in others if (d := _one(Department, Department.code == code))],
            problem="", evidence=EVIDENCE.get(title, ""), lead=lead,
            members=[m for m in owner_department.members[:2]],
            root_cause=_one(RootCause, RootCause.key == cause), metric=metric, target_value=target,
            target_date=target_date, expected_lag_days=lag, source=spot))
        if start is not None:
            try:
                services.move(actor, project, "start", on=start)
            except services.ProjectError:
                continue  # the metric has no readings that far back: leave it proposed
        for on, done, status in check_ins:
            services.add_check_in(actor, project, on, done, status)
        if final is not None:
            services.move(actor, project, final)
        added += 1
    db.session.flush()
    return added
