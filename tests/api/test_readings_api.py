"""The JSON API: bearer tokens only, scopes, per-metric rights, clear JSON errors, all-or-nothing writes."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.extensions import db
from app.metrics.models import Reading
from tests.api.helpers import bearer, make_metric, token_for
from tests.factories import PASSWORD, count


def readings_of(metric) -> list[tuple[str, float, str]]:
    rows = db.session.scalars(sa.select(Reading).where(Reading.metric_id == metric.id)
                              .order_by(Reading.taken_on))
    return [(r.taken_on.isoformat(), r.value, r.note) for r in rows]


def error_of(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()["error"]
    assert set(body) == {"code", "message", "details"} and body["message"]
    return body


@pytest.fixture
def nps(org):
    metric = make_metric("NPS", owner=org["sales"])
    db.session.add(Reading(metric_id=metric.id, taken_on=date(2025, 1, 31), value=30, note="old"))
    db.session.commit()
    return metric


# Authentication ----------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer tz_not-a-real-token"}, {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer"},
])
def test_no_or_unknown_token_gets_401_in_json(client, nps, headers):
    for response in (client.get("/api/v1/metrics", headers=headers),
                     client.get(f"/api/v1/metrics/{nps.id}/readings", headers=headers),
                     client.post(f"/api/v1/metrics/{nps.id}/readings", headers=headers,
                                 json={"date": "2025-02-28", "value": 1})):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert error_of(response)["code"] == "unauthorized"
    assert len(readings_of(nps)) == 1


def test_a_signed_in_session_without_a_token_gets_401(client, nps):
    assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
    assert client.get("/api/v1/metrics").status_code == 401
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", json={"date": "2025-02-28", "value": 1})
    assert response.status_code == 401
    assert len(readings_of(nps)) == 1


# Reading -----------------------------------------------------------------------------------------

def test_a_read_token_lists_metrics_and_readings(client, org, nps):
    make_metric("Complaints", owner=None, direction="lower", unit="per 1000")
    value = token_for(org["head"])
    response = client.get("/api/v1/metrics", headers=bearer(value))
    assert response.status_code == 200
    assert response.get_json()["metrics"] == [
        {"id": nps.id + 1, "name": "Complaints", "description": "", "unit": "per 1000",
         "direction": "lower", "owner_department": None},
        {"id": nps.id, "name": "NPS", "description": "", "unit": "points", "direction": "higher",
         "owner_department": "SAL"},
    ]
    readings = client.get(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(value)).get_json()
    assert readings["readings"] == [{"date": "2025-01-31", "value": 30.0, "note": "old", "dimension": None}]
    assert "score" not in str(readings) and "round" not in str(readings)


def test_readings_between_dates(client, org, nps):
    for day in (date(2025, 2, 28), date(2025, 3, 31)):
        db.session.add(Reading(metric_id=nps.id, taken_on=day, value=day.month))
    value = token_for(org["facilitator"])
    url = f"/api/v1/metrics/{nps.id}/readings"
    found = client.get(url, query_string={"from": "2025-02-01", "to": "2025-02-28"}, headers=bearer(value))
    assert [r["date"] for r in found.get_json()["readings"]] == ["2025-02-28"]
    bad = client.get(url, query_string={"from": "31.01.2025", "to": "2025-02-30"}, headers=bearer(value))
    assert bad.status_code == 422
    assert [d["field"] for d in error_of(bad)["details"]] == ["from", "to"]


def test_unknown_metric_or_address_is_a_json_404(client, org):
    value = token_for(org["admin"], scope="write")
    for response in (client.get("/api/v1/metrics/999/readings", headers=bearer(value)),
                     client.post("/api/v1/metrics/999/readings", headers=bearer(value),
                                 json={"date": "2025-01-01", "value": 1}),
                     client.get("/api/v1/no-such-thing", headers=bearer(value))):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(client, org, nps):
    response = client.delete(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(token_for(org["admin"])))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_pages_outside_the_api_keep_their_html_errors(client, org):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.content_type


# Writing -----------------------------------------------------------------------------------------

def test_a_read_token_may_not_write(client, org, nps):
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(token_for(org["admin"])),
                           json={"date": "2025-02-28", "value": 31})
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    assert len(readings_of(nps)) == 1


def test_a_head_writes_only_their_own_departments_metrics(client, org, nps):
    finance_metric = make_metric("Invoice errors", owner=org["finance"], direction="lower")
    value = token_for(org["head"], scope="write")  # head of Finance; NPS belongs to Sales
    refused = client.post(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(value),
                          json={"date": "2025-02-28", "value": 31})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert len(readings_of(nps)) == 1
    accepted = client.post(f"/api/v1/metrics/{finance_metric.id}/readings", headers=bearer(value),
                           json={"date": "2025-02-28", "value": 4, "note": "month end"})
    assert accepted.status_code == 200
    assert accepted.get_json() == {"added": 1, "updated": 0}
    assert readings_of(finance_metric) == [("2025-02-28", 4.0, "month end")]


def test_facilitators_write_any_metric_and_the_same_date_updates(client, org, nps):
    value = token_for(org["facilitator"], scope="write")
    url = f"/api/v1/metrics/{nps.id}/readings"
    first = client.post(url, headers=bearer(value), json={"date": "2025-02-28", "value": 31})
    assert first.get_json() == {"added": 1, "updated": 0}
    again = client.post(url, headers=bearer(value),
                        json={"date": "2025-02-28", "value": 33.5, "note": "fixed"})
    assert again.status_code == 200
    assert again.get_json() == {"added": 0, "updated": 1}
    assert readings_of(nps) == [("2025-01-31", 30.0, "old"), ("2025-02-28", 33.5, "fixed")]


def test_a_list_is_upserted_whole(client, org, nps):
    value = token_for(org["sales_head"], scope="write")
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(value), json=[
        {"date": "2025-01-31", "value": 29},
        {"date": "2025-02-28", "value": 32},
        {"date": "2025-03-31", "value": 35, "note": None},
    ])
    assert response.status_code == 200
    assert response.get_json() == {"added": 2, "updated": 1}
    assert readings_of(nps) == [("2025-01-31", 29.0, ""), ("2025-02-28", 32.0, ""), ("2025-03-31", 35.0, "")]


def test_one_bad_item_in_a_list_writes_nothing_and_names_it(client, org, nps):
    value = token_for(org["admin"], scope="write")
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(value), json=[
        {"date": "2025-01-31", "value": 99},
        {"date": "2025-02-28", "value": 32},
        {"date": "2025-02-30", "value": 1},
    ])
    assert response.status_code == 422
    assert [d["field"] for d in error_of(response)["details"]] == ["[2].date"]
    assert readings_of(nps) == [("2025-01-31", 30.0, "old")]


@pytest.mark.parametrize(("body", "fields"), [
    ({"date": "31/01/2025", "value": 1}, ["date"]),
    ({"date": "2025-13-01", "value": 1}, ["date"]),
    ({"date": "2025-02-28"}, ["value"]),
    ({"date": "2025-02-28", "value": "12,5"}, ["value"]),
    ({"date": "2025-02-28", "value": True}, ["value"]),
    ({"date": "2025-02-28", "value": 10 ** 400}, ["value"]),
    ({"date": "2025-02-28", "value": 1e13}, ["value"]),
    ({"date": "2999-01-01", "value": 1}, ["date"]),
    ({"date": "1812-09-07", "value": 1}, ["date"]),
    ({"date": "2025-02-28", "value": 1, "note": "x" * 501}, ["note"]),
    ({"value": 1, "colour": "red"}, ["colour", "date"]),
    ({"date": "2025-02-28", "value": 1, "note": 7}, ["note"]),
    ([{"date": "2025-02-28", "value": 1}, {"date": "2025-02-28", "value": 2}], ["[1].date"]),
    ([], ["body"]),
    ("just text", ["body"]),
    ([{"date": "2025-02-28", "value": 1}] * 1001, ["body"]),
])
def test_bad_bodies_get_422_with_field_errors(client, org, nps, body, fields):
    value = token_for(org["admin"], scope="write")
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(value), json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert [d["field"] for d in error["details"]] == fields
    assert all(d["message"] for d in error["details"])
    assert len(readings_of(nps)) == 1


@pytest.mark.parametrize("raw", ['{"date": "2025-02-28", "value": NaN}',
                                 '{"date": "2025-02-28", "value": Infinity}',
                                 '{"date": "2025-02-28", "value": 1',
                                 '',
                                 "[" * 100_000 + "]" * 100_000,  # deeper than the parser goes: was a 500
                                 '{"date": "2025-02-28", "value": 1, "note": "half a pair \\ud800"}'])
def test_not_a_number_and_broken_json_get_422(client, org, nps, raw):
    value = token_for(org["admin"], scope="write")
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", data=raw,
                           headers={**bearer(value), "Content-Type": "application/json"})
    assert response.status_code == 422
    assert error_of(response)["details"]
    assert len(readings_of(nps)) == 1


def test_a_body_not_sent_as_json_is_refused_whatever_it_holds(client, org, nps):
    value = token_for(org["admin"], scope="write")
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", data='{"date": "2025-02-28", "value": 1}',
                           headers={**bearer(value), "Content-Type": "text/plain"})
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    assert len(readings_of(nps)) == 1


def test_answers_to_a_token_are_never_cached(client, org, nps):
    response = client.get("/api/v1/metrics", headers=bearer(token_for(org["admin"])))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_api_writes_need_no_csrf_token_and_are_audited(client, org, nps):
    value = token_for(org["admin"], scope="write")
    response = client.post(f"/api/v1/metrics/{nps.id}/readings", headers=bearer(value), csrf=False,
                           json={"date": "2025-02-28", "value": 31})
    assert response.status_code == 200
    assert "reading.api_write" in db.session.scalars(sa.select(AuditEntry.action)).all()
    assert count(Reading) == 2
