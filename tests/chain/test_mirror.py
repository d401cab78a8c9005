"""The external mirror: the company as its own people believe its clients see it, beside what the clients
said (readings that carry a dimension), with the scorecard's blind-spot rule — crafted numbers, the window
of dates, and the page through the Flask client."""
from datetime import date

import pytest
from bs4 import BeautifulSoup

from app.chain.mirror import mirror, window
from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.metrics import services as metrics
from tests.factories import PASSWORD, make_department, make_user, page_text
from tests.reports.test_results import Survey

CLIENTS = {  # dimension key: the clients' readings, dated in the round's quarter
    "competence": [2.0, 2.2, 1.8, 2.1, 1.9, 2.0],  # its people say 5: a blind spot beyond noise
    "accessibility": [2.5],  # its people say 4: a gap of 1.5 from one reading, within noise
    "courtesy": [4.0, 4.2],  # its people say 4: no gap to speak of
    "reliability": [4.5, 4.6, 4.4, 4.5],  # its people say 2: a hidden strength
}


@pytest.fixture
def company(app):
    """Six of Finance and Sales rate the company; a client survey's readings carry four dimensions."""
    seed_default_dimensions()
    departments = [make_department("Finance", "FIN"), make_department("Sales", "SAL")]
    facilitator = make_user("fac@example.com", "Fay Facilitator", is_facilitator=True)
    db.session.commit()
    s = Survey(facilitator, departments, k=3)
    for department in departments:
        s.rate(department, "company", [[5, 4, 4, 2, 4]] * 3)
    round_ = s.publish()
    survey = metrics.save_metric(facilitator, None, "Client survey", "", "points", "higher", None)
    day = iter(range(1, 32))
    for key, values in CLIENTS.items():
        dimension = metrics.dimension_of(key)
        for value in values:
            metrics.record_reading(facilitator, survey, date(2026, 3, next(day)), value, "", dimension)
    # before the quarter: not read
    metrics.record_reading(facilitator, survey, date(2025, 6, 1), 1.0, "", metrics.dimension_of("courtesy"))
    db.session.commit()
    return {"round": round_, "facilitator": facilitator, "survey": survey,
            "employee": make_user("employee@example.com", department=departments[0])}


def test_the_window_is_the_quarter_up_to_the_close_or_the_round_if_longer(company):
    round_ = company["round"]  # 1 to 31 March 2026
    assert window(round_) == (date(2025, 12, 31), date(2026, 3, 31))
    round_.opens_on = date(2025, 9, 1)
    assert window(round_) == (date(2025, 9, 1), date(2026, 3, 31))


def test_a_real_gap_is_marked_and_a_gap_within_noise_is_not(company):
    rows = {row.dimension.key: row for row in mirror(company["round"]).rows}
    competence = rows["competence"]
    assert competence.self_view.mean == 5 and competence.self_view.n == 6
    assert round(competence.others.mean, 2) == 2 and competence.others.n == 6
    assert competence.gap == 3 and competence.flag == "blind_spot"
    low, high = competence.others.estimate.interval()
    assert 1.5 < low < 2 < high < 2.5  # six readings that agree: a narrow interval
    accessibility = rows["accessibility"]
    assert accessibility.gap == 1.5 and accessibility.flag is None and accessibility.gap_within_noise
    courtesy = rows["courtesy"]
    assert courtesy.others.n == 2 and courtesy.flag is None and not courtesy.gap_within_noise  # 2025 left out
    assert rows["reliability"].flag == "hidden_strength"
    assert rows["security"].others is None and rows["security"].gap is None


@pytest.mark.parametrize("who,status", [("employee", 403), ("facilitator", 200)])
def test_the_page_is_for_the_readers_of_the_company_view(client, company, who, status):
    assert client.sign_in(company[who].email, PASSWORD).status_code == 303
    assert client.get(f"/chain/mirror/{company['round'].id}").status_code == status


def test_the_page_shows_the_blind_spot_in_words_a_picture_and_a_table(client, company):
    assert client.sign_in(company["facilitator"].email, PASSWORD).status_code == 303
    round_id = company["round"].id
    response = client.get(f"/chain/mirror/{round_id}")
    page = BeautifulSoup(response.data, "html.parser")
    findings = [" ".join(li.get_text(" ").split()) for li in page.select("ul.mirror-findings li")]
    assert findings == [
        "Competence : blind spot — the company thinks better of its service than its clients do "
        "(own people 5.0, clients 2.0)",
        "Reliability : hidden strength — its clients think better of it than the company does "
        "(own people 2.0, clients 4.5)"]
    svg = page.select_one("figure svg")
    assert svg.select_one("title") and "blind spot" in svg.select_one("desc").get_text()
    table = {tr.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
             for tr in page.select("table.mirror tbody tr")}
    assert table["Competence"][-1] == "blind spot" and table["Accessibility"][-1] == "gap within noise"
    assert table["Courtesy"][-1] == "gap of 1.3 or less" and table["Security"][2] == "no readings"
    assert "from 2025-12-31 to 2026-03-31" in page_text(response)
    # the company view leads here
    assert f"/chain/mirror/{round_id}" in client.get(f"/results/{round_id}").get_data(as_text=True)


def test_an_unpublished_or_unknown_round_is_not_there(client, company):
    assert client.sign_in(company["facilitator"].email, PASSWORD).status_code == 303
    assert client.get("/chain/mirror/999999").status_code == 404
