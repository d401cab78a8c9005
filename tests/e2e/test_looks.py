"""What people see after clicking from page to page on the demo company: htmx-boosted navigation swaps
the body and keeps the head, so these tests reach every page by clicking, never by opening its address,
and look at computed colours and widths, not at text."""
import pytest
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD
from tests.e2e.conftest import page_ready, sign_in

pytestmark = pytest.mark.browser
BLACK, NOTHING = "rgb(0, 0, 0)", "rgba(0, 0, 0, 0)"
BANDS = {"rgb(180, 35, 24)", "rgb(247, 201, 181)", "rgb(236, 238, 241)", "rgb(169, 214, 219)",
         "rgb(11, 92, 104)"}  # --band-1 … --band-5 in static/css/app.css


def style(locator, prop: str) -> str:
    return locator.evaluate("(element, prop) => getComputedStyle(element)[prop]", prop)


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def click_nav(page, name: str) -> None:
    link = page.locator("nav.mainnav").get_by_role("link", name=name, exact=True)
    link.click()
    expect(link).to_have_attribute("aria-current", "page")
    page_ready(page)


def test_results_reached_by_clicking_are_in_colour(page, demo):
    failed = []  # the stylesheet, the script, the icon: nothing a page asks for may be missing
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    sign_in(page, demo, "facilitator@example.com", DEMO_PASSWORD)
    click_nav(page, "Results")
    page.locator("main .round-list a").first.click()
    cell = page.locator("table.heatmap td[class^='band-']").first
    expect(cell).to_be_visible()
    assert style(cell, "backgroundColor") in BANDS
    swatches = {style(s, "backgroundColor") for s in page.locator(".band-legend .swatch").all()}
    assert len(swatches) == 6 and NOTHING not in swatches  # five bands and "not enough", told apart
    page.locator("table.heatmap tbody th a").first.click()
    bar = page.locator("svg.chart rect.bar").first
    expect(bar).to_be_visible()
    assert style(bar, "fill") not in (BLACK, "none")
    assert failed == []


@pytest.mark.parametrize(("area", "first_item"), [
    ("Results", "main .round-list a"),  # → the company view's heatmap
    ("Projects", "main table.data td a"),  # → a project with its metric chart
    ("Metrics", "main table th a"),  # → a metric with its readings chart
    ("Workshops", "main table td a"),  # → the live board
])
def test_pages_reached_by_clicking_fit_a_phone(phone, demo, area, first_item):
    sign_in(phone, demo, "facilitator@example.com", DEMO_PASSWORD)
    click_nav(phone, area)
    assert overflow(phone) <= 0, f"{area}: {overflow(phone)} px wider than the phone"
    heading = phone.get_by_role("heading", level=1)
    listed = heading.inner_text()
    phone.locator(first_item).first.click()
    expect(heading).not_to_have_text(listed)  # the item's own page has arrived
    assert overflow(phone) <= 0, f"{phone.url}: {overflow(phone)} px wider than the phone"


def hidden_columns(page) -> list[str]:
    """The captions of tables wider than their box: at this width, some of their columns are out of sight."""
    return page.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
        .filter(box => box.scrollWidth > box.clientWidth)
        .map(box => (box.querySelector('caption') || box).textContent.trim().slice(0, 60))""")


def results_by_clicking(page, results: str, matrix: str) -> list[str]:
    """Results → the first round (heatmap) → the service matrix → a department's scorecard: what hides."""
    hidden = []
    click_nav(page, results)
    page.locator("main .round-list a").first.click()
    expect(page.locator("table.heatmap")).to_be_visible()
    hidden += hidden_columns(page)
    page.get_by_role("link", name=matrix).click()
    expect(page.get_by_role("link", name=matrix)).to_have_attribute("aria-current", "page")
    hidden += hidden_columns(page)
    page.go_back()
    page.locator("table.heatmap tbody th a").first.click()
    expect(page.locator("table.scorecard")).to_be_visible()
    return hidden + hidden_columns(page)


def menu_rows(page) -> int:
    return page.evaluate("new Set([...document.querySelectorAll('nav.mainnav li')]"
                         ".map(item => item.getBoundingClientRect().top)).size")


def test_a_1280_screen_shows_the_menu_in_a_row_and_every_results_column_in_both_languages(browser, demo):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, demo, "facilitator@example.com", DEMO_PASSWORD)
        assert menu_rows(page) == 1  # the facilitator's eleven entries, the longest menu in English
        assert results_by_clicking(page, "Results", "Service matrix: who rates whom") == []
        page.locator("form.inline[action='/language'] select").select_option("ru")
        page.locator("form.inline[action='/language'] button").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        assert results_by_clicking(page, "Результаты", "Матрица обслуживания: кто кого оценивает") == []
    finally:
        context.close()


def test_a_table_wider_than_a_phone_is_a_named_region_the_keyboard_scrolls(phone, demo):
    sign_in(phone, demo, "facilitator@example.com", DEMO_PASSWORD)
    click_nav(phone, "Results")
    phone.locator("main .round-list a").first.click()
    box = phone.get_by_role("region", name="Mean score each department receives from the departments")
    expect(box).to_have_attribute("tabindex", "0")
    # Its caption starts in sight: centred over the whole table, it ran off the box's right edge.
    box_left, box_right, text_left = box.evaluate("""box => {
        const text = document.createRange();
        text.selectNodeContents(box.querySelector('caption'));
        const shown = box.getBoundingClientRect();
        return [shown.left, shown.right, text.getBoundingClientRect().left];
    }""")
    assert box_left <= text_left < box_left + 20 < box_right
    box.focus()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("box => box.scrollLeft > 0", arg=box.element_handle())


def test_on_a_phone_the_scorecard_is_one_card_per_dimension(phone, demo):
    sign_in(phone, demo, "head.finance@example.com", DEMO_PASSWORD)
    click_nav(phone, "Results")
    phone.locator("main .round-list a").first.click()
    phone.locator("main a", has_text="Finance").first.click()
    row = phone.locator("table.scorecard tbody tr").first
    expect(row).to_be_visible()
    assert style(row, "display") == "block"
    assert style(phone.locator("table.scorecard thead"), "height") == "1px"  # read out, not shown
    others = row.locator("td.mean")
    assert others.evaluate("td => getComputedStyle(td, '::before').content") == '"Others\' view"'
    assert overflow(phone) <= 0


def test_participants_are_picked_from_the_chosen_departments_and_found_by_name(page, demo):
    sign_in(page, demo, "facilitator@example.com", DEMO_PASSWORD)
    click_nav(page, "Workshops")
    page.get_by_role("link", name="New workshop").click()
    participants = page.get_by_role("group", name="Participants")
    groups = participants.locator(".people-group:visible .people-group-name")
    expect(groups).to_have_count(8)  # no department chosen yet: everyone
    page.get_by_role("group", name="Departments taking part").get_by_label("Finance").check()
    page.get_by_role("group", name="Departments taking part").get_by_label("Sales", exact=True).check()
    expect(groups).to_have_text(["Finance", "Sales"])
    head = participants.locator(".people-group", has_text="Finance").locator("li").first
    name = head.inner_text().strip()
    head.locator("input").check()
    participants.get_by_label("Find a person").fill(name.split()[-1][:4])
    expect(participants.locator("li:visible").first).to_contain_text(name)
    assert all(name.split()[-1][:4].lower() in item.inner_text().lower() or item.locator("input").is_checked()
               for item in participants.locator("li:visible").all())
