"""Who may read which published results: facilitators everything, heads the company and their own."""
from app.org.policies import is_head_of
from app.web.policies import has_any_role, has_role


def can_view_company(user) -> bool:
    """Any results at all — the list of published rounds, the company view, the service matrix: heads and
    facilitators (employees, and admins who are neither, do not)."""
    return has_any_role(user, "facilitator", "head")


def viewable_scorecards(user, department_ids) -> frozenset[int]:
    """Which of these departments' scorecards the person may open, asked once for a whole list:
    facilitators any, heads their own departments'."""
    if has_role(user, "facilitator"):
        return frozenset(department_ids)
    if not has_role(user, "head"):
        return frozenset()
    return frozenset(department_ids) & user.head_of


def can_view_scorecard(user, department) -> bool:
    return department.id in viewable_scorecards(user, [department.id])


def can_read_comments(user, department) -> bool:
    """Released comments are for the department's heads and the facilitators."""
    return has_role(user, "facilitator") or is_head_of(user, department)
