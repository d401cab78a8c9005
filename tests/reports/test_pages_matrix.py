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
