"""Rating rounds in a real browser: rating with htmx and without JavaScript, skipping in place, axe-core."""
from datetime import date

import pytest
from playwright.sync_api import expect

from app.dimensions.services import seed_default_dimensions
from app.ratings import services
from tests.e2e.conftest import form_ready, sign_in
from tests.e2e.test_accessibility import assert_accessible, axe_page, visit  # noqa: F401  (axe_page: a fixture)
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def round_server(live_server):
    """Finance and IT serve Sales; HR serves nobody; an open round and a draft; a facilitator, an employee."""
    with live_server.database():
        seed_default_dimensions()
        finance, sales, it = make_department("Finance", "FIN"), make_department("Sales", "SAL"), \
            make_department("IT", "IT")
        hr = make_department("Human Resources", "HR")  # takes part, serves nobody: can be added
        link(finance, sales)
        link(it, sales)
        facilitator = make_user("fac@example.com", "Fay Facilitator", finance, is_facilitator=True)
        make_user("employee@example.com", "Erin Employee", sales)
        spring = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 5,
                                     [finance, sales, it, hr])
        services.open_round(facilitator, spring)
        draft = services.save_round(facilitator, None, "Autumn", date(2026, 9, 1), date(2026, 9, 30), 5,
                                    [finance, sales])
        ids = {"spring": spring.id, "draft": draft.id, "finance": finance.id}
    return live_server.url, ids


def answer_everything(tab, value: str) -> None:
    for question in tab.locator("fieldset.rating-question").all():
        question.locator(f"input[value='{value}']").check()


def test_rating_with_htmx(page, round_server):
    base, ids = round_server
    sign_in(page, base, "employee@example.com", PASSWORD)
    page.goto(f"{base}/rounds/{ids['spring']}/rate")
    expect(page.locator("label", has_text="0 of 4 done")).to_be_visible()
    page.get_by_role("link", name="Rate Finance").click()
    expect(page.get_by_role("heading", level=1, name="Rate Finance")).to_be_visible()

    page.evaluate("window.__marker = 1")  # a page load would wipe it out; an htmx swap keeps it
    page.locator("fieldset.rating-question").first.locator("input[value='3']").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Some questions have no answer yet.")).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    expect(page.locator("fieldset.rating-question").first.locator("input[value='3']")).to_be_checked()

    answer_everything(page, "4")
    page.get_by_label("Comment (optional)").fill("Quick and friendly")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you — Finance is ticked off your list.")).to_be_visible()
    expect(page.locator("label", has_text="1 of 4 done")).to_be_visible()
    assert page.url == f"{base}/rounds/{ids['spring']}/rate"

    # Skip is not beside Rate on the list: it is on the department's own page, below its questions.
    expect(page.get_by_role("button", name="Skip — I did not deal with them")).to_have_count(0)
    page.evaluate("window.__marker = 2")
    page.get_by_role("link", name="Rate IT").click()
    page.get_by_role("button", name="Skip — I did not deal with them").click()
    expect(page.get_by_text("Thank you — IT is ticked off your list.")).to_be_visible()
    expect(page.locator("label", has_text="2 of 4 done")).to_be_visible()
    assert page.evaluate("window.__marker") == 2

    # Skipped by mistake: the department's page undoes the skip, and it can be rated after all.
    page.get_by_role("link", name="IT", exact=True).click()
    page.get_by_role("button", name="Undo the skip").click()
    expect(page.get_by_text("The skip is undone: rate IT now, or skip it again.")).to_be_visible()
    answer_everything(page, "2")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("label", has_text="2 of 4 done")).to_be_visible()
    page.get_by_role("link", name="Finance", exact=True).click()  # a rating is final: nothing to undo
    expect(page.get_by_text("Answers are final")).to_be_visible()
    expect(page.get_by_role("button", name="Undo the skip")).to_have_count(0)


def test_rating_without_javascript(no_js_page, round_server):
    tab, (base, ids) = no_js_page, round_server
    sign_in(tab, base, "employee@example.com", PASSWORD)
    tab.goto(f"{base}/rounds/{ids['spring']}/rate")
    tab.get_by_label("Department", exact=True).select_option(label="Human Resources")
    tab.get_by_role("button", name="Rate this department").click()
    expect(tab.get_by_role("heading", level=1, name="Rate Human Resources")).to_be_visible()
    tab.get_by_role("button", name="Send my answers").click()
    expect(tab.get_by_text("Some questions have no answer yet.")).to_be_visible()
    answer_everything(tab, "0")
    tab.get_by_role("button", name="Send my answers").click()
    expect(tab.get_by_text("Thank you — Human Resources is ticked off your list.")).to_be_visible()
    tab.get_by_role("link", name="Rate The company").click()
    answer_everything(tab, "2")
    tab.get_by_role("button", name="Send my answers").click()
    expect(tab.locator("label", has_text="1 of 4 done")).to_be_visible()


@pytest.mark.parametrize("who,paths", [
    ("fac@example.com", ["/rounds", "/rounds/new", "/rounds/{spring}", "/rounds/{spring}/edit",
                         "/rounds/{draft}", "/rounds/{draft}/edit"]),
    ("employee@example.com", ["/rounds/{spring}/rate", "/rounds/{spring}/rate/d{finance}",
                              "/rounds/{spring}/rate/self", "/rounds/{draft}/rate"]),
])
def test_pages_are_accessible(axe_page, round_server, who, paths):  # noqa: F811
    base, ids = round_server
    page = axe_page()
    sign_in(page, base, who, PASSWORD)
    for path in paths:
        visit(page, base + path.format(**ids))
        assert_accessible(page, path)
    if who == "fac@example.com":
        visit(page, f"{base}/rounds/{ids['spring']}")
        page.get_by_role("button", name="Remind them").click()
        expect(page.get_by_role("heading", level=1, name="Remind by hand")).to_be_visible()
        assert_accessible(page, "reminder list")
    else:
        visit(page, f"{base}/rounds/{ids['spring']}/rate/self")
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_text("Some questions have no answer yet.")).to_be_visible()
        assert_accessible(page, "rating form with errors")


def test_a_new_round_starts_from_the_last_and_every_department_is_one_click_away(page, round_server):
    base, _ids = round_server
    sign_in(page, base, "fac@example.com", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rating rounds").click()
    page.get_by_role("link", name="New round").click()
    form_ready(page, "Name")
    departments = page.get_by_role("group", name="Departments taking part")
    expect(departments.get_by_text("Ticked: the departments of Autumn.")).to_be_visible()
    expect(departments.get_by_label("Human Resources")).not_to_be_checked()  # Autumn left HR out
    page.get_by_label("Name").fill("Winter")
    departments.get_by_role("link", name="Tick every department").click()
    for box in departments.get_by_role("checkbox").all():
        expect(box).to_be_checked()
    expect(page.get_by_label("Name")).to_have_value("Winter")  # ticked in place: nothing typed is lost
    departments.get_by_role("link", name="Untick all").click()
    for box in departments.get_by_role("checkbox").all():
        expect(box).not_to_be_checked()
