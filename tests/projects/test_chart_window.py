"""'Did it move?' charts the readings from half a year before the start, however long the metric's history."""
import re
from datetime import date, timedelta

from app.extensions import db
from app.metrics import services as metrics
from app.metrics.models import Metric, Reading
from app.projects import services
from tests.factories import page_text
from tests.reports.test_results import sign_in_as

TODAY = date.today()


def daily_metric(days: int) -> Metric:
    metric = Metric(name="Complaint rate", direction="lower", unit="%")
    db.session.add(metric)
    db.session.add_all(Reading(metric=metric, taken_on=TODAY - timedelta(days=d), value=10 + d % 7 / 10)
                       for d in range(days, 0, -1))
    db.session.flush()
    return metric


def chart_of(client, org, project) -> str:
    sign_in_as(client, org["head"])
    page = page_text(client.get(f"/projects/{project.id}"))
    return re.search(r'<svg[^>]*chart-line.*?</svg>', page, re.S).group(0)


def test_two_years_of_daily_readings_chart_from_half_a_year_before_the_start(client, org):
    metric = daily_metric(730)
    started = TODAY - timedelta(days=60)
    project = services.save_project(org["head"], None, services.ProjectData(
        title="Fewer complaints", owner_department=org["finance"], departments=[org["sales"]], metric=metric,
        target_value=5.0, target_date=TODAY + timedelta(days=90)))
    services.move(org["head"], project, "start", on=started)
    db.session.commit()
    chart = chart_of(client, org, project)
    first = (started - timedelta(days=182)).isoformat()
    assert f"242 readings from {first} to {(TODAY - timedelta(days=1)).isoformat()}" in chart
    assert "<circle" not in chart  # daily readings are drawn as a line
    assert (TODAY - timedelta(days=400)).isoformat() not in chart


def test_a_few_readings_are_each_marked_and_said(client, org):
    metric = daily_metric(20)
    project = services.save_project(org["head"], None, services.ProjectData(
        title="Fewer complaints", owner_department=org["finance"], departments=[org["sales"]], metric=metric))
    db.session.commit()
    chart = chart_of(client, org, project)
    assert chart.count("<circle") == 20
    assert f"{(TODAY - timedelta(days=20)).isoformat()}: 10.6" in chart


def test_the_chart_kept_between_views_shows_readings_written_since(client, org):
    """The page keeps its chart per process until the metric's readings change: a reading recorded one by
    one, or a file imported, shows at once, as does a changed value of a date already there."""
    metric = daily_metric(20)
    project = services.save_project(org["head"], None, services.ProjectData(
        title="Fewer complaints", owner_department=org["finance"], departments=[org["sales"]], metric=metric))
    db.session.commit()
    assert chart_of(client, org, project).count("<circle") == 20
    assert chart_of(client, org, project).count("<circle") == 20  # kept: drawn as before

    metrics.record_reading(org["admin"], metric, TODAY, 42.0)
    db.session.commit()
    chart = chart_of(client, org, project)
    assert chart.count("<circle") == 21 and f"{TODAY.isoformat()}: 42" in chart

    day, new_day = (TODAY - timedelta(days=3)).isoformat(), (TODAY - timedelta(days=30)).isoformat()
    metrics.import_readings(org["admin"], metrics.parse_readings_csv(
        f"metric,date,value\nComplaint rate,{day},7\nComplaint rate,{new_day},8\n", org["admin"]))
    db.session.commit()
    chart = chart_of(client, org, project)
    assert chart.count("<circle") == 22 and f"{day}: 7;" in chart


def test_every_write_of_readings_counts_once_on_its_metric(org):
    metric, other = daily_metric(3), Metric(name="NPS", direction="higher")
    db.session.add(other)
    db.session.flush()
    assert (metric.readings_version, other.readings_version) == (0, 0)
    metrics.record_reading(org["admin"], metric, TODAY, 1.0)
    metrics.record_reading(org["admin"], metric, TODAY, 2.0)  # the same date again: a change too
    assert (metric.readings_version, other.readings_version) == (2, 0)
    metrics.import_readings(org["admin"], metrics.parse_readings_csv(
        f"metric,date,value\nComplaint rate,{TODAY.isoformat()},3\nNPS,{TODAY.isoformat()},40\n"
        f"NPS,{(TODAY - timedelta(days=1)).isoformat()},41\n", org["admin"]))
    assert (metric.readings_version, other.readings_version) == (3, 1)
    # written object by object, not through the services: counted all the same, once per flush
    db.session.add(Reading(metric_id=other.id, taken_on=TODAY - timedelta(days=5), value=39))
    db.session.delete(db.session.get(Reading, (metric.id, TODAY)))
    db.session.flush()
    assert (metric.readings_version, other.readings_version) == (4, 2)
    db.session.flush()  # nothing written: nothing counted
    assert (metric.readings_version, other.readings_version) == (4, 2)
