"""A reading for one date sent several times at once, by the form, the API or a file, on whichever database
the suite runs on: one reading for the date, holding the value sent, and no error page; a metric added twice
at once is added once."""
from datetime import date

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.metrics import services
from app.metrics.models import Metric, Reading
from tests.api.helpers import bearer, token_for
from tests.factories import count, in_parallel, page_text, posted_at_once
from tests.metrics.test_pages import metric_form, nps  # noqa: F401 (nps is a fixture)

DAY = date(2026, 2, 28)


def readings_on(metric_id: int, day: date = DAY) -> list[float]:
    return list(db.session.scalars(sa.select(Reading.value).where(Reading.metric_id == metric_id,
                                                                  Reading.taken_on == day)))


def test_a_double_submitted_reading_form_adds_one_reading(app, org, nps):  # noqa: F811
    browsers, responses = posted_at_once(app, org["sales_head"], f"/metrics/{nps.id}/readings",
                                         {"taken_on": DAY.isoformat(), "value": "41,5", "note": "February"})
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert readings_on(nps.id) == [41.5]


def test_one_reading_sent_at_once_through_the_api_is_added_once_then_updated(app, org, nps):  # noqa: F811
    metric_id, copies = nps.id, 4
    headers = bearer(token_for(org["sales_head"], "write"))
    db.session.commit()
    client = app.test_client()
    responses = in_parallel(app, copies, lambda i: client.post(
        f"/api/v1/metrics/{metric_id}/readings", headers=headers, json={"date": DAY.isoformat(), "value": 7}))
    assert [r.status_code for r in responses] == [200] * copies, [r.get_data(as_text=True) for r in responses]
    assert sorted(r.get_json()["added"] for r in responses) == [0] * (copies - 1) + [1]
    assert readings_on(metric_id) == [7.0]


def test_one_file_imported_twice_at_once_writes_each_reading_once(app, org, nps):  # noqa: F811
    actor_id, metric_id = org["facilitator"].id, nps.id
    text = f"metric,date,value\nNPS,{DAY.isoformat()},44\nNPS,2026-03-31,45\n"
    db.session.commit()

    def import_file(_i):
        actor = db.session.get(User, actor_id)
        added, updated = services.import_readings(actor, services.parse_readings_csv(text, actor))
        db.session.commit()
        return added, updated

    outcomes = in_parallel(app, 4, import_file)
    assert sorted(map(str, outcomes)) == ["(0, 2)"] * 3 + ["(2, 0)"], outcomes
    assert readings_on(metric_id) == [44.0] and readings_on(metric_id, date(2026, 3, 31)) == [45.0]
    assert count(Reading) == 3


def test_a_metric_added_twice_at_once_is_added_once(app, org):
    browsers, responses = posted_at_once(app, org["facilitator"], "/metrics/new", metric_form())
    assert sorted(r.status_code for r in responses) == [200] * (len(browsers) - 1) + [303]
    assert all("Another metric already has this name." in page_text(r)
               for r in responses if r.status_code == 200)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Metric).where(Metric.name == "CSAT")) == 1
