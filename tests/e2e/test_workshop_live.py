"""A live workshop in Chromium with two browsers: the participant's screen follows the facilitator's
phases, and the facilitator's board shows the participant's card and vote, all without reloading."""
from datetime import date

import pytest
from playwright.sync_api import expect

from app.dimensions.services import seed_default_dimensions
from app.workshops import services
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, make_department, make_user

pytestmark = pytest.mark.browser
LIVE_MS = 10_000  # the board polls every 2 s


@pytest.fixture
def workshop(live_server):
    """Finance and Sales; Erin (Sales) takes part, Fay facilitates. No rating round."""
    with live_server.database():
        seed_default_dimensions()
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        facilitator = make_user("fac@example.com", "Fay Facilitator", finance, is_facilitator=True)
        erin = make_user("erin@example.com", "Erin Employee", sales)
        workshop = services.save_workshop(facilitator, None, "Finance meets Sales", date(2026, 6, 1), None,
                                          [finance, sales], [erin], 3, False, False)
        workshop_id = workshop.id
    return f"{live_server.url}/workshops/{workshop_id}"


@pytest.fixture
def two_screens(browser, workshop):
    """Fay the facilitator and Erin the participant, each in a browser of their own, on the board."""
    base = workshop.split("/workshops/")[0]
    contexts = [browser.new_context(locale="en-US") for _ in range(2)]
    fay, erin = (context.new_page() for context in contexts)
    try:
        sign_in(fay, base, "fac@example.com", PASSWORD)
        sign_in(erin, base, "erin@example.com", PASSWORD)
        fay.goto(workshop)
        erin.goto(workshop)
        yield fay, erin
    finally:
        for context in contexts:
            context.close()


def test_two_screens_follow_one_live_workshop(two_screens):
    fay, erin = two_screens
    expect(erin.get_by_text("The workshop has not started yet.")).to_be_visible()

    # The facilitator starts and moves to collecting; the participant's screen follows by itself.
    fay.get_by_role("button", name="Next phase: Review").click()
    expect(fay.get_by_role("heading", name="Phase: Review")).to_be_visible()
    fay.get_by_role("button", name="Next phase: Collect").click()
    expect(fay.get_by_role("heading", name="Phase: Collect")).to_be_visible()
    expect(erin.get_by_role("heading", name="Phase: Collect")).to_be_visible(timeout=LIVE_MS)

    # The participant adds a card; the facilitator's board shows it without a reload.
    erin.get_by_label("Problem", exact=True).fill("Invoices reach Sales a week late")
    erin.get_by_label("Dimension", exact=True).select_option(label="Reliability")
    erin.get_by_label("Root cause", exact=True).select_option(index=1)
    erin.get_by_role("button", name="Add the card").click()
    expect(erin.get_by_role("status").filter(has_text="Card added.")).to_be_visible()
    expect(erin.get_by_label("Problem", exact=True)).to_have_value("")  # a fresh form for the next card
    expect(fay.get_by_text("Invoices reach Sales a week late")).to_be_visible(timeout=LIVE_MS)

    # On to voting: the participant votes, the facilitator sees the count move.
    fay.get_by_role("button", name="Next phase: Group").click()
    expect(fay.get_by_role("heading", name="Phase: Group")).to_be_visible()
    fay.get_by_role("button", name="Next phase: Vote").click()
    expect(fay.get_by_text("0 of 1 participants have voted")).to_be_visible()
    expect(erin.get_by_role("heading", name="Phase: Vote")).to_be_visible(timeout=LIVE_MS)
    erin.get_by_role("button", name="+1 dot").click()
    expect(erin.get_by_text("You have 2 dots left.")).to_be_visible()
    expect(fay.get_by_text("1 of 1 participants have voted")).to_be_visible(timeout=LIVE_MS)

    # The top card becomes a proposed project, and the minutes list it.
    fay.get_by_role("button", name="Next phase: Turn into projects").click()
    form = fay.locator("form.project-form").first
    form.get_by_label("Project title").fill("Invoices on time")
    form.get_by_label("Owner department").select_option(label="Finance")
    form.get_by_label("Sales").check()
    form.get_by_role("button", name="Turn into a project").click()
    expect(fay.get_by_role("link", name="Invoices on time")).to_be_visible()
    expect(erin.get_by_role("link", name="Invoices on time")).to_be_visible(timeout=LIVE_MS)
    fay.get_by_role("button", name="Next phase: Wrap-up").click()
    fay.get_by_role("link", name="Read the minutes").click()
    expect(fay.get_by_role("heading", level=1, name="Minutes: Finance meets Sales")).to_be_visible()
    decisions = fay.locator("ul.decisions")
    expect(decisions).to_contain_text("Invoices on time")
    expect(decisions).to_contain_text("owner Finance, with Sales")


def test_a_message_from_before_goes_once_the_board_moves_on(two_screens):
    """"Card saved." from the card's edit page must not stay on the board while it follows the facilitator
    to the next phase: it would read as news about the new phase."""
    fay, erin = two_screens
    fay.get_by_role("button", name="Next phase: Review").click()
    fay.get_by_role("button", name="Next phase: Collect").click()
    expect(fay.get_by_role("heading", name="Phase: Collect")).to_be_visible()
    expect(erin.get_by_role("heading", name="Phase: Collect")).to_be_visible(timeout=LIVE_MS)
    erin.get_by_label("Problem", exact=True).fill("Invoices reach Sales late")
    erin.get_by_role("button", name="Add the card").click()
    erin.get_by_role("link", name="Edit").click()
    erin.get_by_label("Problem", exact=True).fill("Invoices reach Sales a week late")
    erin.get_by_role("button", name="Save the card").click()
    saved = erin.locator(".flashes").get_by_text("Card saved.")
    expect(saved).to_be_visible()

    fay.get_by_role("button", name="Next phase: Group").click()
    expect(erin.get_by_role("heading", name="Phase: Group")).to_be_visible(timeout=LIVE_MS)
    expect(saved).to_have_count(0)
