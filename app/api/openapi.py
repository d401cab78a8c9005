"""The OpenAPI 3.1 document of /api/v1, built in code and served at /api/v1/openapi.json."""
from app.api.services import MAX_NOTE_LENGTH, MAX_READINGS_PER_REQUEST, MAX_VALUE


def _error(description: str, code: str, message: str, details: list | None = None) -> dict:
    return {
        "description": description,
        "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "example": {"error": {"code": code, "message": message, "details": details or []}},
        }},
    }


UNAUTHORIZED = {"$ref": "#/components/responses/Unauthorized"}
FORBIDDEN = {"$ref": "#/components/responses/Forbidden"}
NOT_FOUND = {"$ref": "#/components/responses/NotFound"}
INVALID = {"$ref": "#/components/responses/Invalid"}
TOO_MANY = {"$ref": "#/components/responses/TooManyRequests"}
METRIC_ID = {
    "name": "metric_id", "in": "path", "required": True, "description": "The metric's id.",
    "schema": {"type": "integer", "minimum": 1}, "example": 1,
}

READING_EXAMPLE = {"date": "2025-03-31", "value": 42.5, "note": "Quarterly survey"}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Trading Zone API",
            "version": "1.0.0",
            "description": (
                "Read the catalog of external-client metrics and read or push their dated readings. "
                "Authenticate with a personal API token (`Authorization: Bearer tz_…`), created on the "
                "page /account/tokens. A session cookie does not authenticate API calls. Rating results "
                "are never available through this API. Calls are rate-limited per token (per client "
                "address without a valid token); over the limit the answer is 429 with Retry-After."
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document of this API.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "429": TOO_MANY,
                    },
                },
            },
            "/api/v1/metrics": {
                "get": {
                    "operationId": "listMetrics",
                    "summary": "List the metrics",
                    "description": "Every metric of the catalog, by name. "
                                   "Needs a token with scope read or write.",
                    "responses": {
                        "200": {
                            "description": "The metrics.",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/MetricList"},
                                "example": {"metrics": [{
                                    "id": 1, "name": "NPS", "description": "Net promoter score",
                                    "unit": "points", "direction": "higher", "owner_department": "SAL",
                                }]},
                            }},
                        },
                        "401": UNAUTHORIZED,
                        "429": TOO_MANY,
                    },
                },
            },
            "/api/v1/metrics/{metric_id}/readings": {
                "get": {
                    "operationId": "listReadings",
                    "summary": "Read a metric's readings",
                    "description": "The readings by date, optionally between two dates (both inclusive). "
                                   "Needs a token with scope read or write.",
                    "parameters": [
                        METRIC_ID,
                        {"name": "from", "in": "query", "required": False,
                         "description": "First date, YYYY-MM-DD.",
                         "schema": {"type": "string", "format": "date"}, "example": "2025-01-01"},
                        {"name": "to", "in": "query", "required": False,
                         "description": "Last date, YYYY-MM-DD.",
                         "schema": {"type": "string", "format": "date"}, "example": "2025-12-31"},
                    ],
                    "responses": {
                        "200": {
                            "description": "The metric and its readings, oldest first.",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/ReadingList"},
                                "example": {
                                    "metric": {"id": 1, "name": "NPS", "description": "", "unit": "points",
                                               "direction": "higher", "owner_department": "SAL"},
                                    "readings": [READING_EXAMPLE],
                                },
                            }},
                        },
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                        "422": INVALID,
                        "429": TOO_MANY,
                    },
                },
                "post": {
                    "operationId": "addReadings",
                    "summary": "Add or update readings",
                    "description": (
                        "One reading or a list of up to "
                        f"{MAX_READINGS_PER_REQUEST} readings. All or nothing: if any reading is "
                        "invalid, nothing is written. A reading on a date that already has one replaces "
                        "it. Needs a token with scope write, held by a facilitator, an admin or a head "
                        "of the metric's owner department."
                    ),
                    "parameters": [METRIC_ID],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {
                            "schema": {"oneOf": [
                                {"$ref": "#/components/schemas/ReadingInput"},
                                {"type": "array", "minItems": 1, "maxItems": MAX_READINGS_PER_REQUEST,
                                 "items": {"$ref": "#/components/schemas/ReadingInput"}},
                            ]},
                            "examples": {
                                "one": {"summary": "One reading", "value": READING_EXAMPLE},
                                "several": {"summary": "Several readings", "value": [
                                    {"date": "2025-01-31", "value": 38},
                                    {"date": "2025-02-28", "value": 40.5, "note": "after the fix"},
                                ]},
                            },
                        }},
                    },
                    "responses": {
                        "200": {
                            "description": "How many readings were added and how many replaced.",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/WriteResult"},
                                "example": {"added": 1, "updated": 1},
                            }},
                        },
                        "401": UNAUTHORIZED,
                        "403": FORBIDDEN,
                        "404": NOT_FOUND,
                        "422": INVALID,
                        "429": TOO_MANY,
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http", "scheme": "bearer", "bearerFormat": "tz_…",
                    "description": "A personal API token. Scope read: read metrics and readings; "
                                   "scope write: also add readings.",
                },
            },
            "schemas": {
                "Metric": {
                    "type": "object",
                    "required": ["id", "name", "description", "unit", "direction", "owner_department"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "unit": {"type": "string"},
                        "direction": {"type": "string", "enum": ["higher", "lower"],
                                      "description": "Which way is better."},
                        "owner_department": {"type": ["string", "null"],
                                             "description": "The owner department's short code."},
                    },
                },
                "MetricList": {
                    "type": "object", "required": ["metrics"],
                    "properties": {"metrics": {"type": "array",
                                               "items": {"$ref": "#/components/schemas/Metric"}}},
                },
                "Reading": {
                    "type": "object", "required": ["date", "value", "note"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "value": {"type": "number"},
                        "note": {"type": "string"},
                    },
                },
                "ReadingList": {
                    "type": "object", "required": ["metric", "readings"],
                    "properties": {
                        "metric": {"$ref": "#/components/schemas/Metric"},
                        "readings": {"type": "array", "items": {"$ref": "#/components/schemas/Reading"}},
                    },
                },
                "ReadingInput": {
                    "type": "object", "required": ["date", "value"], "additionalProperties": False,
                    "properties": {
                        "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                                 "description": "The day the value was taken, YYYY-MM-DD; from 1900 "
                                                "up to tomorrow (UTC), never later."},
                        "value": {"type": "number", "minimum": -MAX_VALUE, "maximum": MAX_VALUE},
                        "note": {"type": ["string", "null"], "maxLength": MAX_NOTE_LENGTH},
                    },
                    "example": READING_EXAMPLE,
                },
                "WriteResult": {
                    "type": "object", "required": ["added", "updated"],
                    "properties": {"added": {"type": "integer", "minimum": 0},
                                   "updated": {"type": "integer", "minimum": 0}},
                },
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {"error": {
                        "type": "object", "required": ["code", "message", "details"],
                        "properties": {
                            "code": {"type": "string", "description": "Stable, machine-readable."},
                            "message": {"type": "string", "description": "For people; may be translated."},
                            "details": {"type": "array", "items": {
                                "type": "object", "required": ["field", "message"],
                                "properties": {"field": {"type": "string",
                                                         "description": "e.g. value, or [2].date in a list"},
                                               "message": {"type": "string"}},
                            }},
                        },
                    }},
                },
            },
            "responses": {
                "Unauthorized": _error("No token, an unknown token, or a revoked one.", "unauthorized",
                                       "Send a valid API token: Authorization: Bearer <token>."),
                "Forbidden": _error("The token's scope or its owner's rights do not allow this.",
                                    "insufficient_scope",
                                    "This token may only read; create a token with write access to add "
                                    "readings."),
                "NotFound": _error("No such metric.", "not_found", "There is nothing at this address."),
                "Invalid": _error("Invalid fields; nothing was written.", "invalid",
                                  "The request has invalid fields.",
                                  [{"field": "[1].value", "message": "Give the value as a number."}]),
                "TooManyRequests": {
                    **_error("Over the rate limit: API_RATE_LIMIT calls (600 a minute unless the site sets "
                             "another) for each token, and for each client address among calls without a "
                             "valid token, every route counted together.", "too_many_requests",
                             "Too many requests: wait 42 seconds and try again."),
                    "headers": {"Retry-After": {
                        "description": "Seconds to wait before the next call is allowed.",
                        "schema": {"type": "integer", "minimum": 1},
                    }},
                },
            },
        },
    }
