"""The projects' notices: a check-in due, once per period, to the lead (or the owner's heads); the weekly
digest on Mondays, once per ISO week, to heads and facilitators, each told only of what they may see."""
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.cli import tick
from app.extensions import db
from app.metrics.models import Metric, Reading
from app.notices import services as notices
from app.notices.models import Notice
from app.projects import follow_up
from app.projects import services as projects
from tests.factories import count, make_department, make_user
from tests.projects.test_services import START, make_metric

MONDAY = date(2026, 11, 30)  # ISO week 49


def started(org, title="Faster invoices", lead=None, owner="finance", other="sales"):
    """An active project of `owner` and `other`, started on START."""
    project = projects.save_project(org["facilitator"], None, projects.ProjectData(
        title=title, owner_department=org[owner], departments=[org[other]], lead=lead,
        metric=make_metric(name=f"{title} metric", values=(40, 42, 44)), target_value=60.0,
        target_date=date(2027, 6, 1)))
    projects.move(org["facilitator"], project, "start", on=START)
    db.session.commit()
    return project


def written(kind: str) -> list[Notice]:
    return list(db.session.scalars(sa.select(Notice).where(Notice.kind == kind).order_by(Notice.id)))


def test_a_check_in_due_tells_the_lead_once_a_period(org):
    project = started(org, lead=org["employee"])
    assert follow_up.remind_check_ins(START + timedelta(days=13)) == 0
    assert follow_up.remind_check_ins(START + timedelta(days=14)) == 1
    assert follow_up.remind_check_ins(START + timedelta(days=14)) == 0  # a second tick the same day
    assert follow_up.remind_check_ins(START + timedelta(days=27)) == 0  # the same period
    assert follow_up.remind_check_ins(START + timedelta(days=28)) == 1  # the next one
    projects.add_check_in(org["employee"], project, START + timedelta(days=30), "Met Sales", "off_track")
    assert follow_up.remind_check_ins(START + timedelta(days=43)) == 0
    assert follow_up.remind_check_ins(START + timedelta(days=44)) == 1
    notice = written("check_in_due")[-1]
    assert notice.user_id == org["employee"].id and notice.link == f"/projects/{project.id}#check-ins"
    message = notices.write(notice, org["employee"])
    assert "Faster invoices" in message.subject
    assert message.body.endswith(f"http://localhost/projects/{project.id}#check-ins")
    assert "July 1, 2026" in message.body and "off track" not in message.body.lower()


def test_without_a_lead_the_owner_departments_heads_are_told(org):
    started(org)
    second = make_user("second.head@example.com", "Second Head", org["finance"], head_of=[org["finance"]])
    second.active = False  # gone: nobody writes to them
    db.session.commit()
    follow_up.remind_check_ins(START + timedelta(days=20))
    assert [n.user_id for n in written("check_in_due")] == [org["head"].id]


def test_the_check_in_period_follows_the_configuration(app, org):
    app.config["CHECKIN_DAYS"] = 7
    started(org, lead=org["employee"])
    assert follow_up.remind_check_ins(START + timedelta(days=7)) == 1


@pytest.fixture
def company(org):
    """Finance's project (with Sales), with an overdue task and off track; IT's project (with People), its
    check-in stale, led by the employee; a metric of IT without a fresh reading."""
    ours = started(org, "Faster invoices")
    projects.add_check_in(org["head"], ours, MONDAY - timedelta(days=2), "Slow", "off_track")
    projects.add_task(org["head"], ours, "Chase", org["employee"], MONDAY - timedelta(days=1))
    org["it"], org["people"] = make_department("IT", "IT"), make_department("People", "HR")
    theirs = started(org, "Laptops on day one", lead=org["employee"], owner="it", other="people")
    it_metric = Metric(name="Tickets closed", direction="higher", owner_department=org["it"])
    db.session.add_all([it_metric, Reading(metric=it_metric, taken_on=MONDAY - timedelta(days=60), value=1)])
    db.session.add_all(Reading(metric=p.metric, taken_on=MONDAY - timedelta(days=3), value=50)
                       for p in (ours, theirs))
    db.session.commit()
    return {"ours": ours, "theirs": theirs}


def digest_of(person) -> str:
    notice = db.session.scalar(sa.select(Notice).where(Notice.kind == "digest", Notice.user_id == person.id))
    return notice and notices.write(notice, person).body


def test_the_digest_goes_on_mondays_once_a_week_with_what_each_may_see(org, company):
    assert follow_up.weekly_digest(MONDAY - timedelta(days=1)) == 0  # a Sunday
    assert follow_up.weekly_digest(MONDAY) == 3  # the two heads and the facilitator; not the employee
    assert follow_up.weekly_digest(MONDAY) == 0
    assert {n.once_key for n in written("digest")} == {"digest:2026-W49"}
    ours, theirs = company["ours"].id, company["theirs"].id
    for head in (org["head"], org["sales_head"]):  # Finance's project takes part of Sales
        text = digest_of(head)
        assert f"Faster invoices: 1 task overdue: http://localhost/projects/{ours}#tasks" in text
        assert f"- Faster invoices: http://localhost/projects/{ours}\n" in text  # off track
        assert "Laptops" not in text and "Tickets closed" not in text
    everything = digest_of(org["facilitator"])
    assert f"Laptops on day one: no check-in since June 1, 2026: http://localhost/projects/{theirs}" \
           "#check-ins" in everything
    assert "Tickets closed: last reading October 1, 2026: http://localhost/metrics/" in everything
    assert "Slow" not in everything  # what a check-in said is not repeated
    assert digest_of(org["employee"]) is None
    assert follow_up.weekly_digest(MONDAY + timedelta(days=7)) == 3  # the next week


def test_nobody_with_nothing_to_look_at_gets_a_digest(org):
    assert follow_up.weekly_digest(MONDAY) == 0


def test_the_tick_writes_them_after_the_schedule_once_however_often_it_runs(org, company):
    first = tick(datetime(2026, 11, 30, 9, 0))
    assert "Notices of weekly digests: 3 written" in first and "Notices of check-ins due: 1 written" in first
    assert not any(line.startswith("Notices of") for line in tick(datetime(2026, 11, 30, 9, 1)))
    assert count(Notice, Notice.kind == "digest") == 3 and count(Notice, Notice.kind == "check_in_due") == 1
