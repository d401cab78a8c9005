"""The demo company on a 375 px phone (and the rating scale on a 1280 px screen too): chart text as large as
it is drawn, the board's current action before its lists, the 1–5 scale on one line in Russian."""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.auth.models import User
from app.demo import DEMO_PASSWORD
from app.workshops import services as workshops
from app.workshops.models import Participant, Workshop
from tests.e2e.conftest import sign_in
from tests.e2e.test_looks import click_nav

pytestmark = pytest.mark.browser

# The smallest chart text on the page as it is rendered: each <text>'s font size times the scale its chart
# is drawn at (a 620 px wide chart in a 343 px box draws its 12 px text at 6.6 px).
SMALLEST_CHART_TEXT = """() => Math.min(...[...document.querySelectorAll('svg.chart text')]
  .filter(text => text.getClientRects().length)
  .map(text => text.getScreenCTM().a * parseFloat(getComputedStyle(text).fontSize)))"""


def smallest_chart_text(page) -> float:
    expect(page.locator("svg.chart text").first).to_be_attached()
    return page.evaluate(SMALLEST_CHART_TEXT)


def test_chart_text_on_a_phone_is_at_least_12_px(phone, demo):
    sign_in(phone, demo, "facilitator@example.com", DEMO_PASSWORD)
    seen = {}
    click_nav(phone, "Results")
    phone.locator("main .round-list a").first.click()  # the company view: the criteria's bars
    expect(phone.locator("table.heatmap")).to_be_visible()
    seen["company"] = smallest_chart_text(phone)
    phone.locator("table.heatmap tbody th a").first.click()  # a scorecard: distributions, bars and a line
    expect(phone.locator("table.scorecard")).to_be_visible()
    seen["scorecard"] = smallest_chart_text(phone)
    click_nav(phone, "Projects")
    seen["portfolio"] = smallest_chart_text(phone)  # the root-cause split
    phone.get_by_role("link", name="Resolve client requests at the first contact").click()
    expect(phone.locator("#movement")).to_be_visible()
    seen["project"] = smallest_chart_text(phone)  # the metric's readings
    click_nav(phone, "Metrics")
    phone.locator("main table th a").first.click()
    expect(phone.get_by_role("heading", level=1)).not_to_have_text("Metrics")
    seen["metric"] = smallest_chart_text(phone)
    click_nav(phone, "Workshops")
    phone.get_by_role("link", name="Trading zone, Spring 2026: Sales, Finance, Support and IT").click()
    expect(phone.get_by_role("link", name="Read the minutes")).to_be_visible()
    seen["board"] = smallest_chart_text(phone)  # the cards' root-cause split
    assert {page: size for page, size in seen.items() if size < 11.95} == {}


def above(page, first: str, then: str) -> bool:
    """Whether the first element of `first` starts above every element of `then` on the page."""
    return page.evaluate("""([first, then]) => {
      const top = e => e.getBoundingClientRect().top;
      return [...document.querySelectorAll(then)].every(e => top(document.querySelector(first)) < top(e));
    }""", [first, then])


@pytest.fixture
def collecting(demo, live_server):
    """The demo's scheduled workshop moved to collecting cards, two of them already on the board; the
    e-mail of a participant who has written none."""
    with live_server.database() as session:
        workshop = session.scalar(sa.select(Workshop).where(Workshop.phase == "scheduled"))
        facilitator = session.scalar(sa.select(User).where(User.email == "facilitator@example.com"))
        people = list(session.scalars(sa.select(User).join(Participant).where(
            Participant.workshop_id == workshop.id).order_by(User.id)))
        while workshop.phase != "collect":
            workshops.move_phase(facilitator, workshop, 1)
        for writer, text in zip(people[1:3], ("Orders reach Production late", "Trucks wait for papers"),
                                strict=True):
            workshops.add_card(writer, workshop, text, None, None)
        return workshop.id, people[0].email


def test_on_a_phone_the_board_shows_the_card_form_before_the_facts_and_the_cards(phone, demo, collecting):
    workshop_id, email = collecting
    sign_in(phone, demo, email, DEMO_PASSWORD)
    phone.goto(f"{demo}/workshops/{workshop_id}")
    expect(phone.get_by_role("heading", name="Add a card")).to_be_visible()
    expect(phone.locator(".all-cards .wcard")).to_have_count(2)
    assert above(phone, "form.add-card", "dl.facts, .board-help, .wcard")
    assert phone.evaluate("document.querySelector('form.add-card').getBoundingClientRect().top") < 800


def test_on_a_phone_the_facilitator_finds_the_next_phase_and_the_minutes_first(phone, demo, collecting):
    workshop_id, _email = collecting
    sign_in(phone, demo, "facilitator@example.com", DEMO_PASSWORD)
    phone.goto(f"{demo}/workshops/{workshop_id}")
    expect(phone.get_by_role("button", name="Next phase: Group")).to_be_visible()
    assert above(phone, ".phase-moves", "dl.facts, .board-help, .wcard")
    click_nav(phone, "Workshops")
    phone.get_by_role("link", name="Trading zone, Spring 2026: Sales, Finance, Support and IT").click()
    expect(phone.get_by_role("link", name="Read the minutes")).to_be_visible()
    assert above(phone, "a[href$='/minutes']:not(.secondary)", "dl.facts, .ranking, .root-causes")


@pytest.mark.parametrize("width", [375, 1280])
def test_the_russian_1_to_5_scale_is_on_one_line(browser, demo, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, demo, "employee.sales@example.com", DEMO_PASSWORD)
        page.locator("form.inline[action='/language'] select").select_option("ru")
        page.locator("form.inline[action='/language'] button").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.locator("main a[href$='/rate']").first.click()  # the open round, from the home page
        page.locator("main a[href*='/rate/']").first.click()  # the first department to rate
        scale = page.locator("fieldset.rating-question .scale").first
        expect(scale).to_contain_text("отлично")
        tops = scale.locator(".scale-option:not(.cant-judge)").evaluate_all(
            "options => options.map(o => Math.round(o.getBoundingClientRect().top))")
        assert len(tops) == 5 and len(set(tops)) == 1, tops
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()
