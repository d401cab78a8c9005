"""Printed results, project pages and workshop minutes, as a reader holds them: on A4, every column on the
paper, the change readable, the bands and bars in colour, no navigation or controls, and the first page
holding the heading and the first table rather than leaving it near-empty."""
import io
import unicodedata

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from app.demo import DEMO_PASSWORD
from app.metrics.models import Metric
from app.org.models import Department
from app.projects.models import Project
from app.ratings.models import Round
from app.workshops.models import Workshop
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser
A4_BOX = 703  # CSS px across A4 less the @page margins of app.css (210 mm - 2 × 12 mm)


@pytest.fixture
def pages(demo, live_server) -> dict[str, str]:
    """The addresses of the printable pages of the demo company's latest round."""
    with live_server.database() as session:
        round_id = session.scalar(sa.select(sa.func.max(Round.id)).where(Round.state == "published"))
        finance = session.scalar(sa.select(Department.id).where(Department.name == "Finance"))
        project = session.scalar(sa.select(sa.func.min(Project.id)).where(Project.metric_id.is_not(None)))
        workshop = session.scalar(sa.select(Workshop.id).where(Workshop.phase == "wrapup"))
        nps = session.scalar(sa.select(Metric.id).where(Metric.name.startswith("Net Promoter")))
    return {"company": f"/results/{round_id}", "matrix": f"/results/{round_id}/matrix",
            "scorecard": f"/results/{round_id}/departments/{finance}", "project": f"/projects/{project}",
            "portfolio": "/projects", "minutes": f"/workshops/{workshop}/minutes", "chain": f"/chain/{nps}"}


@pytest.fixture(params=["en", "ru"])
def reader(request, browser, demo):
    """A facilitator's page in an A4-wide window, in English or Russian, showing the print layout."""
    context = browser.new_context(viewport={"width": A4_BOX, "height": 1000}, locale="en-US")
    page = context.new_page()
    sign_in(page, demo, "facilitator@example.com", DEMO_PASSWORD)
    if request.param == "ru":
        page.locator("form.inline[action='/language'] select").select_option("ru")
        page.locator("form.inline[action='/language'] button").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.emulate_media(media="print")
    yield page
    context.close()


# What sticks out of the page box, or is cut inside it, as the reader would find it on paper.
MEASURE = """() => {
  const box = document.documentElement.clientWidth;
  const name = el => (el.closest('table').querySelector('caption')?.textContent || '').trim().slice(0, 40)
    + ': ' + el.textContent.trim().slice(0, 30);
  const wide = [...document.querySelectorAll('main table')]
    .filter(t => t.getBoundingClientRect().right > box + 0.5).map(t => name(t));
  const hidden = [...document.querySelectorAll('main table thead th')]
    .filter(th => { const r = th.getBoundingClientRect();
      return r.width < 8 || r.right > box + 0.5 || th.scrollWidth > th.clientWidth + 1; }).map(name);
  const cut = [...document.querySelectorAll('main td .change, main td .since')].filter(el => {
    const r = el.getBoundingClientRect(), cell = el.closest('td').getBoundingClientRect();
    const lines = r.height / parseFloat(getComputedStyle(el).lineHeight);
    return r.width < 8 || r.right > cell.right + 0.5 || lines > 2.5; }).map(name);
  return {wide, hidden, cut};
}"""


@pytest.mark.parametrize("name", ["company", "matrix", "scorecard", "project", "portfolio", "minutes",
                                  "chain"])
def test_printed_pages_fit_a4_with_every_column_readable(reader, demo, pages, name):
    reader.goto(demo + pages[name])
    expect(reader.get_by_role("heading", level=1)).to_be_visible()
    assert reader.evaluate(MEASURE) == {"wide": [], "hidden": [], "cut": []}
    for control in (".topbar", ".report-links", "main form", "main .button", "main button"):
        expect(reader.locator(control).filter(visible=True)).to_have_count(0)


def test_printed_scorecard_shows_each_change_and_keeps_its_colours(reader, demo, pages):
    reader.goto(demo + pages["scorecard"])
    changes = reader.locator("table.scorecard td .change")
    expect(changes.first).to_be_visible()
    assert changes.count() >= 9  # every dimension and the overall row had an earlier round
    bars = reader.locator("svg.chart rect.bar").first, reader.locator("svg.chart-distribution rect").first
    for bar in bars:
        assert bar.evaluate("e => getComputedStyle(e).printColorAdjust") == "exact"
        assert bar.evaluate("e => getComputedStyle(e).fill") not in ("none", "rgb(0, 0, 0)")
    reader.goto(demo + pages["company"])
    band = reader.locator("table.heatmap td[class^='band-']").first
    assert band.evaluate("e => getComputedStyle(e).printColorAdjust") == "exact"


@pytest.mark.parametrize(("name", "heading", "first_table"), [
    ("scorecard", "Scorecard: Finance", "Others' view, its distribution and change"),
    ("company", "Company view", "Mean score each department receives"),
    ("matrix", "Service matrix", "Overall: mean and number of raters"),
    ("project", "Resolve client requests at the first contact", "Owner department"),
])
def test_the_first_printed_page_holds_the_heading_and_the_first_table(page, demo, pages, name, heading,
                                                                     first_table):
    sign_in(page, demo, "facilitator@example.com", DEMO_PASSWORD)
    page.goto(demo + pages[name])
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    first = " ".join(unicodedata.normalize("NFKC", pdf.pages[0].extract_text()).split())  # "ﬁ" → "fi"
    assert heading in first and first_table in first
