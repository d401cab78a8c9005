"""A metric's service chain in Chromium: a facilitator marks Support as facing the clients of NPS, opens the
chain, finds Finance two steps upstream as its weakest link on accessibility, and starts a project from it;
on a phone the page does not scroll sideways; at 200 departments axe finds no serious issue."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from app.auth.models import User
from app.dimensions.services import seed_default_dimensions
from app.metrics.services import save_metric, set_drivers
from app.ratings import services
from app.ratings.models import Round
from tests.e2e.conftest import form_ready, sign_in
from tests.e2e.test_accessibility import assert_accessible, axe_page, visit  # noqa: F401  (axe_page: a fixture)
from tests.e2e.test_looks import click_nav, overflow
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def chain_server(live_server):
    """Sales Ops serves Support, Finance serves Sales Ops (k = 3): Support's people rate Sales Ops well,
    Sales Ops' people rate Finance low on accessibility. NPS exists; nobody drives it yet."""
    with live_server.database():
        seed_default_dimensions()
        support, ops = make_department("Support", "SUP"), make_department("Sales Ops", "OPS")
        finance = make_department("Finance", "FIN")
        link(ops, support)
        link(finance, ops)
        facilitator = make_user("fac@example.com", "Fay Facilitator", support, is_facilitator=True)
        round_ = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 3,
                                     [support, ops, finance])
        services.open_round(facilitator, round_)
        keys = {rd.dimension.key: rd.dimension_id for rd in round_.dimensions}
        for n in range(3):
            for rater, target, low in ((support, ops, {}), (ops, finance, {"accessibility": 1})):
                person = make_user(f"{rater.code.lower()}{n}@example.com", department=rater)
                services.submit(person, round_, services.find_target(person, round_, f"d{target.id}"),
                                {dimension_id: low.get(key, 4) for key, dimension_id in keys.items()})
        save_metric(facilitator, None, "Net Promoter Score", "", "points", "higher", support)
        ids = {"round": round_.id, "facilitator": facilitator.id}
    for step in (services.close_round, services.publish_round):  # as the facilitator's buttons do
        with live_server.database() as session:
            step(session.get(User, ids["facilitator"]), session.get(Round, ids["round"]))
    return live_server.url


@pytest.mark.parametrize("live_server", ["sqlite", "postgresql"], indirect=True)
def test_from_a_client_facing_department_to_a_project_on_its_weakest_link(page, chain_server):
    sign_in(page, chain_server, "fac@example.com", PASSWORD)

    # The metric page: Support is marked as driving NPS by ticking it.
    click_nav(page, "Metrics")
    page.get_by_role("link", name="Net Promoter Score").click()
    drivers = page.get_by_role("group", name="Client-facing departments that drive it")
    drivers.get_by_label("Support", exact=True).check()
    page.get_by_role("button", name="Save the departments").click()
    expect(page.get_by_text("The departments that drive Net Promoter Score are saved.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Driven bySupport")

    # The chain: Finance, two steps upstream, is the weakest link, on accessibility.
    page.get_by_role("link", name="See its service chain").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Service chain: Net Promoter Score")
    weakest = page.locator("ol.weakest li").first
    expect(weakest).to_contain_text("Finance (2 steps upstream) — Accessibility 1.0")
    expect(weakest).to_contain_text("over 3 raters")
    finance = page.locator("table.chain tbody tr", has_text="Finance")
    expect(finance.locator("th")).to_contain_text("weakest link: Accessibility")
    expect(finance.locator("td").first).to_have_text("2")  # steps from the clients
    picture = page.get_by_role("img", name=re.compile("^The service chain of Net Promoter Score"))
    expect(picture).to_be_visible()
    expect(picture).to_have_accessible_name(  # its title and its description, which says it in words
        re.compile(r"Weakest links: Finance, 2 steps upstream: Accessibility 1\.0;"))
    expect(picture.locator("text", has_text="Accessibility 1.0")).to_have_count(1)

    # A project starts from it, prefilled with the weak spot, the metric and the departments on the way.
    weakest.get_by_role("link", name="Start a project for this metric").click()
    expect(page.get_by_role("heading", level=1, name="Start a project")).to_be_visible()
    form_ready(page, "Title")
    expect(page.get_by_label("Title")).to_have_value("Improve accessibility of Finance")
    expect(page.get_by_label("External-client metric")).to_have_value(
        page.get_by_label("External-client metric").locator("option", has_text="Net Promoter Score")
        .get_attribute("value"))
    taking_part = page.get_by_role("group", name="Participating departments")
    expect(taking_part.get_by_label("Sales Ops", exact=True)).to_be_checked()
    expect(taking_part.get_by_label("Support", exact=True)).to_be_checked()
    page.get_by_role("button", name="Propose the project").click()
    expect(page.get_by_text("Project Improve accessibility of Finance proposed.")).to_be_visible()
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Owner departmentFinance")
    expect(facts).to_contain_text("Net Promoter Score (higher is better)")


def test_the_chain_fits_a_phone_and_offers_a_workshop_with_its_departments(phone, chain_server):
    sign_in(phone, chain_server, "fac@example.com", PASSWORD)
    phone.goto(f"{chain_server}/metrics")
    phone.get_by_role("link", name="Net Promoter Score").click()
    phone.get_by_role("group", name="Client-facing departments that drive it").get_by_label(
        "Support", exact=True).check()
    phone.get_by_role("button", name="Save the departments").click()
    phone.get_by_role("link", name="See its service chain").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Service chain")
    assert overflow(phone) <= 0
    phone.get_by_role("link", name="Set up a workshop with this chain").click()
    taking_part = phone.get_by_role("group", name="Departments taking part")
    for name in ("Support", "Sales Ops", "Finance"):
        expect(taking_part.get_by_label(name, exact=True)).to_be_checked()


@pytest.fixture
def big_chain_server(live_server):
    """Support, which drives NPS, and 200 departments, each serving one a step nearer it (a tree five levels
    deep, 40 per level); no round published yet."""
    with live_server.database():
        support = make_department("Support", "SUP")
        facilitator = make_user("fac@example.com", "Fay Facilitator", support, is_facilitator=True)
        levels = [[support]]
        for level in range(1, 6):
            levels.append([make_department(f"Unit {level}-{i:02d}", f"U{level}{i:02d}") for i in range(40)])
            for i, department in enumerate(levels[level]):
                link(department, levels[level - 1][i % len(levels[level - 1])])
        nps = save_metric(facilitator, None, "Net Promoter Score", "", "points", "higher", support)
        set_drivers(facilitator, nps, [support])
    return live_server


@pytest.mark.parametrize("width", [1280, 375])
def test_a_chain_of_200_departments_has_no_serious_accessibility_issue(axe_page, big_chain_server, width):  # noqa: F811
    page = axe_page(viewport={"width": width, "height": 800})
    sign_in(page, big_chain_server.url, "fac@example.com", PASSWORD)
    visit(page, f"{big_chain_server.url}/chain")
    page.get_by_role("link", name="Net Promoter Score").click()
    expect(page.locator("table.chain tbody tr")).to_have_count(201)
    expect(page.get_by_text("and 28 more (see the table)")).to_have_count(5)
    assert overflow(page) <= 0
    assert_accessible(page, f"/chain at 200 departments ({width} px)")
