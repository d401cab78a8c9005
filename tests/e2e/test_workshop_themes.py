"""A grouping suggestion on a phone in Chromium: the facilitator in the group phase sees that two cards talk
about one theme, groups them with a click, and the focus lands on what happened; nothing overflows 375 px."""
from datetime import date

import pytest
from playwright.sync_api import expect

from app.dimensions.services import seed_default_dimensions
from app.workshops import services
from tests.e2e.conftest import sign_in, swap_settled
from tests.factories import PASSWORD, make_department, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def grouping(live_server):
    """Finance and Sales in the group phase, with two cards about deadlines and one about rudeness."""
    with live_server.database():
        seed_default_dimensions()
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        facilitator = make_user("fac@example.com", "Fay Facilitator", finance, is_facilitator=True)
        erin = make_user("erin@example.com", "Erin Employee", sales)
        workshop = services.save_workshop(facilitator, None, "Finance meets Sales", date(2026, 6, 1), None,
                                          [finance, sales], [erin], 3, False, False)
        services.move_phase(facilitator, workshop, 1)
        services.move_phase(facilitator, workshop, 1)
        for text in ("Month-end reports come late", "Deadlines slip without a word",
                     "Rude answers on the phone"):
            services.add_card(erin, workshop, text, None, None)
        services.move_phase(facilitator, workshop, 1)
        workshop_id = workshop.id
    return live_server.url, f"{live_server.url}/workshops/{workshop_id}"


def test_a_facilitator_groups_the_suggested_cards_with_a_click(phone, grouping):
    base, board = grouping
    sign_in(phone, base, "fac@example.com", PASSWORD)
    phone.goto(board)
    suggestion = phone.locator(".suggestion")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("These 2 cards talk about Reliability — group them?")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    suggestion.get_by_role("button", name="Group them").click()
    swap_settled(phone)
    done = phone.get_by_role("status").filter(has_text="Cards merged.")
    expect(done).to_be_visible()
    expect(done).to_be_focused()  # the button is gone: the focus goes to what happened, not to the page
    expect(phone.locator(".suggestion")).to_have_count(0)
    group = phone.locator("section.groups li.wcard.group")
    expect(group).to_have_count(1)
    expect(group).to_contain_text("Month-end reports come late")
    merged = group.get_by_role("list", name="Merged into this card")
    expect(merged).to_contain_text("Deadlines slip without a word")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
