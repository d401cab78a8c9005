"""Departments: the rules in the services, and the admin's pages."""
import html

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.extensions import db
from app.org.models import Department, ServiceLink
from app.org.services import OrgError, delete_department, save_department
from tests.factories import PASSWORD, audited, count, link, make_department, make_user, page_text


def actions() -> list[str]:
    return list(db.session.scalars(audited(AuditEntry.action).order_by(AuditEntry.id)))


def form(name, code, parent=None, heads=()):
    return {"name": name, "code": code, "parent_id": parent.id if parent else 0,
            "head_ids": [h.id for h in heads]}


# Services ----------------------------------------------------------------------------------------

def test_create_trims_the_name_upper_cases_the_code_and_sets_heads(org):
    legal = save_department(org["admin"], None, "  Legal ", "leg", org["finance"], [org["employee"]])
    db.session.commit()
    assert (legal.name, legal.code, legal.parent) == ("Legal", "LEG", org["finance"])
    assert legal.heads == [org["employee"]]
    assert legal in org["employee"].headed_departments


NAME_TAKEN = ("There is already a department called {}: names that differ only in capital letters count as "
              "the same.")
CODE_TAKEN = "Another department already has the code FIN."


@pytest.mark.parametrize("name,code,message", [
    ("finance", "NEW", NAME_TAKEN.format("Finance")), (" FINANCE ", "NEW", NAME_TAKEN.format("Finance")),
    ("Treasury", "fin", CODE_TAKEN)])
def test_a_second_department_with_the_same_name_or_code_is_refused(org, name, code, message):
    before = count(Department)
    with pytest.raises(OrgError) as refused:
        save_department(org["admin"], None, name, code, None, [])
    db.session.rollback()
    assert str(refused.value) == message
    assert count(Department) == before


@pytest.mark.parametrize("first,second", [("Бухгалтерия", "БУХГАЛТЕРИЯ"), ("Финансы", "фИНАНСЫ"),
                                          ("Straße", "STRASSE"), ("Ελλάς", "ΕΛΛΆΣ")])
def test_a_name_in_another_case_is_refused_beyond_ascii(org, first, second):
    """Unicode case folding, as neither SQLite's lower() nor every database collation folds."""
    save_department(org["admin"], None, first, "BUH", None, [])
    db.session.commit()
    with pytest.raises(OrgError, match=f"There is already a department called {first}:"):
        save_department(org["admin"], None, second, "BUH2", None, [])
    db.session.rollback()
    assert count(Department) == 3


def test_the_database_itself_refuses_a_name_in_another_case(org):
    """Whatever path writes a department (not only the service's check), its name key comes with its
    name, and the database holds it unique."""
    renamed = make_department("Legal", "LEG")
    renamed.name = "Contracts"
    db.session.flush()
    assert renamed.name_key == "contracts"
    db.session.add(Department(name="FINANCE", code="FIN2"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert count(Department) == 2


def test_a_department_may_change_the_case_of_its_own_name(org):
    save_department(org["admin"], org["finance"], "FINANCE", "FIN", None, [])
    db.session.commit()
    assert (org["finance"].name, org["finance"].name_key) == ("FINANCE", "finance")


def test_saving_a_department_under_its_own_name_and_code_is_fine(org):
    save_department(org["admin"], org["finance"], "Finance", "FIN", None, [org["head"]])
    db.session.commit()
    assert org["finance"].name == "Finance"


def test_a_department_cannot_be_its_own_parent(org):
    with pytest.raises(OrgError, match="part of itself"):
        save_department(org["admin"], org["finance"], "Finance", "FIN", org["finance"], [])


@pytest.mark.parametrize("depth", [1, 2])
def test_a_department_cannot_be_put_under_its_own_descendant(org, depth):
    finance = org["finance"]
    below = finance
    for _ in range(depth):
        below = make_department(parent=below)
    db.session.commit()
    with pytest.raises(OrgError, match="own sub-department"):
        save_department(org["admin"], finance, "Finance", "FIN", below, [])
    db.session.rollback()
    assert finance.parent is None


def test_a_department_with_people_or_sub_departments_cannot_be_deleted(org):
    with pytest.raises(OrgError, match="Move its people"):
        delete_department(org["admin"], org["finance"])
    db.session.rollback()
    empty = make_department()
    make_department(parent=empty)
    db.session.commit()
    with pytest.raises(OrgError, match="sub-departments"):
        delete_department(org["admin"], empty)


# Pages -------------------------------------------------------------------------------------------

def test_admin_creates_a_department_with_heads_from_the_form(admin, org):
    response = admin.post("/org/departments/new",
                          data=form("Legal", "leg", org["finance"], [org["employee"], org["head"]]))
    assert response.status_code == 303
    legal = db.session.scalar(sa.select(Department).where(Department.code == "LEG"))
    assert response.headers["Location"].endswith(f"/org/departments/{legal.id}")
    assert legal.parent == org["finance"]
    assert {h.email for h in legal.heads} == {"employee@example.com", "head.finance@example.com"}
    page = page_text(admin.get(f"/org/departments/{legal.id}"))
    assert "Department Legal saved." in page
    facts = BeautifulSoup(page, "html.parser").select_one("dl.facts").get_text(" ")
    assert "Erin Employee" in facts and "Hana Head" in facts and "Finance" in facts


def test_a_head_chosen_on_the_form_reaches_that_department_only(admin, app, org):
    admin.post("/org/departments/new", data=form("Legal", "LEG", heads=[org["employee"]]))
    legal = db.session.scalar(sa.select(Department).where(Department.code == "LEG"))
    erin = app.test_client()
    assert erin.sign_in("employee@example.com", PASSWORD).status_code == 303
    assert erin.get(f"/org/departments/{legal.id}").status_code == 200
    assert erin.get(f"/org/departments/{org['finance'].id}").status_code == 403
    assert erin.get(f"/org/departments/{org['sales'].id}").status_code == 403


def test_removing_a_head_on_the_form_takes_their_access_away(admin, app, org):
    hana = app.test_client()
    assert hana.sign_in("head.finance@example.com", PASSWORD).status_code == 303
    assert hana.get(f"/org/departments/{org['finance'].id}").status_code == 200
    response = admin.post(f"/org/departments/{org['finance'].id}/edit", data=form("Finance", "FIN"))
    assert response.status_code == 303
    assert org["finance"].heads == []
    assert hana.get(f"/org/departments/{org['finance'].id}").status_code == 403


@pytest.mark.parametrize("name,code,message", [("FINANCE", "NEW", NAME_TAKEN.format("Finance")),
                                               ("Treasury", "fin", CODE_TAKEN)])
def test_a_duplicate_name_or_code_on_the_form_gets_a_message_and_creates_nothing(admin, org, name, code,
                                                                                message):
    before = count(Department)
    response = admin.post("/org/departments/new", data=form(name, code))
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(Department) == before
    assert "department.create" not in actions()


def test_a_bad_code_on_the_form_gets_a_message(admin, org):
    before = count(Department)
    response = admin.post("/org/departments/new", data=form("Legal", "no spaces!"))
    assert response.status_code == 200
    assert "Use 1 to 12 letters, digits, dashes or underscores." in page_text(response)
    assert count(Department) == before


def test_moving_a_department_under_its_child_on_the_form_is_refused(admin, org):
    child = make_department("Payroll", "PAY", parent=org["finance"])
    db.session.commit()
    response = admin.post(f"/org/departments/{org['finance'].id}/edit",
                          data=form("Finance", "FIN", parent=child))
    assert response.status_code == 200
    assert "A department cannot be part of itself or of its own sub-department." in page_text(response)
    assert org["finance"].parent is None
    assert child.parent == org["finance"]


def test_a_department_is_not_offered_as_its_own_parent(admin, org):
    page = admin.get(f"/org/departments/{org['finance'].id}/edit").get_data(as_text=True)
    options = BeautifulSoup(page, "html.parser").select("select[name=parent_id] option")
    assert "Sales" in [o.get_text() for o in options]
    assert "Finance" not in [o.get_text() for o in options]
    response = admin.post(f"/org/departments/{org['finance'].id}/edit",
                          data=form("Finance", "FIN", parent=org["finance"]))
    assert response.status_code == 200
    assert org["finance"].parent is None


def test_deleting_a_department_with_people_is_refused_with_a_message(admin, org):
    finance_id = org["finance"].id
    response = admin.post(f"/org/departments/{finance_id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/org/departments/{finance_id}")
    page = page_text(admin.get(f"/org/departments/{finance_id}"))
    assert "Move its people and sub-departments elsewhere first." in page
    assert db.session.get(Department, finance_id) is not None
    assert "department.delete" not in actions()


def test_deleting_an_empty_department_removes_it_with_its_links_and_heads(admin, org):
    empty = make_department("Legal", "LEG")
    org["head"].headed_departments.append(empty)
    link(empty, org["sales"])
    link(org["finance"], empty)
    db.session.commit()
    empty_id = empty.id
    response = admin.post(f"/org/departments/{empty_id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/org/departments")
    assert "Department deleted." in page_text(admin.get("/org/departments"))
    assert db.session.get(Department, empty_id) is None
    assert [d.code for d in org["head"].headed_departments] == ["FIN"]
    assert count(ServiceLink) == 1
    # the departments it was linked with still show their pages
    assert admin.get(f"/org/departments/{org['finance'].id}").status_code == 200
    assert admin.get(f"/org/departments/{org['sales'].id}").status_code == 200
    assert admin.get("/org/service-map").status_code == 200


def test_create_update_and_delete_are_in_the_audit_log(admin, org):
    admin.post("/org/departments/new", data=form("Legal", "LEG", heads=[org["employee"]]))
    legal = db.session.scalar(sa.select(Department).where(Department.code == "LEG"))
    legal_id = legal.id
    admin.post(f"/org/departments/{legal_id}/edit", data=form("Legal Affairs", "LEG"))
    admin.post(f"/org/departments/{legal_id}/delete")
    entries = db.session.scalars(audited().order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["department.create", "department.update", "department.delete"]
    assert {e.actor_name for e in entries} == {"Ada Admin"}
    assert entries[0].target == "Legal (LEG)" and "employee@example.com" in entries[0].details
    assert entries[1].target == "Legal Affairs (LEG)"


def test_departments_list_shows_heads_and_head_counts(admin, org):
    make_user(department=org["finance"])
    db.session.commit()
    page = admin.get("/org/departments").get_data(as_text=True)
    rows = {r.select("td")[1].get_text(): [td.get_text() for td in r.select("td")]
            for r in BeautifulSoup(page, "html.parser").select("tbody tr")}
    assert rows["FIN"][3] == "Hana Head" and rows["FIN"][4] == "3"
    assert rows["SAL"][3] == "Sam Head" and rows["SAL"][4] == "2"


def test_a_department_name_with_markup_is_shown_as_text(admin, org):
    name = 'Evil <b id="x">"Dept"</b>'
    assert admin.post("/org/departments/new", data=form(name, "EVIL")).status_code == 303
    evil = db.session.scalar(sa.select(Department).where(Department.code == "EVIL"))
    for path in ("/org/departments", f"/org/departments/{evil.id}", "/org/service-map",
                 f"/org/people/{org['employee'].id}/edit"):
        page = admin.get(path).get_data(as_text=True)
        assert '<b id="x">' not in page, path
        assert name in html.unescape(page), path


def test_a_head_sees_their_department_without_the_admin_buttons(app, org):
    hana = app.test_client()
    assert hana.sign_in("head.finance@example.com", PASSWORD).status_code == 303
    page = BeautifulSoup(hana.get(f"/org/departments/{org['finance'].id}").get_data(as_text=True),
                         "html.parser")
    assert page.h1.get_text(" ", strip=True) == "Finance FIN"
    assert page.select(".page-head .toolbar") == []
    assert [li.get_text() for li in page.select("section.card")[0].select("li")] == ["Sales"]
    assert hana.post(f"/org/departments/{org['finance'].id}/delete").status_code == 403
    assert db.session.get(Department, org["finance"].id) is not None
