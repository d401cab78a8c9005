"""First-run setup sent several times at once (a double-click, two tabs, two people racing), on whichever
database the suite runs on: one first administrator, and the others are sent to sign in, never an error."""
import pytest

from app.auth.models import User
from tests.auth.test_accounts import NEW_PASSWORD
from tests.factories import count, in_parallel, page_text


@pytest.mark.parametrize("same_person", [True, False], ids=["double-click", "two people"])
def test_setup_sent_at_once_makes_one_first_admin(app, same_person):
    browsers = [app.test_client() for _ in range(4)]
    for browser in browsers:
        browser.refresh_token()
    forms = [{"name": "Ada", "email": "ada@example.com" if same_person else f"ada{i}@example.com",
              "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} for i in range(len(browsers))]
    responses = in_parallel(app, len(browsers), lambda i: browsers[i].post("/setup", data=forms[i]))
    assert [r.status_code for r in responses] == [303] * len(browsers)
    assert count(User) == 1
    landed = sorted(r.headers["Location"] for r in responses)
    assert landed == ["/login"] * (len(browsers) - 1) + ["/org/departments"]
    told = [page_text(b.get("/login")) for b, r in zip(browsers, responses, strict=True)
            if r.headers["Location"] == "/login"]
    assert all("The first administrator already exists: sign in." in page for page in told)
