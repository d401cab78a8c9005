"""The external mirror and complaints in a workshop's review, in Chromium: on the demo, the company view's
"In its clients' eyes" shows competence as the blind spot, on a desktop and on a phone; a facilitator
moves a workshop to its review, loads the complaints its departments' service feeds as cards by clicking,
and sees the cards; neither page scrolls sideways at 375 px."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from app.complaints.services import import_complaints, parse_complaints_csv, save_category
from app.demo import DEMO_PASSWORD
from app.dimensions.services import ordered, seed_default_dimensions
from app.ratings import services
from app.workshops.services import save_workshop
from tests.e2e.conftest import sign_in
from tests.e2e.test_looks import click_nav, overflow
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser


def open_mirror(page, base_url: str) -> None:
    sign_in(page, base_url, "facilitator@example.com", DEMO_PASSWORD)
    click_nav(page, "Results")
    page.get_by_role("link", name="Company view · Spring 2026").click()
    page.get_by_role("link", name="In its clients' eyes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "The company in its clients' eyes and in its own")


def test_the_company_view_shows_its_blind_spot_in_its_clients_eyes(page, demo):
    open_mirror(page, demo)
    findings = page.locator("ul.mirror-findings li")
    expect(findings).to_have_count(1)
    expect(findings).to_contain_text(
        re.compile(r"Competence:\s+blind spot — the company thinks better of its service than its clients"))
    competence = page.locator("table.mirror tbody tr", has_text="Competence")
    expect(competence.locator("td").last).to_have_text("blind spot")
    picture = page.get_by_role("img", name=re.compile("^The company in its own people's eyes"))
    expect(picture).to_be_visible()
    expect(picture).to_have_accessible_name(re.compile(r"Competence: blind spot: Its own people 3\.\d"))


def test_the_mirror_fits_a_phone(phone, demo):
    open_mirror(phone, demo)
    expect(phone.locator("ul.mirror-findings li")).to_have_count(1)
    assert overflow(phone) <= 0


@pytest.fixture
def review_server(live_server):
    """Finance serves Support, which received four complaints in the March round's dates (three about late
    invoices); a workshop of Finance and Support working from that round, not started."""
    with live_server.database():
        seed_default_dimensions()
        support, finance = make_department("Support", "SUP"), make_department("Finance", "FIN")
        link(finance, support)
        facilitator = make_user("fac@example.com", "Fay Facilitator", finance, is_facilitator=True)
        admin = make_user("admin@example.com", "Ada Admin", is_admin=True)
        save_category(admin, None, "Late invoice", ordered()[0], None)
        save_category(admin, None, "Rude answer", ordered()[2], None)
        round_ = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 3,
                                     [support, finance])
        import_complaints(facilitator, parse_complaints_csv(
            "date;category;department\n" + "2026-03-03;Late invoice;SUP\n" * 3
            + "2026-03-04;Rude answer;SUP\n"))
        people = [make_user("ann@example.com", "Ann", finance), make_user("sue@example.com", "Sue", support)]
        save_workshop(facilitator, None, "Invoices", date(2026, 4, 2), round_, [support, finance], people, 3,
                      False, False)
    return live_server.url


@pytest.mark.parametrize("live_server", ["sqlite", "postgresql"], indirect=True)
def test_a_facilitator_loads_the_complaints_as_cards_in_the_review(page, review_server):
    sign_in(page, review_server, "fac@example.com", PASSWORD)
    click_nav(page, "Workshops")
    page.get_by_role("link", name="Invoices").click()
    page.get_by_role("button", name="Next phase: Review").click()
    section = page.locator("section.review-complaints")
    expect(section.get_by_role("heading", name="Complaints their service feeds")).to_be_visible()
    expect(section).to_contain_text("roughly 57 to 133 unhappy clients")
    expect(section.locator("table.complaint-groups tbody tr").first).to_contain_text("Late invoice")
    section.get_by_role("button", name="Load as cards").click()
    expect(page.get_by_text("2 cards added from the complaints.")).to_be_visible()
    cards = page.locator("ul.complaint-cards li")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text(
        "3 complaints about “Late invoice”, received from 2026-03-01 to 2026-03-31.")
    expect(page.get_by_role("button", name="Load as cards")).to_have_count(0)
    page.reload()
    expect(page.locator("ul.complaint-cards li")).to_have_count(2)


def test_the_review_with_complaints_fits_a_phone(phone, review_server):
    sign_in(phone, review_server, "fac@example.com", PASSWORD)
    phone.goto(f"{review_server}/workshops")
    phone.get_by_role("link", name="Invoices").click()
    phone.get_by_role("button", name="Next phase: Review").click()
    phone.get_by_role("button", name="Load as cards").click()
    expect(phone.locator("ul.complaint-cards li")).to_have_count(2)
    assert overflow(phone) <= 0
