"""Charts are drawn on the server as accessible SVG, and the pages keep to the strict CSP."""
import re
from html.parser import HTMLParser

import pytest

from app.reports.charts import Chart
from tests.factories import page_text
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import sign_in_as


class Charts(HTMLParser):
    """Every <svg> of a page with its attributes, title and desc; and any inline style or script."""

    def __init__(self):
        super().__init__()
        self.svgs: list[dict] = []
        self.ids: list[str] = []
        self.inline: list[str] = []
        self._svg = None
        self._text = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "style" in attrs or any(name.startswith("hx-on") for name in attrs):
            self.inline.append(tag)
        if tag == "script" and "src" not in attrs or tag == "style":
            self.inline.append(tag)
        if tag == "svg":
            self._svg = {"attrs": attrs, "title": None, "desc": None, "ids": {}}
        elif self._svg is not None and tag in ("title", "desc"):
            self._text = (tag, attrs.get("id"), [])

    def handle_data(self, data):
        if self._text:
            self._text[2].append(data)

    def handle_endtag(self, tag):
        if self._text and tag == self._text[0]:
            kind, element_id, parts = self._text
            self._svg[kind] = "".join(parts).strip()
            self._svg["ids"][kind] = element_id
            self._text = None
        elif tag == "svg" and self._svg is not None:
            self.svgs.append(self._svg)
            self._svg = None


def charts_of(html: str) -> Charts:
    parser = Charts()
    parser.feed(html)
    return parser


@pytest.fixture
def pages(client, org):
    world = spring_and_autumn(org)
    sign_in_as(client, org["facilitator"])
    autumn, finance, legal = world["autumn"].id, org["finance"].id, org["legal"].id
    return {url: client.get(url) for url in (f"/results/{autumn}", f"/results/{autumn}/trends",
                                             f"/results/{autumn}/departments/{finance}",
                                             f"/results/{autumn}/departments/{legal}",
                                             f"/results/{autumn}/matrix", "/results")}


def test_every_chart_is_an_image_named_by_its_title_and_described_by_its_desc(pages):
    counted = 0
    for url, response in pages.items():
        assert response.status_code == 200
        parsed = charts_of(response.get_data(as_text=True))
        assert len(parsed.ids) == len(set(parsed.ids)), f"{url}: duplicate ids"
        for svg in parsed.svgs:
            if svg["attrs"].get("aria-hidden") == "true":  # a sparkline: its table row says its numbers
                assert svg["attrs"]["class"] == "sparkline" and not svg["title"], url
                continue
            counted += 1
            assert svg["attrs"]["role"] == "img", url
            assert svg["title"] and svg["desc"], url
            assert svg["attrs"]["aria-labelledby"].split() == [svg["ids"]["title"], svg["ids"]["desc"]], url
            assert re.search(r"\d|not enough responses", svg["desc"]), svg["desc"]
    assert counted >= 10  # criteria, nine distributions, self beside others, the trend …


def test_no_inline_styles_or_scripts_that_the_csp_would_block(pages):
    for url, response in pages.items():
        assert charts_of(response.get_data(as_text=True)).inline == [], url
        assert "javascript:" not in response.get_data(as_text=True)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_charts_say_their_numbers_in_words_and_as_labels(pages, org):
    scorecard = next(r for url, r in pages.items() if url.endswith(f"/departments/{org['finance'].id}"))
    page = page_text(scorecard)
    # drawn twice: for wide screens and, narrower, for phones (tests/e2e/test_phones.py); both say the same
    title = "Finance: self-assessment beside others' view"
    svg, phone = [s for s in charts_of(page).svgs if s["title"] == title]
    # each mean with its 95% interval: three unanimous raters still leave a wide one
    assert "Competence: Self-assessment 4.0 (2.6–5.0), Others' view 2.0 (1.0–3.4)" in svg["desc"]
    assert phone["desc"] == svg["desc"]
    assert re.search(r'<text [^>]*class="value"[^>]*>2.0</text>', page)  # printed beside the bar
    assert re.search(r'<line [^>]*class="whisker"', page)  # the interval drawn across the bar's end


def test_every_page_links_the_one_stylesheet_with_the_results_rules_and_print_rules(client, pages):
    """A boosted click swaps the body and keeps the head: a stylesheet only some pages linked would be
    missing after a click from a page without it (charts solid black, the heatmap colourless)."""
    for response in pages.values():
        links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', response.get_data(as_text=True))
        assert links == ["/static/css/app.css"]
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "--band-1" in css and "@media print" in css and "size: A4" in css and "break-inside: avoid" in css



def test_a_label_set_off_from_a_point_carries_one_decimal():
    """A label 8 above a point at 71.1 sits at 63.1, not at 63.099999999999994."""
    chart = Chart("c", "title", "desc", 300, 170, "line")
    chart.label(52.0 + 0.1 + 0.2, 71.1 - 8, "3.2")
    assert 'x="52.3" y="63.1"' in chart.shapes[0].__html__()


def test_the_company_trends_draw_a_sparkline_in_each_departments_row(pages, org):
    company = next(r for url, r in pages.items() if url.endswith("/trends")).get_data(as_text=True)
    trends = company[company.index("<caption>Overall mean per round</caption>"):]
    trends = trends[:trends.index("</table>")]
    assert '<th scope="col">Trend</th>' in trends
    row = re.search(r'Finance</th>.*?</tr>', trends, re.S).group(0)
    # Finance has 2.3, then 3.0: the line goes up (SVG's y grows downwards) and the latest is dotted
    [points] = re.findall(r'<polyline points="([^"]+)"', row)
    (x1, y1), (x2, y2) = (map(float, p.split(",")) for p in points.split())
    assert x1 < x2 and y1 > y2
    assert re.search(rf'<circle cx="{x2}" cy="{y2}"', row)
    assert len(company) < 60_000
