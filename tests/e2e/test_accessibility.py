"""axe-core on the main pages of every role (tests/main_pages.py, on the demo company): no serious or critical
accessibility issue, in English in a 1280 px window and in Russian on a 375 px phone (the longer words on
the narrower screen: what breaks in English on a phone breaks there too).

axe (tests/e2e/vendor/axe.min.js, see the README there) is injected into the page; the app's CSP allows only
its own scripts, so these pages run in a browser context that bypasses CSP. Nothing here is served to users.
Besides axe's default rules, `target-size` is on: every control is at least 24 by 24 px or has room around
it (WCAG 2.2 AA, 2.5.8). A test per variant: one live server, one browser context per
role visiting all of that role's pages.
"""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD
from tests.e2e.conftest import TIMEOUT_MS, swap_settled
from tests.main_pages import EMPTY_PAGES, PAGES, SIGN_INS, SUBMIT, Sent, filled, prepare_demo

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
RUN_AXE = """async () => (await axe.run(document, {
    resultTypes: ['violations'], rules: {'target-size': {enabled: true}}})).violations"""
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}
VARIANTS = {  # the browser's language picks the page's: none of the demo people has chosen one
    "en-1280px": {"locale": "en-US", **DESKTOP},
    "ru-375px": {"locale": "ru-RU", **PHONE},
}


@pytest.fixture
def axe_page(browser):
    """A page of its own context that ignores CSP, so that axe can be injected."""
    contexts = []

    def open_page(**options):
        options.setdefault("locale", "en-US")
        context = browser.new_context(bypass_csp=True, **options)
        context.add_init_script(path=AXE)  # in every page it opens, ready to run
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def visit(page, url: str) -> None:
    """Open a page that must answer 200 as itself (not a redirect to the sign-in page) and be drawn."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
    assert page.url == url, f"{url} ended at {page.url}"
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def axe_problems(page, label: str) -> list[str]:
    """What axe finds serious or critical on the page as it is now, a line per rule, each naming `label`."""
    lines = []
    for violation in page.evaluate(RUN_AXE):
        if violation["impact"] not in BLOCKING:
            continue
        nodes = violation["nodes"]
        targets = ", ".join(" ".join(map(str, node["target"])) for node in nodes[:3])
        if len(nodes) > 3:
            targets += f", … {len(nodes) - 3} more"
        lines.append(f"{label}: {violation['impact']} {violation['id']}: {violation['help']} "
                     f"({len(nodes)} element(s): {targets})")
    return lines


def assert_accessible(page, label: str) -> None:
    problems = axe_problems(page, label)
    assert not problems, "axe-core found:\n" + "\n".join(problems)


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form by its fields' names, which are the same in both languages."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator(SUBMIT).click()
    expect(page.locator("form[action='/logout'] button")).to_be_visible()


def check_pages(page, base: str, paths, variant: str, role: str) -> list[str]:
    """Visit each page (sending the forms to be sent) and collect what axe finds on all of them."""
    language = VARIANTS[variant]["locale"][:2]
    problems = []
    for entry in paths:
        visit(page, base + (entry.path if isinstance(entry, Sent) else entry))
        expect(page.locator("html")).to_have_attribute("lang", language)
        if isinstance(entry, Sent):
            if entry.csv:
                page.locator("main input[type=file]").set_input_files(
                    files={"name": "upload.csv", "mimeType": "text/csv", "buffer": entry.csv.encode()})
            page.locator(SUBMIT).click()
            expect(page.locator(entry.shows).first).to_be_visible()
            page.wait_for_load_state()  # a new page: its script has run (tables that scroll are named)
            swap_settled(page)  # or the same page, a form swapped in: htmx is done
        problems += axe_problems(page, f"{entry} ({variant}, {role})")
    return problems


@pytest.mark.parametrize("variant", VARIANTS)
def test_main_pages(axe_page, live_server, variant):
    # First-run setup exists only while there is nobody: the live server's database starts empty.
    problems = check_pages(axe_page(**VARIANTS[variant]), live_server.url, EMPTY_PAGES, variant, "nobody yet")
    with live_server.database():
        ids = prepare_demo()
    for role, entries in PAGES.items():
        page = axe_page(**VARIANTS[variant])
        if role != "anonymous":
            sign_in(page, live_server.url, SIGN_INS[role])
        paths = [filled(entry, ids) for entry in entries]
        problems += check_pages(page, live_server.url, paths, variant, role)
    assert not problems, "axe-core found:\n" + "\n".join(problems)
