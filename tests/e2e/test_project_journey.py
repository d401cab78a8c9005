"""An improvement project in Chromium: the head of Finance starts one from the weakest dimension of the
scorecard, adds Sales, links NPS, starts it, adds an overdue task and ticks it done, adds readings and reads
"did it move?" (a check-in without JavaScript)."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.auth.models import User
from app.dimensions.models import Dimension
from app.dimensions.services import seed_default_dimensions
from app.metrics.services import record_reading, save_metric
from app.projects.services import ProjectData, save_project, weak_spot
from app.ratings import services
from app.ratings.models import Round
from tests.e2e.conftest import form_ready, sign_in
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser
LOW = {"accessibility": 1, "communication": 2}
BEFORE = ((30, 28.0), (20, 30.0), (10, 32.0))  # (days ago, NPS): the baseline is their mean, 30


@pytest.fixture
def journey(live_server):
    """Finance serves Sales and IT (k = 3); its clients rated it low on accessibility and communication.
    NPS, owned by Finance, has three readings before today."""
    with live_server.database():
        seed_default_dimensions()
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        it = make_department("IT", "IT")
        link(finance, sales)
        link(finance, it)
        facilitator = make_user("fac@example.com", "Fay Facilitator", it, is_facilitator=True)
        make_user("head.finance@example.com", "Hana Head", finance, head_of=[finance])
        round_ = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 3,
                                     [finance, sales, it])
        services.open_round(facilitator, round_)
        by_key = {rd.dimension.key: rd.dimension_id for rd in round_.dimensions}

        def answer(person, key, scores):
            services.submit(person, round_, services.find_target(person, round_, key),
                            {dimension_id: scores.get(k, 4) for k, dimension_id in by_key.items()})

        for n in range(3):
            answer(make_user(f"seller{n}@example.com", department=sales), f"d{finance.id}", LOW)
            answer(make_user(f"tech{n}@example.com", department=it), f"d{finance.id}", LOW)
            answer(make_user(f"clerk{n}@example.com", department=finance), "self", {})
        metric = save_metric(facilitator, None, "Net Promoter Score", "", "points", "higher", finance)
        for days_ago, value in BEFORE:
            record_reading(facilitator, metric, date.today() - timedelta(days=days_ago), value)
        ids = {"round": round_.id, "finance": finance.id, "metric": metric.id, "facilitator": facilitator.id}
    for step in (services.close_round, services.publish_round):  # as the facilitator's buttons do
        with live_server.database() as session:
            step(session.get(User, ids["facilitator"]), session.get(Round, ids["round"]))
    return live_server.url, ids


def test_from_weak_spot_to_did_it_move(page, no_js_page, journey):
    base, ids = journey
    sign_in(page, base, "head.finance@example.com", PASSWORD)

    # The scorecard: Accessibility is the weakest dimension; a project starts from it.
    page.goto(f"{base}/results/{ids['round']}/departments/{ids['finance']}")
    expect(page.get_by_role("heading", level=1, name="Scorecard: Finance")).to_be_visible()
    weakest = page.locator("ol.weakest li")
    expect(weakest.first).to_contain_text("Accessibility")
    weakest.first.get_by_role("link", name="Start a project").click()

    # The form comes prefilled from the weak spot.
    expect(page.get_by_role("heading", level=1, name="Start a project")).to_be_visible()
    form_ready(page, "Title")
    expect(page.get_by_text("Started from a weak spot: Accessibility of Finance in Spring.")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Improve accessibility of Finance")
    expect(page.get_by_label("Evidence, in your own words")).to_have_value("")  # no figure copied there
    expect(page.get_by_label("Owner department")).to_have_value(str(ids["finance"]))
    page.get_by_role("group", name="Participating departments").get_by_label("Sales", exact=True).check()
    page.get_by_label("External-client metric").select_option(label="Net Promoter Score (higher is better)")
    page.get_by_label("Target value").fill("40")
    target_date = date.today() + timedelta(days=90)
    page.get_by_label("Target date").fill(target_date.isoformat())
    page.get_by_role("button", name="Propose the project").click()

    # The project page: proposed, owned by Finance, with Sales taking part.
    title_text = "Improve accessibility of Finance"
    title = page.get_by_role("heading", level=1, name=title_text)
    expect(title).to_be_visible()
    expect(page.get_by_text("Project Improve accessibility of Finance proposed.")).to_be_visible()
    expect(title.locator(".badge")).to_have_text("proposed")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Owner departmentFinance")
    expect(facts).to_contain_text("Participating departmentsSales")
    expect(facts).to_contain_text("Net Promoter Score (higher is better)")
    expect(facts).to_contain_text(f"40 by {target_date.isoformat()}")
    project_url = page.url
    # Where it started: Finance's head may read Finance's results, so the figures are read for them.
    started = page.locator("#where-it-started")
    expect(started).to_contain_text("Accessibility of Finance · Spring")
    expect(started.locator("#source-figures")).to_contain_text("1.0 from 6 raters")

    # Start it: the baseline is the mean of the last three readings before the start.
    page.get_by_role("button", name="Start", exact=True).click()
    expect(page.get_by_text("The project is now active.")).to_be_visible()
    expect(title.locator(".badge")).to_have_text("active")
    did_it_move = page.locator("#did-it-move")
    expect(did_it_move).to_contain_text(
        "Baseline: 30 — mean of the last 3 readings before the start.")
    expect(did_it_move).to_contain_text(f"{(date.today() - timedelta(days=30)).isoformat()}: 28")
    expect(page.locator("#verdict")).to_have_text(
        f"Too early: no reading since the expected lag ended on {date.today().isoformat()}.")

    # A task, due yesterday, is overdue in words (not by colour alone); ticking it done in place keeps the
    # focus on its button and clears the count.
    tasks = page.locator("#tasks")
    tasks.get_by_label("Task").fill("Publish Finance's help-desk hours")
    tasks.get_by_label("Owner").select_option(label="Hana Head")
    tasks.get_by_label("Due date").fill((date.today() - timedelta(days=1)).isoformat())
    tasks.get_by_role("button", name="Add the task").click()
    expect(tasks.get_by_role("status")).to_have_text("Task added.")
    expect(page.locator("#tasks-overdue")).to_have_text("1 task overdue")
    task = tasks.locator("li.task").first
    expect(task.locator(".badge")).to_have_text("overdue")
    tick = task.locator("button[id$='-tick']")
    expect(tick).to_have_text("Done: Publish Finance's help-desk hours")
    tick_id = tick.get_attribute("id")
    tick.click()
    expect(page.locator("#tasks-overdue")).to_have_count(0)
    undo = page.locator(f"#{tick_id}")
    expect(undo).to_have_text("Undo: Publish Finance's help-desk hours")
    expect(undo).to_be_focused()
    assert task.locator("s").evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"

    # The head adds readings since the start on the metric page (Finance owns NPS): today and tomorrow
    # (a reading may be dated up to one day ahead).
    page.goto(f"{base}/metrics/{ids['metric']}")
    expect(page.get_by_role("heading", level=1, name="Net Promoter Score")).to_be_visible()
    for day, value in ((date.today(), "33"), (date.today() + timedelta(days=1), "35")):
        page.get_by_label("Date").fill(day.isoformat())
        page.get_by_label("Value").fill(value)
        page.get_by_role("button", name="Save the reading").click()
        expect(page.get_by_role("status")).to_have_text(f"Reading of {day.isoformat()} added.")
        expect(page.get_by_role("rowheader", name=day.isoformat())).to_be_visible()

    # Did it move? From 30 to 34 (the mean of the readings since the start): 40 % of the way to 40.
    page.goto(project_url)
    expect(title).to_be_visible()
    expect(page.locator("#movement")).to_have_text(
        "The metric moved by +4 since the start (from 30 to 34); other things may have moved it too.")
    expect(page.locator(".share-text")).to_have_text("40%")
    expect(page.locator("#progress-state")).to_have_text(
        "40% of the way from baseline to target covered so far.")
    # Three readings before the start are too few to know the metric's trend: nobody is told it moved.
    expect(page.locator("#verdict")).to_have_text(
        "Can't tell: 3 readings before the start, too few to know its trend (6 are needed).")
    chart = did_it_move.locator("svg").filter(visible=True)  # the wide drawing; phones get a narrow one
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("Net Promoter Score: readings, baseline and target")

    # A check-in without JavaScript: a plain form and a full page load.
    sign_in(no_js_page, base, "head.finance@example.com", PASSWORD)
    no_js_page.goto(project_url)
    expect(no_js_page.get_by_role("heading", level=1, name=title_text)).to_be_visible()
    no_js_page.get_by_label("On track").check()
    no_js_page.get_by_label("What was done").fill("Opened a Finance help desk for Sales.")
    no_js_page.get_by_role("button", name="Add the check-in").click()
    expect(no_js_page.get_by_text("Check-in added.")).to_be_visible()
    expect(no_js_page.locator("#check-ins li").first).to_contain_text("Opened a Finance help desk for Sales.")
    expect(no_js_page.locator("#check-ins li .badge").first).to_have_text("on track")


def test_a_rater_sees_what_came_of_it_and_the_heads_response(page, journey, live_server):
    """"You said — we did": a seller who rated Finance finds Finance's weakest dimension, the project started
    from it, and the response Finance's head wrote there (saved in place)."""
    base, ids = journey
    with live_server.database() as session:
        head = session.scalar(sa.select(User).where(User.email == "head.finance@example.com"))
        seller = session.scalar(sa.select(User).where(User.email == "seller0@example.com"))
        accessibility = session.scalar(sa.select(Dimension).where(Dimension.key == "accessibility"))
        source = weak_spot(session.get(Round, ids["round"]), head.department, accessibility)
        data = ProjectData(title="Open a Finance help desk", source=source, owner_department=head.department,
                           departments=[seller.department])
        save_project(head, None, data)

    sign_in(page, base, "head.finance@example.com", PASSWORD)
    page.get_by_role("link", name="You said — we did").click()
    finance = page.locator(f"#card-{ids['finance']}")
    expect(finance.locator("h2")).to_contain_text("your department")
    finance.get_by_text("Respond").first.click()
    finance.get_by_label("The department's response").first.fill("A help desk opens on Mondays.")
    finance.get_by_role("button", name="Save the response").first.click()
    expect(finance.get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Sign out", exact=True).click()
    # signed out before the next sign-in loads its form (else the form's token is the old session's)
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    sign_in(page, base, "seller0@example.com", PASSWORD)
    page.get_by_role("link", name="You said — we did").click()
    finance = page.locator(f"#card-{ids['finance']}")
    expect(finance.locator("h2")).to_contain_text("rated by your department")
    weakest = finance.locator("ol li").first
    expect(weakest).to_contain_text("Accessibility")
    expect(weakest.get_by_role("link", name="Open a Finance help desk")).to_be_visible()
    expect(weakest.locator(".response")).to_contain_text("A help desk opens on Mondays.")
    expect(weakest).not_to_contain_text("Respond")  # a seller cannot answer for Finance
