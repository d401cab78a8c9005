"""A trading-zone agreement in Chromium: Finance's head writes one from the tension on the service matrix,
Sales' head confirms it, a Sales employee says in the next round whether they got what was agreed, and the
agreement page shows each promise's kept-rate only where k or more answered; Finance's head then ends it;
on a phone nothing scrolls sideways."""
import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.agreements.models import Promise
from app.auth.models import User
from app.dimensions.services import seed_default_dimensions
from app.metrics.models import Metric, Reading
from app.org.models import Department
from app.ratings import services
from app.ratings.models import Round
from tests.e2e.conftest import form_ready, sign_in, swap_settled
from tests.e2e.test_looks import click_nav, overflow
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser
FIRST, SECOND = "Answer Sales within one working day", "Explain every rejected request in writing"


@pytest.fixture
def zone(live_server):
    """Finance and Sales serve each other (k = 3). In the published Spring round Sales' people rate Finance's
    accessibility 1, Finance's people rate Sales 5: a tension. Each has a head; NPS has readings."""
    with live_server.database() as session:
        seed_default_dimensions()
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        link(finance, sales)
        link(sales, finance)
        facilitator = make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
        make_user("head.finance@example.com", "Hana Head", finance, head_of=[finance])
        make_user("head.sales@example.com", "Sam Head", sales, head_of=[sales])
        make_user("erin@example.com", "Erin Employee", sales)
        nps = Metric(name="Net Promoter Score", direction="higher", unit="points")
        session.add_all([nps, Reading(metric=nps, taken_on=date(2026, 5, 1), value=31),
                         Reading(metric=nps, taken_on=date(2026, 6, 1), value=34)])
        round_ = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 3,
                                     [finance, sales])
        services.open_round(facilitator, round_)
        keys = {rd.dimension.key: rd.dimension_id for rd in round_.dimensions}
        for n in range(3):
            for rater, target, low in ((sales, finance, {"accessibility": 1}), (finance, sales, {})):
                person = make_user(f"{rater.code.lower()}{n}@example.com", department=rater)
                services.submit(person, round_, services.find_target(person, round_, f"d{target.id}"),
                                {dimension_id: low.get(key, 5) for key, dimension_id in keys.items()})
        ids = {"round": round_.id, "facilitator": facilitator.id, "finance": finance.id, "sales": sales.id}
    steps(live_server, ids["facilitator"], ids["round"], services.close_round, services.publish_round)
    return live_server, ids


def steps(live_server, facilitator_id: int, round_id: int, *moves) -> None:
    for move in moves:  # each in its own transaction, as the facilitator's buttons do
        with live_server.database() as session:
            move(session.get(User, facilitator_id), session.get(Round, round_id))


def summer(live_server, ids) -> int:
    """The next round, open, with Finance and Sales (k = 3)."""
    with live_server.database() as session:
        round_ = services.save_round(session.get(User, ids["facilitator"]), None, "Summer", date(2026, 6, 1),
                                     date(2026, 6, 30), 3, [session.get(Department, ids["finance"]),
                                                            session.get(Department, ids["sales"])])
        services.open_round(session.get(User, ids["facilitator"]), round_)
        return round_.id


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()  # before the next form is drawn


@pytest.mark.parametrize("live_server", ["sqlite", "postgresql"], indirect=True)
def test_an_agreement_s_promise_is_rated_in_a_round_and_its_kept_rate_shown_only_over_k(page, phone, zone):
    live_server, ids = zone
    base = live_server.url

    # Finance's head finds the tension on the matrix, on accessibility, and writes an agreement from it.
    sign_in(page, base, "head.finance@example.com", PASSWORD)
    click_nav(page, "Results")
    page.get_by_role("link", name="Service matrix · Spring").click()
    expect(page.get_by_label("Measure")).to_be_visible()
    swap_settled(page)  # the measure's change is sent by htmx once the new page is bound
    page.get_by_label("Measure").select_option(label="Accessibility")
    tension = page.locator("tr.tension")
    expect(tension).to_contain_text("Finance")
    tension.get_by_role("link", name="Write an agreement between Finance and Sales").click()
    expect(page.get_by_role("heading", level=1, name="Write an agreement")).to_be_visible()
    form_ready(page, "Providing department")
    expect(page.get_by_label("Providing department")).to_have_value(str(ids["finance"]))
    expect(page.get_by_label("Receiving department")).to_have_value(str(ids["sales"]))
    first = page.get_by_role("group", name="Promise 1")
    expect(first.locator("option:checked").first).to_have_text("Accessibility")
    first.get_by_label("Promise 1").fill(FIRST)
    first.get_by_label("External metric it serves").select_option(label="Net Promoter Score")
    second = page.get_by_role("group", name=re.compile("^Promise 2"))
    second.get_by_label("Promise 2").fill(SECOND)
    second.get_by_label("Dimension it improves").select_option(label="Communication")
    second.get_by_label("External metric it serves").select_option(label="Net Promoter Score")
    page.get_by_role("button", name="Draft the agreement").click()
    expect(page.get_by_text("Agreement drafted.")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm the agreement")).to_have_count(0)
    agreement_url = page.url
    sign_out(page)

    # Sales' head confirms it.
    sign_in(page, base, "head.sales@example.com", PASSWORD)
    click_nav(page, "Agreements")
    page.get_by_role("link", name="Finance").click()
    page.get_by_role("button", name="Confirm the agreement").click()
    expect(page.get_by_text("The agreement is in force")).to_be_visible()
    sign_out(page)

    # The next round: Erin, of Sales, rates Finance and answers both promises by clicking.
    round_id = summer(live_server, ids)
    sign_in(page, base, "erin@example.com", PASSWORD)
    page.goto(f"{base}/rounds/{round_id}/rate")
    page.get_by_role("link", name="Rate Finance").click()
    expect(page.get_by_role("heading", name="Did you get what was agreed?")).to_be_visible()
    for question in page.locator("fieldset.rating-question").all():
        question.locator("input[value='4']").check()
    page.get_by_role("group", name=FIRST).get_by_label("Yes").check()
    page.get_by_role("group", name=SECOND).get_by_label("Can't say").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you — Finance is ticked off your list.")).to_be_visible()
    sign_out(page)

    # Three more of Sales answer; the round closes and is published. The first promise: 4 answered
    # (yes, yes, partly, no); the second: 1 (the others could not say), under k = 3.
    with live_server.database() as session:
        round_ = session.get(Round, round_id)
        first_id, second_id = session.scalars(sa.select(Promise.id).order_by(Promise.position)).all()
        for n, kept in enumerate(("yes", "partly", "no")):
            seller = session.scalar(sa.select(User).where(User.email == f"sal{n}@example.com"))
            target = services.find_target(seller, round_, f"d{ids['finance']}")
            services.submit(seller, round_, target, {d: 3 for d in services.asked_dimensions(round_)}, "",
                            {first_id: kept, second_id: "cant_say"})
    steps(live_server, ids["facilitator"], round_id, services.close_round, services.publish_round)

    sign_in(page, base, "head.finance@example.com", PASSWORD)
    click_nav(page, "Agreements")
    page.get_by_role("link", name="Finance").click()
    expect(page.locator("table.kept-rate")).to_have_count(2)
    kept, unclear = page.locator("table.kept-rate").all()
    expect(kept.locator("tbody tr")).to_have_text(re.compile(r"Summer\s*50%\s*25%\s*25%\s*4"))
    expect(unclear.locator("tbody tr")).to_have_text(re.compile(r"Summer\s*fewer than 3 answers — not shown"))
    newest = page.locator("table.metric-readings").first.locator("tbody tr").first
    expect(newest).to_contain_text("2026-06-01")

    # On a phone the agreement page and its form do not scroll sideways.
    sign_in(phone, base, "head.finance@example.com", PASSWORD)
    for address in (agreement_url, f"{base}/agreements/new"):
        phone.goto(address)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert overflow(phone) <= 0, address

    # Finance's head ends it, after the page that asks first; its page says so, and still fits a phone.
    page.get_by_role("button", name="End this agreement").click()
    page.get_by_role("button", name="End the agreement").click()
    expect(page.get_by_text("The agreement has ended")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Ended on \d{4}-\d\d-\d\d by Hana Head"))).to_be_visible()
    expect(page.get_by_role("button", name="End this agreement")).to_have_count(0)
    phone.goto(agreement_url)
    expect(phone.get_by_text(re.compile("Ended on"))).to_be_visible()
    assert overflow(phone) <= 0
