"""CSV downloads: exactly what the screen shows, thresholds applied, one table a file, ready for Excel in
the reader's language (English: commas and decimal points; Russian: semicolons and decimal commas)."""
import csv
import io
import re

import pytest

from tests.factories import make_department, page_text
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import Survey, sign_in_as, words

NA = "not enough responses"


@pytest.fixture
def world(org):
    return spring_and_autumn(org)


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def rows_of(response, delimiter=",") -> list[list[str]]:
    """The file's rows, checked to be one table: a header, then rows as long as it, no blank line."""
    assert response.data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=delimiter))
    assert rows and all(len(row) == len(rows[0]) for row in rows), rows
    return rows


def csv_links(page: str) -> list[str]:
    """The addresses of the page's CSV downloads."""
    links = page[page.index('class="link-list csv-links'):]
    hrefs = re.findall(r'href="([^"]+)"', links[:links.index("</ul>")])
    return [href.replace("&amp;", "&") for href in hrefs]


def screen_rows(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as the cells read (charts left out); a figure not
    shown reads "not enough responses"."""
    table = page[page.index(f"<caption>{caption}</caption>"):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    body = re.sub(r"<svg.*?</svg>", "", body, flags=re.S)
    return [[words(cell).replace("— ", "").replace("—", "")
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_every_table_of_every_results_page_is_a_file_of_its_own(client, org, world):
    sign_in_as(client, org["facilitator"])
    autumn, finance = world["autumn"].id, org["finance"].id
    pages = {f"/results/{autumn}": ["heatmap", "intervals", "criteria", "weakest"],
             f"/results/{autumn}/rates": ["rates"], f"/results/{autumn}/trends": ["trends"],
             f"/results/{autumn}/matrix": ["means", "raters", "intervals", "pairs"],
             f"/results/{autumn}/departments/{finance}": ["respondents", "dimensions", "weakest", "trend",
                                                          "comments"]}
    for url, tables in pages.items():
        links = csv_links(page_text(client.get(url)))
        assert [re.search(r"table=(\w+)", link)[1] for link in links] == tables, url
        for link in links:
            response = download(client, link)
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
            name = re.search(r'attachment; filename="(round-\d+-[\w-]+\.csv)"',
                             response.headers["Content-Disposition"])[1]
            assert name.endswith(re.search(r"table=(\w+)", link)[1] + ".csv")
            rows_of(response)
    assert client.get(f"/results/{autumn}/company.csv?table=nonsense").status_code == 404


def test_the_scorecard_csv_matches_the_screen(client, org, world):
    sign_in_as(client, org["head"])
    url = f"/results/{world['autumn'].id}/departments/{org['finance'].id}"
    screen = screen_rows(page_text(client.get(url)),
                         "Others' view, its distribution and change, beside the self-assessment")
    rows = rows_of(download(client, url + ".csv?table=dimensions"))
    assert rows[0] == ["Dimension", "Others' view", "Others' view: low (95%)", "Others' view: high (95%)",
                       "Raters", "1", "2", "3", "4", "5", "Change", "Since", "Change beyond noise?",
                       "Self-assessment", "Self-assessment: low (95%)", "Self-assessment: high (95%)", "Gap",
                       "Note"]

    def with_interval(mean, low, high):  # as the screen says it
        return f"{mean} 95% interval ({low}–{high})" if mean else NA

    for shown, line in zip(screen, rows[1:], strict=True):
        label, mean, raters, _chart, change, self_view, gap, note = shown
        assert [line[0], with_interval(*line[1:4]), line[4]] == [label, mean, "" if raters == NA else raters]
        assert [with_interval(*line[13:16]), line[16]] == [self_view, gap.lstrip("+")] and note in line[17]
        if line[10]:
            assert line[10].lstrip("-") in change and line[11] in change
            assert (line[12] == "within noise") == ("within noise" in change)  # else an arrow
    competence = rows[1]
    # 0.3 lower than in spring: within noise; 2 points below the self-assessment, beyond noise: a blind spot
    assert competence == ["Competence", "2.0", "1.0", "3.4", "3", "0", "3", "0", "0", "0", "-0.3", "Spring",
                          "within noise", "4.0", "2.6", "5.0", "2.0", "blind spot"]
    assert rows_of(download(client, url + ".csv?table=respondents")) == [
        ["Round", "Department", "Respondents", "Note"], ["Autumn", "Finance", "3", ""]]
    assert rows_of(download(client, url + ".csv?table=weakest"))[1:] == [
        ["1", "Communication", "1.0", "1.0", "2.4", ""],
        ["2", "Competence", "2.0", "1.0", "3.4", "not clearly weaker than Reliability"],
        ["3", "Courtesy", "3.0", "1.6", "4.4", "not clearly weaker than Reliability"]]
    assert rows_of(download(client, url + ".csv?table=trend"))[1:] == [["Spring", "2.3", "1.0", "3.8", ""],
                                                                       ["Autumn", "3.0", "1.6", "4.4", ""]]


def test_a_russian_reader_gets_semicolons_and_decimal_commas(client, org, world):
    sign_in_as(client, org["head"])
    client.post("/language", data={"language": "ru"})
    url = f"/results/{world['autumn'].id}/departments/{org['finance'].id}.csv?table=dimensions"
    lines = download(client, url).data.decode("utf-8-sig").splitlines()
    fields = lines[1].split(";")
    del fields[12]  # "within noise", in words
    assert fields == ["Компетентность", "2,0", "1,0", "3,4", "3", "0", "3", "0", "0", "0", "-0,3", "Spring",
                      "4,0", "2,6", "5,0", "2,0", "слепое пятно"]
    rows = rows_of(download(client, url), delimiter=";")
    assert rows[0][:2] + rows[0][4:5] == ["Критерий", "Оценка других отделов", "Оценившие"]


def test_comments_are_exported_with_formulas_kept_as_text(client, org, world):
    sign_in_as(client, org["head"])
    rows = rows_of(download(client, f"/results/{world['autumn'].id}/departments/{org['finance'].id}.csv"
                                    "?table=comments"))
    assert rows[0] == ["Comment"]
    assert sorted(line[0] for line in rows[1:]) == ["'=HYPERLINK(\"http://evil.example\")",
                                                     "Invoices arrive late"]


@pytest.mark.parametrize(("language", "delimiter", "point"), [("en", ",", "."), ("ru", ";", ",")])
def test_the_company_csv_matches_the_heatmap_on_screen(client, org, world, language, delimiter, point):
    sign_in_as(client, org["facilitator"])
    client.post("/language", data={"language": language})
    url = f"/results/{world['autumn'].id}"
    heatmap = rows_of(download(client, url + "/company.csv?table=heatmap"), delimiter)
    assert len(heatmap[0]) == 13  # the department, nine dimensions, overall, respondents and the note
    assert heatmap[1] == ["Finance", *(f"{n}{point}0" for n in "2433351333"), "3", ""]
    if language == "en":
        caption = "Mean score each department receives from the departments it serves, per dimension"
        screen = screen_rows(page_text(client.get(url)), caption)
        assert [line[:-1] for line in heatmap[1:]] == [["" if cell == NA else cell for cell in line]
                                                       for line in screen]
    trends = rows_of(download(client, url + "/company.csv?table=trends"), delimiter)
    na = {"en": NA, "ru": "недостаточно ответов"}[language]
    assert trends[1:] == [["Finance", f"2{point}3", f"3{point}0", ""],
                          ["Legal", "", "", f"{na}: Spring, Autumn"],
                          ["Sales", "", "", f"{na}: Spring, Autumn"],
                          ["Support", "", "", f"{na}: Spring, Autumn"]]


def test_figures_under_the_threshold_appear_in_no_csv(client, org, world):
    sign_in_as(client, org["facilitator"])
    autumn, legal = world["autumn"].id, org["legal"].id
    urls = [f"/results/{autumn}/company.csv?table={t}" for t in ("heatmap", "criteria", "weakest", "trends")]
    urls += [f"/results/{autumn}/matrix.csv?measure=overall&table={t}" for t in ("means", "raters", "pairs")]
    urls += [f"/results/{autumn}/departments/{legal}.csv?table={t}"
             for t in ("respondents", "dimensions", "weakest", "trend")]
    for url in urls:
        text = download(client, url).data.decode("utf-8-sig")
        assert "1.5" not in text and "Legal never answers my mail" not in text, url
    assert client.get(f"/results/{autumn}/departments/{legal}.csv?table=comments").status_code == 404
    assert rows_of(download(client, f"/results/{autumn}/departments/{legal}.csv?table=respondents"))[1] == [
        "Autumn", "Legal", "", NA]
    competence = rows_of(download(client, f"/results/{autumn}/departments/{legal}.csv?table=dimensions"))[1]
    assert competence[:3] == ["Competence", "", ""] and competence[-1].startswith(NA)


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
    url = f"/results/{s.round.id}/matrix.csv?measure=overall&table="
    means, raters = rows_of(download(client, url + "means")), rows_of(download(client, url + "raters"))
    assert means[0] == ["Rater ↓ / rated →", "Finance", "Sales", "Склад", "Note"]
    # Sales (3) alone would leave Склад's two raters to be derived from the total: both are pooled
    assert means[1:] == [["Finance", "", "", "3.0", f"{NA}: Sales"],
                         ["Sales", "", "", "", f"{NA}: Finance, Склад"],
                         ["Склад", "", "", "", f"{NA}: Finance, Sales"],
                         ["Other departments", "3.2", "", "", f"{NA}: Sales, Склад"]]
    assert [line[:4] for line in raters[1:]] == [["Finance", "", "", "3"], ["Sales", "", "", ""],
                                                 ["Склад", "", "", ""], ["Other departments", "5", "", ""]]
    assert "3.2" in words(page) and "n = 5" in words(page)
    assert "4.3" not in words(page) and "4.3" not in str(means)


def test_csv_downloads_follow_the_page_rules(client, org, world):
    autumn, finance, sales = world["autumn"].id, org["finance"].id, org["sales"].id
    sign_in_as(client, org["employee"])
    assert client.get(f"/results/{autumn}/company.csv").status_code == 403
    sign_in_as(client, org["head"])
    assert client.get(f"/results/{autumn}/departments/{sales}.csv").status_code == 403
    assert client.get(f"/results/{autumn}/departments/{finance}.csv").status_code == 200
    assert client.get(f"/results/{autumn}/matrix.csv?measure=nonsense").status_code == 400
    assert client.get("/results/999999/company.csv").status_code == 404
