"""axe-core on the main pages: no serious or critical accessibility issue, in English, Russian and on a phone.

axe (tests/e2e/vendor/axe.min.js, see the README there) is injected into the page; the app's CSP allows only
its own scripts, so these pages run in a browser context that bypasses CSP. Nothing here is served to users.
"""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.dimensions.services import move_dimension, ordered, seed_default_dimensions, set_retired
from tests.e2e.conftest import TIMEOUT_MS, sign_in
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
PHONE = {"width": 390, "height": 844}
RUN_AXE = "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"

ANONYMOUS_PAGES = ["/login", "/forgot"]
ADMIN_PAGES = [
    "/",
    "/org/departments",
    "/org/departments/{finance}",
    "/org/departments/new",
    "/org/service-map",
    "/org/people",
    "/org/people/new",
    "/org/people/{head}/edit",
    "/org/people/import",
    "/dimensions",
    "/dimensions/{dimension}/edit",
    "/audit",
    "/account",
]
PHONE_PAGES = ["/", "/org/service-map"]


@pytest.fixture
def axe_page(browser):
    """A page of its own context that ignores CSP, so that axe can be injected."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(bypass_csp=True, locale="en-US", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def org_server(live_server):
    """The live server's address and the ids its pages need, after adding Finance serving Sales and
    Support, two heads, an employee, an admin, and the default dimensions with one retired and one moved."""
    with live_server.database():
        finance = make_department("Finance", "FIN")
        sales = make_department("Sales", "SAL")
        support = make_department("Support", "SUP")
        link(finance, sales)
        link(finance, support)
        head = make_user("head.finance@example.com", "Hana Head", finance, head_of=[finance])
        make_user("head.sales@example.com", "Sam Head", sales, head_of=[sales])
        make_user("employee@example.com", "Erin Employee", sales)
        admin = make_user("admin@example.com", "Ada Admin", is_admin=True)
        seed_default_dimensions()
        dimensions = ordered()
        set_retired(admin, dimensions[-1], True)  # a retired row, and entries in the audit log
        move_dimension(admin, dimensions[1], -1)
        ids = {"finance": finance.id, "head": head.id, "dimension": dimensions[0].id}
    return live_server.url, ids


def visit(page, url: str) -> None:
    """Open a page that must answer 200 as itself (not a redirect to the sign-in page) and be drawn."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
    assert page.url == url, f"{url} ended at {page.url}"
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def assert_accessible(page, label: str) -> None:
    page.add_script_tag(path=AXE)
    violations = page.evaluate(RUN_AXE)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    lines = []
    for violation in blocking:
        nodes = violation["nodes"]
        targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:3])
        if len(nodes) > 3:
            targets += f", … {len(nodes) - 3} more"
        lines.append(f"  {violation['impact']} {violation['id']}: {violation['help']} "
                     f"({len(nodes)} element(s): {targets})")
    assert not blocking, f"axe-core on {label}:\n" + "\n".join(lines)


def test_setup_page(axe_page, live_server):
    """First-run setup exists only while there is nobody; the live server's database starts empty."""
    page = axe_page()
    visit(page, f"{live_server.url}/setup")
    assert_accessible(page, "/setup")


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_page(axe_page, live_server, path):
    with live_server.database():
        make_user("admin@example.com", "Ada Admin", is_admin=True)
    page = axe_page()
    visit(page, f"{live_server.url}{path}")
    assert_accessible(page, path)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_page(axe_page, org_server, path):
    base, ids = org_server
    page = axe_page()
    sign_in(page, base, "admin@example.com", PASSWORD)
    visit(page, base + path.format(**ids))
    assert_accessible(page, path)


def test_account_page_in_russian(axe_page, org_server):
    base, _ = org_server
    page = axe_page()
    sign_in(page, base, "admin@example.com", PASSWORD)
    page.locator("#language-switch").select_option(label="Русский")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("button", name="Выйти", exact=True)).to_be_visible()
    visit(page, f"{base}/account")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert_accessible(page, "/account (ru)")


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_admin_page_on_a_phone(axe_page, org_server, path):
    base, _ = org_server
    page = axe_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, base, "admin@example.com", PASSWORD)
    visit(page, base + path)
    assert_accessible(page, f"{path} (390×844)")
