"""The department scorecard as heads and facilitators read it."""
import re
from datetime import date

import pytest

from app.dimensions.services import seed_default_dimensions
from tests.factories import make_department, page_text
from tests.reports.test_results import Survey, sign_in_as, words

# What Sales' three raters gave Finance in autumn, and what Finance's own three said of themselves.
OTHERS = [2, 4, 3, 3, 3, 5, 1, 3, 3]  # Competence … Tangibles
SELF = [4, 2, 4, 5, 4, 3, 3, 3, 3]


def spring_and_autumn(org) -> dict:
    """Spring: Sales rate Finance 2, 2, 3. Autumn: Sales rate Finance (OTHERS), Finance rate themselves
    (SELF), and only two people of Support rate Legal (1 and 2: a mean of 1.5 that must never show)."""
    seed_default_dimensions()
    org["support"] = make_department("Support", "SUP")
    org["legal"] = make_department("Legal", "LEG")
    departments = [org[d] for d in ("finance", "sales", "support", "legal")]
    spring = Survey(org["facilitator"], departments, name="Spring", opens=date(2026, 3, 1),
                    closes=date(2026, 3, 31))
    spring.rate(org["sales"], org["finance"], [2, 2, 3])
    spring.publish()
    autumn = Survey(org["facilitator"], departments, name="Autumn", opens=date(2026, 9, 1),
                    closes=date(2026, 9, 30))
    autumn.rate(org["sales"], org["finance"], [OTHERS] * 3,
                comments=["Invoices arrive late", "=HYPERLINK(\"http://evil.example\")", ""])
    autumn.rate(org["finance"], "self", [SELF] * 3)
    autumn.rate(org["support"], org["legal"], [1, 2], comments=["Legal never answers my mail"])
    autumn.publish()
    return {"spring": spring.round, "autumn": autumn.round}


@pytest.fixture
def world(org):
    return spring_and_autumn(org)


def scorecard(client, person, round_, department):
    sign_in_as(client, person)
    response = client.get(f"/results/{round_.id}/departments/{department.id}")
    assert response.status_code == 200
    return page_text(response)


def row(page: str, label: str) -> str:
    """The scorecard table's row for one dimension, tags removed, spaces collapsed."""
    match = re.search(r'<tr[^>]*>\s*<th scope="row">' + re.escape(label) + r"</th>(.*?)</tr>", page, re.S)
    assert match, label
    cells = re.sub(r"<svg.*?</svg>", " ", match.group(1), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", cells).split())


def test_the_head_reads_means_raters_self_assessment_and_gaps(client, org, world):
    page = scorecard(client, org["head"], world["autumn"], org["finance"])
    assert "Scorecard: Finance" in page
    # every mean with its 95% interval: three raters who agree still leave a wide one
    assert row(page, "Competence").startswith("2.0 95% interval (1.0–3.4) 3 ")
    assert "4.0 95% interval (2.6–5.0) +2.0 blind spot" in row(page, "Competence")
    assert row(page, "Accessibility") == ("4.0 95% interval (2.6–5.0) 3 ↑ up by 1.7 since Spring (2.3) "
                                          "2.0 95% interval (1.0–3.4) -2.0 hidden strength")
    # a gap of 1.0 is not a blind spot
    assert row(page, "Courtesy").endswith("4.0 95% interval (2.6–5.0) +1.0")
    assert row(page, "Overall").startswith("3.0 95% interval (1.6–4.4) 3 ")
    assert '<a href="/results/methods">How we compute this</a>' in page


def test_blind_spots_and_hidden_strengths_follow_the_gap(client, org, world):
    page = scorecard(client, org["facilitator"], world["autumn"], org["finance"])
    flagged = {label: row(page, label) for label in
               ("Competence", "Accessibility", "Courtesy", "Reliability", "Responsibility", "Communication",
                "Tangibles")}
    blind = {label for label, text in flagged.items() if "blind spot" in text}
    hidden = {label for label, text in flagged.items() if "hidden strength" in text}
    # self minus others: +2, -2, +1, +2, -2, +2, 0
    assert blind == {"Competence", "Reliability", "Communication"}
    assert hidden == {"Accessibility", "Responsibility"}


def test_the_change_since_the_last_round_is_shown_with_its_direction_only_beyond_noise(client, org, world):
    """Three raters in each round: a change of 0.3 or 0.7 could be chance, 1.3 or more is not."""
    page = scorecard(client, org["head"], world["autumn"], org["finance"])
    assert "within noise −0.3 since Spring (2.3)" in row(page, "Competence")  # 2.0 now, 2.3 in spring
    assert "↑ up by 2.7 since Spring (2.3)" in row(page, "Responsibility")
    assert "↓ down by 1.3 since Spring (2.3)" in row(page, "Communication")
    assert "within noise +0.7 since Spring (2.3)" in row(page, "Overall")
    assert "↑" not in row(page, "Overall") and "↓" not in row(page, "Competence")
    spring = scorecard(client, org["head"], world["spring"], org["finance"])
    assert "no earlier figure" in row(spring, "Competence")


def test_the_three_weakest_are_the_lowest_means_shown(client, org, world):
    page = scorecard(client, org["head"], world["autumn"], org["finance"])
    section = page[page.index('id="weakest-heading"'):page.index("Self-assessment beside")]
    items = [words(li).replace("Start a project", "").split(" · ")[0].strip()
             for li in re.findall(r"<li>(.*?)</li>", section, re.S)]
    assert items == ["Communication — 1.0 95% interval (1.0–2.4)",
                     "Competence — 2.0 95% interval (1.0–3.4)", "Courtesy — 3.0 95% interval (1.6–4.4)"]
    # Reliability (3.0) comes fourth: neither Competence nor Courtesy is clearly weaker than it
    assert section.count("not clearly weaker than Reliability (3.0)") == 2


def test_respondents_and_comments_for_the_head_and_the_facilitator(client, org, world):
    for person in (org["head"], org["facilitator"]):
        page = scorecard(client, person, world["autumn"], org["finance"])
        assert re.search(r"<dt>Respondents</dt><dd>3</dd>", page)
        assert "Invoices arrive late" in page
        assert '=HYPERLINK("http://evil.example")' in page


def test_a_department_rated_by_fewer_than_k_shows_no_numbers_and_no_comments(client, org, world):
    page = scorecard(client, org["facilitator"], world["autumn"], org["legal"])
    assert "not enough responses" in row(page, "Competence")
    assert re.search(r"<dt>Respondents</dt><dd><span class=\"na\">not enough responses</span></dd>", page)
    assert "1.5" not in words(page)
    assert "Legal never answers my mail" not in page
    assert "Comments are released only when at least 3 people rated the department." in page
    assert "Start a project" not in page


def test_start_a_project_from_each_weak_dimension(app, client, org, world):
    page = scorecard(client, org["head"], world["autumn"], org["finance"])
    links = re.findall(r'href="(/projects/new\?[^"]+)"', page)
    dimensions = {rd.dimension.name: rd.dimension_id for rd in world["autumn"].dimensions}
    assert [dict(pair.split("=") for pair in link.replace("&amp;", "&").split("?")[1].split("&"))
            for link in links] == [
        {"round": str(world["autumn"].id), "department": str(org["finance"].id),
         "dimension": str(dimensions[name])} for name in ("Communication", "Competence", "Courtesy")]


def test_the_trend_lists_every_round_up_to_this_one(client, org, world):
    page = scorecard(client, org["head"], world["autumn"], org["finance"])
    trend = page[page.index("Overall mean per round, as others see the department"):]
    assert "Spring 2.3 95% interval (1.0–3.8) Autumn 3.0 95% interval (1.6–4.4)" in words(trend)
    spring = scorecard(client, org["head"], world["spring"], org["finance"])
    assert "Autumn" not in spring[spring.index("Overall mean per round"):]


def test_the_distribution_is_drawn_and_written(client, org, world):
    page = scorecard(client, org["head"], world["autumn"], org["finance"])
    assert "Competence: how many raters gave each score" in page
    assert "Raters per score, from 1 (low) to 5 (high): 1: 0; 2: 3; 3: 0; 4: 0; 5: 0." in page
    table = page[page.index("How many raters gave each score, per dimension"):]
    assert re.search(r"Competence</th>\s*<td class=\"num\">0</td><td class=\"num\">3</td>", table)


def test_a_round_closed_with_noise_says_so_with_its_epsilon_and_what_it_does_to_a_mean(app, client, org):
    """Readers are told the privacy budget and the expected error; a round of exact counts says nothing."""
    seed_default_dimensions()
    exact = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Exact")
    exact.rate(org["sales"], org["finance"], [3] * 5)
    exact.publish()
    app.config["RESULT_NOISE_SCALE"] = 0.5
    noisy = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Noisy")
    noisy.rate(org["sales"], org["finance"], [3] * 5)
    noisy.publish()
    assert noisy.round.noise_scale == 0.5 and exact.round.noise_scale == 0
    page = scorecard(client, org["head"], noisy.round, org["finance"])
    assert "ε = 2 per question" in page
    assert re.search(r"a mean of 5 raters by 0\.\d\d, of 20 by 0\.\d\d and of 100 by 0\.\d\d", page)
    assert "random noise" not in scorecard(client, org["head"], exact.round, org["finance"])
    company = page_text(client.get(f"/results/{noisy.round.id}"))
    assert "ε = 2 per question" in company
