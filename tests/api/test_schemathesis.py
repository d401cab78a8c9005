"""Schemathesis against the served OpenAPI document: generated requests never cause a server error."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from app.extensions import db
from tests.api.helpers import bearer, make_metric, token_for


def test_no_generated_request_causes_a_server_error(app, org):
    make_metric(owner=org["finance"])
    headers = bearer(token_for(org["facilitator"], scope="write"))
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 4  # list metrics, read readings, add readings, add complaints

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
