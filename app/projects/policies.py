"""Who may see, start, move, edit and check in on which project (also given to templates)."""
from app.org.policies import can_act_for
from app.reports.policies import can_view_company, can_view_scorecard
from app.web.policies import has_any_role, has_role


def can_view_projects(user) -> bool:
    """The portfolio and every project page are read-only for everyone signed in: projects are shared
    work across departments. They store no rating figure: a page shows the source's figures only to
    readers who may see that department's results (can_see_source_figures)."""
    return bool(getattr(user, "is_authenticated", False))


def can_start_project(user) -> bool:
    """Heads (for a department they lead) and facilitators (for any department) start projects."""
    return has_any_role(user, "head", "facilitator")


def can_manage_project(user, project) -> bool:
    """Edit it and move it through its lifecycle: the lead, the owner department's heads, facilitators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return project.lead_id == user.id or can_act_for(user, project.owner_department)


def can_check_in(user, project) -> bool:
    """Check-ins also come from the project's members."""
    return can_manage_project(user, project) or (
        getattr(user, "is_authenticated", False) and user.id in project.member_ids)
    # (by id: Flask-Login's UserMixin compares users by their session token, not their identity)


def can_tick_task(user, task) -> bool:
    """Tick a task done or undo it: whoever manages the project, and the task's owner."""
    return can_manage_project(user, task.project) or (
        getattr(user, "is_authenticated", False) and task.owner_id == user.id)


def can_see_source_figures(user, project) -> bool:
    """The figures of the department a project started from (where it started, its score across rounds)
    follow the results' own rule: its heads and the facilitators. Running the project opens nothing more:
    its lead may be anyone."""
    return project.source_department is not None and can_view_scorecard(user, project.source_department)


def can_see_comparison(user) -> bool:
    """The source dimension in the project's departments against the others: it pools figures of many
    departments, so it follows the company view's rule (heads and facilitators)."""
    return can_view_company(user)


def can_edit_root_causes(user) -> bool:
    return has_role(user, "admin")
