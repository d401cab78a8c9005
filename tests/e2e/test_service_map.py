"""The service map in a real browser: a cell switches in place with htmx, and without JavaScript too."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_accessibility import assert_accessible, axe_page, visit  # noqa: F401  (axe_page: a fixture)
from tests.e2e.test_looks import overflow
from tests.factories import PASSWORD, make_department, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def map_server(live_server):
    """An admin and two departments, nobody serving anybody yet."""
    with live_server.database():
        make_department("Finance", "FIN")
        make_department("Sales", "SAL")
        make_user("admin@example.com", "Ada Admin", is_admin=True)
    return live_server


def _open_map(page, base: str):
    sign_in(page, base, "admin@example.com", PASSWORD)
    page.goto(f"{base}/org/service-map")
    expect(page.get_by_role("heading", level=1, name="Service map")).to_be_visible()


def _cell(page, provider: str, client: str):
    return page.get_by_role("button", name=f"{provider} serves {client}", exact=True)


def test_service_map_cell_toggles_in_place(page, no_js_page, map_server):
    base = map_server.url
    _open_map(page, base)
    cell = _cell(page, "Finance", "Sales")
    expect(cell).to_have_attribute("aria-pressed", "false")

    # Markers a page load or a boosted whole-page swap would wipe out; navigation would be seen.
    page.evaluate("window.__marker = 1")
    page.locator("table.service-map").evaluate("table => table.dataset.marker = 'kept'")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    url = page.url

    cell.click()
    expect(cell).to_have_attribute("aria-pressed", "true")
    expect(cell).to_have_text("✓")
    assert page.evaluate("window.__marker") == 1
    expect(page.locator("table.service-map")).to_have_attribute("data-marker", "kept")
    assert page.url == url
    assert navigations == []
    expect(_cell(page, "Sales", "Finance")).to_have_attribute("aria-pressed", "false")

    page.reload()
    expect(_cell(page, "Finance", "Sales")).to_have_attribute("aria-pressed", "true")
    expect(_cell(page, "Sales", "Finance")).to_have_attribute("aria-pressed", "false")

    # Without JavaScript the same button is a plain form post that comes back to the map.
    _open_map(no_js_page, base)
    other = _cell(no_js_page, "Sales", "Finance")
    expect(other).to_have_attribute("aria-pressed", "false")
    other.click()
    expect(no_js_page).to_have_url(re.compile(r"/org/service-map#cell-\d+-\d+$"))
    expect(other).to_have_attribute("aria-pressed", "true")
    expect(no_js_page.get_by_role("heading", level=1, name="Service map")).to_be_visible()
    expect(_cell(no_js_page, "Finance", "Sales")).to_have_attribute("aria-pressed", "true")
    # And off again.
    _cell(no_js_page, "Finance", "Sales").click()
    expect(_cell(no_js_page, "Finance", "Sales")).to_have_attribute("aria-pressed", "false")


def _posts_toggle(response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/org/service-map")


def test_csrf_failure_on_htmx_refreshes_page(page, map_server):
    base = map_server.url
    _open_map(page, base)
    page.evaluate("window.__marker = 1")
    # A stale token everywhere the page carries one: the htmx header and the forms' hidden fields.
    page.evaluate(
        """() => {
            document.getElementById('page').setAttribute('hx-headers', '{"X-CSRFToken": "stale"}');
            document.querySelectorAll('input[name=csrf_token]').forEach(input => input.value = 'stale');
        }"""
    )
    with page.expect_response(_posts_toggle) as posted, page.expect_event("load"):
        _cell(page, "Finance", "Sales").click()
    response = posted.value
    assert response.status == 400
    assert response.headers.get("hx-refresh") == "true"

    # A fresh page with a fresh token; nothing was switched.
    assert page.evaluate("window.__marker") is None
    assert page.evaluate("document.getElementById('page').getAttribute('hx-headers')") != (
        '{"X-CSRFToken": "stale"}'
    )
    expect(_cell(page, "Finance", "Sales")).to_have_attribute("aria-pressed", "false")

    # The refreshed page works again.
    _cell(page, "Finance", "Sales").click()
    expect(_cell(page, "Finance", "Sales")).to_have_attribute("aria-pressed", "true")


# At 200 departments: found by name, one department's checklists, on a phone ----------------------

@pytest.fixture
def big_map_server(live_server):
    """An admin and 200 departments: Finance, Sales and "Department 000" to "Department 197", no links."""
    with live_server.database():
        make_department("Finance", "FIN")
        make_department("Sales", "SAL")
        for i in range(198):
            make_department(f"Department {i:03d}", f"D{i:03d}")
        make_user("admin@example.com", "Ada Admin", is_admin=True)
    return live_server


def test_a_found_grid_and_a_department_s_checklists_on_a_phone(phone, big_map_server):  # noqa: F811
    _open_map(phone, big_map_server.url)
    main = phone.locator("main")
    expect(main.get_by_role("table")).to_have_accessible_name(re.compile(r"^Departments 1–25 of 200"))
    assert overflow(phone) <= 0

    phone.get_by_label("Find departments").fill("fin, sal")
    phone.get_by_role("button", name="Show").click()
    expect(phone).to_have_url(re.compile(r"/org/service-map\?q=fin%2C(\+|%20)sal$"))
    expect(main.locator("table.service-map tbody th")).to_have_text(["Finance", "Sales"])
    assert overflow(phone) <= 0
    cell = _cell(phone, "Finance", "Sales")
    cell.click()
    expect(cell).to_have_attribute("aria-pressed", "true")
    expect(cell).to_be_focused()

    phone.get_by_label("One department's links").select_option(label="Sales")
    phone.get_by_role("button", name="Open").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sales on the service map")
    assert overflow(phone) <= 0
    expect(phone.get_by_role("checkbox", name="Finance serves Sales", exact=True)).to_be_checked()
    whom = phone.get_by_role("group", name="Whom Sales serves")
    whom.get_by_label("Find a department").fill("department 00")
    expect(whom.get_by_role("checkbox")).to_have_count(10)  # the others are hidden
    whom.get_by_role("checkbox", name="Sales serves Department 007", exact=True).check()
    phone.get_by_role("button", name="Save both lists").click()
    expect(phone.get_by_text("1 link changed.")).to_be_visible()
    expect(phone.get_by_role("checkbox", name="Sales serves Department 007", exact=True)).to_be_checked()
    assert overflow(phone) <= 0


def test_without_javascript_a_toggle_comes_back_to_the_found_grid(no_js_page, big_map_server):
    _open_map(no_js_page, big_map_server.url)
    no_js_page.get_by_label("Find departments").fill("fin, sal")
    no_js_page.get_by_role("button", name="Show").click()
    _cell(no_js_page, "Sales", "Finance").click()
    expect(no_js_page).to_have_url(re.compile(r"/org/service-map\?q=fin,(\+|%20)sal#cell-\d+-\d+$"))
    expect(_cell(no_js_page, "Sales", "Finance")).to_have_attribute("aria-pressed", "true")
    expect(no_js_page.locator("table.service-map tbody th")).to_have_text(["Finance", "Sales"])


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("path", ["/org/service-map", "/org/service-map?q=fin,sal,department%2000",
                                  "/org/service-map?department=1"])
def test_a_large_map_has_no_serious_accessibility_issue(axe_page, big_map_server, width, path):  # noqa: F811
    page = axe_page(viewport={"width": width, "height": 800})
    _open_map(page, big_map_server.url)
    visit(page, big_map_server.url + path)
    assert_accessible(page, f"{path} ({width} px)")
