"""The service matrix: who rates whom, small rater groups pooled, both directions side by side."""
import re

import pytest

from app.dimensions.services import seed_default_dimensions
from tests.factories import PASSWORD, make_department, page_text
from tests.reports.test_results import Survey, sign_in_as, words


@pytest.fixture
def world(org):
    """Sales (3) and Finance (3) rate each other; Support (2) and Legal (1) each rate Finance too few."""
    seed_default_dimensions()
    org["support"] = make_department("Support", "SUP")
    org["legal"] = make_department("Legal", "LEG")
    s = Survey(org["facilitator"], [org[d] for d in ("finance", "sales", "support", "legal")], name="Autumn")
    s.rate(org["sales"], org["finance"], [[2, 5, 5, 5, 5, 5, 5, 5, 5]] * 3)
    s.rate(org["finance"], org["sales"], [[4, 4, 4, 4, 4, 4, 4, 4, 4], [4] * 9, [5] * 9])
    s.rate(org["support"], org["finance"], [[1] * 9, [1] * 9])
    s.rate(org["legal"], org["finance"], [[4] * 9])
    s.publish()
    return s


def matrix(client, person, round_, query="") -> str:
    sign_in_as(client, person)
    response = client.get(f"/results/{round_.id}/matrix{query}")
    assert response.status_code == 200
    return page_text(response)


def matrix_row(page: str, rater: str) -> list[str]:
    table = page[page.index('<table class="report heatmap matrix">'):]
    table = table[:table.index("</table>")]
    match = re.search(r"<tr[^>]*>\s*<th scope=\"row\">" + rater + r"</th>(.*?)</tr>", table, re.S)
    assert match, rater
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).replace("—", "").split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_small_rater_groups_are_pooled_into_other_departments(client, org, world):
    page = matrix(client, org["facilitator"], world.round)
    # columns: Finance, Legal, Sales, Support
    na = "not enough responses"
    assert matrix_row(page, "Sales") == ["4.7 n = 3", na, "itself", na]
    assert matrix_row(page, "Support") == [na, na, na, "itself"]
    assert matrix_row(page, "Legal") == [na, "itself", na, na]
    assert matrix_row(page, "Other departments") == ["2.0 n = 3", na, na, na]  # (1 + 1 + 4) / 3
    # Support's own mean of Finance never shows (intervals' ends aside)
    assert "1.0" not in re.sub(r"\([0-9.]+–[0-9.]+\)", "", words(page))
    assert "4.0 n = 1" not in page


def test_a_head_sees_the_matrix(client, org, world):
    page = matrix(client, org["head"], world.round)
    assert matrix_row(page, "Finance") == ["itself", "not enough responses", "4.3 n = 3",
                                           "not enough responses"]


def test_pairs_rated_both_ways_and_their_tension(client, org, world):
    page = matrix(client, org["facilitator"], world.round)
    pairs = page[page.index('id="pairs-heading"'):]
    assert "0 pairs see each other a point or more apart, beyond noise (tensions)." in pairs
    # overall: no tension, each mean with its interval
    assert "Finance Sales 4.3 95% interval (2.9–5.0) 4.7 95% interval (1.0–5.0) 0.4 Trading Zone" \
        in words(pairs)
    competence = next(rd.dimension_id for rd in world.round.dimensions if rd.dimension.name == "Competence")
    pairs = matrix(client, org["facilitator"], world.round, f"?measure={competence}")
    pairs = pairs[pairs.index('id="pairs-heading"'):]
    assert "1 pair sees each other a point or more apart, beyond noise (a tension)." in pairs
    assert "Finance Sales 4.3 95% interval (2.9–5.0) 2.0 95% interval (1.0–3.4) 2.3 tension" in words(pairs)


def test_the_measure_is_chosen_with_a_plain_get_form(client, org, world):
    competence = next(rd.dimension_id for rd in world.round.dimensions if rd.dimension.name == "Competence")
    page = matrix(client, org["facilitator"], world.round, f"?measure={competence}")
    assert '<form class="toolbar no-print" method="get"' in page
    assert f'<option value="{competence}" selected>Competence</option>' in page
    assert "Measure: Competence" in page
    assert matrix_row(page, "Sales")[0] == "2.0 n = 3"
    assert f'href="/results/{world.round.id}/matrix.csv?table=means&measure={competence}"' in page


def test_an_unknown_measure_is_explained_and_the_overall_mean_shown(client, org, world):
    page = matrix(client, org["facilitator"], world.round, "?measure=nonsense")
    assert "That measure is not part of this round; the overall mean is shown instead." in page
    assert matrix_row(page, "Sales")[0] == "4.7 n = 3"


def test_htmx_swaps_only_the_matrix(client, org, world):
    assert client.sign_in(org["facilitator"].email, PASSWORD).status_code == 303
    response = client.get(f"/results/{world.round.id}/matrix?measure=overall", headers={"HX-Request": "true"})
    fragment = page_text(response)
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="matrix">')
    assert "4.7" in fragment and "HX-Request" in response.headers["Vary"]


def test_a_points_difference_that_could_be_noise_says_so_and_is_no_tension(client, org):
    seed_default_dimensions()
    s = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Winter")
    s.rate(org["sales"], org["finance"], [1, 3, 5, 2])  # 2.8, answers far apart
    s.rate(org["finance"], org["sales"], [5, 3, 4, 3])  # 3.8
    s.publish()
    page = matrix(client, org["facilitator"], s.round, f"?measure={s.dimensions[0]}")
    pairs = words(page[page.index('id="pairs-heading"'):])
    assert "0 pairs see each other a point or more apart, beyond noise (tensions)." in pairs
    assert "Finance Sales 3.8 95% interval (2.2–5.0) 2.8 95% interval (1.0–5.0) 1.0 within noise" in pairs
    assert '<a href="/results/methods">How we compute this</a>' in page


def test_the_methods_page_explains_intervals_and_within_noise_in_plain_words(client, org):
    sign_in_as(client, org["employee"])
    page = words(page_text(client.get("/results/methods")))
    assert "How we compute this" in page
    assert "“3.4 (2.9–3.9)” means: our best guess is 3.4" in page and "with 95% confidence" in page
    assert "“Within noise”" in page and "less than 5 times in 100 (a 95% level)" in page


# In pages of 25 rated departments ------------------------------------------------------------------

@pytest.fixture
def wide(org):
    """27 departments, 25 rated departments a page: Finance, Sales and Unit 01-23 on page 1, Unit 24 and
    Unit 25 on page 2. Finance and Sales rate each other; Sales rates Unit 24, and Unit 01 (2) and Unit 02
    (1) rate it too few, pooled."""
    seed_default_dimensions()
    units = [make_department(f"Unit {n:02d}", f"U{n:02d}") for n in range(1, 26)]
    s = Survey(org["facilitator"], [org["finance"], org["sales"], *units], name="Wide")
    s.rate(org["finance"], org["sales"], [4] * 3)
    s.rate(org["sales"], org["finance"], [2] * 3)
    s.rate(org["sales"], units[23], [5] * 3)
    s.rate(units[0], units[23], [1] * 2)
    s.rate(units[1], units[23], [3])
    s.publish()
    return s


def columns(page: str) -> list[str]:
    head = page[page.index('<table class="report heatmap matrix">'):]
    head = head[:head.index("</thead>")]
    return [words(cell) for cell in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', head, re.S)][1:]


def rows(page: str) -> list[str]:
    table = page[page.index('<table class="report heatmap matrix">'):]
    return re.findall(r'<th scope="row">(.*?)</th>', table[:table.index("</table>")])


def test_a_wide_matrix_shows_its_rated_departments_in_pages(client, org, wide):
    first = matrix(client, org["facilitator"], wide.round)
    assert "Page 1 of 2" in first
    assert len(columns(first)) == 25 and columns(first)[:3] == ["Finance", "Sales", "Unit 01"]
    assert rows(first) == ["Finance", "Sales"]
    assert matrix_row(first, "Finance")[:2] == ["itself", "4.0 n = 3"]  # the self cell stays
    second = matrix(client, org["facilitator"], wide.round, "?page=2")
    assert "Page 2 of 2" in second
    assert columns(second) == ["Unit 24", "Unit 25"]
    assert rows(second) == ["Sales", "Other departments"]
    assert matrix_row(second, "Other departments") == ["1.7 n = 3", "not enough responses"]
    # Finance rates nobody on page 2: left out and counted, with the 25 others that rate nobody there
    assert "26 rater departments with no figure on this page are left out." in second
    # the pairs stay whole: Finance and Sales are on page 1
    assert "Finance Sales 4.0" in words(second[second.index('id="pairs-heading"'):])


def test_a_page_where_no_rater_has_a_figure_shows_no_empty_table(client, org):
    seed_default_dimensions()
    units = [make_department(f"Unit {n:02d}", f"U{n:02d}") for n in range(1, 26)]
    s = Survey(org["facilitator"], [org["finance"], org["sales"], *units], name="Sparse")
    s.rate(org["finance"], org["sales"], [4] * 3)
    s.publish()
    second = matrix(client, org["facilitator"], s.round, "?page=2")
    assert "Page 2 of 2" in second and 'class="report heatmap matrix"' not in second
    assert "A dash means" not in second  # nor the legend of a table that is not there
    assert "27 rater departments with no figure on this page are left out." in second


def test_the_pager_keeps_the_measure(client, org, wide):
    competence = wide.dimensions[0]
    page = matrix(client, org["facilitator"], wide.round, f"?measure={competence}")
    assert f'<a href="/results/{wide.round.id}/matrix?measure={competence}&page=2">Next</a>' in page
    page = matrix(client, org["facilitator"], wide.round, f"?measure={competence}&page=2")
    assert f'<a href="/results/{wide.round.id}/matrix?measure={competence}&page=1">Previous</a>' in page
    assert "Measure: Competence" in page


@pytest.mark.parametrize("page,shown", [("abc", 1), ("0", 1), ("-3", 1), ("1.5", 1), ("3", 2),
                                        ("9" * 30, 2), ("9" * 5000, 1)])
def test_a_page_out_of_range_or_not_a_number_shows_the_nearest_page(client, org, wide, page, shown):
    assert f"Page {shown} of 2" in matrix(client, org["facilitator"], wide.round, f"?page={page}")


def test_a_small_matrix_has_no_pager_and_keeps_every_row(client, org, world):
    page = matrix(client, org["facilitator"], world.round, "?page=2")
    assert 'class="pager"' not in page and "left out" not in page
    assert rows(page) == ["Finance", "Legal", "Sales", "Support", "Other departments"]
