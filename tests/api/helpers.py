"""Shared bits of the API tests: a metric, a token, and the bearer header."""
from app.api.services import create_token
from app.extensions import db
from app.metrics.models import Metric


def make_metric(name="NPS", owner=None, direction="higher", unit="points") -> Metric:
    metric = Metric(name=name, description="", unit=unit, direction=direction,
                    owner_department_id=owner.id if owner else None)
    db.session.add(metric)
    db.session.flush()
    return metric


def token_for(user, scope="read", name="CRM") -> str:
    _token, value = create_token(user, name, scope)
    db.session.commit()
    return value


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}
