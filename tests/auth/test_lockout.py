"""Sign-in limits that stop guessing without letting a stranger lock a person out: a browser the person signed
in with before (its device cookie) keeps working while sign-ins from unknown browsers are refused."""
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth import services
from app.auth.devices import COOKIE
from app.extensions import db
from tests.factories import PASSWORD, page_text

WRONG = "wrong password entirely"


def browser(app, address: str):
    """A browser of its own (its own cookies) at a client address of its own."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def strangers_guess(app, email: str, times: int) -> list[int]:
    """`times` wrong passwords for `email`, each from a new browser at a new address."""
    return [browser(app, f"10.1.{n // 250}.{n % 250}").sign_in(email, WRONG).status_code
            for n in range(times)]


def trusted_browser(app, email: str, address="192.0.2.10"):
    """The person's own browser: they signed in with it once, and signed out."""
    own = browser(app, address)
    assert own.sign_in(email, PASSWORD).status_code == 303
    own.token = None  # the session was renewed when the link signed the admin in
    assert own.post("/logout").status_code == 303
    assert own.get_cookie(COOKIE) is not None
    return own


def test_guessing_from_one_address_is_refused(app, org):
    attacker = browser(app, "198.51.100.1")
    answers = [attacker.sign_in("admin@example.com", WRONG).status_code for _ in range(30)]
    assert answers.count(200) <= 5 and answers[-1] == 429
    assert attacker.sign_in("admin@example.com", PASSWORD).status_code == 429
    # Spread over many accounts, one address still gets only its own allowance.
    spreader = browser(app, "198.51.100.2")
    answers = [spreader.sign_in(f"person{n}@example.com", WRONG).status_code for n in range(30)]
    assert answers.count(200) == 10 and answers[-1] == 429


def test_guessing_from_many_addresses_is_refused_for_unknown_browsers(app, org):
    answers = strangers_guess(app, "admin@example.com", 60)
    assert answers.count(200) == 10 and set(answers[10:]) == {429}
    # The right password from yet another unknown browser is refused too: guessing stops here.
    assert browser(app, "203.0.113.99").sign_in("admin@example.com", PASSWORD).status_code == 429
    # Other accounts are not affected.
    assert browser(app, "203.0.113.98").sign_in("head.finance@example.com", PASSWORD).status_code == 303


def test_the_person_on_their_own_browser_signs_in_after_a_strangers_30_failures(app, org):
    own = trusted_browser(app, "admin@example.com")
    strangers_guess(app, "admin@example.com", 30)
    assert browser(app, "203.0.113.99").sign_in("admin@example.com", PASSWORD).status_code == 429
    own.environ_base["REMOTE_ADDR"] = "192.0.2.77"  # at home now: a new address, the same browser
    assert own.sign_in("admin@example.com", PASSWORD).status_code == 303
    assert "Hello, Ada Admin" in own.get("/").get_data(as_text=True)


def test_a_device_cookie_has_its_own_limit(app, org):
    own = trusted_browser(app, "admin@example.com")
    stolen = own.get_cookie(COOKIE).value
    answers = []
    for n in range(15):
        thief = browser(app, f"10.2.0.{n}")
        thief.set_cookie(COOKIE, stolen, domain="localhost")
        answers.append(thief.sign_in("admin@example.com", WRONG).status_code)
    assert answers.count(200) == 10 and set(answers[10:]) == {429}


def test_a_device_cookie_counts_only_for_its_own_account(app, org):
    own = trusted_browser(app, "head.finance@example.com")
    strangers_guess(app, "admin@example.com", 10)
    assert own.sign_in("admin@example.com", PASSWORD).status_code == 429


def test_a_forged_or_altered_device_cookie_is_no_device_cookie(app, org):
    own = trusted_browser(app, "admin@example.com")
    strangers_guess(app, "admin@example.com", 10)
    value = own.get_cookie(COOKIE).value
    own.set_cookie(COOKIE, value[:-2] + ("AA" if not value.endswith("AA") else "BB"), domain="localhost")
    assert own.sign_in("admin@example.com", PASSWORD).status_code == 429


def test_the_device_cookie_holds_no_address_and_is_http_only(app, org):
    own = browser(app, "192.0.2.10")
    response = own.sign_in("admin@example.com", PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    assert "admin" not in own.get_cookie(COOKIE).value
    app.config["SESSION_COOKIE_SECURE"] = True
    own.token = None  # the session was renewed when the link signed the admin in
    assert own.post("/logout").status_code == 303
    header = next(h for h in own.sign_in("admin@example.com", PASSWORD).headers.getlist("Set-Cookie")
                  if h.startswith(COOKIE + "="))
    assert "Secure" in header


def test_stacked_limits_make_the_wait_grow_and_retry_after_names_the_longest(app, org):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "2 per minute;3 per hour"
    assert strangers_guess(app, "admin@example.com", 3) == [200, 200, 429]
    assert int(browser(app, "203.0.113.1").sign_in("admin@example.com", WRONG).headers["Retry-After"]) <= 61
    # When the longer limit is used up as well, the answer names the hour's end, not the minute's.
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "2 per minute;2 per hour"
    assert strangers_guess(app, "head.finance@example.com", 3) == [200, 200, 429]
    late = browser(app, "203.0.113.2").sign_in("head.finance@example.com", WRONG)
    assert late.status_code == 429 and 3000 < int(late.headers["Retry-After"]) <= 3601


def test_the_lock_page_says_what_happened_when_to_retry_and_what_still_works(app, org):
    strangers_guess(app, "admin@example.com", 10)
    refused = browser(app, "203.0.113.99").sign_in("admin@example.com", PASSWORD)
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 601  # the first step: ten failures in ten minutes
    text = page_text(refused)
    assert "too many wrong passwords" in text and "Try again in 10 minutes." in text
    assert "a browser you have signed in with before" in text and "/forgot" in text
    reader = browser(app, "203.0.113.97")
    ru = reader.post("/login", data={"email": "admin@example.com", "password": PASSWORD},
                     headers={"Accept-Language": "ru"})
    assert ru.status_code == 429 and "через 10 минут" in page_text(ru)  # the wait, in the reader's language


def test_setting_a_password_by_link_lets_that_browser_sign_in_during_a_lock_out(app, org):
    strangers_guess(app, "admin@example.com", 10)
    token = services.issue_link(org["admin"], "reset")
    db.session.commit()
    own = browser(app, "192.0.2.10")
    new = "a brand new passphrase 42"
    assert own.post(f"/password/{token}", data={"password": new, "confirm": new}).status_code == 303
    own.token = None  # the session was renewed when the link signed the admin in
    assert own.post("/logout").status_code == 303
    assert own.sign_in("admin@example.com", new).status_code == 303


def test_a_lock_out_is_audited_once_on_the_account(app, org):
    strangers_guess(app, "admin@example.com", 13)
    locked = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "sign_in.locked")).all()
    assert [(e.target, e.details, e.actor_id) for e in locked] == [(str(org["admin"]), "account", None)]
