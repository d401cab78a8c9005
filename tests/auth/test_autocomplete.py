"""Sign-in and password fields tell browsers and password managers what they hold: the e-mail is the
username, a password to sign in with is the current one, one being chosen is new."""
from bs4 import BeautifulSoup

from app.auth import services
from app.extensions import db
from tests.factories import PASSWORD, make_user


def autocomplete(response) -> dict[str, str | None]:
    """Each input's autocomplete token by the input's name, from the page's main content."""
    assert response.status_code == 200
    main = BeautifulSoup(response.get_data(as_text=True), "html.parser").find("main")
    return {field["name"]: field.get("autocomplete") for field in main.find_all("input")
            if field.get("type") in ("email", "password", "text")}


def test_setup_asks_for_a_new_account(client):
    assert autocomplete(client.get("/setup")) == {
        "name": "name", "email": "username", "password": "new-password", "confirm": "new-password"}


def test_signing_in_takes_the_username_and_the_current_password(client, org):
    assert autocomplete(client.get("/login")) == {"email": "username", "password": "current-password"}


def test_a_reset_is_asked_for_by_username(client, org, inbox):  # the form shows only when mail can leave
    assert autocomplete(client.get("/forgot")) == {"email": "username"}


def test_a_link_sets_a_new_password(client, org):
    token = services.issue_link(make_user("new@example.com", password=None), "reset")
    db.session.commit()
    assert autocomplete(client.get(f"/password/{token}")) == {
        "password": "new-password", "confirm": "new-password"}


def test_changing_the_password_takes_the_current_one_and_a_new_one(client, org):
    make_user("someone@example.com")
    client.sign_in("someone@example.com", PASSWORD)
    assert autocomplete(client.get("/account")) == {
        "current": "current-password", "password": "new-password", "confirm": "new-password"}
