"""The OpenAPI document: public, valid JSON, and describing every route under /api/v1 — no more, no less."""
import json
import re

from flask import current_app

from app.api.services import MAX_NOTE_LENGTH, MAX_READINGS_PER_REQUEST, MAX_VALUE

API_PREFIX = "/api/v1"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def served_document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.content_type.startswith("application/json")
    return json.loads(response.get_data(as_text=True))


def api_routes() -> set[tuple[str, str]]:
    """(OpenAPI path, method) for every rule of the app under /api/v1, read from the url_map."""
    routes = set()
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def documented_routes(document: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item
            if method in HTTP_METHODS}


def test_the_document_is_public_and_openapi_3_1(client, app):
    document = served_document(client)  # no token, no session
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}


def test_every_api_route_is_documented_and_nothing_else(client, app):
    assert api_routes(), "no API routes found"
    assert documented_routes(served_document(client)) == api_routes()


def test_every_operation_is_complete(client, app):
    document = served_document(client)
    operation_ids = []
    for path, item in document["paths"].items():
        in_path = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            assert operation["summary"] and operation["responses"]
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, (path, method)
            if operation.get("security", document["security"]):
                assert "401" in operation["responses"], (path, method)
            if method == "post":
                assert {"403", "422"} <= set(operation["responses"]), (path, method)
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_resolves(client, app):
    document = served_document(client)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    target = document
                    assert value.startswith("#/")
                    for part in value[2:].split("/"):
                        assert part in target, value
                        target = target[part]
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)


def test_error_examples_match_what_the_api_answers(client, app):
    document = served_document(client)
    example = document["components"]["responses"]["Unauthorized"]["content"]["application/json"]["example"]
    answer = client.get("/api/v1/metrics").get_json()
    assert set(answer["error"]) == set(example["error"])
    assert answer["error"]["code"] == example["error"]["code"]


def test_the_documented_limits_are_the_ones_the_api_applies(client, app):
    """app/api/openapi.json is plain data: its numbers are written there, and must follow the code's."""
    document = served_document(client)
    post = document["paths"]["/api/v1/metrics/{metric_id}/readings"]["post"]
    many = post["requestBody"]["content"]["application/json"]["schema"]["oneOf"][1]
    assert many["maxItems"] == MAX_READINGS_PER_REQUEST
    assert f"up to {MAX_READINGS_PER_REQUEST} readings" in post["description"]
    reading = document["components"]["schemas"]["ReadingInput"]["properties"]
    assert (reading["value"]["minimum"], reading["value"]["maximum"]) == (-MAX_VALUE, MAX_VALUE)
    assert reading["note"]["maxLength"] == MAX_NOTE_LENGTH
