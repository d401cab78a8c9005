"""External complaints: the categories' mapping, the all-or-nothing, idempotent CSV import, and the
complaints each department feeds up the service chain, with distances."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.complaints import services
from app.complaints.models import Complaint, ComplaintCategory
from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.projects.models import RootCause
from tests.factories import count, in_parallel, link, make_department, make_user

FILE = ("date,category,department,id,text\n"
        "2026-11-03,Late invoice,SUP,,\n"
        "2026-11-03,Late invoice,SUP,,\n"  # a like complaint the same day: two complaints, not one
        "04.11.2026,late INVOICE,sup,CRM-7,Billed twice\n"
        "2026-11-05,Rude answer,SUP,,\n")


@pytest.fixture
def company(app):
    """Support faces the clients; Sales Ops serves Support; Finance serves Sales Ops and Support (directly:
    one step); Legal serves Finance. Marketing serves nobody on the way."""
    seed_default_dimensions()
    names = {"SUP": "Support", "OPS": "Sales Ops", "FIN": "Finance", "LEG": "Legal", "MKT": "Marketing"}
    d = {code: make_department(name, code) for code, name in names.items()}
    for provider, client in (("OPS", "SUP"), ("FIN", "OPS"), ("FIN", "SUP"), ("LEG", "FIN")):
        link(d[provider], d[client])
    admin = make_user(is_admin=True)
    facilitator = make_user(is_facilitator=True)
    dimensions = list(db.session.scalars(sa.select(Dimension).order_by(Dimension.position)))
    cause = db.session.scalars(sa.select(RootCause)).first()
    services.save_category(admin, None, "Late invoice", dimensions[0], cause)
    services.save_category(admin, None, "Rude answer", dimensions[1], None)
    db.session.commit()
    return {**d, "admin": admin, "facilitator": facilitator}


def imported(actor, text=FILE) -> int:
    added = services.import_complaints(actor, services.parse_complaints_csv(text))
    db.session.commit()
    return added


# Categories --------------------------------------------------------------------------------------

def test_only_admins_map_categories_and_names_are_unique_ignoring_case(company):
    with pytest.raises(services.ComplaintError):
        services.save_category(company["facilitator"], None, "Lost parcel", None, None)
    with pytest.raises(services.ComplaintError, match="already"):
        services.save_category(company["admin"], None, "LATE invoice", None, None)
    with pytest.raises(services.ComplaintError):
        services.save_category(company["admin"], None, "x" * 121, None, None)
    assert count(ComplaintCategory) == 2


# The import --------------------------------------------------------------------------------------

def test_a_file_is_imported_and_the_same_file_again_adds_nothing(company):
    assert imported(company["facilitator"]) == 4
    assert imported(company["facilitator"]) == 0
    assert count(Complaint) == 4
    billed = sa.select(Complaint.text).where(Complaint.import_key == "id:CRM-7")
    assert db.session.scalar(billed) == "Billed twice"


@pytest.mark.parametrize("line, problem", [
    ("2026-11-03,Lost parcel,SUP,,", "No complaint category"),
    ("2026-11-03,Late invoice,NOPE,,", "No department has the code"),
    ("2026-13-45,Late invoice,SUP,,", "is not a date"),
    ("2999-01-01,Late invoice,SUP,,", "future"),
    ("2026-11-03,Late invoice,SUP,," + "x" * 1001, "longer than 1000"),
    ("2026-11-03,Late invoice,SUP,CRM-7,", "same id is on line"),
])
def test_one_bad_line_refuses_the_whole_file_with_its_reason(company, line, problem):
    rows = services.parse_complaints_csv(FILE + line + "\n")
    bad = [row for row in rows if row.problems]
    assert len(bad) == 1 and bad[0].line == 6 and problem in " ".join(bad[0].problems)
    with pytest.raises(services.ComplaintError, match="nothing was imported"):
        services.import_complaints(company["facilitator"], rows)
    assert count(Complaint) == 0


def test_files_that_cannot_be_read_are_refused(company):
    with pytest.raises(services.ComplaintError, match="missing"):
        services.parse_complaints_csv("when,what\n2026-11-03,Late invoice\n")
    with pytest.raises(services.ComplaintError, match="no complaints"):
        services.parse_complaints_csv("date,category,department\n")
    with pytest.raises(services.ComplaintError, match="more than"):
        services.parse_complaints_csv("date,category,department\n" + "2026-11-03,Late invoice,SUP\n" * 50_001)


def test_employees_and_heads_may_not_import(company):
    rows = services.parse_complaints_csv(FILE)
    for person in (make_user(department=company["SUP"]), make_user(head_of=[company["SUP"]])):
        with pytest.raises(services.ComplaintError):
            services.import_complaints(person, rows)
    assert count(Complaint) == 0


def test_two_imports_of_one_file_at_once_keep_one_copy(app, company):
    facilitator_id = company["facilitator"].id
    db.session.commit()

    def work(_i):
        return imported(db.session.get(User, facilitator_id))

    outcomes = in_parallel(app, 2, work)
    assert sorted(outcomes) == [0, 4]
    assert count(Complaint) == 4


# Up the chain ------------------------------------------------------------------------------------

def test_complaints_feed_the_receiver_and_each_provider_at_its_shortest_distance(company):
    imported(company["facilitator"])
    november = (date(2026, 11, 1), date(2026, 11, 30))

    def fed(code):
        return [(f.received_by.code, f.distance, f.category.name, f.count)
                for f in services.complaints_fed(company[code], start=november[0], end=november[1])]

    assert fed("SUP") == [("SUP", 0, "Late invoice", 3), ("SUP", 0, "Rude answer", 1)]
    assert fed("OPS") == [("SUP", 1, "Late invoice", 3), ("SUP", 1, "Rude answer", 1)]
    assert fed("FIN") == [("SUP", 1, "Late invoice", 3), ("SUP", 1, "Rude answer", 1)]  # direct beats via Ops
    assert fed("LEG") == [("SUP", 2, "Late invoice", 3), ("SUP", 2, "Rude answer", 1)]
    assert fed("MKT") == []
    assert services.complaints_fed(company["FIN"], start=date(2026, 10, 1), end=date(2026, 10, 31)) == []


def test_complaints_stand_for_many_more_unhappy_clients(company):
    imported(company["facilitator"])
    late = services.complaints_fed(company["FIN"], start=date(2026, 11, 1), end=date(2026, 11, 30))[0]
    assert late.count == 3 and late.unhappy_clients == (43, 100)  # 3/0.07 to 3/0.03
