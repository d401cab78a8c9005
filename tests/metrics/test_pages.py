"""Metrics pages: who sees what, forms with bad input, the inline reading form, the CSV import."""
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.extensions import db
from app.metrics import services
from app.metrics.models import Metric, Reading
from tests.factories import PASSWORD, count, page_text

HTMX = {"HX-Request": "true"}


@pytest.fixture
def nps(org):
    metric = services.save_metric(org["facilitator"], None, "NPS", "Promoters minus detractors", "points",
                                  "higher", org["sales"])
    services.record_reading(org["facilitator"], metric, date(2026, 1, 31), 40.0, "January")
    db.session.commit()
    return metric


def as_(client, org, who):
    assert client.sign_in(org[who].email, PASSWORD).status_code == 303
    return client


def metric_form(**changes):
    return {"name": "CSAT", "description": "", "unit": "%", "direction": "higher", "owner_department_id": 0,
            **changes}


def upload(client, text: str, filename="readings.csv"):
    return client.post("/metrics/import", data={"file": (io.BytesIO(text.encode("utf-8")), filename)},
                       content_type="multipart/form-data")


def confirm_fields(preview) -> dict[str, str]:
    """What the preview's confirm form sends back (nothing if it offers none)."""
    form = BeautifulSoup(preview.get_data(as_text=True), "html.parser").select_one(".toolbar form")
    return {field["name"]: field.get("value", "") for field in form.select("input")} if form else {}


# Access ------------------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client, nps):
    for path in ("/metrics", f"/metrics/{nps.id}", "/metrics/import", "/metrics/new"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_employees_may_not_see_metrics(client, org, nps):
    as_(client, org, "employee")
    for path in ("/metrics", f"/metrics/{nps.id}", "/metrics/import", "/metrics/new", "/metrics/suggested"):
        assert client.get(path).status_code == 403
    reading = {"taken_on": "2026-02-28", "value": "1"}
    assert client.post(f"/metrics/{nps.id}/readings", data=reading).status_code == 403
    assert count(Reading) == 1


def test_a_head_reads_the_catalog_but_does_not_change_it(client, org, nps):
    as_(client, org, "head")  # head of Finance; Sales owns NPS
    page = page_text(client.get("/metrics"))
    assert "NPS" in page and "40" in page and "2026-01-31" in page
    assert "Add a metric" not in page
    assert client.get("/metrics/new").status_code == 403
    assert client.get(f"/metrics/{nps.id}/edit").status_code == 403
    assert client.post("/metrics/new", data=metric_form()).status_code == 403
    assert client.post("/metrics/suggested", data={"keys": ["csat"]}).status_code == 403
    detail = page_text(client.get(f"/metrics/{nps.id}"))
    assert "no absolute good level" in detail and "Add a reading" not in detail
    response = client.post(f"/metrics/{nps.id}/readings", data={"taken_on": "2026-02-28", "value": "1"})
    assert response.status_code == 403
    assert count(Reading) == 1


def test_a_missing_metric_is_404(client, org):
    as_(client, org, "facilitator")
    assert client.get("/metrics/999").status_code == 404
    reading = {"taken_on": "2026-02-28", "value": "1"}
    assert client.post("/metrics/999/readings", data=reading).status_code == 404


# The catalog -------------------------------------------------------------------------------------

def test_a_facilitator_adds_a_metric(client, org):
    as_(client, org, "facilitator")
    assert "Add a metric" in page_text(client.get("/metrics"))
    response = client.post("/metrics/new", data=metric_form(owner_department_id=org["sales"].id))
    assert response.status_code == 303
    metric = db.session.scalar(sa.select(Metric))
    assert (metric.name, metric.direction, metric.owner_department.name) == ("CSAT", "higher", "Sales")
    assert response.headers["Location"].endswith(f"/metrics/{metric.id}")


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "This field is required."),
    ({"direction": ""}, "Say whether higher or lower values are better."),
    ({"direction": "sideways"}, "Not a valid choice"),
    ({"name": "nps"}, "Another metric already has this name."),
    ({"owner_department_id": 999}, "Not a valid choice"),
])
def test_bad_metric_input_shows_a_message_and_saves_nothing(client, org, nps, changes, message):
    as_(client, org, "admin")
    response = client.post("/metrics/new", data=metric_form(**changes))
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(Metric) == 1


def test_editing_a_metric(client, org, nps):
    as_(client, org, "admin")
    assert 'value="NPS"' in client.get(f"/metrics/{nps.id}/edit").get_data(as_text=True)
    response = client.post(f"/metrics/{nps.id}/edit", data=metric_form(name="Net Promoter Score",
                                                                       direction="higher"))
    assert response.status_code == 303
    db.session.refresh(nps)
    assert (nps.name, nps.owner_department) == ("Net Promoter Score", None)


def test_suggested_metrics_are_offered_until_added(client, org):
    as_(client, org, "facilitator")
    page = page_text(client.get("/metrics/suggested"))
    assert "Complaint rate" in page and "3 to 7 percent" in page
    response = client.post("/metrics/suggested", data={"keys": ["complaints", "fcr"],
                                                       "owner_department_id": org["sales"].id})
    assert response.status_code == 303
    names = sorted(db.session.scalars(sa.select(Metric.name)))
    assert names == ["Complaint rate", "First-contact resolution"]
    page = page_text(client.get("/metrics/suggested"))
    assert "Complaint rate" not in page and "Churn" in page
    # no longer offered: the choice is refused
    assert client.post("/metrics/suggested", data={"keys": ["complaints"]}).status_code == 200
    assert client.post("/metrics/suggested", data={}).status_code == 200
    assert count(Metric) == 2


# Readings by form --------------------------------------------------------------------------------

def test_the_owner_departments_head_adds_a_reading_without_javascript(client, org, nps):
    as_(client, org, "sales_head")
    assert "Add a reading" in page_text(client.get(f"/metrics/{nps.id}"))
    response = client.post(f"/metrics/{nps.id}/readings",
                           data={"taken_on": "2026-02-28", "value": "41,5", "note": "February"})
    assert response.status_code == 303
    page = page_text(client.get(response.headers["Location"]))
    assert "Reading of 2026-02-28 added." in page and "41.5" in page
    assert db.session.get(Reading, (nps.id, date(2026, 2, 28))).value == 41.5


def test_with_htmx_the_reading_form_answers_with_the_fragment(client, org, nps):
    as_(client, org, "facilitator")
    response = client.post(f"/metrics/{nps.id}/readings", headers=HTMX,
                           data={"taken_on": "2026-01-31", "value": "44", "note": ""})
    assert response.status_code == 200
    body = page_text(response)
    assert "<html" not in body
    assert 'id="readings"' in body and "Reading of 2026-01-31 updated." in body and "<svg" in body
    assert db.session.get(Reading, (nps.id, date(2026, 1, 31))).value == 44.0
    assert count(Reading) == 1


@pytest.mark.parametrize("data, message", [
    ({"taken_on": "2026-02-28", "value": "forty"}, "“forty” is not a number."),
    ({"taken_on": "2026-02-28", "value": "inf"}, "is not a number"),
    ({"taken_on": "", "value": "1"}, "Give the date of the reading."),
    ({"taken_on": "2999-01-01", "value": "1"}, "A reading cannot be dated in the future."),
    ({"taken_on": "2026-02-28", "value": ""}, "Give the value."),
])
def test_a_bad_reading_shows_a_message_and_saves_nothing(client, org, nps, data, message):
    as_(client, org, "facilitator")
    for headers in ({}, HTMX):
        response = client.post(f"/metrics/{nps.id}/readings", data=data, headers=headers)
        assert response.status_code == 200
        assert message in page_text(response)
    assert count(Reading) == 1


# CSV import --------------------------------------------------------------------------------------

GOOD = "metric;date;value;note\nNPS;2026-01-31;45;revised\nNPS;2026-02-28;41,5;\n"


def test_the_preview_shows_counts_and_confirming_writes(client, org, nps):
    as_(client, org, "sales_head")
    preview = upload(client, GOOD)
    page = page_text(preview)
    assert preview.status_code == 200 and "1 new, 1 updated." in page and "Import the readings" in page
    assert db.session.get(Reading, (nps.id, date(2026, 1, 31))).value == 40.0  # nothing written yet
    fields = confirm_fields(preview)
    assert set(fields) == {"csrf_token", "staged"}  # the file stays on the server, under a random key
    response = client.post("/metrics/import", data=fields)
    assert response.status_code == 303
    assert "1 new, 1 updated" in page_text(client.get(response.headers["Location"]))
    assert db.session.get(Reading, (nps.id, date(2026, 1, 31))).value == 45.0
    assert count(Reading) == 2


def test_a_preview_with_errors_names_the_rows_and_offers_no_confirm(client, org, nps):
    as_(client, org, "facilitator")
    page = page_text(upload(client, GOOD + "Happiness;2026-01-31;1;\nNPS;2026-02-30;1;\n"))
    assert "2 rows have problems" in page
    assert "No metric is called “Happiness”" in page and "“2026-02-30” is not a date" in page
    assert "Import the readings" not in page and 'name="staged"' not in page
    assert count(Reading) == 1


def test_a_file_that_went_bad_between_preview_and_confirm_writes_nothing(client, org, nps):
    as_(client, org, "sales_head")
    fields = confirm_fields(upload(client, GOOD))
    nps.owner_department = org["finance"]  # handed over meanwhile: the file is checked again
    services.save_metric(org["facilitator"], None, "CSAT", "", "%", "higher", org["sales"])  # still theirs
    db.session.commit()
    response = client.post("/metrics/import", data=fields)
    assert response.status_code == 303
    assert "Fix the problems in the file first; nothing was imported." in page_text(
        client.get(response.headers["Location"]))
    assert db.session.get(Reading, (nps.id, date(2026, 1, 31))).value == 40.0 and count(Reading) == 1


def test_a_checked_file_is_confirmed_only_by_its_uploader(client, org, nps):
    as_(client, org, "sales_head")
    fields = confirm_fields(upload(client, GOOD))
    client.post("/logout")
    as_(client, org, "facilitator")
    response = client.post("/metrics/import", data={**fields, "csrf_token": client.refresh_token()})
    assert response.status_code == 303
    assert "the form expired" in page_text(client.get(response.headers["Location"]))
    assert count(Reading) == 1


def test_a_file_just_under_the_upload_limit_previews_and_confirms_without_being_sent_again(app, client, org,
                                                                                           nps):
    """As for people (tests/org/test_import.py): the confirm sends a key back, not the file."""
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    lines, day = ["metric;date;value;note"], date(1990, 1, 1)
    while sum(len(line) + 1 for line in lines) < 99_000 - 60:
        lines.append(f"NPS;{day.isoformat()};{len(lines) % 100};imported")
        day += timedelta(days=1)
    as_(client, org, "facilitator")
    preview = upload(client, "\n".join(lines) + "\n")
    assert f"{len(lines) - 1} readings are ready to import." in page_text(preview)
    response = client.post("/metrics/import", data=confirm_fields(preview))
    assert response.status_code == 303
    assert count(Reading) == len(lines)  # and the one already there


def test_a_head_cannot_import_into_another_departments_metric(client, org, nps):
    services.save_metric(org["facilitator"], None, "Invoice errors", "", "%", "lower", org["finance"])
    db.session.commit()
    as_(client, org, "head")  # Finance; Sales owns NPS
    page = page_text(upload(client, GOOD))
    assert "You may not add readings to NPS." in page and "Import the readings" not in page
    client.post("/metrics/import", data={"staged": "a-key-from-anywhere"})
    assert count(Reading) == 1


def test_a_head_who_may_import_into_no_metric_is_refused_before_the_file_is_read(client, org, nps):
    """The file is parsed only for someone who may add readings somewhere: a number of 8,000 digits once
    took a worker 17 s, and any head could send one."""
    as_(client, org, "head")  # Finance owns no metric
    assert upload(client, "metric;date;value\nNPS;2026-01-31;" + "9" * 8000 + "x\n").status_code == 403
    assert client.post("/metrics/import", data={"staged": "a-key"}).status_code == 403
    assert count(Reading) == 1


@pytest.mark.parametrize("raw, filename, message", [
    (b"metric,date,value\n", "readings.csv", "The file has no readings in it."),
    ("metric;date;value\nЧисло;2026-01-01;1\n".encode("cp1251"), "readings.csv", "not UTF-8"),
    (b"metric,date,value\nNPS,2026-01-01,1\n", "readings.xlsx", "Choose a .csv file."),
])
def test_an_unusable_file_is_refused_on_the_upload_page(client, org, nps, raw, filename, message):
    as_(client, org, "facilitator")
    response = client.post("/metrics/import", data={"file": (io.BytesIO(raw), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and message in page_text(response)
    assert count(Reading) == 1


def test_a_cell_longer_than_the_csv_limit_is_named_by_its_line(client, org, nps):
    as_(client, org, "facilitator")
    response = upload(client, GOOD + f"NPS;2026-03-31;1;{'x' * 140_000}\n")
    assert response.status_code == 200
    page = page_text(response)
    assert "A cell on line 4 is too long: cells may hold at most 131072 characters." in page
    assert "Import the readings" not in page and count(Reading) == 1


def test_a_file_with_old_mac_line_ends_is_read(client, org, nps):
    as_(client, org, "facilitator")
    response = upload(client, GOOD.replace("\n", "\r"))
    assert response.status_code == 200 and "1 new, 1 updated." in page_text(response)
