"""Pages of complaints through the Flask client: mapping categories, importing a file (preview, confirm,
the same file again), refusals, and 'complaints your service feeds' on a provider's scorecard."""
import io

import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.complaints.models import Complaint, ComplaintCategory
from app.dimensions.models import Dimension
from app.extensions import db
from tests.complaints.test_services import company  # noqa: F401 (a fixture)
from tests.factories import PASSWORD, count, make_user, page_text
from tests.reports.test_results import Survey

MARCH = "date,category,department\n2026-03-03,Late invoice,SUP\n2026-03-04,Late invoice,SUP\n"


def as_(client, person):
    assert client.sign_in(person.email, PASSWORD).status_code == 303


def upload(client, text: str, filename="complaints.csv"):
    return client.post("/complaints/import", data={"file": (io.BytesIO(text.encode("utf-8")), filename)},
                       content_type="multipart/form-data")


def confirmed(client, preview):
    form = BeautifulSoup(preview.get_data(as_text=True), "html.parser").select_one(".toolbar form")
    assert form is not None, page_text(preview)
    fields = {field["name"]: field.get("value", "") for field in form.select("input")}
    return client.post("/complaints/import", data=fields)


def test_an_admin_maps_a_category_to_a_dimension(client, company):  # noqa: F811
    as_(client, company["admin"])
    dimension = db.session.scalars(sa.select(Dimension).order_by(Dimension.position)).first()
    response = client.post("/complaints/categories",
                           data={"name": "Lost parcel", "dimension_id": dimension.id, "root_cause_id": 0})
    assert response.status_code == 303
    lost = db.session.scalar(sa.select(ComplaintCategory).where(ComplaintCategory.name == "Lost parcel"))
    assert lost.dimension_id == dimension.id and lost.root_cause_id is None
    page = page_text(client.post("/complaints/categories", data={"name": "lost PARCEL", "dimension_id": 0,
                                                                  "root_cause_id": 0}))
    assert "already" in page and count(ComplaintCategory) == 3
    response = client.post(f"/complaints/categories/{lost.id}",
                           data={"name": "Parcel lost", "dimension_id": 0, "root_cause_id": 0})
    assert response.status_code == 303 and db.session.get(ComplaintCategory, lost.id).dimension_id is None


def test_only_facilitators_and_admins_import_and_only_admins_map(client, company):  # noqa: F811
    head = make_user(head_of=[company["FIN"]])
    db.session.commit()
    as_(client, head)
    assert client.get("/complaints/import").status_code == 403
    assert upload(client, MARCH).status_code == 403
    assert client.get("/complaints/categories").status_code == 403
    client.post("/logout")
    as_(client, company["facilitator"])
    assert client.get("/complaints/categories").status_code == 403
    assert client.get("/complaints/import").status_code == 200
    assert count(Complaint) == 0


def test_a_file_with_a_bad_line_shows_why_and_imports_nothing(client, company):  # noqa: F811
    as_(client, company["facilitator"])
    page = page_text(upload(client, MARCH + "2026-03-05,Lost parcel,SUP\n"))
    assert "No complaint category is called “Lost parcel”" in page and "Import the complaints" not in page
    assert "cannot be stored" in page_text(upload(client, "date,category,department\n2026-03-03,\x00,SUP\n"))
    assert count(Complaint) == 0


def test_the_same_file_imported_twice_keeps_one_copy(client, company):  # noqa: F811
    as_(client, company["facilitator"])
    first = confirmed(client, upload(client, MARCH))
    assert first.status_code == 303
    assert "2 new" in page_text(client.get(first.headers["Location"]))
    again = confirmed(client, upload(client, MARCH))
    assert "0 new" in page_text(client.get(again.headers["Location"]))
    assert count(Complaint) == 2


def test_a_complaint_file_moves_complaints_your_service_feeds_on_a_providers_scorecard(client, company):  # noqa: F811
    survey = Survey(company["facilitator"], [company[c] for c in ("SUP", "OPS", "FIN")], k=3)
    survey.rate(company["OPS"], company["FIN"], [4, 4, 4])
    round_ = survey.publish()
    db.session.commit()
    as_(client, company["facilitator"])
    scorecard = f"/results/{round_.id}/departments/{company['FIN'].id}"
    before = page_text(client.get(scorecard))
    assert "Complaints your service feeds" in before and "No external complaints" in before
    confirmed(client, upload(client, MARCH))
    after = page_text(client.get(scorecard))
    assert "2 external complaints received from 2026-03-01 to 2026-03-31 lead back" in after
    assert "roughly 29 to 67 unhappy clients" in after and "1 step upstream" in after
