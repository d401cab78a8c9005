"""The audit log: admin actions leave entries with who did them; the page lists them newest first."""
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.audit.services import record
from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from tests.factories import PASSWORD, audited


def entries() -> list[AuditEntry]:
    return list(db.session.scalars(audited().order_by(AuditEntry.id)))


def shown(response) -> list[list[str]]:
    """The rows of the audit table: [when, who, action, on what, details], but the admin's own sign-in."""
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [[td.get_text() for td in row.select("td")] for row in page.select("table.data tbody tr")
            if row.select("td")[2].get_text() != "Signed in"]


def pager(response) -> list[str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [a.get_text() for a in page.select("nav.pager a")]


def test_admin_actions_leave_entries_with_the_admins_name(admin, org):
    seed_default_dimensions()
    db.session.commit()
    admin.post("/org/departments/new", data={"name": "Legal", "code": "LEG", "parent_id": 0})
    admin.post(f"/org/people/{org['employee'].id}/active", data={"active": "0", "confirmed": "1"})
    admin.post("/org/service-map", data={"provider": org["sales"].id, "client": org["finance"].id,
                                         "state": "on"})
    courtesy = db.session.scalar(sa.select(Dimension).where(Dimension.key == "courtesy"))
    admin.post(f"/dimensions/{courtesy.id}/retire")

    got = [(e.action, e.target, e.actor_name, e.actor_id) for e in entries()]
    ada = org["admin"].id
    assert got == [
        ("department.create", "Legal (LEG)", "Ada Admin", ada),
        ("person.deactivate", "Erin Employee <employee@example.com>", "Ada Admin", ada),
        ("service_map.add", "SAL → FIN", "Ada Admin", ada),
        ("dimension.retire", "Courtesy", "Ada Admin", ada),
    ]
    rows = shown(admin.get("/audit"))
    assert [r[2] for r in rows] == ["Dimension retired", "Service link added", "Person deactivated",
                                    "Department added"]
    assert {r[1] for r in rows} == {"Ada Admin"}


def test_refused_actions_leave_no_entry(admin, org):
    admin.post(f"/org/departments/{org['finance'].id}/delete")  # it has people
    admin.post(f"/org/people/{org['admin'].id}/active", data={"active": "0", "confirmed": "1"})  # oneself
    admin.post("/org/departments/new", data={"name": "finance", "code": "NEW", "parent_id": 0})
    assert entries() == []
    assert shown(admin.get("/audit")) == []  # the admin's own sign-in only


def test_the_entry_keeps_the_name_after_the_actor_is_gone(admin, org):
    erin = org["employee"]
    record(erin, "person.update", "someone")
    db.session.commit()
    db.session.delete(erin)
    db.session.commit()
    [entry] = entries()
    assert (entry.actor_id, entry.actor_name) == (None, "Erin Employee")
    assert shown(admin.get("/audit"))[0][1] == "Erin Employee"


def test_the_log_is_newest_first(admin, org):
    for n in range(3):
        record(org["admin"], "person.update", f"target {n}")
    db.session.commit()
    assert [r[3] for r in shown(admin.get("/audit"))] == ["target 2", "target 1", "target 0"]


def test_filter_by_action(admin, org):
    record(org["admin"], "person.create", "a")
    record(org["admin"], "department.create", "b")
    record(org["admin"], "person.deactivate", "c")
    db.session.commit()
    response = admin.get("/audit?action=person.deactivate")
    assert [r[2] for r in shown(response)] == ["Person deactivated"]
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("#audit-action option[selected]")["value"] == "person.deactivate"
    assert [o["value"] for o in page.select("#audit-action option")] == \
        ["", "department.create", "person.create", "person.deactivate", "sign_in.success"]
    assert [r[3] for r in shown(admin.get("/audit?action=person"))] == ["c", "a"]
    assert shown(admin.get("/audit?action=dimension.retire")) == []


def test_paging_after_fifty_entries(admin, org):
    for n in range(1, 61):
        record(org["admin"], "person.update", f"entry {n}")
    db.session.commit()
    first = admin.get("/audit")
    rows = shown(first)
    assert len(rows) == 50
    assert (rows[0][3], rows[-1][3]) == ("entry 60", "entry 11")
    assert pager(first) == ["Older"]
    second = admin.get("/audit?page=2")
    assert [r[3] for r in shown(second)] == [f"entry {n}" for n in range(10, 0, -1)]
    assert pager(second) == ["Newer"]
    newer = BeautifulSoup(second.get_data(as_text=True), "html.parser").select_one("nav.pager a")["href"]
    assert shown(admin.get(newer)) == rows


def test_paging_keeps_the_action_filter(admin, org):
    for n in range(55):
        record(org["admin"], "person.update", f"update {n}")
    record(org["admin"], "department.create", "other")
    db.session.commit()
    response = admin.get("/audit?action=person.update")
    older = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("nav.pager a")["href"]
    assert "action=person.update" in older
    assert {r[2] for r in shown(admin.get(older))} == {"Person edited"}
    assert len(shown(admin.get(older))) == 5


@pytest.mark.parametrize("page", ["0", "-3", "abc"])
def test_odd_page_numbers_show_the_first_page(admin, org, page):
    record(org["admin"], "person.update", "only")
    db.session.commit()
    response = admin.get(f"/audit?page={page}")
    assert response.status_code == 200
    assert [r[3] for r in shown(response)] == ["only"]


def test_only_admins_read_the_log(client, org):
    assert client.sign_in("facilitator@example.com", PASSWORD).status_code == 303
    assert client.get("/audit").status_code == 403
