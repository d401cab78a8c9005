"""One URL, two answers: the whole page, or the fragment an htmx request swaps in."""
import pytest

from app.dimensions.services import ordered, seed_default_dimensions
from app.extensions import db
from tests.factories import PASSWORD


@pytest.mark.parametrize("headers,whole_page", [
    ({}, True),
    ({"HX-Request": "true"}, False),
    ({"HX-Request": "true", "HX-Boosted": "true"}, True),
    ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True),
])
def test_page_or_fragment(client, org, headers, whole_page):
    client.sign_in("admin@example.com", PASSWORD)
    response = client.get("/org/people?q=erin", headers=headers)
    text = response.get_data(as_text=True)
    assert ("<html" in text) == whole_page
    assert 'id="people-table"' in text and "Erin Employee" in text
    assert "HX-Request" in response.headers["Vary"]


def test_refusal_inside_an_htmx_fragment_is_shown_in_place(client, org):
    seed_default_dimensions()
    dimensions = ordered()
    for dimension in dimensions[1:]:
        dimension.retired = True
    db.session.commit()
    client.sign_in("admin@example.com", PASSWORD)
    response = client.post(f"/dimensions/{dimensions[0].id}/retire", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "At least one dimension must stay in use." in fragment
