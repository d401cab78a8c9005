"""CSV import of readings: row-level problems, all or nothing, re-import updates, dialects, speed."""
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.metrics import services
from app.metrics.models import Reading
from app.metrics.services import MetricError
from app.web import csvfile
from tests.factories import count


@pytest.fixture
def metrics(org):
    actor = org["facilitator"]
    return {
        "nps": services.save_metric(actor, None, "NPS", "", "points", "higher", org["sales"]),
        "fcr": services.save_metric(actor, None, "First-contact resolution", "", "%", "higher",
                                    org["finance"]),
    }


def values() -> dict:
    return {(r.metric.name, r.taken_on): (r.value, r.note) for r in db.session.scalars(sa.select(Reading))}


GOOD = ("metric,date,value,note\nNPS,2026-01-31,40,January\nnps,28.02.2026,41.5,\n"
        "First-contact resolution,2026-01-31,62,\n")


def test_a_valid_file_is_imported_whole(org, metrics):
    rows = services.parse_readings_csv(GOOD, org["facilitator"])
    assert [row.problems for row in rows] == [[], [], []]
    assert [row.line for row in rows] == [2, 3, 4]
    assert services.import_readings(org["facilitator"], rows) == (3, 0)
    assert values() == {("NPS", date(2026, 1, 31)): (40.0, "January"), ("NPS", date(2026, 2, 28)): (41.5, ""),
                        ("First-contact resolution", date(2026, 1, 31)): (62.0, "")}
    assert db.session.scalar(sa.select(AuditEntry.details).where(AuditEntry.action == "readings.import")) \
        == "3 added, 0 updated"


def test_re_importing_the_same_dates_updates_rather_than_duplicates(org, metrics):
    services.import_readings(org["facilitator"], services.parse_readings_csv(GOOD))
    again = "metric,date,value,note\nNPS,2026-01-31,45,revised\nNPS,2026-03-31,43,\n"
    rows = services.parse_readings_csv(again)
    assert [row.status for row in rows] == ["updated", "new"]
    assert services.import_readings(org["facilitator"], rows) == (1, 1)
    assert count(Reading) == 4
    assert values()[("NPS", date(2026, 1, 31))] == (45.0, "revised")


def test_a_file_with_one_bad_row_writes_nothing_and_names_the_row(org, metrics):
    text = GOOD + "NPS,2026-13-01,40,\n"
    rows = services.parse_readings_csv(text)
    bad = [row for row in rows if row.problems]
    assert [row.line for row in bad] == [5]
    assert "not a date" in bad[0].problems[0]
    with pytest.raises(MetricError, match="nothing was imported"):
        services.import_readings(org["facilitator"], rows)
    assert count(Reading) == 0


@pytest.mark.parametrize("line, problem", [
    ("NPS,31/01/2026,40,", "“31/01/2026” is not a date"),
    ("NPS,2026-01-31,forty,", "“forty” is not a number"),
    ("NPS,2026-01-31,,", "“” is not a number"),
    ("Happiness,2026-01-31,40,", "No metric is called “Happiness”"),
    (",2026-01-31,40,", "The metric is missing"),
    ("NPS,2026-01-31,nan,", "is not a number"),
    ("NPS,2999-01-01,40,", "future"),
])
def test_each_kind_of_bad_row_is_explained(org, metrics, line, problem):
    rows = services.parse_readings_csv("metric,date,value,note\nNPS,2026-02-28,1,\n" + line + "\n")
    assert rows[0].problems == []
    assert rows[1].line == 3
    assert any(problem in p for p in rows[1].problems), rows[1].problems


def test_the_same_metric_and_date_twice_in_a_file_is_a_problem_on_the_second(org, metrics):
    rows = services.parse_readings_csv("metric,date,value\nNPS,2026-01-31,1\nnps,31.01.2026,2\n")
    assert rows[0].problems == []
    assert rows[1].problems == ["The same metric and date are on line 2."]


def test_a_head_may_import_only_their_departments_metrics(org, metrics):
    rows = services.parse_readings_csv(GOOD, org["sales_head"])  # Sales owns NPS, Finance owns FCR
    assert [bool(row.problems) for row in rows] == [False, False, True]
    assert "may not add readings to First-contact resolution" in rows[2].problems[0]
    unchecked = services.parse_readings_csv(GOOD)
    with pytest.raises(MetricError, match="may not"):
        services.import_readings(org["sales_head"], unchecked)
    assert count(Reading) == 0


def test_semicolons_comma_decimals_tabs_and_a_byte_order_mark(org, metrics):
    semicolon = "\ufeffMetric;Date;Value;Note\r\nNPS;2026-01-31;40,5;a; b\r\nNPS;2026-02-28;41,25;\r\n"
    rows = services.parse_readings_csv(semicolon)
    assert [(row.problems, row.value) for row in rows] == [([], 40.5), ([], 41.25)]
    assert csvfile.decode(semicolon.encode("utf-8")).startswith("Metric")  # the byte order mark dropped
    tabs = "metric\tdate\tvalue\nNPS\t2026-01-31\t40,5\n"
    assert [(row.problems, row.value) for row in services.parse_readings_csv(tabs)] == [([], 40.5)]
    quoted = 'metric,date,value,note\nNPS,2026-01-31,"40,5","a, b"\n'
    [row] = services.parse_readings_csv(quoted)
    assert (row.problems, row.value, row.note) == ([], 40.5, "a, b")


@pytest.mark.parametrize("text, message", [
    ("name,when,amount\nNPS,2026-01-31,1\n", "missing: metric, date, value"),
    ("metric,date,value\n", "no readings"),
    ("", "missing"),
])
def test_a_file_without_the_columns_or_rows_is_refused(org, metrics, text, message):
    with pytest.raises(MetricError, match=message):
        services.parse_readings_csv(text)


def test_a_file_that_is_not_utf8_is_refused(app):
    with pytest.raises(csvfile.CsvFileError, match="not UTF-8"):
        csvfile.decode("metric;date;value\nЧисло;2026-01-01;1\n".encode("cp1251"))


def test_ten_thousand_rows_import_correctly_and_fast(org, metrics):
    start = date(1998, 1, 1)
    existing = "metric,date,value\n" + "".join(f"NPS,{start + timedelta(days=i)},1\n" for i in range(2000))
    services.import_readings(org["facilitator"], services.parse_readings_csv(existing))
    lines = ["metric,date,value,note"]
    for i in range(5000):
        lines.append(f"NPS,{start + timedelta(days=i)},{i % 100},n{i}")
        lines.append(f"First-contact resolution,{(start + timedelta(days=i)).strftime('%d.%m.%Y')},{i % 7},")
    text = "\n".join(lines) + "\n"
    began = time.perf_counter()
    rows = services.parse_readings_csv(text, org["facilitator"])
    added, updated = services.import_readings(org["facilitator"], rows)
    db.session.commit()
    elapsed = time.perf_counter() - began
    print(f"\n10,000-row import: {elapsed:.2f} s")
    assert (added, updated) == (8000, 2000)
    assert count(Reading) == 10000
    nps = values()
    assert nps[("NPS", start + timedelta(days=4999))] == (99.0, "n4999")
    assert nps[("NPS", start)] == (0.0, "n0")  # updated, not duplicated
