"""A whole round in Chromium: an employee rates three targets (one without JavaScript), the facilitator
closes and publishes, the head of the rated department reads the scorecard."""
from datetime import date

import pytest
from playwright.sync_api import expect

from app.dimensions.services import seed_default_dimensions
from app.ratings import services
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser
LOW = {"accessibility": 1, "communication": 2}


@pytest.fixture
def journey(live_server):
    """Finance serves Sales and IT; IT and HR serve Sales. k = 3. Colleagues have already answered."""
    with live_server.database():
        seed_default_dimensions()
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        it, hr = make_department("IT", "IT"), make_department("Human Resources", "HR")
        for provider, client in ((finance, sales), (finance, it), (it, sales), (hr, sales)):
            link(provider, client)
        facilitator = make_user("fac@example.com", "Fay Facilitator", hr, is_facilitator=True)
        make_user("head.finance@example.com", "Hana Head", finance, head_of=[finance])
        make_user("employee@example.com", "Erin Employee", sales)
        round_ = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 3,
                                     [finance, sales, it, hr])
        services.open_round(facilitator, round_)
        by_key = {rd.dimension.key: rd.dimension_id for rd in round_.dimensions}

        def answer(person, key, scores):
            services.submit(person, round_, services.find_target(person, round_, key),
                            {dimension_id: scores.get(k, 4) for k, dimension_id in by_key.items()})

        for n in range(3):  # Finance's clients find it hard to reach and to understand
            answer(make_user(f"seller{n}@example.com", department=sales), f"d{finance.id}", LOW)
            answer(make_user(f"tech{n}@example.com", department=it), f"d{finance.id}", LOW)
            answer(make_user(f"clerk{n}@example.com", department=finance), "self", {})  # "we are fine"
        ids = {"round": round_.id, "finance": finance.id, "it": it.id, "hr": hr.id}
    return live_server.url, ids


def answer_everything(tab, value: str) -> None:
    for question in tab.locator("fieldset.rating-question").all():
        question.locator(f"input[value='{value}']").check()


def test_from_rating_to_the_scorecard(browser, page, no_js_page, journey):
    base, ids = journey
    # The employee rates Finance and IT with JavaScript...
    sign_in(page, base, "employee@example.com", PASSWORD)
    page.goto(f"{base}/rounds/{ids['round']}/rate")
    for name, value in (("Finance", "2"), ("IT", "4")):
        page.get_by_role("link", name=f"Rate {name}").click()
        expect(page.get_by_role("heading", level=1, name=f"Rate {name}")).to_be_visible()
        answer_everything(page, value)
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_text(f"Thank you — {name} is ticked off your list.")).to_be_visible()
    expect(page.locator("label", has_text="2 of 5 done")).to_be_visible()
    # ...and Human Resources without: plain forms, full page loads.
    sign_in(no_js_page, base, "employee@example.com", PASSWORD)
    no_js_page.goto(f"{base}/rounds/{ids['round']}/rate")
    no_js_page.get_by_role("link", name="Rate Human Resources").click()
    expect(no_js_page.get_by_role("heading", level=1, name="Rate Human Resources")).to_be_visible()
    answer_everything(no_js_page, "3")
    no_js_page.get_by_role("button", name="Send my answers").click()
    expect(no_js_page.get_by_text("Thank you — Human Resources is ticked off your list.")).to_be_visible()
    expect(no_js_page.locator("label", has_text="3 of 5 done")).to_be_visible()

    # The facilitator closes (with JavaScript) and publishes (without): each asks first, on a page.
    facilitator = browser.new_context().new_page()
    sign_in(facilitator, base, "fac@example.com", PASSWORD)
    facilitator.goto(f"{base}/rounds/{ids['round']}")
    facilitator.get_by_role("button", name="Close the round").click()
    expect(facilitator.get_by_role("heading", level=1, name="Close Spring?")).to_be_visible()
    expect(facilitator.get_by_text("This cannot be undone.")).to_be_visible()
    facilitator.get_by_role("link", name="Cancel").click()
    # back on the round page (the confirm page's button has the same name, so wait for its heading to go)
    expect(facilitator.get_by_role("heading", level=1, name="Close Spring?")).to_have_count(0)
    expect(facilitator.get_by_role("button", name="Close the round")).to_be_visible()  # still open
    facilitator.get_by_role("button", name="Close the round").click()
    # the confirm page's own button, once it has replaced the round page's (same name)
    expect(facilitator.get_by_role("heading", level=1, name="Close Spring?")).to_be_visible()
    facilitator.get_by_role("button", name="Close the round").click()
    expect(facilitator.get_by_role("button", name="Publish the results")).to_be_visible()
    without_js = browser.new_context(java_script_enabled=False).new_page()
    sign_in(without_js, base, "fac@example.com", PASSWORD)
    without_js.goto(f"{base}/rounds/{ids['round']}")
    without_js.get_by_role("button", name="Publish the results").click()
    expect(without_js.get_by_role("heading", level=1, name="Publish the results of Spring?")).to_be_visible()
    without_js.get_by_role("button", name="Publish the results").click()
    expect(without_js.get_by_text("The results are published")).to_be_visible()
    expect(without_js.get_by_role("button", name="Publish the results")).to_have_count(0)

    # The head of Finance reads the scorecard: the weakest dimensions and the blind spot.
    head = browser.new_context().new_page()
    sign_in(head, base, "head.finance@example.com", PASSWORD)
    head.get_by_role("link", name="Results").first.click()
    head.goto(f"{base}/results/{ids['round']}/departments/{ids['finance']}")
    weakest = head.locator("ol.weakest li")
    expect(weakest.first).to_contain_text("Accessibility")
    expect(weakest.nth(1)).to_contain_text("Communication")
    accessibility = head.locator("tr", has=head.get_by_role("rowheader", name="Accessibility"))
    expect(accessibility).to_contain_text("blind spot")
    # Human Resources was rated by one person only (k = 3): no figure of it anywhere.
    head.goto(f"{base}/results/{ids['round']}")
    hr_row = head.locator("tr", has=head.get_by_role("rowheader", name="Human Resources")).first  # heatmap
    expect(hr_row).to_contain_text("not enough responses")
    expect(hr_row).not_to_contain_text("3.0")
