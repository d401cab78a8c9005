"""Rules of the metrics catalog: metrics, the suggested set, readings and the demo."""
import math
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.demo import load_metrics
from app.extensions import db
from app.metrics import services
from app.metrics.charts import trend_chart
from app.metrics.models import Metric, Reading
from app.metrics.services import MetricError
from app.time import utcnow
from app.web.numbers import number
from tests.factories import count, make_department


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def nps(org):
    return services.save_metric(org["facilitator"], None, "NPS", "Promoters minus detractors", "points",
                                "higher", org["sales"])


def test_saving_a_metric_creates_then_updates_it_and_audits_both(org, nps):
    assert (nps.name, nps.unit, nps.direction) == ("NPS", "points", "higher")
    assert nps.owner_department == org["sales"]
    services.save_metric(org["admin"], nps, " Net Promoter Score ", "", "pts", "higher", None)
    assert (nps.name, nps.owner_department) == ("Net Promoter Score", None)
    assert audit_actions() == ["metric.create", "metric.update"]


@pytest.mark.parametrize("name", ["NPS", "nps", " Nps "])
def test_a_name_another_metric_has_is_refused(org, nps, name):
    with pytest.raises(MetricError, match="already has this name"):
        services.save_metric(org["admin"], None, name, "", "", "higher", None)
    assert count(Metric) == 1


@pytest.mark.parametrize("name, direction", [("", "higher"), ("x" * 121, "higher"), ("Churn", "sideways")])
def test_a_metric_needs_a_name_and_a_direction(org, name, direction):
    with pytest.raises(MetricError):
        services.save_metric(org["admin"], None, name, "", "", direction, None)
    assert count(Metric) == 0


def test_the_suggested_set_is_that_of_the_product_and_is_added_once(org):
    keys = [s.key for s in services.suggested_metrics()]
    assert keys == ["nps", "csat", "ces", "complaints", "fcr", "response_time", "repeat_purchase", "churn"]
    complaints = next(s for s in services.suggested_metrics() if s.key == "complaints")
    assert "3 to 7 percent" in str(complaints.description) and complaints.direction == "lower"
    added = services.add_suggested(org["facilitator"], ["nps", "complaints"], org["sales"])
    assert sorted(m.name for m in added) == ["Complaint rate", "Net Promoter Score (NPS)"]
    assert [s.key for s in services.missing_suggestions()] == [
        "csat", "ces", "fcr", "response_time", "repeat_purchase", "churn"]
    again = services.add_suggested(org["facilitator"], ["nps", "complaints", "churn"])
    assert [m.name for m in again] == ["Churn"]
    assert count(Metric) == 3


def test_an_unknown_suggestion_is_refused(org):
    with pytest.raises(MetricError):
        services.add_suggested(org["facilitator"], ["happiness"])
    assert count(Metric) == 0


def test_a_reading_of_the_same_date_updates_rather_than_duplicates(org, nps):
    _r, added = services.record_reading(org["sales_head"], nps, date(2026, 1, 31), 40.0, "January")
    assert added
    reading, added = services.record_reading(org["facilitator"], nps, date(2026, 1, 31), 42.5, "")
    assert not added
    assert count(Reading) == 1
    assert (reading.value, reading.note) == (42.5, "")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e13])
def test_values_that_are_not_finite_numbers_are_refused(org, nps, value):
    with pytest.raises(MetricError):
        services.record_reading(org["facilitator"], nps, date(2026, 1, 31), value)
    assert count(Reading) == 0


def test_a_reading_dated_in_the_future_is_refused_but_tomorrow_is_allowed(org, nps):
    today = utcnow().date()
    with pytest.raises(MetricError, match="future"):
        services.record_reading(org["facilitator"], nps, today + timedelta(days=2), 1.0)
    services.record_reading(org["facilitator"], nps, today + timedelta(days=1), 1.0)  # east of UTC
    assert count(Reading) == 1


def test_only_heads_of_the_owner_department_and_facilitators_add_readings(org, nps):
    for who in ("head", "employee"):  # head of Finance; Sales owns NPS
        with pytest.raises(MetricError, match="may not"):
            services.record_reading(org[who], nps, date(2026, 1, 31), 1.0)
    services.record_reading(org["admin"], nps, date(2026, 1, 30), 1.0)
    assert count(Reading) == 1


@pytest.mark.parametrize("text, value", [("3.5", 3.5), ("3,5", 3.5), ("-2", -2.0), ("1 234,5", 1234.5),
                                         ("1,234.5", 1234.5), ("1.234,5", 1234.5), (".5", 0.5)])
def test_numbers_with_a_point_or_a_comma(app, text, value):
    assert services.parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "1e999", "3.5.1", "--1", "1" * 41,
                                  "1" * 8000 + "x"])
def test_things_that_are_not_numbers(app, text):
    with pytest.raises(MetricError):
        services.parse_number(text)


@pytest.mark.parametrize("text, day", [("2026-01-31", date(2026, 1, 31)), ("31.01.2026", date(2026, 1, 31))])
def test_dates_iso_or_day_month_year(app, text, day):
    assert services.parse_date(text) == day


def test_the_demo_loads_its_years_once_and_first_contact_resolution_improves(app):
    make_department("Support", "SUP")
    make_department("Sales", "SAL")
    written = load_metrics()
    assert count(Metric) == 8
    readings = count(Reading)
    assert readings == written > 8 * 24
    assert load_metrics() == written and count(Reading) == readings and count(Metric) == 8
    fcr = db.session.scalar(sa.select(Metric).where(Metric.name == "First-contact resolution"))
    values = [(r.taken_on, r.value) for r in fcr.readings]
    assert values[0][0] <= utcnow().date() - timedelta(days=720)
    before = [v for d, v in values if d < date(2025, 10, 1)][-8:]
    after = [v for _d, v in values[-8:]]
    assert sum(after) / len(after) > sum(before) / len(before) + 5
    assert fcr.owner_department.code == "SUP"


WEEKLY = [(date(2024, 1, 1) + timedelta(weeks=i), 60.0 + i / 10) for i in range(100)]


@pytest.mark.parametrize("points", [[], [(date(2026, 1, 1), 5.0)],
                                    [(date(2026, 1, 1), 5.0), (date(2026, 2, 1), 5.0)], WEEKLY])
def test_the_trend_chart_says_its_data_in_words(app, points):
    chart = trend_chart("t", "NPS over time", points, "higher", "points", number)
    if points:
        assert chart.desc.startswith(f"{len(points)} readings from {points[0][0].isoformat()}")
        assert "no absolute good level, only movement over time" in chart.desc
        assert "Higher is better." in chart.desc
    else:
        assert chart.desc.startswith("No readings yet.")
