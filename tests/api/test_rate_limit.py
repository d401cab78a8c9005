"""The API's rate limit (API_RATE_LIMIT): counted per token, and per address for requests without a live
token, so made-up tokens get no allowance of their own; over it, a JSON 429 with Retry-After."""
from app.extensions import db
from tests.api.helpers import bearer, make_metric, token_for

LIMIT = 3


def over_the_limit(app) -> None:
    app.config["API_RATE_LIMIT"] = f"{LIMIT} per minute"


def test_a_token_over_the_limit_gets_a_json_429_and_another_token_is_unaffected(app, client, org):
    over_the_limit(app)
    metric = make_metric(owner=org["finance"])
    db.session.commit()
    first = bearer(token_for(org["facilitator"], name="CRM"))
    second = bearer(token_for(org["facilitator"], name="Help desk"))
    for _ in range(LIMIT - 1):
        assert client.get("/api/v1/metrics", headers=first).status_code == 200
    assert client.get(f"/api/v1/metrics/{metric.id}/readings", headers=first).status_code == 200
    response = client.get("/api/v1/metrics", headers=first)
    assert response.status_code == 429
    assert response.is_json and response.json["error"]["code"] == "too_many_requests"
    assert "Too many requests" in response.json["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 61  # the window is a minute
    posted = client.post(f"/api/v1/metrics/{metric.id}/readings", headers=first,
                         json={"date": "2026-01-31", "value": 1})
    assert posted.status_code == 429  # one allowance for every route
    assert client.get("/api/v1/metrics", headers=second).status_code == 200


def test_requests_without_a_live_token_are_counted_by_address(app, client, org):
    over_the_limit(app)
    live = bearer(token_for(org["facilitator"]))
    for made_up in range(LIMIT):
        assert client.get("/api/v1/metrics", headers=bearer(f"tz_made-up-{made_up}")).status_code == 401
    assert client.get("/api/v1/metrics").status_code == 429
    assert client.get("/api/v1/openapi.json").status_code == 429
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.get("/api/v1/metrics", environ_base=elsewhere).status_code == 401
    assert client.get("/api/v1/metrics", headers=live).status_code == 200  # a live token counts apart


def test_the_openapi_document_describes_the_429(client):
    document = client.get("/api/v1/openapi.json").json
    for path in document["paths"].values():
        for operation in path.values():
            assert operation["responses"]["429"] == {"$ref": "#/components/responses/TooManyRequests"}
    assert "Retry-After" in document["components"]["responses"]["TooManyRequests"]["headers"]
