"""Where the focus is after htmx swaps content in place: on the control just used, on the first problem of a
refused form, never dropped to <body> (a keyboard or screen-reader user would have to start over)."""
import pytest
from playwright.sync_api import expect

from app.dimensions.services import seed_default_dimensions
from tests.api.helpers import make_metric
from tests.e2e.conftest import page_ready, sign_in, swap_settled
from tests.e2e.test_rating_rounds import round_server  # noqa: F401  (a fixture)
from tests.e2e.test_service_map import _cell, _open_map, map_server  # noqa: F401  (map_server: a fixture)
from tests.e2e.test_workshop_live import LIVE_MS, two_screens, workshop  # noqa: F401  (fixtures)
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_a_refused_rating_form_focuses_its_summary_with_links_to_the_questions(page, round_server):  # noqa: F811
    base, ids = round_server
    sign_in(page, base, "employee@example.com", PASSWORD)
    page.goto(f"{base}/rounds/{ids['spring']}/rate")
    page.get_by_role("link", name="Rate Finance").click()
    page.locator("fieldset.rating-question").first.locator("input[value='3']").check()
    page.get_by_role("button", name="Send my answers").click()
    summary = page.get_by_role("alert").filter(has_text="Some questions have no answer yet.")
    expect(summary).to_be_focused()
    first_question = page.locator("fieldset.rating-question").first.locator("legend").inner_text()
    links = summary.get_by_role("link")
    expect(links).to_have_count(page.locator("fieldset.rating-question").count() - 1)  # not the answered one
    expect(summary.get_by_role("link", name=first_question)).to_have_count(0)
    links.first.click()
    expect(page.locator("fieldset.rating-question").nth(1).locator("input").first).to_be_focused()


def test_the_service_map_keeps_the_focus_on_the_cell_switched(page, map_server):  # noqa: F811
    _open_map(page, map_server.url)
    cell = _cell(page, "Finance", "Sales")
    cell.focus()
    page.keyboard.press("Enter")
    expect(cell).to_have_attribute("aria-pressed", "true")
    expect(cell).to_be_focused()


def test_the_dimension_order_keeps_the_focus_on_the_button_pressed(page, live_server):
    with live_server.database():
        seed_default_dimensions()
        make_user("admin@example.com", "Ada Admin", is_admin=True)
    sign_in(page, live_server.url, "admin@example.com", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dimensions").click()
    expect(page.get_by_role("heading", level=1, name="Service dimensions")).to_be_visible()
    page_ready(page)
    last_up = page.locator("#dimension-list button", has_text="Up").last
    name = last_up.inner_text().removeprefix("Up").strip()
    last_up.click()
    moved = page.get_by_role("button", name=f"Up {name}", exact=True)
    expect(page.locator("#dimension-list tbody tr").nth(-2)).to_contain_text(name)
    expect(moved).to_be_focused()


def test_when_the_button_pressed_is_gone_the_focus_goes_to_the_list_not_to_the_page(page, live_server):
    with live_server.database():
        seed_default_dimensions()
        make_user("admin@example.com", "Ada Admin", is_admin=True)
    sign_in(page, live_server.url, "admin@example.com", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dimensions").click()
    expect(page.get_by_role("heading", level=1, name="Service dimensions")).to_be_visible()
    page_ready(page)
    second_up = page.locator("#dimension-list button", has_text="Up").first  # the first row has no Up
    second_up.click()  # the row goes to the top, where it has no Up button
    expect(page.locator("#dimension-list")).to_be_focused()


def test_a_refused_reading_focuses_the_field_to_fix(page, live_server):
    with live_server.database():
        make_metric("NPS")
        make_user("admin@example.com", "Ada Admin", is_admin=True)
    sign_in(page, live_server.url, "admin@example.com", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Metrics").click()
    page.get_by_role("link", name="NPS").click()
    page.get_by_label("Date").fill("2026-03-01")
    page.get_by_label("Value").fill("a lot")
    page.get_by_role("button", name="Save the reading").click()
    expect(page.get_by_label("Value")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Value")).to_be_focused()


def test_the_board_keeps_the_focus_through_actions_and_polls(two_screens):  # noqa: F811
    fay, erin = two_screens
    fay.get_by_role("button", name="Next phase: Review").click()
    expect(fay.get_by_role("heading", name="Phase: Review")).to_be_visible()
    next_phase = fay.locator("#phase1")
    expect(next_phase).to_be_focused()  # htmx puts it back once the swap settles
    expect(next_phase).to_have_text("Next phase: Collect")
    swap_settled(fay)
    fay.keyboard.press("Enter")
    expect(fay.get_by_role("heading", name="Phase: Collect")).to_be_visible()
    expect(next_phase).to_be_focused()
    expect(next_phase).to_have_text("Next phase: Group")

    # Someone else's card arrives by the poll and redraws the facilitator's board: the focus stays.
    expect(erin.get_by_role("heading", name="Phase: Collect")).to_be_visible(timeout=LIVE_MS)
    erin.get_by_label("Problem", exact=True).fill("Invoices reach Sales a week late")
    erin.get_by_role("button", name="Add the card").click()
    expect(erin.get_by_role("status").filter(has_text="Card added.")).to_be_visible()
    expect(fay.get_by_text("Invoices reach Sales a week late")).to_be_visible(timeout=LIVE_MS)
    expect(next_phase).to_be_focused()
    expect(erin.locator("#add-card")).to_be_focused()
