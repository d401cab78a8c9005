"""Client feedback on a service dimension: a reading may carry a dimension by its key, and is then on the
scale 1 to 5 — by the service, the form, the CSV import and the API; unknown keys and values off the scale
are refused with a message, and nothing is saved."""
from datetime import date

import pytest

from app.dimensions.services import seed_default_dimensions
from app.extensions import db
from app.metrics import services
from app.metrics.models import Reading
from tests.api.helpers import bearer, token_for
from tests.factories import PASSWORD, count, page_text
from tests.metrics.test_pages import confirm_fields, upload


@pytest.fixture
def survey(org):
    seed_default_dimensions()
    metric = services.save_metric(org["facilitator"], None, "Client survey", "", "points", "higher", None)
    db.session.commit()
    return metric


def test_a_reading_carries_a_dimension_on_the_scale(org, survey):
    reliability = services.dimension_of("Reliability ")
    reading, added = services.record_reading(org["facilitator"], survey, date(2026, 3, 1), 2.5, "",
                                             reliability)
    assert added and reading.dimension.key == "reliability"
    # the same date again without a dimension: the reading is replaced whole
    services.record_reading(org["facilitator"], survey, date(2026, 3, 1), 40)
    assert reading.dimension is None and reading.value == 40


def test_unknown_keys_and_values_off_the_scale_are_refused(org, survey):
    with pytest.raises(services.MetricError, match="No service dimension has the key “speed”; the keys are: "
                                                   "accessibility, "):
        services.dimension_of("speed")
    with pytest.raises(services.MetricError, match="on the scale 1 to 5"):
        services.record_reading(org["facilitator"], survey, date(2026, 3, 1), 5.5, "",
                                services.dimension_of("reliability"))
    assert services.dimension_of("") is None and count(Reading) == 0


def test_the_form_takes_a_dimension_and_refuses_a_bad_one(client, org, survey):
    assert client.sign_in(org["facilitator"].email, PASSWORD).status_code == 303
    page = page_text(client.get(f"/metrics/{survey.id}"))
    assert "Service dimension (client feedback)" in page and "on the scale 1 (poor) to 5 (excellent)" in page
    url = f"/metrics/{survey.id}/readings"
    for data, message in (({"value": "7"}, "A reading on a service dimension is on the scale 1 to 5."),
                          ({"value": "3", "dimension": "speed"}, "No service dimension has the key “speed”"),
                          ({"value": "3", "dimension": "a\x00b"}, "")):
        response = client.post(url, data={"taken_on": "2026-03-01", "dimension": "reliability", **data})
        assert response.status_code in (200, 400) and message in page_text(response)
    assert count(Reading) == 0
    response = client.post(url, data={"taken_on": "2026-03-01", "value": "2,5", "dimension": "reliability"})
    assert response.status_code == 303
    assert db.session.get(Reading, (survey.id, date(2026, 3, 1))).dimension.key == "reliability"
    assert "Reliability" in page_text(client.get(f"/metrics/{survey.id}"))


def test_the_csv_import_takes_a_dimension_column(client, org, survey):
    assert client.sign_in(org["facilitator"].email, PASSWORD).status_code == 303
    bad = ("metric;date;value;dimension\nClient survey;2026-03-01;2;reliability\n"
           "Client survey;2026-03-02;9;reliability\nClient survey;2026-03-03;3;speed\n")
    page = page_text(upload(client, bad))
    assert "on the scale 1 to 5" in page and "No service dimension has the key “speed”" in page
    assert 'name="staged"' not in page and count(Reading) == 0
    good = ("metric;date;value;dimension\nClient survey;2026-03-01;2;reliability\n"
            "Client survey;2026-03-02;45;\n")
    preview = upload(client, good)
    assert 'name="staged"' in page_text(preview)
    assert client.post("/metrics/import", data=confirm_fields(preview)).status_code == 303
    readings = {r.taken_on.day: r for r in db.session.query(Reading)}
    assert readings[1].dimension.key == "reliability" and readings[2].dimension is None


def test_the_api_takes_a_dimension_and_refuses_a_bad_one(client, org, survey):
    value = token_for(org["facilitator"], scope="write")
    url = f"/api/v1/metrics/{survey.id}/readings"
    for body, field in (({"date": "2026-03-01", "value": 6, "dimension": "reliability"}, "value"),
                        ({"date": "2026-03-01", "value": 3, "dimension": "speed"}, "dimension"),
                        ({"date": "2026-03-01", "value": 3, "dimension": 7}, "dimension")):
        response = client.post(url, headers=bearer(value), json=body)
        assert response.status_code == 422
        assert [d["field"] for d in response.get_json()["error"]["details"]] == [field]
    assert count(Reading) == 0
    response = client.post(url, headers=bearer(value), json={"date": "2026-03-01", "value": 2.5,
                                                             "dimension": "reliability"})
    assert response.get_json() == {"added": 1, "updated": 0}
    listed = client.get(url, headers=bearer(token_for(org["facilitator"]))).get_json()["readings"]
    assert listed == [{"date": "2026-03-01", "value": 2.5, "note": "", "dimension": "reliability"}]
