"""Complaints up the chain in Chromium: a facilitator uploads a complaint file by clicking, and Finance's
scorecard, one step upstream of Support which received them, shows the complaints its service feeds."""
from datetime import date

import pytest
from playwright.sync_api import expect

from app.auth.models import User
from app.complaints.services import save_category
from app.dimensions.services import ordered, seed_default_dimensions
from app.ratings import services
from app.ratings.models import Round
from tests.e2e.conftest import sign_in
from tests.e2e.test_looks import click_nav
from tests.factories import PASSWORD, link, make_department, make_user

pytestmark = pytest.mark.browser

FILE = b"date;category;department;id\n2026-03-03;Late invoice;SUP;C-1\n2026-03-09;Late invoice;SUP;C-2\n"


@pytest.fixture
def complaints_server(live_server):
    """Finance serves Support, which faces the clients; a published March round where Support's people
    rated Finance; the category "Late invoice" mapped to the first dimension."""
    with live_server.database():
        seed_default_dimensions()
        support, finance = make_department("Support", "SUP"), make_department("Finance", "FIN")
        link(finance, support)
        facilitator = make_user("fac@example.com", "Fay Facilitator", finance, is_facilitator=True)
        admin = make_user("admin@example.com", "Ada Admin", is_admin=True)
        save_category(admin, None, "Late invoice", ordered()[0], None)
        round_ = services.save_round(facilitator, None, "Spring", date(2026, 3, 1), date(2026, 3, 31), 3,
                                     [support, finance])
        services.open_round(facilitator, round_)
        for n in range(3):
            person = make_user(f"sup{n}@example.com", department=support)
            services.submit(person, round_, services.find_target(person, round_, f"d{finance.id}"),
                            {rd.dimension_id: 4 for rd in round_.dimensions})
        ids = {"round": round_.id, "facilitator": facilitator.id}
    for step in (services.close_round, services.publish_round):
        with live_server.database() as session:
            step(session.get(User, ids["facilitator"]), session.get(Round, ids["round"]))
    return live_server.url


def finance_scorecard(page):
    click_nav(page, "Results")
    page.get_by_role("link", name="Scorecard: Finance").first.click()
    return page.locator("section.complaints-fed")


@pytest.mark.parametrize("live_server", ["sqlite", "postgresql"], indirect=True)
def test_a_complaint_file_moves_complaints_your_service_feeds_on_a_providers_scorecard(
        page, complaints_server, tmp_path):
    sign_in(page, complaints_server, "fac@example.com", PASSWORD)
    fed = finance_scorecard(page)
    expect(fed.get_by_role("heading", name="Complaints your service feeds")).to_be_visible()
    expect(fed).to_contain_text("No external complaints")

    file = tmp_path / "complaints.csv"
    file.write_bytes(FILE)
    click_nav(page, "Metrics")
    page.get_by_role("link", name="Import complaints").click()
    page.get_by_label("CSV file").set_input_files(file)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("2 complaints are ready to import.")).to_be_visible()
    page.get_by_role("button", name="Import the complaints").click()
    expect(page.get_by_text("Complaints imported: 2 new")).to_be_visible()

    fed = finance_scorecard(page)
    expect(fed).to_contain_text("2 external complaints received from 2026-03-01 to 2026-03-31 lead back")
    expect(fed).to_contain_text("Only 3–7 % of unhappy clients complain")
    row = fed.locator("tbody tr", has_text="Late invoice")
    expect(row).to_contain_text("Support")
    expect(row).to_contain_text("1 step upstream")
