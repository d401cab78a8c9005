"""POST /api/v1/complaints: a write token of a facilitator or an admin imports complaints, all or nothing,
idempotent like the file; anyone else is refused; bad fields are named."""
from app.complaints.models import Complaint
from app.extensions import db
from tests.api.helpers import bearer, token_for
from tests.complaints.test_services import company  # noqa: F401 (a fixture)
from tests.factories import count, make_user

ONE = {"complaints": [{"date": "2026-03-03", "category": "Late invoice", "department": "SUP", "id": "C-1"},
                      {"date": "2026-03-04", "category": "Rude answer", "department": "sup"}]}


def test_a_facilitators_write_token_imports_complaints_once(client, company):  # noqa: F811
    headers = bearer(token_for(company["facilitator"], "write"))
    first = client.post("/api/v1/complaints", headers=headers, json=ONE)
    assert first.status_code == 200 and first.get_json() == {"added": 2, "imported_before": 0}
    again = client.post("/api/v1/complaints", headers=headers, json=ONE)
    assert again.get_json() == {"added": 0, "imported_before": 2}
    assert count(Complaint) == 2


def test_a_bad_complaint_refuses_the_request_and_names_it(client, company):  # noqa: F811
    headers = bearer(token_for(company["facilitator"], "write"))
    body = {"complaints": [*ONE["complaints"],
                           {"date": "2026-03-05", "category": "Lost", "department": "SUP"},
                           {"date": 5, "category": "Late invoice", "department": "SUP"},
                           {"date": "2026-03-05", "category": "Late invoice", "department": "SUP",
                            "text": "a\x00b"}]}
    response = client.post("/api/v1/complaints", headers=headers, json=body)
    assert response.status_code == 422
    fields = [detail["field"] for detail in response.get_json()["error"]["details"]]
    assert fields == ["complaints[2]", "complaints[3]", "complaints[4]"]
    for bad in ({}, {"complaints": []}, {"complaints": [ONE["complaints"][0]] * 1001}, [ONE]):
        assert client.post("/api/v1/complaints", headers=headers, json=bad).status_code == 422
    assert count(Complaint) == 0


def test_read_tokens_heads_and_strangers_are_refused(client, company):  # noqa: F811
    head = make_user(head_of=[company["SUP"]])
    db.session.commit()
    assert client.post("/api/v1/complaints", json=ONE).status_code == 401
    read = bearer(token_for(company["facilitator"], "read", name="reader"))
    assert client.post("/api/v1/complaints", headers=read, json=ONE).status_code == 403
    head_token = bearer(token_for(head, "write"))
    assert client.post("/api/v1/complaints", headers=head_token, json=ONE).status_code == 403
    admin_token = bearer(token_for(company["admin"], "write"))
    as_text = client.post("/api/v1/complaints", headers=admin_token, data="x")
    assert as_text.status_code == 415
    assert count(Complaint) == 0
