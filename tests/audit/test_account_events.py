"""Account events in the audit log: sign-ins (failed ones without anything typed), passwords, links and
signing out everywhere, with readable names on the audit page."""
import sqlalchemy as sa
from bs4 import BeautifulSoup

from app.audit.models import AuditEntry
from app.auth import services
from app.extensions import db
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase 42"
TYPED = "typed-by-mistake secret 99"


def logged() -> list[tuple]:
    return [(e.action, e.actor_id, e.target, e.details)
            for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def test_sign_ins_are_audited_and_a_failure_keeps_nothing_typed(app, client, org):
    admin, ada = org["admin"], str(org["admin"])
    client.sign_in("admin@example.com", TYPED)
    client.sign_in(TYPED + "@example.com", TYPED)
    client.sign_in("admin@example.com", PASSWORD)
    assert logged() == [("sign_in.failure", None, ada, ""), ("sign_in.failure", None, "", ""),
                        ("sign_in.success", admin.id, ada, "")]
    for row in db.session.execute(sa.select(AuditEntry)):
        assert TYPED not in " ".join(str(cell) for cell in row)


def test_password_events_and_links_are_audited(app, client, org):
    person = make_user("new@example.com", "Nina New", password=None)
    db.session.commit()
    admin = app.test_client()
    admin.sign_in("admin@example.com", PASSWORD)
    admin.post(f"/org/people/{person.id}/link")  # an invitation, shown to the admin
    admin.post(f"/org/people/{org['employee'].id}/link")  # a reset link
    client.post("/forgot", data={"email": "employee@example.com"}).close()
    client.post("/forgot", data={"email": "nobody@example.com"}).close()
    token = services.issue_link(person, "invite")
    db.session.commit()
    client.post(f"/password/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.sign_in("new@example.com", NEW_PASSWORD)
    client.post("/account", data={"current": NEW_PASSWORD, "password": NEW_PASSWORD + "!",
                                  "confirm": NEW_PASSWORD + "!"})
    client.post("/account/sign-out-everywhere")
    ada, nina, erin = org["admin"].id, person.id, org["employee"].id
    got = [(action, actor, target) for action, actor, target, _details in logged()
           if not action.startswith("sign_in.")]
    assert got == [
        ("link.invite", ada, "Nina New <new@example.com>"),
        ("link.reset", ada, "Erin Employee <employee@example.com>"),
        ("password.reset_request", None, "Erin Employee <employee@example.com>"),
        ("password.set_by_invite", nina, "Nina New <new@example.com>"),
        ("password.change", nina, "Nina New <new@example.com>"),
        ("sign_out.everywhere", nina, "Nina New <new@example.com>"),
    ]
    assert erin  # Erin's reset request names her account, never who asked


def test_the_audit_page_names_account_events_readably(admin, org):
    admin.post("/logout")
    admin.sign_in("admin@example.com", "not the password at all")
    admin.sign_in("admin@example.com", PASSWORD)
    page = BeautifulSoup(admin.get("/audit").get_data(as_text=True), "html.parser")
    rows = [[td.get_text() for td in tr.select("td")] for tr in page.select("table.data tbody tr")]
    assert [(r[1], r[2]) for r in rows[:3]] == [
        ("Ada Admin", "Signed in"), ("someone not signed in", "Sign-in failed"), ("Ada Admin", "Signed in")]
    options = {o["value"]: o.get_text() for o in page.select("#audit-action option")}
    assert options["sign_in.failure"] == "Sign-in failed"
    ru = BeautifulSoup(admin.get("/audit", headers={"Accept-Language": "ru"}).get_data(as_text=True),
                       "html.parser")
    assert ru.select_one("#audit-action option[value='sign_in.success']")
