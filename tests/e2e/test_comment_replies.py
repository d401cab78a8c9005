"""A reply reaches its anonymous author and nobody else, in Chromium: an employee comments on Finance and
notes the code from the thank-you; the facilitator closes and publishes; Finance's head replies on the
scorecard; the next day the employee reads the reply with the code and answers once; a colleague's wrong
code opens nothing; the day after, the head reads the answer. The replies' clock is moved day by day."""
import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.dimensions.services import seed_default_dimensions
from app.ratings import services
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}")


@pytest.fixture
def company(live_server):
    """Finance serves Sales; k = 3; two sellers have rated Finance already, without comments."""
    with live_server.database():
        seed_default_dimensions()
        finance, sales = make_department("Finance", "FIN"), make_department("Sales", "SAL")
        link(finance, sales)
        facilitator = make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
        make_user("head.finance@example.com", "Hana Head", finance, head_of=[finance])
        make_user("erin@example.com", "Erin Seller", sales)
        make_user("olga@example.com", "Olga Seller", sales)
        round_ = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 3,
                                     [finance, sales])
        services.open_round(facilitator, round_)
        for n in range(2):
            seller = make_user(f"seller{n}@example.com", department=sales, password=None)
            services.submit(seller, round_, services.find_target(seller, round_, f"d{finance.id}"),
                            {rd.dimension_id: 3 for rd in round_.dimensions})
    return live_server.url


def answer_everything(tab, value: str) -> None:
    for question in tab.locator("fieldset.rating-question").all():
        question.locator(f"input[value='{value}']").check()


def open_replies_page(tab) -> None:
    tab.get_by_role("link", name="Home", exact=True).click()  # the menu as it is now
    tab.get_by_role("link", name="You said — we did").first.click()
    tab.get_by_role("link", name="Replies to my comments").click()
    expect(tab.get_by_role("heading", level=1, name="Replies to my comments")).to_be_visible()


def overflow(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_a_reply_reaches_its_anonymous_author_and_nobody_else(browser, page, phone, company, monkeypatch):
    base = company
    today = datetime.now().replace(hour=12)
    days = {"now": today}
    monkeypatch.setattr("app.replies.services.utcnow", lambda: days["now"])

    # Erin rates Finance with a comment and notes the code the thank-you shows her, once.
    sign_in(page, base, "erin@example.com", PASSWORD)
    page.get_by_role("link", name="Spring").first.click()
    page.get_by_role("link", name="Rate Finance").click()
    expect(page.get_by_role("heading", level=1, name="Rate Finance")).to_be_visible()
    answer_everything(page, "2")
    page.get_by_label("Comment (optional)").fill("Invoices reach us a week late.")
    page.get_by_role("button", name="Send my answers").click()
    thanks = page.get_by_text("Thank you — Finance is ticked off your list.")
    expect(thanks).to_be_visible()
    code = CODE.search(thanks.inner_text()).group(0)

    # The facilitator closes the round and publishes its results, by clicking.
    facilitator = browser.new_context().new_page()
    sign_in(facilitator, base, "fac@example.com", PASSWORD)
    facilitator.get_by_role("link", name="Rating rounds", exact=True).click()
    facilitator.get_by_role("link", name="Spring").first.click()
    facilitator.get_by_role("button", name="Close the round").click()
    expect(facilitator.get_by_role("heading", level=1, name="Close Spring?")).to_be_visible()
    facilitator.get_by_role("button", name="Close the round").click()
    facilitator.get_by_role("button", name="Publish the results").click()
    expect(facilitator.get_by_role("heading", level=1, name="Publish the results of Spring?")).to_be_visible()
    facilitator.get_by_role("button", name="Publish the results").click()
    expect(facilitator.get_by_text("The results are published")).to_be_visible()

    # Finance's head opens the scorecard and replies under the comment.
    head = browser.new_context().new_page()
    sign_in(head, base, "head.finance@example.com", PASSWORD)
    head.get_by_role("link", name="Results", exact=True).first.click()
    head.get_by_role("link", name="Scorecard: Finance").first.click()
    comment = head.locator(".comment-thread", has_text="Invoices reach us a week late.")
    comment.get_by_text("Reply", exact=True).click()
    comment.get_by_label("We will act").check()
    comment.get_by_label("A few words (optional)").fill("We now send invoices the same day.")
    comment.get_by_role("button", name="Send the reply").click()
    expect(comment).to_contain_text("released to its author tomorrow with the day's other replies")
    expect(comment.get_by_role("button", name="Send the reply")).to_have_count(0)

    # The same day, Erin's code shows her comment and no reply yet.
    open_replies_page(page)
    page.get_by_label("Your reply code").fill(code)
    page.get_by_role("button", name="Show the reply").click()
    expect(page.get_by_text("Invoices reach us a week late.")).to_be_visible()
    expect(page.get_by_text("No reply yet.")).to_be_visible()

    # The next day Erin reads the reply and answers it, once.
    days["now"] = today + timedelta(days=1)
    open_replies_page(page)
    page.get_by_label("Your reply code").fill(code.lower().replace("-", " "))  # typed loosely
    page.get_by_role("button", name="Show the reply").click()
    expect(page.get_by_text("Finance's reply: We will act")).to_be_visible()
    expect(page.get_by_text("We now send invoices the same day.")).to_be_visible()
    page.get_by_label("Your answer").fill("Thank you — they come on time now.")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Your answer is sent.")).to_be_visible()
    expect(page.get_by_role("button", name="Send my answer")).to_have_count(0)

    # Olga, with a code that is not one, sees nothing of it.
    olga = browser.new_context().new_page()
    sign_in(olga, base, "olga@example.com", PASSWORD)
    open_replies_page(olga)
    olga.get_by_label("Your reply code").fill(code[:-1] + ("0" if code[-1] != "0" else "1"))
    olga.get_by_role("button", name="Show the reply").click()
    expect(olga.get_by_text("No released comment has this code.")).to_be_visible()
    expect(olga.get_by_text("Invoices reach us a week late.")).to_have_count(0)
    expect(olga.get_by_text("We now send invoices the same day.")).to_have_count(0)

    # On a phone the page fits its width, the reply shown.
    phone.goto(f"{base}/replies")
    phone.get_by_label("Your reply code").fill(code)
    phone.get_by_role("button", name="Show the reply").click()
    expect(phone.get_by_text("Thank you — they come on time now.")).to_be_visible()
    assert overflow(phone) <= 0, f"{overflow(phone)} px wider than the phone"

    # The head reads the answer from the day after it was written.
    head.reload()
    expect(head.get_by_text("Thank you — they come on time now.")).to_have_count(0)
    days["now"] = today + timedelta(days=2)
    head.reload()
    expect(comment).to_contain_text("The author's answer")
    expect(comment).to_contain_text("Thank you — they come on time now.")
