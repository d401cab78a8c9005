"""The board's poll ticket: an unchanged poll costs one query; the ticket never shows a board by itself."""
import html
import json
import re
import sqlite3
import time
from contextlib import contextmanager

import pytest

from app.extensions import db
from app.web.security import SECURITY_HEADERS
from app.workshops.models import Workshop
from app.workshops.poll import TICKET_SECONDS
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
    assert len(seen) == 1, [s[:60] for s in seen]  # the version only: no session, no person


def test_the_early_answer_carries_the_headers_of_every_page_and_sets_no_cookie(client, org, ws):  # noqa: F811
    sign_in(client, org["employee"])
    response = poll(client, ws, ticket_of(client, ws), ws.version)
    assert response.status_code == 204
    for name, value in {**SECURITY_HEADERS, "Cache-Control": "no-store"}.items():
        assert response.headers[name] == value
    assert "Cookie" in response.headers["Vary"] and "Set-Cookie" not in response.headers


def test_a_ticket_with_a_version_that_is_not_a_number_goes_to_the_view(client, org, ws):  # noqa: F811
    sign_in(client, org["employee"])
    ticket = ticket_of(client, ws)
    response = client.get(url(ws, "/poll?version=latest"), headers={**HTMX, "X-Board-Ticket": ticket})
    assert response.status_code == 200 and 'id="board"' in response.get_data(as_text=True)


def test_an_unchanged_poll_reads_past_a_writer_on_sqlite(client, org, ws, database_uri):  # noqa: F811
    """The early answer reads in a plain transaction: it never queues behind SQLite's single writer."""
    if not database_uri.startswith("sqlite:///"):
        pytest.skip("SQLite's write lock (the suite runs again on PostgreSQL)")
    sign_in(client, org["employee"])
    ticket, path = ticket_of(client, ws), url(ws, f"/poll?version={ws.version}")
    writer = sqlite3.connect(database_uri.removeprefix("sqlite:///"), isolation_level=None)
    with count_statements() as seen:
        writer.execute("BEGIN IMMEDIATE")  # a submission in flight holds the write lock
        try:
            response = client.get(path, headers={**HTMX, "X-Board-Ticket": ticket})
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert response.status_code == 204
    assert len(seen) == 1, [s[:60] for s in seen]  # answered early: not after a wait, by the view


def test_a_changed_board_needs_a_live_session_whatever_the_ticket(client, org, ws):  # noqa: F811
    sign_in(client, org["employee"])
    ticket = ticket_of(client, ws)
    client.post("/logout")
    assert poll(client, ws, ticket, ws.version).status_code == 204  # all it learns: nothing changed
    to_phase(org, ws, "collect")
    response = poll(client, ws, ticket, 0)
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]
    assert 'id="board"' not in response.get_data(as_text=True)


def test_a_ticket_older_than_ten_minutes_no_longer_answers_even_once_checked(client, org, ws,  # noqa: F811
                                                                             monkeypatch):
    sign_in(client, org["employee"])
    ticket = ticket_of(client, ws)
    client.post("/logout")  # from now on only the ticket can answer 204; the view asks for a session
    assert poll(client, ws, ticket, ws.version).status_code == 204  # its signature now checked and kept
    signed_at = time.time()
    monkeypatch.setattr(time, "time", lambda: signed_at + TICKET_SECONDS + 2)
    assert poll(client, ws, ticket, ws.version).status_code == 401
    with app_with_no_kept_tickets(client) as other:
        assert poll(other, ws, ticket, ws.version).status_code == 401  # checked afresh: too old as well


@contextmanager
def app_with_no_kept_tickets(client):
    """A client of a new app process on the same database, which has checked no ticket yet; its
    connections are closed afterwards."""
    from app import create_app

    other = create_app(dict(client.application.config))
    try:
        yield other.test_client()
    finally:
        with other.app_context():
            db.engine.dispose()


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
