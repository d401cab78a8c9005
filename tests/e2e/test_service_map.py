"""The service map in a real browser: a cell switches in place with htmx, and without JavaScript too."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
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
