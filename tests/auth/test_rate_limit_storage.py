"""With Redis configured, the sign-in limit is shared: a new app instance sees the earlier failures."""
import os
import uuid

import pytest
import redis

from app import create_app
from tests.conftest import CsrfClient, app_config
from tests.factories import PASSWORD

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


def instance(database_uri, redis_url, prefix):
    app = create_app(app_config(database_uri, RATELIMIT_STORAGE_URI=redis_url,
                                 RATELIMIT_KEY_PREFIX=prefix))
    app.test_client_class = CsrfClient
    return app


def test_limit_holds_across_instances(database_uri, redis_url, org):
    prefix = f"tz-test-{uuid.uuid4().hex}"  # this test's own counters
    first = instance(database_uri, redis_url, prefix)
    with first.app_context():
        client = first.test_client()
        for n in range(10):
            assert client.sign_in(f"person{n}@example.com", "wrong password entirely").status_code == 200
    second = instance(database_uri, redis_url, prefix)
    with second.app_context():
        assert second.test_client().sign_in("admin@example.com", PASSWORD).status_code == 429


def test_an_unreachable_redis_leaves_sign_in_working_and_limited(database_uri, org):
    app = instance(database_uri, "redis://127.0.0.1:1/0", "tz-test-unreachable")  # nothing listens there
    with app.app_context():
        client = app.test_client()
        assert client.sign_in("admin@example.com", PASSWORD).status_code == 303
        client.post("/logout")
        for n in range(10):
            assert client.sign_in(f"person{n}@example.com", "wrong password entirely").status_code == 200
        assert client.sign_in("admin@example.com", PASSWORD).status_code == 429  # counted in memory
