"""Who may hold API tokens, manage a token, and write readings of a metric through the API."""
from app.metrics import policies as metric_policies


def may_hold_tokens(user) -> bool:
    """Those who may read the metrics (heads, facilitators, admins); plain employees do not."""
    return metric_policies.can_view_metrics(user)


def can_manage_token(user, token) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and token.user_id == user.id


def can_write_readings(user, metric) -> bool:
    """The same rule as the reading form: facilitators and admins any metric, a head their department's."""
    return metric_policies.can_add_readings(user, metric)
