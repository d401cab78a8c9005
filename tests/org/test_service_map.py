"""The service map: which department serves which, switched cell by cell by an admin."""
import pytest
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.extensions import db
from app.org.models import ServiceLink
from app.org.services import OrgError, service_links, set_service_link
from tests.factories import PASSWORD, audited, count

HTMX = {"HX-Request": "true"}


def audit_actions() -> list[str]:
    return list(db.session.scalars(audited(AuditEntry.action).order_by(AuditEntry.id)))


def cell(provider, client, state):
    return {"provider": provider.id, "client": client.id, "state": state}


# Services ----------------------------------------------------------------------------------------

def test_switching_a_link_on_and_off(org):
    finance, sales = org["finance"], org["sales"]
    assert set_service_link(org["admin"], sales, finance, True) is True
    db.session.commit()
    assert service_links() == {(finance.id, sales.id), (sales.id, finance.id)}
    assert set_service_link(org["admin"], sales, finance, False) is False
    db.session.commit()
    assert service_links() == {(finance.id, sales.id)}
    assert audit_actions() == ["service_map.add", "service_map.remove"]


def test_switching_on_twice_leaves_one_link_and_one_entry(org):
    finance, sales = org["finance"], org["sales"]
    set_service_link(org["admin"], finance, sales, True)  # the org fixture has it already
    set_service_link(org["admin"], finance, sales, True)
    db.session.commit()
    assert count(ServiceLink) == 1
    assert audit_actions() == []


def test_switching_off_a_link_that_is_not_there_changes_nothing(org):
    set_service_link(org["admin"], org["sales"], org["finance"], False)
    db.session.commit()
    assert service_links() == {(org["finance"].id, org["sales"].id)}
    assert audit_actions() == []


def test_a_department_cannot_serve_itself(org):
    with pytest.raises(OrgError, match="does not rate itself"):
        set_service_link(org["admin"], org["sales"], org["sales"], True)
    db.session.rollback()
    assert count(ServiceLink) == 1


# Pages -------------------------------------------------------------------------------------------

def test_a_plain_post_switches_the_cell_and_comes_back_to_it(admin, org):
    finance, sales = org["finance"], org["sales"]
    response = admin.post("/org/service-map", data=cell(sales, finance, "on"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/org/service-map#cell-{sales.id}-{finance.id}")
    assert (sales.id, finance.id) in service_links()
    page = BeautifulSoup(admin.get("/org/service-map").get_data(as_text=True), "html.parser")
    assert page.select_one(f"#cell-{sales.id}-{finance.id} button")["aria-pressed"] == "true"


def test_a_plain_post_switches_a_cell_off(admin, org):
    finance, sales = org["finance"], org["sales"]
    response = admin.post("/org/service-map", data=cell(finance, sales, "off"))
    assert response.status_code == 303
    assert service_links() == set()
    assert audit_actions() == ["service_map.remove"]


def test_an_htmx_post_answers_with_just_the_new_cell(admin, org):
    finance, sales = org["finance"], org["sales"]
    response = admin.post("/org/service-map", data=cell(sales, finance, "on"), headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<td class="cell"')
    assert "<html" not in body and "<tr" not in body
    fragment = BeautifulSoup(body, "html.parser")
    assert fragment.td["id"] == f"cell-{sales.id}-{finance.id}"
    assert fragment.select_one("button.toggle")["aria-pressed"] == "true"
    assert fragment.select_one("input[name=state]")["value"] == "off"  # pressing again switches it off
    assert (sales.id, finance.id) in service_links()


def test_the_admin_sees_a_toggle_in_every_cell_but_the_diagonal(admin, org):
    page = BeautifulSoup(admin.get("/org/service-map").get_data(as_text=True), "html.parser")
    assert len(page.select("td.cell button.toggle")) == 2
    assert len(page.select("td.cell.self")) == 2
    pressed = page.select_one(f"#cell-{org['finance'].id}-{org['sales'].id} button")
    assert pressed["aria-pressed"] == "true"


def test_a_facilitator_sees_the_map_without_toggles_and_cannot_switch(client, org):
    assert client.sign_in("facilitator@example.com", PASSWORD).status_code == 303
    response = client.get("/org/service-map")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'class="toggle"' not in body and "<button type=\"submit\" class=\"toggle\"" not in body
    page = BeautifulSoup(body, "html.parser")
    assert page.select_one(f"#cell-{org['finance'].id}-{org['sales'].id}").get_text(strip=True) == "✓"
    response = client.post("/org/service-map", data=cell(org["sales"], org["finance"], "on"))
    assert response.status_code == 403
    assert service_links() == {(org["finance"].id, org["sales"].id)}
    assert audit_actions() == []


@pytest.mark.parametrize("which", ["provider", "client"])
def test_an_unknown_department_is_not_found(admin, org, which):
    data = cell(org["sales"], org["finance"], "on")
    data[which] = 999_999
    assert admin.post("/org/service-map", data=data).status_code == 404
    assert count(ServiceLink) == 1


@pytest.mark.parametrize("state", [None, "", "maybe"])
def test_a_missing_or_odd_state_is_a_bad_request(admin, org, state):
    data = cell(org["sales"], org["finance"], state)
    if state is None:
        del data["state"]
    assert admin.post("/org/service-map", data=data).status_code == 400
    assert count(ServiceLink) == 1


def test_a_link_to_itself_is_a_bad_request(admin, org):
    assert admin.post("/org/service-map", data=cell(org["sales"], org["sales"], "on")).status_code == 400
    assert count(ServiceLink) == 1


def test_a_post_without_the_csrf_token_is_refused(admin, org):
    response = admin.post("/org/service-map", data=cell(org["sales"], org["finance"], "on"), csrf=False)
    assert response.status_code == 400
    assert count(ServiceLink) == 1
