"""Results pages: each reader sees what they may, in their language, and every rename shows at once."""
from bs4 import BeautifulSoup

from app.dimensions.models import Dimension
from app.extensions import db
from app.org.services import save_department
from tests.factories import make_user, page_text
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import sign_in_as


def get(client, person, url) -> str:
    sign_in_as(client, person)
    response = client.get(url)
    assert response.status_code == 200
    return page_text(response)


def test_a_kept_scorecard_shows_comments_only_to_those_who_may_read_them(client, org):
    world = spring_and_autumn(org)
    url = f"/results/{world['autumn'].id}/departments/{org['finance'].id}"
    assert "Invoices arrive late" in get(client, org["facilitator"], url)
    # Another department's head, after the facilitator's visit: not the scorecard, let alone its comments.
    other_head = make_user("head.other@example.com", department=org["sales"], head_of=[org["sales"]])
    sign_in_as(client, other_head)
    assert client.get(url).status_code == 403
    assert "Invoices arrive late" not in get(client, other_head, f"/results/{world['autumn'].id}")


def test_the_company_view_links_only_the_scorecards_the_reader_may_open(client, org):
    world = spring_and_autumn(org)
    url = f"/results/{world['autumn'].id}"
    finance_card = f"/results/{world['autumn'].id}/departments/{org['finance'].id}"
    sales_card = f"/results/{world['autumn'].id}/departments/{org['sales'].id}"
    facilitator_page = get(client, org["facilitator"], url)
    assert finance_card in facilitator_page and sales_card in facilitator_page
    head_page = get(client, org["head"], url)  # the head of Finance, after the facilitator's visit
    assert finance_card in head_page
    assert sales_card not in head_page


def test_renamed_departments_and_dimensions_show_at_once(client, org):
    world = spring_and_autumn(org)
    scorecard = f"/results/{world['autumn'].id}/departments/{org['finance'].id}"
    company = f"/results/{world['autumn'].id}"
    matrix = f"/results/{world['autumn'].id}/matrix"
    for url in (scorecard, company, matrix):
        assert "Finance" in get(client, org["facilitator"], url)
    save_department(org["admin"], org["finance"], "Treasury", "TRE", None, list(org["finance"].heads))
    competence = db.session.scalar(db.select(Dimension).where(Dimension.key == "competence"))
    competence.name_en = "Expertise"
    db.session.commit()
    for url in (scorecard, company, matrix):
        page = client.get(url).get_data(as_text=True)
        assert "Treasury" in page and "Finance" not in page, url
    assert "Expertise" in client.get(scorecard).get_data(as_text=True)


def test_the_language_of_a_kept_page_follows_the_reader(client, org):
    world = spring_and_autumn(org)
    url = f"/results/{world['autumn'].id}/departments/{org['finance'].id}"
    assert "Per dimension" in get(client, org["facilitator"], url)
    client.post("/language", data={"language": "ru"})
    assert "Per dimension" not in client.get(url).get_data(as_text=True)


def test_the_company_views_rates_and_trends_read_the_same_for_every_reader(client, org):
    """Only the heatmap links departments to the scorecards a reader may open; the rates and trends are the
    same for everyone, whoever read them first."""
    world = spring_and_autumn(org)
    for part in ("/rates", "/trends"):
        url = f"/results/{world['autumn'].id}{part}"
        head_reads = main_of(get(client, org["head"], url))
        assert main_of(get(client, org["facilitator"], url)) == head_reads, part
        assert "/departments/" not in head_reads, part
    heatmap = f"/results/{world['autumn'].id}"
    sales_card = f"/departments/{org['sales'].id}\""
    assert sales_card in get(client, org["facilitator"], heatmap)
    assert sales_card not in get(client, org["head"], heatmap)  # the heatmap is made per reader


def main_of(page: str) -> str:
    """What a page shows below the menu, which names its reader."""
    return str(BeautifulSoup(page, "html.parser").main)
