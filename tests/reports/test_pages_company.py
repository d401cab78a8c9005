"""The company view: heatmap, the company's weakest criteria, response rates, trends, downloads."""
import re

import pytest

from tests.factories import page_text
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import Survey, sign_in_as, words


@pytest.fixture
def world(org):
    return spring_and_autumn(org)


def company_page(client, person, round_, part: str = "") -> str:
    """A page of the company view: the heatmap and criteria, or its "/rates" or "/trends"."""
    sign_in_as(client, person)
    response = client.get(f"/results/{round_.id}{part}")
    assert response.status_code == 200
    return page_text(response)


def heat_row(page: str, department: str) -> list[str]:
    """The heatmap's cells for one department: the shown mean, or the hidden words for a dash."""
    table = page[page.index('<table class="report heatmap">'):]
    table = table[:table.index("</table>")]
    match = re.search(r"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?" + department + r"(?:</a>)?</th>(.*?)</tr>",
                      table, re.S)
    assert match, department
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).replace("—", "").split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_the_heatmap_shows_each_departments_means_in_colour_bands(client, org, world):
    page = company_page(client, org["facilitator"], world["autumn"])
    # Competence … Tangibles, then overall and respondents
    assert heat_row(page, "Finance") == ["2.0", "4.0", "3.0", "3.0", "3.0", "5.0", "1.0", "3.0", "3.0",
                                         "3.0", "3"]
    # a compact cell, its 95% interval on hover (three raters who agree still leave a wide one)
    assert '<td class="band-2" title="2.0 (95% interval 1.0–3.4)">2.0</td>' in page
    assert '<td class="band-5" title="5.0 (95% interval 3.6–5.0)">5.0</td>' in page
    assert '<td class="band-1" title="1.0 (95% interval 1.0–2.4)">1.0</td>' in page
    assert "How we compute this" in page
    assert "Mean score each department receives from the departments it serves, per dimension" in page


def test_departments_rated_by_fewer_than_k_show_not_enough_responses(client, org, world):
    page = company_page(client, org["facilitator"], world["autumn"])
    assert heat_row(page, "Legal") == ["not enough responses"] * 11
    assert heat_row(page, "Sales") == ["not enough responses"] * 11
    assert "1.5" not in words(page)


def test_heads_see_the_company_view_with_links_only_to_their_own_scorecards(client, org, world):
    page = company_page(client, org["head"], world["autumn"])
    round_id = world["autumn"].id
    assert f'href="/results/{round_id}/departments/{org["finance"].id}"' in page
    assert f'href="/results/{round_id}/departments/{org["sales"].id}"' not in page
    assert heat_row(page, "Sales")  # the row is there, without a link


def test_the_company_three_weakest_criteria_and_their_chart(client, org, world):
    autumn = world["autumn"]
    # Nobody rated the company in spring_and_autumn: everything is hidden.
    page = company_page(client, org["facilitator"], autumn)
    section = page[page.index("The three weakest criteria"):]
    assert "not enough responses" in section
    assert "<ol" not in section[:section.index("<svg")]


@pytest.mark.parametrize("part", ["", "/rates", "/trends", "/matrix"])
def test_each_page_of_the_company_view_links_the_others_and_the_downloads(client, org, world, part):
    round_id = world["autumn"].id
    page = company_page(client, org["head"], world["autumn"], part)
    for href in (f"/results/{round_id}", f"/results/{round_id}/rates", f"/results/{round_id}/trends",
                 f"/results/{round_id}/matrix"):
        assert f'href="{href}"' in page
    csv = f"/results/{round_id}/{'matrix' if part == '/matrix' else 'company'}.csv?table="
    assert f'href="{csv}' in page  # this page's tables, each a file (tests/reports/test_pages_csv.py)
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', page[page.index('class="report-links'):]) == [
        f"/results/{round_id}{part}"]
    assert "use your browser's print command" in page


@pytest.mark.parametrize("part", ["", "/rates", "/trends"])
def test_the_company_view_is_for_heads_and_facilitators_only(client, org, world, part):
    sign_in_as(client, org["employee"])
    assert client.get(f"/results/{world['autumn'].id}{part}").status_code == 403
    sign_in_as(client, org["facilitator"])
    assert client.get(f"/results/{world['autumn'].id + 999}{part}").status_code == 404


def test_response_rates_per_department(client, org, world):
    page = company_page(client, org["facilitator"], world["autumn"], "/rates")
    rates = page[page.index("People per department who started and who finished their list"):]
    rates = rates[:rates.index("</table>")]
    # Support: 2 people (the two raters of Legal, which they added: not on their list), so neither
    # has started their own list, let alone finished it
    assert "Support</th><td>2</td><td>0</td><td>0</td><td>0%</td>" in rates


def test_trends_show_each_departments_overall_per_round(client, org, world):
    page = company_page(client, org["facilitator"], world["autumn"], "/trends")
    trends = page[page.index('<caption>Overall mean per round</caption>'):]
    trends = trends[:trends.index("</table>")]
    assert ('Finance</th><td><span title="2.3 (95% interval 1.0–3.8)">2.3</span></td>'
            '<td><span title="3.0 (95% interval 1.6–4.4)">3.0</span></td>') in trends
    assert 'class="sparkline"' in trends  # a small line in each row


def test_the_company_as_its_clients_see_it(client, org, world):
    later = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Winter")
    later.rate(org["sales"], "company", [[3, 1, 4, 2, 5, 5, 4, 2, 5]] * 2)
    later.rate(org["finance"], "company", [[3, 2, 4, 2, 5, 5, 4, 3, 5]])
    later.publish()
    page = company_page(client, org["facilitator"], later.round)
    section = page[page.index("The three weakest criteria"):]
    items = [words(li) for li in re.findall(r"<li>(.*?)</li>", section, re.S)]
    # three raters: Reliability and Understanding the client could be no weaker than the fourth, Competence
    assert items == ["Accessibility — 1.3 95% interval (1.0–2.8)",
                     "Reliability — 2.0 95% interval (1.0–3.4) · not clearly weaker than Competence (3.0)",
                     "Understanding the client — 2.3 95% interval (1.0–3.8) · not clearly weaker than "
                     "Competence (3.0)"]
    assert "Accessibility: 1.3 (1.0–2.8); Courtesy: 4.0 (" in section  # the chart's description
