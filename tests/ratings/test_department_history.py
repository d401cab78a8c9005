"""A department that took part in a round keeps its history: it cannot be deleted."""
from datetime import date

from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.org.models import Department
from app.ratings import services
from tests.factories import make_department, page_text


def test_department_with_a_round_cannot_be_deleted(admin, org):
    seed_default_dimensions()
    empty = make_department("Legal", "LEG")
    services.save_round(org["admin"], None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 5,
                        [org["finance"], empty])
    db.session.commit()
    response = admin.post(f"/org/departments/{empty.id}/delete", follow_redirects=True)
    assert "has history" in page_text(response)
    assert db.session.get(Department, empty.id) is not None
