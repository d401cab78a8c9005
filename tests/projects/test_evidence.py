"""Where a project started: the source's figures are read through the publishing gate for each reader
at view time, never stored with the project; its "Evidence" holds only people's own words."""
import re

import pytest
import sqlalchemy as sa

from app.dimensions.models import Dimension
from app.extensions import db
from app.projects import services
from app.projects.models import Project
from tests.factories import page_text
from tests.projects.test_pages import form_data
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import Survey, sign_in_as, words

# Autumn, Finance on accessibility (tests/reports/test_pages_scorecard.py): Sales' three raters gave 4,
# Finance's own three said 2; in spring Sales gave 2, 2, 3 (2.3).
FIGURES = ("4.0", "2.0", "2.3", "rater")
NOT_SHOWN = "The figures are on the results pages, for those who may see them."


def accessibility() -> Dimension:
    return db.session.scalar(sa.select(Dimension).where(Dimension.key == "accessibility"))


def prefilled_evidence(client, org, round_) -> str:
    """What the start form puts in its "Evidence" box for Finance's accessibility in `round_`."""
    form = page_text(client.get(f"/projects/new?round={round_.id}&department={org['finance'].id}"
                                f"&dimension={accessibility().id}"))
    return re.search(r'<textarea[^>]*name="evidence"[^>]*>(.*?)</textarea>', form, re.S).group(1).strip()


def proposed_from_autumn(client, org, evidence=None) -> Project:
    """Finance's head starts a project from Finance's accessibility in autumn, sending the start form as it
    came prefilled unless told what to write."""
    rounds = spring_and_autumn(org)
    sign_in_as(client, org["head"])
    if evidence is None:
        evidence = prefilled_evidence(client, org, rounds["autumn"])
    response = client.post("/projects/new", data=form_data(
        org, title="Improve accessibility of Finance", evidence=evidence, source_round=rounds["autumn"].id,
        source_department=org["finance"].id, source_dimension=accessibility().id))
    assert response.status_code == 303
    return db.session.scalar(sa.select(Project))


def where_it_started(client, person, project) -> str:
    sign_in_as(client, person)
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == 200
    return page_text(response)


def test_the_start_form_prefills_no_figure_and_the_project_stores_none(client, org):
    project = proposed_from_autumn(client, org)
    assert (project.source_department, project.source_dimension) == (org["finance"], accessibility())
    assert project.evidence == ""
    assert "Started from a weak spot: Accessibility of Finance in Autumn." in page_text(client.get(
        f"/projects/new?round={project.source_round_id}&department={org['finance'].id}"
        f"&dimension={accessibility().id}"))


def test_evidence_keeps_the_persons_own_words(client, org):
    project = proposed_from_autumn(client, org, evidence="Sales cannot reach us before noon.")
    assert project.evidence == "Sales cannot reach us before noon."
    assert "Sales cannot reach us before noon." in where_it_started(client, org["employee"], project)


@pytest.mark.parametrize("who", ["employee", "sales_head", "admin"])
def test_readers_who_may_not_see_finances_results_see_only_the_names(client, org, who):
    project = proposed_from_autumn(client, org)
    page = where_it_started(client, org[who], project)
    for figure in FIGURES:
        assert figure not in words(page), figure
    assert "Where it started" in page and "Accessibility of Finance" in page and "Autumn" in page
    assert NOT_SHOWN in page


@pytest.mark.parametrize("who", ["head", "facilitator"])
def test_readers_who_may_see_finances_results_see_the_figures_through_the_gate(client, org, who):
    project = proposed_from_autumn(client, org)
    page = where_it_started(client, org[who], project)
    started = page[page.index("Where it started"):page.index("Did it move?")]
    assert "4.0 from 3 raters" in started  # others' view
    assert re.search(r"Self-assessment</dt>\s*<dd>2\.0</dd>", started)
    assert f'href="/results/{project.source_round_id}/departments/{org["finance"].id}"' in started
    assert NOT_SHOWN not in page


def test_leading_the_project_does_not_open_the_departments_results(client, org):
    """An employee who leads the project runs it, but Finance's results stay with those who may read them:
    neither where it started nor the source's scores across rounds."""
    project = proposed_from_autumn(client, org)
    project.lead = org["employee"]
    db.session.commit()
    page = where_it_started(client, org["employee"], project)
    assert f"/projects/{project.id}/edit" in page  # runs it
    assert NOT_SHOWN in page
    for figure in FIGURES:
        assert figure not in words(page), figure


@pytest.mark.parametrize("first", ["facilitator", "employee"])
def test_a_page_kept_for_one_reader_never_shows_figures_to_another(client, org, first):
    project = proposed_from_autumn(client, org)
    second = "employee" if first == "facilitator" else "facilitator"
    pages = {who: where_it_started(client, org[who], project) for who in (first, second)}
    assert "4.0 from 3 raters" in pages["facilitator"]
    assert "4.0" not in words(pages["employee"]) and NOT_SHOWN in pages["employee"]


def test_a_group_under_k_shows_no_figure_even_to_a_facilitator(client, org):
    autumn = spring_and_autumn(org)["autumn"]  # only two people of Support rate Legal (1 and 2)
    spot = services.weak_spot(autumn, org["legal"], accessibility())
    project = services.save_project(org["facilitator"], None, services.ProjectData(
        title="Legal answers mail", owner_department=org["legal"], departments=[org["support"]],
        source=spot))
    db.session.commit()
    page = where_it_started(client, org["facilitator"], project)
    started = page[page.index("Where it started"):page.index("Did it move?")]
    assert "not enough responses" in started and "1.5" not in page and "rater" not in started


def test_an_unpublished_round_shows_no_figure(client, org):
    """A project whose source round is not published (as a database edit could leave it) shows nothing of
    it: the gate reads published rounds only."""
    project = proposed_from_autumn(client, org)
    winter = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Winter")
    winter.rate(org["sales"], org["finance"], [5] * 3)  # open: counted nowhere yet
    project.source_round = winter.round
    db.session.commit()
    page = where_it_started(client, org["facilitator"], project)
    started = page[page.index("Where it started"):page.index("Did it move?")]
    assert "Winter" in started and "The results of this round are not published." in started
    assert "rater" not in started and "5.0" not in started


def test_a_noisy_round_says_so_beside_its_figures(app, client, org):
    from app.dimensions.services import seed_default_dimensions

    seed_default_dimensions()
    app.config["RESULT_NOISE_SCALE"] = 0.5
    noisy = Survey(org["facilitator"], [org["finance"], org["sales"]], name="Noisy")
    noisy.rate(org["sales"], org["finance"], [3] * 5)
    noisy.publish()
    project = services.save_project(org["head"], None, services.ProjectData(
        title="Answer Sales", owner_department=org["finance"], departments=[org["sales"]],
        source=services.weak_spot(noisy.round, org["finance"], accessibility())))
    db.session.commit()
    assert "ε = 2 per question" in where_it_started(client, org["head"], project)
    assert "random noise" not in where_it_started(client, org["employee"], project)


def test_no_source_no_section(client, org):
    project = services.save_project(org["head"], None, services.ProjectData(
        title="Faster invoices", owner_department=org["finance"], departments=[org["sales"]]))
    db.session.commit()
    assert "Where it started" not in where_it_started(client, org["facilitator"], project)



def test_a_workshop_card_turned_into_a_project_carries_no_figure(client, org):
    """A card of a workshop that works from autumn becomes a project owned by Finance: where it started is
    autumn's Finance accessibility, read for each reader; neither the project nor the minutes hold a
    figure."""
    from app.workshops import services as workshops

    autumn = spring_and_autumn(org)["autumn"]
    workshop = workshops.save_workshop(org["facilitator"], None, "Finance meets Sales", autumn.closes_on,
                                       autumn, [org["finance"], org["sales"]], [org["employee"]], 3, False,
                                       False)
    while workshop.phase != "collect":
        workshops.move_phase(org["facilitator"], workshop, 1)
    card = workshops.add_card(org["employee"], workshop, "Nobody answers before noon", accessibility(), None)
    while workshop.phase != "projects":
        workshops.move_phase(org["facilitator"], workshop, 1)
    project = workshops.turn_into_project(org["facilitator"], card, org["finance"], [org["sales"]],
                                          "Answer before noon")
    db.session.commit()
    assert (project.source_round, project.source_department) == (autumn, org["finance"])
    assert project.evidence == ""
    page = where_it_started(client, org["employee"], project)
    for figure in FIGURES:
        assert figure not in words(page), figure
    assert NOT_SHOWN in page and "Finance meets Sales" in page  # the link back to the minutes
    for export in ("minutes", "minutes.md", *(f"minutes.csv?table={t}" for t in workshops.MINUTES_TABLES)):
        text = page_text(client.get(f"/workshops/{workshop.id}/{export}"))
        assert "4.0" not in text and "rater" not in text, export
    assert "4.0 from 3 raters" in where_it_started(client, org["facilitator"], project)
