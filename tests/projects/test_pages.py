"""Project pages: who sees and does what, starting from a weak spot, bad input, the portfolio and
"did it move?"."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.dimensions.models import Dimension
from app.extensions import db
from app.metrics.models import Reading
from app.projects import services
from app.projects.models import CheckIn, Project, RootCause
from tests.factories import count, form_token_of, make_user, page_text
from tests.projects.test_services import make_metric
from tests.reports.test_pages_scorecard import spring_and_autumn
from tests.reports.test_results import sign_in_as


def a_project(org, **extra) -> Project:
    data = services.ProjectData(title="Faster invoices", owner_department=org["finance"],
                                departments=[org["sales"]], **extra)
    project = services.save_project(org["head"], None, data)
    db.session.commit()
    return project


def form_data(org, **changes) -> dict:
    data = {"title": "Answer Sales within a day", "problem": "Sales wait", "evidence": "",
            "owner_department_id": org["finance"].id, "department_ids": [org["sales"].id], "lead_id": 0,
            "member_ids": [], "root_cause_id": 0, "metric_id": 0, "target_value": "", "target_date": "",
            "expected_lag_days": ""}
    data.update(changes)
    return data


# Access ------------------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    project = a_project(org)
    for url in ("/projects", f"/projects/{project.id}", "/projects/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["employee", "head", "sales_head", "facilitator", "admin"])
def test_everyone_signed_in_reads_the_portfolio_and_projects(client, org, who):
    project = a_project(org)
    sign_in_as(client, org[who])
    assert "Faster invoices" in page_text(client.get("/projects"))
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200 and "Did it move?" in page_text(page)
    manage = who in ("head", "facilitator")
    assert (f"/projects/{project.id}/start" in page_text(page)) is manage
    assert client.get(f"/projects/{project.id}/edit").status_code == (200 if manage else 403)


@pytest.mark.parametrize(("who", "status"), [("employee", 403), ("admin", 403), ("head", 200),
                                             ("facilitator", 200)])
def test_who_may_start_a_project(client, org, who, status):
    sign_in_as(client, org[who])
    assert client.get("/projects/new").status_code == status


def test_outsiders_cannot_move_or_check_in(client, org):
    project = a_project(org)
    sign_in_as(client, org["sales_head"])
    assert client.post(f"/projects/{project.id}/cancel").status_code == 403
    assert client.post(f"/projects/{project.id}/check-ins", data={
        "on": "2026-06-01", "status": "on_track", "done": "x"}).status_code == 403
    db.session.expire_all()
    assert project.status == "proposed" and count(CheckIn) == 0


def test_a_head_cannot_make_another_department_the_owner(client, org):
    sign_in_as(client, org["head"])
    response = client.post("/projects/new", data=form_data(org, owner_department_id=org["sales"].id))
    assert response.status_code == 422
    assert count(Project) == 0


def test_root_causes_are_for_admins(client, org):
    sign_in_as(client, org["facilitator"])
    assert client.get("/projects/root-causes").status_code == 403
    sign_in_as(client, org["admin"])
    response = client.post("/projects/root-causes", data={"key": "suppliers", "name_en": "Suppliers",
                                                          "name_ru": "Поставщики", "position": 9})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(RootCause).where(RootCause.key == "suppliers")).name_en == "Suppliers"
    clash = client.post("/projects/root-causes", data={"key": "people", "name_en": "x", "name_ru": "y"})
    assert clash.status_code == 422 and "already exists" in page_text(clash)


# Starting and editing ----------------------------------------------------------------------------

def test_a_head_proposes_a_cross_department_project(client, org):
    sign_in_as(client, org["head"])
    response = client.post("/projects/new", data=form_data(org))
    assert response.status_code == 303
    project = db.session.scalar(sa.select(Project))
    assert (project.title, project.status, project.owner_department) == (
        "Answer Sales within a day", "proposed", org["finance"])
    assert set(project.departments) == {org["finance"], org["sales"]}
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "<dt>Participating departments</dt><dd>Sales</dd>" in page  # the owner is not among the others


def test_the_new_project_form_sent_again_finds_the_project_it_made(client, org):
    """A double-click or a form sent again: the second copy goes to the first one's project, calmly; the
    form drawn anew has another one-time value and makes another project."""
    sign_in_as(client, org["head"])
    token = form_token_of(client.get("/projects/new"))
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
    first, second = (client.post("/projects/new", data=form_data(org, form_token=token)) for _ in range(2))
    project = db.session.scalar(sa.select(Project))
    assert [r.status_code for r in (first, second)] == [303, 303]
    assert {r.headers["Location"] for r in (first, second)} == {f"/projects/{project.id}"}
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "Project Answer Sales within a day proposed." in page
    assert "This project was already created: here it is." in page
    assert count(Project) == 1 and project.form_token == token
    again = form_token_of(client.get("/projects/new"))
    assert again != token
    assert client.post("/projects/new", data=form_data(org, form_token=again)).status_code == 303
    assert count(Project) == 2


@pytest.mark.parametrize("token", ["x" * 65, "abc\x00def", "a b", "näh", "tok/en"])
def test_a_one_time_value_the_app_never_gives_is_refused_with_a_message(client, org, token):
    sign_in_as(client, org["head"])
    response = client.post("/projects/new", data=form_data(org, form_token=token))
    assert response.status_code == 422
    page = page_text(response)
    assert page.count("This form came back altered: its one-time mark is not one the app gave.") == 1
    renewed = form_token_of(response)
    assert renewed != token and re.fullmatch(r"[A-Za-z0-9_-]{22}", renewed)
    assert count(Project) == 0
    assert client.post("/projects/new", data=form_data(org, form_token=renewed)).status_code == 303


def test_the_edit_form_carries_no_one_time_value_and_says_why_it_refuses_a_damaged_one(client, org):
    project = a_project(org)
    sign_in_as(client, org["head"])
    assert 'name="form_token"' not in client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    edit = f"/projects/{project.id}/edit"
    response = client.post(edit, data=form_data(org, title="Renamed", form_token="a b"))
    assert response.status_code == 422
    assert "This form came back altered" in page_text(response)
    assert client.post(edit, data=form_data(org, title="Renamed")).status_code == 303


@pytest.mark.parametrize(("changes", "message"), [
    ({"department_ids": []}, 'id="department_ids-error">A project is cross-department: choose at least one'),
    ({"title": ""}, "This field is required"),
    ({"target_value": "lots"}, "Not a valid float value"),
    ({"target_value": "inf"}, "Give an ordinary number, not infinity or “nan”."),
    ({"target_value": "nan"}, "Give an ordinary number, not infinity or “nan”."),
    ({"expected_lag_days": "-3"}, "Number must be between"),
])
def test_bad_input_says_why_and_saves_nothing(client, org, changes, message):
    sign_in_as(client, org["head"])
    response = client.post("/projects/new", data=form_data(org, **changes))
    assert response.status_code == 422
    assert message in page_text(response)
    assert count(Project) == 0


def test_wtforms_own_messages_come_in_the_readers_language(client, org):
    org["head"].language = "ru"
    db.session.commit()
    sign_in_as(client, org["head"])
    response = client.post("/projects/new", data=form_data(org, target_value="lots"))
    assert response.status_code == 422
    assert "Неверное десятичное число" in page_text(response)
    assert count(Project) == 0


def test_a_project_starts_from_a_weak_spot(client, org):
    rounds = spring_and_autumn(org)
    accessibility = db.session.scalar(sa.select(Dimension).where(Dimension.key == "accessibility"))
    sign_in_as(client, org["head"])
    url = (f"/projects/new?round={rounds['autumn'].id}&department={org['finance'].id}"
           f"&dimension={accessibility.id}")
    form = client.get(url)
    assert "Improve accessibility of Finance" in page_text(form)
    data = form_data(org, title="Improve accessibility of Finance", source_round=rounds["autumn"].id,
                     source_department=org["finance"].id, source_dimension=accessibility.id,
                     form_token=form_token_of(form))
    response, again = client.post("/projects/new", data=data), client.post("/projects/new", data=data)
    assert response.status_code == again.status_code == 303
    assert response.headers["Location"] == again.headers["Location"]  # sent twice, made once
    project = db.session.scalar(sa.select(Project))
    assert (project.source_round, project.source_department, project.source_dimension) == (
        rounds["autumn"], org["finance"], accessibility)
    detail = page_text(client.get(f"/projects/{project.id}"))
    assert "Internal score of the source across rounds" in detail
    # spring: Sales rated Finance 2, 2, 3 on every dimension; autumn: 4 on accessibility
    assert "Spring" in detail and "2.3" in detail and "4.0" in detail
    # the sales head may not read Finance's scorecard: not from the project page, nor start from it
    sign_in_as(client, org["sales_head"])
    assert client.get(url).status_code == 403
    detail = page_text(client.get(f"/projects/{project.id}"))
    assert "Spring" not in detail and "4.0" not in detail
    assert "The figures are on the results pages, for those who may see them." in detail


def test_editing_a_project(client, org):
    project = a_project(org)
    sign_in_as(client, org["facilitator"])
    assert client.get(f"/projects/{project.id}/edit").status_code == 200
    response = client.post(f"/projects/{project.id}/edit", data=form_data(org, title="Renamed"))
    assert response.status_code == 303
    db.session.expire_all()
    assert project.title == "Renamed"


# Lifecycle and "did it move?" -------------------------------------------------------------------

def test_start_refused_without_a_metric_then_started_and_moving(client, org):
    project = a_project(org)
    sign_in_as(client, org["head"])
    client.post(f"/projects/{project.id}/start")
    assert "cannot start without a metric" in page_text(client.get(f"/projects/{project.id}"))
    db.session.expire_all()
    assert project.status == "proposed"
    today = date.today()
    metric = make_metric(values=[30, 32, 34], start=today)
    project.metric, project.target_value, project.target_date = metric, 42.0, today + timedelta(days=200)
    db.session.commit()
    assert client.post(f"/projects/{project.id}/start").status_code == 303
    db.session.expire_all()
    assert (project.status, project.baseline) == ("active", 32.0)
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "Baseline: 32 — mean of the last 3 readings before the start" in page
    assert "Too early: no reading since the expected lag ended on" in page
    db.session.add(Reading(metric=metric, taken_on=today, value=37))
    db.session.commit()
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "The metric moved by +5 since the start" in page
    assert "other things may have moved it too" in page
    assert "50% of the way from baseline to target covered so far" in page
    assert '<svg' in page and "baseline 32" in page and "target 42" in page


def test_the_baseline_is_shown_with_the_readings_it_was_taken_from_even_after_they_change(client, org):
    today = date.today()
    metric = make_metric(values=[30, 32, 34], start=today)
    project = a_project(org, metric=metric, target_value=42.0, target_date=today + timedelta(days=200))
    services.move(org["head"], project, "start", on=today)
    db.session.commit()
    sign_in_as(client, org["head"])
    used = [(r.taken_on.isoformat(), r.value) for r in sorted(metric.readings, key=lambda r: r.taken_on)]
    # Later, one of those readings is corrected and an older one arrives: the baseline does not move.
    db.session.get(Reading, (metric.id, date.fromisoformat(used[0][0]))).value = 90
    db.session.add(Reading(metric=metric, taken_on=today - timedelta(days=1), value=80))
    db.session.commit()
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "Baseline: 32 — mean of the last 3 readings before the start" in page
    assert "Readings used: " + ", ".join(f"{day}: {value:g}" for day, value in used) + "." in page


def test_the_baseline_rule_is_worded_in_the_readers_language_not_the_starters(client, org):
    today = date.today()
    project = a_project(org, metric=make_metric(values=[30, 32, 34], start=today), target_value=42.0,
                        target_date=today + timedelta(days=200))
    org["head"].language = "ru"
    services.move(org["head"], project, "start", on=today)
    org["employee"].language = "en"
    db.session.commit()
    sign_in_as(client, org["employee"])
    assert "mean of the last 3 readings before the start" in page_text(client.get(f"/projects/{project.id}"))
    sign_in_as(client, org["head"])
    assert "среднее последних замеров до начала (учтено замеров: 3)" in page_text(
        client.get(f"/projects/{project.id}"))


@pytest.mark.parametrize(("language", "shown", "not_shown"), [
    ("en", ["32.17", "+5.08", "42.5", "37.25"], ["32,17", "+5,08"]),
    ("ru", ["32,17", "+5,08", "42,5", "37,25"], ["32.17", "5.08", "42.5", "37.25"]),
])
def test_every_number_of_a_project_is_written_the_readers_way(client, org, language, shown, not_shown):
    today = date.today()
    metric = make_metric(values=[30, 32, 34.5], start=today)
    project = a_project(org, metric=metric, target_value=42.5, target_date=today + timedelta(days=200))
    services.move(org["head"], project, "start", on=today)
    db.session.add(Reading(metric=metric, taken_on=today, value=37.25))
    db.session.commit()
    sign_in_as(client, org["head"])
    client.post("/language", data={"language": language})
    page = page_text(client.get(f"/projects/{project.id}"))  # the facts, the movement and the chart
    for number in shown:
        assert number in page, number
    for number in not_shown:
        assert number not in page, number


def test_overshoot_and_the_wrong_way_are_said_as_such(client, org):
    today = date.today()
    metric = make_metric(name="Complaint rate", direction="lower", values=[10, 10, 10], start=today)
    project = a_project(org, metric=metric, target_value=6.0, target_date=today + timedelta(days=90))
    services.move(org["head"], project, "start", on=today)
    db.session.add(Reading(metric=metric, taken_on=today, value=4))
    db.session.commit()
    sign_in_as(client, org["employee"])
    assert "Beyond target: 150% of the way covered" in page_text(client.get(f"/projects/{project.id}"))
    db.session.get(Reading, (metric.id, today)).value = 12
    db.session.commit()
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "Moved the wrong way" in page and 'value="0"' in page


def test_check_ins_by_members_and_bad_check_ins(client, org):
    member = make_user(department=org["sales"])
    project = a_project(org, members=[member])
    sign_in_as(client, member)
    bad = client.post(f"/projects/{project.id}/check-ins", data={"on": "2026-06-01", "status": "great",
                                                                 "done": "Met"})
    assert bad.status_code == 422 and "Not a valid choice" in page_text(bad)
    assert count(CheckIn) == 0
    good = client.post(f"/projects/{project.id}/check-ins", data={"on": "2026-06-01", "status": "at_risk",
                                                                  "done": "Met Sales twice"})
    assert good.status_code == 303
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "Met Sales twice" in page and "at risk" in page


def test_moves_are_listed_in_the_history(client, org):
    project = a_project(org)
    sign_in_as(client, org["head"])
    asked = page_text(client.post(f"/projects/{project.id}/cancel", data={"note": "No budget"}))
    db.session.expire_all()
    assert project.status == "proposed"  # cannot be undone: a page asks first, keeping the note
    assert f"Cancel {project.title}?" in asked and 'name="note" value="No budget"' in asked
    client.post(f"/projects/{project.id}/cancel", data={"note": "No budget", "confirmed": "1"})
    db.session.expire_all()
    assert project.status == "cancelled"
    page = page_text(client.get(f"/projects/{project.id}"))
    assert "proposed → cancelled" in page
    assert client.post(f"/projects/{project.id}/check-ins", data={
        "on": "2026-06-01", "status": "on_track", "done": "x"}).status_code == 422


# The portfolio -----------------------------------------------------------------------------------

def test_portfolio_filters_and_htmx_fragment(client, org):
    causes = {c.key: c for c in db.session.scalars(sa.select(RootCause))}
    metric = make_metric(values=[1])
    a_project(org, root_cause=causes["processes"], metric=metric)
    other = services.save_project(org["facilitator"], None, services.ProjectData(
        title="Friendlier contracts", owner_department=org["sales"], departments=[org["finance"]],
        root_cause=causes["clients"]))
    services.move(org["facilitator"], other, "cancel")
    db.session.commit()
    sign_in_as(client, org["facilitator"])
    everything = page_text(client.get("/projects"))
    assert "Faster invoices" in everything and "Friendlier contracts" in everything
    by_metric = page_text(client.get(f"/projects?metric={metric.id}"))
    assert "Faster invoices" in by_metric and "Friendlier contracts" not in by_metric
    fragment = client.get("/projects?status=cancelled", headers={"HX-Request": "true"})
    text = page_text(fragment)
    assert "Friendlier contracts" in text and "Faster invoices" not in text
    assert "<html" not in text and 'id="portfolio"' in text
    groups = text.split('id="root-cause-groups"')[1].split("</table>")[0]
    assert "<td>1</td><td>100%</td><td>20–30%</td>" in groups  # the one cancelled project: clients
    assert "typical split from the source: processes, systems and products 50–60%," in everything


def test_the_portfolio_lists_twenty_five_projects_a_page_and_its_pages_keep_the_filters(client, org):
    processes = db.session.scalar(sa.select(RootCause).where(RootCause.key == "processes"))
    for n in range(26):
        services.save_project(org["head"], None, services.ProjectData(
            title=f"Project {n:02d}", owner_department=org["finance"], departments=[org["sales"]],
            root_cause=processes))
    db.session.commit()
    sign_in_as(client, org["facilitator"])
    first = client.get(f"/projects?department={org['sales'].id}")
    text = page_text(first)
    assert text.count('<a href="/projects/') == 25 and "26 projects" in text and "Page 1 of 2" in text
    assert "Project 25" in text and "Project 00" not in text  # the newest first
    assert f'href="/projects?department={org["sales"].id}&page=2"' in text
    last = page_text(client.get(f"/projects?page=2&department={org['sales'].id}"))
    assert last.count('<a href="/projects/') == 1 and "Project 00" in last and "Page 2 of 2" in last
    assert "Page 2 of 2" in page_text(client.get("/projects?page=99"))  # past the end: the last page
    groups = text.split('id="root-cause-groups"')[1].split("</table>")[0]
    assert "<td>26</td><td>100%</td><td>50–60%</td>" in groups  # the split counts every page


def test_the_target_field_shows_the_baseline_and_the_latest_reading(client, org):
    today = date.today()
    metric = make_metric(values=[30, 32, 37], start=today)
    project = a_project(org, metric=metric)
    sign_in_as(client, org["head"])
    page = page_text(client.get(f"/projects/{project.id}/edit"))
    latest = (today - timedelta(days=30)).isoformat()
    assert f"If it started today, the baseline would be 33. Latest reading: 37 on {latest}." in page
    project.target_value, project.target_date = 40.0, today + timedelta(days=90)
    db.session.commit()
    services.move(org["head"], project, "start", on=today)
    db.session.commit()
    page = page_text(client.get(f"/projects/{project.id}/edit"))
    assert f"Baseline 33, taken at the start. Latest reading: 37 on {latest}." in page
    # A service rule's message stands at the field it is about, here the target.
    page = page_text(client.post(f"/projects/{project.id}/edit", data=form_data(
        org, metric_id=metric.id, target_value="20", target_date=(today + timedelta(days=90)).isoformat())))
    assert re.search(r'id="target_value-error">[^<]*the target must be above the baseline 33', page)
