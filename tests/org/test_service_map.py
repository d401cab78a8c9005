"""The service map: which department serves which, switched cell by cell by an admin."""
import pytest
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.extensions import db
from app.org.models import Department, ServiceLink
from app.org.services import OrgError, service_links, set_service_link
from tests.factories import PASSWORD, audited, count, link, make_department

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
    marked = page.select_one(f"#cell-{org['finance'].id}-{org['sales'].id}")
    assert marked.select_one("[aria-hidden=true]").get_text() == "✓"
    assert marked.select_one(".visually-hidden").get_text() == "Finance serves Sales: yes"
    unmarked = page.select_one(f"#cell-{org['sales'].id}-{org['finance'].id}")
    assert unmarked.get_text(strip=True) == "Sales serves Finance: no"
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


# A large map: filtered, in pages, one department at a time ---------------------------------------

def company(size: int, providers: int = 10) -> list[Department]:
    """`size` departments named "Department 000"…, each served by the next `providers` of them."""
    departments = [make_department(f"Department {i:03d}", f"D{i:03d}") for i in range(size)]
    db.session.add_all(ServiceLink(provider_id=departments[(i + k) % size].id, client_id=d.id)
                       for i, d in enumerate(departments) for k in range(1, min(providers, size - 1) + 1))
    db.session.commit()
    return departments


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_at_200_departments_the_map_is_a_list_in_pages_of_a_few_kilobytes(admin, org):
    company(198)  # and Finance and Sales: 200
    response = admin.get("/org/service-map")
    assert len(response.get_data()) < 40_000  # the whole grid was 27 MB
    page = soup(response)
    assert page.select("button.toggle") == [] and page.select("table.service-map") == []
    rows = page.select("table.data tbody tr")
    assert len(rows) == 25
    assert rows[0].th.a.get_text() == "Department 000" and rows[0].th.span.get_text() == "D000"
    assert [td.get_text() for td in rows[0].select("td")] == ["10", "10"]  # serves, is served by
    assert page.caption.get_text() == "Departments 1–25 of 200"
    assert "Page 1 of 8" in page.select_one("nav.pager").get_text()
    last = soup(admin.get("/org/service-map?page=8"))
    assert last.caption.get_text() == "Departments 176–200 of 200"
    assert last.select("table.data tbody th a")[-1].get_text() == "Sales"
    assert last.select_one("nav.pager").find("a", string="Next") is None
    for odd in ("0", "-3", "999", "many"):  # brought back into range, never an error
        assert soup(admin.get(f"/org/service-map?page={odd}")).caption is not None


def test_a_department_s_checklists_at_200_departments_are_under_100_kilobytes(admin, org):
    departments = company(198)
    response = admin.get(f"/org/service-map?department={departments[0].id}")
    assert len(response.get_data()) < 100_000
    page = soup(response)
    assert len(page.select("input[name=clients]")) == len(page.select("input[name=providers]")) == 199


def test_the_map_is_a_grid_while_30_departments_are_shown_and_a_list_above(admin, org):
    company(28)
    grid = soup(admin.get("/org/service-map"))
    assert len(grid.select("table.service-map tbody tr")) == 30
    assert len(grid.select("button.toggle")) == 30 * 29
    make_department("Department 999", "D999")
    db.session.commit()
    listed = soup(admin.get("/org/service-map"))
    assert listed.select("table.service-map") == [] and len(listed.select("table.data tbody tr")) == 25


def test_found_departments_are_shown_as_a_grid_of_just_them(admin, org):
    company(60)
    page = soup(admin.get("/org/service-map?q=department 00, d01 ,SAL"))
    names = [th.get_text(strip=True) for th in page.select("table.service-map tbody th")]
    assert names == [f"Department {i:03d}" for i in range(20)] + ["Sales"]
    assert [th.get_text() for th in page.select("table.service-map thead th.col")][-1] == "SAL"
    assert "21 departments of 62 match" in page.get_text()
    many = soup(admin.get("/org/service-map?q=department"))  # 60 found: a list of them, in pages
    assert many.caption.get_text() == "Departments 1–25 of 60"
    assert many.select_one("nav.pager a")["href"] == "/org/service-map?q=department&page=2"


def test_names_are_found_in_any_case_and_alphabet(admin, org):
    make_department("Финансовый отдел", "ФИН")
    db.session.commit()
    page = soup(admin.get("/org/service-map?q=финансов"))
    rows = page.select("table.service-map tbody th")
    assert [th.get_text(strip=True) for th in rows] == ["Финансовый отдел"]


def test_when_nothing_is_found_the_page_says_so(admin, org):
    page = soup(admin.get("/org/service-map?q=nothing like it"))
    assert page.select("table") == []
    assert page.select_one("[role=status]").get_text() == "No department matches “nothing like it”."


def test_a_toggle_in_a_found_grid_comes_back_to_the_same_grid(admin, org):
    finance, sales = org["finance"], org["sales"]
    page = soup(admin.get("/org/service-map?q=fin,sal"))
    assert page.select_one(f"#cell-{sales.id}-{finance.id} input[name=q]")["value"] == "fin,sal"
    response = admin.post("/org/service-map", data={**cell(sales, finance, "on"), "q": "fin,sal"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/org/service-map?q=fin,sal#cell-{sales.id}-{finance.id}")
    fragment = BeautifulSoup(admin.post("/org/service-map", headers=HTMX, data={
        **cell(sales, finance, "off"), "q": "fin,sal"}).get_data(as_text=True), "html.parser")
    assert fragment.select_one("input[name=q]")["value"] == "fin,sal"
    assert fragment.select_one("button")["aria-label"] == "Sales serves Finance"
    assert service_links() == {(finance.id, sales.id)}


def test_a_department_s_checklists_show_its_links_with_full_names(admin, org):
    it = make_department("IT", "IT")
    link(it, org["finance"])
    page = soup(admin.get(f"/org/service-map?department={org['finance'].id}"))
    assert page.h1.get_text() == "Finance on the service map"
    whom, who = page.select("fieldset")
    assert whom.legend.get_text() == "Whom Finance serves" and who.legend.get_text() == "Who serves Finance"
    assert {box["aria-label"]: box.has_attr("checked") for box in whom.select("input[type=checkbox]")} == {
        "Finance serves IT": False, "Finance serves Sales": True}
    assert {box["aria-label"]: box.has_attr("checked") for box in who.select("input[type=checkbox]")} == {
        "IT serves Finance": True, "Sales serves Finance": False}
    ids = [element["id"] for element in page.select("[id]")]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_a_department_s_checklists_are_saved_in_one_go(admin, org, headers):
    finance, sales = org["finance"], org["sales"]
    it = make_department("IT", "IT")
    link(it, finance)
    db.session.commit()
    response = admin.post(f"/org/service-map/departments/{finance.id}", headers=headers,
                          data={"clients": [it.id], "providers": [sales.id]})
    back = f"/org/service-map?department={finance.id}"
    if headers:
        assert response.status_code == 200 and response.headers["HX-Redirect"] == back
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert service_links() == {(finance.id, it.id), (sales.id, finance.id)}
    assert sorted(audit_actions()) == ["service_map.add", "service_map.add", "service_map.remove",
                                       "service_map.remove"]
    assert "4 links changed." in admin.get(back).get_data(as_text=True)


def test_saving_the_same_checklists_changes_nothing(admin, org):
    finance, sales = org["finance"], org["sales"]
    admin.post(f"/org/service-map/departments/{finance.id}", data={"clients": [sales.id]})
    assert service_links() == {(finance.id, sales.id)}
    assert audit_actions() == []
    page = admin.get(f"/org/service-map?department={finance.id}").get_data(as_text=True)
    assert "Nothing to change." in page


@pytest.mark.parametrize("clients", [["999999"], ["x"], ["own"]])
def test_a_checklist_naming_no_other_department_is_refused_and_changes_nothing(admin, org, clients):
    finance = org["finance"]
    clients = [str(finance.id) if c == "own" else c for c in clients]
    response = admin.post(f"/org/service-map/departments/{finance.id}", data={"clients": clients})
    page = soup(response)
    assert page.select_one("fieldset.has-error .error").get_text()
    assert service_links() == {(finance.id, org["sales"].id)}
    assert audit_actions() == []


def test_a_facilitator_reads_a_department_s_links_and_cannot_save_them(client, org):
    finance, sales = org["finance"], org["sales"]
    assert client.sign_in("facilitator@example.com", PASSWORD).status_code == 303
    page = soup(client.get(f"/org/service-map?department={finance.id}"))
    assert page.select("main input[type=checkbox]") == [] and page.select("main form[method=post]") == []
    serves, served_by = page.select("section.card")
    assert serves.h2.get_text() == "Whom Finance serves" and serves.li.get_text() == "Sales"
    assert served_by.li.get_text() == "nobody yet"
    response = client.post(f"/org/service-map/departments/{finance.id}", data={"clients": []})
    assert response.status_code == 403
    assert service_links() == {(finance.id, sales.id)}


def test_an_unknown_department_s_links_are_not_found(admin, org):
    assert admin.get("/org/service-map?department=999999").status_code == 404
    assert admin.post("/org/service-map/departments/999999", data={"clients": []}).status_code == 404
    assert admin.get("/org/service-map?department=abc").status_code == 200  # no id: the map itself
