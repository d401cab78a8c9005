"""A repeating round in Chromium with the clock moved: the facilitator makes it by clicking; the tick (the
function `flask tick --now` calls) opens it on its day, reminds those not finished once the day before it
closes, closes and publishes it, tells everyone, and prepares the next round, which the facilitator
confirms."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.auth.models import User
from app.cli import tick
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.notices.models import Notice
from app.ratings import services
from app.ratings.models import Round
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser
OPENS, CLOSES = date(2027, 1, 11), date(2027, 1, 25)  # in the future of the real clock


@pytest.fixture
def company(live_server):
    """Finance serves Sales; a head of Finance, two sellers and a clerk; the facilitator takes no part."""
    with live_server.database():
        seed_default_dimensions()
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        link(finance, sales)
        make_department("Legal", "LEG")  # not taking part
        make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
        people = {"head": make_user("head@example.com", "Hana Head", finance, head_of=[finance]),
                  "clerk": make_user("clerk@example.com", "Carl Clerk", finance),
                  "erin": make_user("erin@example.com", "Erin Seller", sales),
                  "dana": make_user("dana@example.com", "Dana Seller", sales)}
        ids = {name: person.id for name, person in people.items()}
    return live_server, ids


def moved_tick(live_server, now: datetime) -> list[str]:
    with live_server.database():
        return tick(now)


def notices_to(live_server, kind: str) -> list[int]:
    with live_server.database() as session:
        return sorted(session.scalars(sa.select(Notice.user_id).where(Notice.kind == kind)))


@pytest.mark.parametrize("live_server", ["sqlite", "postgresql"], indirect=True)
def test_a_repeating_round_runs_itself_and_prepares_the_next(page, company):
    live_server, ids = company
    base = live_server.url
    sign_in(page, base, "fac@example.com", PASSWORD)
    page.get_by_role("link", name="Rating rounds", exact=True).click()
    page.get_by_role("link", name="New round").click()
    page.get_by_label("Name").fill("Pulse")
    page.get_by_label("Opens on").fill(OPENS.isoformat())
    page.get_by_label("Closes on").fill(CLOSES.isoformat())
    page.get_by_label("Reporting threshold k").fill("3")
    page.get_by_label("Finance").check()
    page.get_by_label("Sales").check()
    page.get_by_label("Publish the results as soon as the round closes").check()
    page.get_by_label("Repeat").select_option(label="Every quarter")
    page.get_by_role("button", name="Create the round").click()
    expect(page.get_by_text("Round Pulse saved.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Every quarter")
    expect(page.locator(".by-itself")).to_contain_text("Opens by itself on Jan 11, 2027 (UTC).")
    taking_part = sorted(ids.values())

    # Its opening day: open, and each person taking part is told.
    assert moved_tick(live_server, datetime(2027, 1, 11, 6)) == ["Opened Pulse"]
    page.reload()  # as a person looks again later
    expect(page.locator("h1 .round-state")).to_have_text("open")
    expect(page.get_by_role("button", name="Close the round")).to_be_visible()
    assert notices_to(live_server, "round_opened") == taking_part

    # Erin finishes her list; the day before closing, the others are reminded, once.
    with live_server.database():
        round_ = db.session.scalar(sa.select(Round).where(Round.name == "Pulse"))
        erin = db.session.get(User, ids["erin"])
        asked = {rd.dimension_id: 4 for rd in round_.dimensions}
        for target in services.targets_for(erin, round_):
            services.submit(erin, round_, target, asked)
    assert moved_tick(live_server, datetime(2027, 1, 24, 9)) == ["Reminded Pulse: 3 people"]
    assert moved_tick(live_server, datetime(2027, 1, 24, 17)) == []
    assert notices_to(live_server, "reminder") == sorted([ids["head"], ids["clerk"], ids["dana"]])

    # Past its closing day: closed, published, everyone told, and the next round prepared.
    assert moved_tick(live_server, datetime(2027, 1, 26, 0, 5)) == [
        "Closed Pulse", "Published Pulse", "Prepared Pulse (2027-04)"]
    assert moved_tick(live_server, datetime(2027, 1, 26, 0, 6)) == []
    page.reload()  # as a person looks again later
    expect(page.locator("h1 .round-state")).to_have_text("published")
    assert notices_to(live_server, "results_for_head") == [ids["head"]]
    assert notices_to(live_server, "results_for_rater") == [ids["erin"]]

    # The facilitator finds the prepared round, checks it, and confirms it.
    page.get_by_role("link", name="All rounds").click()
    page.get_by_role("link", name="Pulse (2027-04)").click()
    banner = page.locator(".prepared-round")
    expect(banner).to_contain_text("Prepared from Pulse — check the departments and dates, then confirm.")
    expect(page.locator(".facts")).to_contain_text("Apr 11, 2027")
    expect(page.locator(".facts")).to_contain_text("Apr 25, 2027")
    expect(page.locator(".facts")).to_contain_text("Finance, Sales")
    expect(page.get_by_role("button", name="Open the round")).to_have_count(0)
    page.get_by_role("button", name="Confirm the next round").click()
    expect(page.get_by_text("The round is confirmed")).to_be_visible()
    expect(banner).to_have_count(0)
    expect(page.locator(".by-itself")).to_contain_text("Opens by itself on Apr 11, 2027 (UTC).")
    assert moved_tick(live_server, datetime(2027, 4, 11, 6)) == ["Opened Pulse (2027-04)"]
