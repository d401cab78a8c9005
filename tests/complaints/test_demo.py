"""The demo's complaints: Customer Support's, mapped so that Finance, two steps upstream on the chain of NPS,
sees billing questions on accessibility among the complaints its service feeds; loading again adds none."""
import sqlalchemy as sa

from app.complaints.models import Complaint
from app.complaints.services import complaints_fed
from app.demo import load_complaints, load_demo
from app.extensions import db
from app.org.models import Department
from app.ratings.models import Round
from tests.factories import count


def test_finance_sees_the_complaints_its_service_feeds_in_the_demo(app):
    load_demo()
    db.session.commit()
    before = count(Complaint)
    assert before > 0 and load_complaints() == 0 and count(Complaint) == before
    round_ = db.session.scalar(sa.select(Round).where(Round.name == "Spring 2026"))
    finance = db.session.scalar(sa.select(Department).where(Department.code == "FIN"))
    fed = complaints_fed(finance, start=round_.opens_on, end=round_.closes_on)
    billing = next(f for f in fed if f.category.name == "Billing questions go unanswered")
    assert billing.received_by.code == "SUP" and billing.distance == 2 and billing.count > 0
    assert billing.category.dimension.key == "accessibility"
