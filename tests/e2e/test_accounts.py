"""A person's way through the app in a real browser: first run, invitation, sign-in, language."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import form_ready, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "a long enough passphrase 42"
PERSON_PASSWORD = "another long enough passphrase 7"


def test_first_run_to_russian(page, live_server):
    base = live_server.url
    page.goto(base)
    expect(page).to_have_url(f"{base}/setup")

    # The first administrator.
    page.get_by_label("Your name").fill("Ada Admin")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("New password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Repeat the new password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create the administrator").click()
    expect(page.get_by_role("heading", level=1, name="Departments")).to_be_visible()
    expect(page).to_have_url(f"{base}/org/departments")

    # A department, from the empty list's own button.
    expect(page.get_by_text("Departments are the teams that rate each other's service.")).to_be_visible()
    page.locator(".empty-state").get_by_role("link", name="Add a department").click()
    expect(page.get_by_role("heading", level=1, name="Add a department")).to_be_visible()
    form_ready(page, "Name")
    page.get_by_label("Name", exact=True).fill("Finance")
    page.get_by_label("Short code").fill("FIN")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finance")
    expect(page.get_by_text("Department Finance saved.")).to_be_visible()

    # Home: the first-run checklist counts it, and a second department is still the next step.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    steps = page.locator(".first-run-step")
    expect(steps.first).to_contain_text("1 department")
    expect(page.locator('.first-run-step[aria-current="step"]')).to_contain_text("Departments")

    # A person, invited with a link shown on the page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add a person").click()
    expect(page.get_by_role("heading", level=1, name="Add a person")).to_be_visible()
    form_ready(page, "Name")
    page.get_by_label("Name", exact=True).fill("Boris Buyer")
    page.get_by_label("E-mail").fill("boris@example.com")
    page.get_by_label("Department", exact=True).select_option(label="Finance")
    page.get_by_role("button", name="Add and invite").click()
    link = page.locator("code.link")
    expect(link).to_be_visible()
    invitation = link.inner_text().strip()
    assert re.fullmatch(rf"{re.escape(base)}/password/\S+", invitation), invitation

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()

    # The invited person sets a password and is signed in, at home.
    page.goto(invitation)
    expect(page.get_by_role("heading", level=1, name="Welcome, Boris Buyer")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(PERSON_PASSWORD)
    page.get_by_label("Repeat the new password").fill(PERSON_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    welcome = "Welcome, Boris Buyer: your password is set and you are signed in."
    expect(page.get_by_text(welcome)).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Hello, Boris Buyer")).to_be_visible()
    expect(page).to_have_url(f"{base}/")

    # Russian, chosen in the header, and kept on the next page.
    page.locator("#language-switch").select_option(label="Русский")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("button", name="Выйти", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    page.get_by_role("link", name="Boris Buyer").click()
    expect(page).to_have_url(f"{base}/account")
    expect(page.get_by_role("button", name="Выйти", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.goto(f"{base}/account")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name="Выйти", exact=True)).to_be_visible()


def test_sign_in_without_javascript(no_js_page, live_server):
    page, base = no_js_page, live_server.url
    with live_server.database():
        make_user("nina@example.com", "Nina Nojs", is_admin=True)

    page.goto(base)
    expect(page).to_have_url(re.compile(re.escape(f"{base}/login")))
    sign_in(page, base, "nina@example.com", PASSWORD)
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("heading", level=1, name="Hello, Nina Nojs")).to_be_visible()

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page).to_have_url(f"{base}/login")
    page.goto(base)
    expect(page).to_have_url(re.compile(re.escape(f"{base}/login")))
