"""Who may see a metric's service chain: it shows every department's published means, as the company view
does, so the readers of the company view (heads and facilitators)."""
from app.reports.policies import can_view_company


def can_view_chain(user) -> bool:
    return can_view_company(user)
