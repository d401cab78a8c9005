"""Personal API tokens: created on a page, shown once, kept hashed, revoked by their owner."""
import re

import pytest
import sqlalchemy as sa

from app.api.services import TokenError, create_token, hash_token, revoke_token
from app.audit.models import AuditEntry
from app.auth.models import ApiToken
from app.extensions import db
from tests.api.helpers import bearer, make_metric, token_for
from tests.factories import PASSWORD, audited, count, page_text

TOKEN = re.compile(r'<code class="link" id="new-token">(tz_[A-Za-z0-9_-]+)</code>')


def sign_in(client, email):
    assert client.sign_in(email, PASSWORD).status_code == 303
    return client


def create_on_page(client, name="Help desk", scope="read"):
    return client.post("/account/tokens", data={"name": name, "scope": scope})


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(client, org):
    sign_in(client, "head.finance@example.com")
    response = create_on_page(client, scope="write")
    assert response.status_code == 200
    [value] = TOKEN.findall(response.get_data(as_text=True))
    assert "shown only this once" in page_text(response)
    [token] = db.session.scalars(sa.select(ApiToken)).all()
    assert (token.name, token.scope, token.user_id) == ("Help desk", "write", org["head"].id)
    assert token.token_hash == hash_token(value) and value not in token.token_hash
    # The value is nowhere in the database, and the list page never shows it again.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            assert value not in " ".join(str(cell) for cell in row)
    listing = client.get("/account/tokens")
    assert listing.status_code == 200
    assert value not in listing.get_data(as_text=True)
    assert "Help desk" in page_text(listing)
    assert db.session.scalars(audited(AuditEntry.action)).all() == ["api_token.create"]


def test_the_token_shown_works_against_the_api(client, org):
    sign_in(client, "facilitator@example.com")
    [value] = TOKEN.findall(create_on_page(client).get_data(as_text=True))
    assert client.get("/api/v1/metrics", headers=bearer(value)).status_code == 200


def test_a_bad_form_changes_nothing_and_says_why(client, org):
    sign_in(client, "admin@example.com")
    response = create_on_page(client, name="", scope="delete")
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert count(ApiToken) == 0


def test_token_pages_need_sign_in(client, org):
    assert client.get("/account/tokens").status_code == 302
    assert create_on_page(client).status_code == 302
    assert count(ApiToken) == 0


def test_employees_may_not_hold_tokens(client, org):
    sign_in(client, "employee@example.com")
    assert client.get("/account/tokens").status_code == 403
    assert create_on_page(client).status_code == 403
    with pytest.raises(TokenError):
        create_token(org["employee"], "Mine", "read")
    assert count(ApiToken) == 0


def test_creating_a_token_needs_the_csrf_token(client, org):
    sign_in(client, "admin@example.com")
    response = client.post("/account/tokens", data={"name": "x", "scope": "read"}, csrf=False)
    assert response.status_code == 400
    assert count(ApiToken) == 0


def test_revoking_needs_the_csrf_token(client, org):
    value = token_for(org["admin"])
    token = db.session.scalar(sa.select(ApiToken))
    sign_in(client, "admin@example.com")
    assert client.post(f"/account/tokens/{token.id}/revoke", csrf=False).status_code == 400
    assert client.get("/api/v1/metrics", headers=bearer(value)).status_code == 200


def test_the_owner_revokes_a_token_and_it_stops_working(client, org):
    value = token_for(org["head"])
    token = db.session.scalar(sa.select(ApiToken))
    sign_in(client, "head.finance@example.com")
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 303
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert "revoked" in page_text(client.get("/account/tokens"))
    refused = client.get("/api/v1/metrics", headers=bearer(value))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_nobody_else_may_revoke_a_token(client, org):
    value = token_for(org["head"])
    token = db.session.scalar(sa.select(ApiToken))
    sign_in(client, "admin@example.com")
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 403
    assert client.post("/account/tokens/9999/revoke").status_code == 404
    with pytest.raises(TokenError):
        revoke_token(org["admin"], token)
    db.session.rollback()
    assert client.get("/api/v1/metrics", headers=bearer(value)).status_code == 200
    assert "Revoke" not in page_text(client.get("/account/tokens"))


def test_last_used_is_recorded_once_a_day(client, org):
    value = token_for(org["facilitator"])
    make_metric(owner=org["finance"])
    token = db.session.scalar(sa.select(ApiToken))
    assert token.last_used_on is None
    client.get("/api/v1/metrics", headers=bearer(value))
    db.session.refresh(token)
    used = token.last_used_on
    assert used is not None
    assert used.isoformat() in page_text(sign_in(client, "facilitator@example.com").get("/account/tokens"))


def test_a_token_of_someone_deactivated_or_no_longer_a_head_stops_working(client, org):
    head_value = token_for(org["head"])
    facilitator_value = token_for(org["facilitator"], name="Other")
    org["head"].headed_departments = []
    org["facilitator"].active = False
    db.session.commit()
    assert client.get("/api/v1/metrics", headers=bearer(head_value)).status_code == 401
    assert client.get("/api/v1/metrics", headers=bearer(facilitator_value)).status_code == 401
