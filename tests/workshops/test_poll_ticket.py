"""The board's poll ticket: an unchanged poll costs one query; the ticket never shows a board by itself."""
import html
import json
import re

from app.extensions import db
from app.workshops.models import Workshop
from tests.factories import count_statements
from tests.workshops.test_pages import HTMX, sign_in, to_phase, url, ws  # noqa: F401 (ws is a fixture)


def ticket_of(client, workshop) -> str:
    board = client.get(url(workshop)).get_data(as_text=True)
    attribute = re.search(r"hx-headers='([^']*X-Board-Ticket[^']*)'", board).group(1)
    return json.loads(html.unescape(attribute))["X-Board-Ticket"]


def poll(client, workshop, ticket, version):
    return client.get(url(workshop, f"/poll?version={version}"), headers={**HTMX, "X-Board-Ticket": ticket})


def test_an_unchanged_poll_with_its_ticket_is_one_lookup_of_the_version(client, org, ws):  # noqa: F811
    sign_in(client, org["employee"])
    ticket = ticket_of(client, ws)
    path, version = url(ws, "/poll"), ws.version
    with count_statements() as seen:
        response = client.get(f"{path}?version={version}", headers={**HTMX, "X-Board-Ticket": ticket})
    assert response.status_code == 204 and response.get_data() == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert len(seen) == 1 and "workshops" in seen[0], [s[:60] for s in seen]  # no session, no person


def test_a_changed_board_needs_a_live_session_whatever_the_ticket(client, org, ws):  # noqa: F811
    sign_in(client, org["employee"])
    ticket = ticket_of(client, ws)
    client.post("/logout")
    assert poll(client, ws, ticket, ws.version).status_code == 204  # all it learns: nothing changed
    to_phase(org, ws, "collect")
    response = poll(client, ws, ticket, 0)
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]
    assert 'id="board"' not in response.get_data(as_text=True)


def test_a_ticket_opens_only_its_own_workshop(client, org, ws):  # noqa: F811
    sign_in(client, org["employee"])
    ticket = ticket_of(client, ws)
    other = Workshop(title="Another", held_on=ws.held_on, phase="scheduled", vote_budget=3, version=7)
    db.session.add(other)
    db.session.commit()
    client.post("/logout")
    assert poll(client, other, ticket, 7).status_code == 401


def test_a_forged_or_missing_ticket_falls_back_to_the_full_check(client, org, ws):  # noqa: F811
    sign_in(client, org["sales_head"])  # not a participant
    for ticket in ("", "forged.ticket.value", ticket_of_someone_else(client, org, ws)[:-2] + "xx"):
        assert poll(client, ws, ticket, ws.version).status_code == 403


def ticket_of_someone_else(client, org, workshop) -> str:
    sign_in(client, org["employee"])
    ticket = ticket_of(client, workshop)
    sign_in(client, org["sales_head"])
    return ticket
