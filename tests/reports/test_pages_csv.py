"""CSV downloads: exactly what the screen shows, thresholds applied, ready for Excel."""
import csv
import io
import re

import pytest

from tests.factories import make_department, page_text
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import Survey, sign_in_as, words


@pytest.fixture
def world(org):
    return spring_and_autumn(org)


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def rows_of(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def section(rows, title) -> list[list[str]]:
    """The rows under a section title, up to the next blank line (the header row first)."""
    start = rows.index([title]) + 1
    end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
    return rows[start:end]


def screen_rows(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as the cells read (charts left out)."""
    table = page[page.index(f"<caption>{caption}</caption>"):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    body = re.sub(r"<svg.*?</svg>", "", body, flags=re.S)
    return [[words(cell).replace("— ", "").replace("—", "")
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_downloads_are_attachments_in_utf8_with_a_byte_order_mark(client, org, world):
    sign_in_as(client, org["head"])
    autumn, finance = world["autumn"].id, org["finance"].id
    for url, name in (
        (f"/results/{autumn}/company.csv", f"round-{autumn}-company.csv"),
        (f"/results/{autumn}/matrix.csv?measure=overall", f"round-{autumn}-matrix-overall.csv"),
        (f"/results/{autumn}/departments/{finance}.csv", f"round-{autumn}-department-{finance}.csv"),
    ):
        response = download(client, url)
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        rows_of(response)


def test_the_scorecard_csv_matches_the_screen(client, org, world):
    sign_in_as(client, org["head"])
    url = f"/results/{world['autumn'].id}/departments/{org['finance'].id}"
    screen = screen_rows(page_text(client.get(url)),
                         "Others' view, its distribution and change, beside the self-assessment")
    rows = rows_of(download(client, url + ".csv"))
    assert rows[:3] == [["Round", "Autumn"], ["Department", "Finance"], ["Respondents", "3"]]
    header = rows.index(["Dimension", "Others' view", "Raters", "1", "2", "3", "4", "5", "Change", "Since",
                         "Self-assessment", "Gap", "Note"])
    exported = rows[header + 1:header + 1 + len(screen)]
    for shown, line in zip(screen, exported, strict=True):
        label, mean, raters, _chart, change, self_view, gap, note = shown
        assert line[:3] == [label, mean, raters]
        assert line[10:] == [self_view, gap, note]
        if line[8]:
            assert line[8].lstrip("+-") in change and line[9] in change
    competence = exported[0]
    assert competence == ["Competence", "2.0", "3", "0", "3", "0", "0", "0", "-0.3", "Spring", "4.0", "+2.0",
                          "blind spot"]
    assert section(rows, "The three weakest dimensions")[1:] == [
        ["1", "Communication", "1.0"], ["2", "Competence", "2.0"], ["3", "Courtesy", "3.0"]]
    assert section(rows, "Overall trend")[1:] == [["Spring", "2.3"], ["Autumn", "3.0"]]


def test_comments_are_exported_with_formulas_kept_as_text(client, org, world):
    sign_in_as(client, org["head"])
    rows = rows_of(download(client, f"/results/{world['autumn'].id}/departments/{org['finance'].id}.csv"))
    comments = sorted(line[0] for line in section(rows, "Comments"))
    assert comments == ["'=HYPERLINK(\"http://evil.example\")", "Invoices arrive late"]


def test_the_company_csv_matches_the_heatmap_on_screen(client, org, world):
    sign_in_as(client, org["facilitator"])
    url = f"/results/{world['autumn'].id}"
    screen = screen_rows(page_text(client.get(url)),
                         "Mean score each department receives from the departments it serves, per dimension")
    rows = rows_of(download(client, url + "/company.csv"))
    heatmap = section(rows, "How other departments see each department")
    assert heatmap[0][0] == "Department" and heatmap[0][-2:] == ["Overall", "Respondents"]
    assert heatmap[1:] == screen
    assert heatmap[1] == ["Finance", "2.0", "4.0", "3.0", "3.0", "3.0", "5.0", "1.0", "3.0", "3.0", "3.0",
                          "3"]
    assert section(rows, "Overall mean per round")[1:] == [
        ["Finance", "2.3", "3.0"],
        ["Legal", "not enough responses", "not enough responses"],
        ["Sales", "not enough responses", "not enough responses"],
        ["Support", "not enough responses", "not enough responses"],
    ]


def test_figures_under_the_threshold_appear_in_no_csv(client, org, world):
    sign_in_as(client, org["facilitator"])
    autumn = world["autumn"].id
    for url in (f"/results/{autumn}/company.csv", f"/results/{autumn}/matrix.csv?measure=overall",
                f"/results/{autumn}/departments/{org['legal'].id}.csv"):
        text = download(client, url).data.decode("utf-8-sig")
        assert "1.5" not in text and "Legal never answers my mail" not in text, url
    legal = rows_of(download(client, f"/results/{autumn}/departments/{org['legal'].id}.csv"))
    assert legal[2] == ["Respondents", "not enough responses"]
    assert legal[5][:3] == ["Competence", "not enough responses", "not enough responses"]
    assert "Comments" not in [line[0] for line in legal if line]


def test_the_matrix_csv_matches_the_screen_and_pools_small_groups(client, org):
    from app.dimensions.services import seed_default_dimensions

    seed_default_dimensions()
    store = make_department("Склад", "СКЛ")  # Cyrillic must survive the trip to Excel
    s = Survey(org["facilitator"], [org["finance"], org["sales"], store], name="Осень")
    s.rate(org["sales"], org["finance"], [4, 4, 5])
    s.rate(store, org["finance"], [1, 2])
    s.rate(org["finance"], store, [3, 3, 3])
    s.publish()
    sign_in_as(client, org["facilitator"])
    page = page_text(client.get(f"/results/{s.round.id}/matrix"))
    rows = rows_of(download(client, f"/results/{s.round.id}/matrix.csv?measure=overall"))
    assert rows[:2] == [["Round", "Осень"], ["Measure", "Overall"]]
    means, raters = section(rows, "Mean"), section(rows, "Raters")
    assert means[0] == ["Rater ↓ / rated →", "Finance", "Sales", "Склад"]
    na = "not enough responses"
    # Sales (3) alone would leave Склад's two raters to be derived from the total: both are pooled
    assert means[1:] == [["Finance", "", na, "3.0"], ["Sales", na, "", na], ["Склад", na, na, ""],
                         ["Other departments", "3.2", na, na]]
    assert raters[1:] == [["Finance", "", na, "3"], ["Sales", na, "", na], ["Склад", na, na, ""],
                          ["Other departments", "5", na, na]]
    assert "3.2" in words(page) and "n = 5" in words(page)
    assert "4.3" not in words(page) and "4.3" not in str(rows)


def test_csv_downloads_follow_the_page_rules(client, org, world):
    autumn, finance, sales = world["autumn"].id, org["finance"].id, org["sales"].id
    sign_in_as(client, org["employee"])
    assert client.get(f"/results/{autumn}/company.csv").status_code == 403
    sign_in_as(client, org["head"])
    assert client.get(f"/results/{autumn}/departments/{sales}.csv").status_code == 403
    assert client.get(f"/results/{autumn}/departments/{finance}.csv").status_code == 200
    assert client.get(f"/results/{autumn}/matrix.csv?measure=nonsense").status_code == 400
    assert client.get("/results/999999/company.csv").status_code == 404
