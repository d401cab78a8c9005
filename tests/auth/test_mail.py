"""With a mail server configured, links go by SMTP (a real local SMTP server) and are not shown."""
import re

from app.auth.models import User
from app.extensions import db
from tests.factories import PASSWORD


def test_invitation_is_mailed_in_the_persons_language(client, org, inbox):
    client.sign_in("admin@example.com", PASSWORD)
    response = client.post("/org/people/new", data={"name": "Mila", "email": "mila@example.com",
                                                    "department_id": org["sales"].id, "language": "ru"})
    page = response.get_data(as_text=True)
    assert "1 link was sent by e-mail." in page and "/password/" not in page
    assert len(inbox) == 1 and inbox[0]["To"] == "mila@example.com"
    body = inbox[0].get_payload(decode=True).decode()
    assert "Trading Zone" in inbox[0]["Subject"] and "пароль" in body
    token = re.search(r"/password/(\S+)", body).group(1)
    assert client.application.test_client().get(f"/password/{token}").status_code == 200


def test_forgot_password_mails_known_addresses_only(client, org, inbox):
    for email in ("employee@example.com", "nobody@example.com"):
        client.post("/forgot", data={"email": email}).close()  # the mail leaves once the answer is sent
    assert [m["To"] for m in inbox] == ["employee@example.com"]


def test_unreachable_mail_server_falls_back_to_showing_the_link(app, client, org):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)  # nothing listens there
    client.sign_in("admin@example.com", PASSWORD)
    response = client.post("/org/people/new", data={"name": "Mila", "email": "mila@example.com",
                                                    "department_id": org["sales"].id})
    assert response.status_code == 200 and "/password/" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.email == "mila@example.com")) is not None


def test_a_reset_link_comes_from_base_url_not_from_the_requests_host(app, client, org, inbox):
    """An attacker who names their own host in a reset request must not get the victim mailed a link
    to it: links are built from the configured public address, and other hosts are refused."""
    app.config.update(BASE_URL="https://tz.example.com", TRUSTED_HOSTS=["tz.example.com", "localhost"])
    client.post("/forgot", data={"email": "employee@example.com"}).close()
    [mail] = inbox
    links = re.findall(r"\S+/password/\S+", mail.get_payload(decode=True).decode())
    assert links and all(link.startswith("https://tz.example.com/password/") for link in links)
    app.config["TRUSTED_HOSTS"] = ["tz.example.com"]
    refused = client.post("/forgot", data={"email": "employee@example.com"},
                          headers={"Host": "evil.example"})
    assert refused.status_code == 400 and len(inbox) == 1
