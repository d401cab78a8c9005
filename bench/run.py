"""Runs the benchmarks against gunicorn and prints a table; see docs/BENCHMARKS.md.

    .venv/bin/python -m bench.run --size small --database sqlite [--seconds 10]

The company of that size is generated once (bench/generate.py) and copied for each run. The app and a
bare Flask hello world are served by gunicorn with the same settings; wrk (bench/replay.lua) replays
prepared requests of real signed-in people against both, and every figure is also given as a ratio
to the hello world measured in the same run.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

from bench import servers
from bench.generate import PASSWORD

APP_PORT, HELLO_PORT, FLOOR_PORT = 8100, 8101, 8102
WRK_THREADS = 2
RESULTS = Path(__file__).parent / "results"
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# Sent at sign-in and by every replayed request (replay.lua), as one browser would: with another one,
# Flask-Login's session protection marks each request not fresh and a new cookie is signed every time.
USER_AGENT = "trading-zone-bench"


# Signed-in people ----------------------------------------------------------------------------------

class Person:
    """A real sign-in through the login form; keeps the session cookie and a CSRF token."""

    def __init__(self, base: str, email: str):
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.base = base
        page = self.http.get(f"{base}/login").text
        response = self.http.post(f"{base}/login", data={
            "email": email, "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)},
            allow_redirects=False)
        if response.status_code != 303:
            raise RuntimeError(f"{email} could not sign in ({response.status_code})")
        self.token = TOKEN.search(self.http.get(f"{base}/").text).group(1)
        self.cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)


def sign_in(base: str, emails: list[str]) -> list[Person]:
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda email: Person(base, email), emails))


# What is asked for ---------------------------------------------------------------------------------

def _one(engine, sql: str, **params):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar()


def _rows(engine, sql: str, **params):
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).all()


def submissions(engine, base: str, wanted: int) -> tuple[list[str], int]:
    """Lines for wrk: each a different (person, target) of the open round, nine dimensions each."""
    round_id = _one(engine, "SELECT id FROM rounds WHERE state = 'open'")
    dimensions = [d for (d,) in _rows(engine, "SELECT dimension_id FROM round_dimensions "
                                              "WHERE round_id = :r ORDER BY position", r=round_id)]
    providers: dict[int, list[int]] = {}
    for provider, client in _rows(engine, "SELECT provider_id, client_id FROM service_links"):
        providers.setdefault(client, []).append(provider)
    people = _rows(engine, "SELECT email, department_id FROM users WHERE department_id IS NOT NULL "
                           "AND email NOT LIKE 'facilitator%' ORDER BY id DESC")
    chosen, pairs = [], 0
    for email, department_id in people:  # the last of each department: not heads, not in the workshop
        chosen.append((email, department_id))
        pairs += len(providers.get(department_id, [])) + 2
        if pairs >= wanted:
            break
    lines = []
    for n, person in enumerate(sign_in(base, [e for e, _d in chosen])):
        department_id = chosen[n][1]
        for key in [f"d{p}" for p in providers.get(department_id, [])] + ["self", "company"]:
            scores = "&".join(f"d{d}={(n + d) % 6}" for d in dimensions)
            comment = "&comment=Slow+answers+to+our+requests" if key.startswith("d") and n % 7 == 0 else ""
            lines.append(f"POST\t/rounds/{round_id}/rate/{key}\t{person.cookie}\t"
                         f"X-CSRFToken: {person.token}\t{scores}{comment}")
    return lines, round_id


def page_lines(people: list[Person], paths: list[str], header=lambda person: "") -> list[str]:
    """GET lines, as many as there are people or paths, whichever is more, each person on their turn."""
    return [f"GET\t{paths[i % len(paths)]}\t{p.cookie}\t{header(p)}\t"
            for i, p in ((i, people[i % len(people)]) for i in range(max(len(people), len(paths))))]


def board_ticket(person: Person, workshop: int) -> str:
    """The header the board page gives its viewer for polling (see app/workshops/views.py)."""
    board = person.http.get(f"{person.base}/workshops/{workshop}").text
    ticket = re.search(r'X-Board-Ticket&#34;: &#34;([^&]+)&#34;|"X-Board-Ticket": "([^"]+)"', board)
    return f"X-Board-Ticket: {ticket.group(1) or ticket.group(2)}"


# Measuring -----------------------------------------------------------------------------------------

def wrk(port: int, lines: list[str], connections: int, seconds: int, once: bool = False) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    output = subprocess.run(
        ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(Path(__file__).parent / "replay.lua"), f"http://127.0.0.1:{port}",
         "--", f.name, "once" if once else "cycle", str(WRK_THREADS)],
        capture_output=True, text=True, check=True).stdout
    Path(f.name).unlink()
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = round(figures["requests"] / figures["seconds"], 1)
    figures["errors"] = figures.pop("socket_errors") + figures.pop("status_errors")
    return figures


def warm_up(port: int, lines: list[str], connections: int) -> list[float]:
    """Replay three times, then until two runs in a row agree within a tenth: each worker's first view of
    a page reads the round's sums and renders what it keeps, seconds on the large company, paid once per
    process and round (docs/BENCHMARKS.md, "First views"); the capacity measured after is the steady one."""
    rates = [wrk(port, lines, connections, 5)["rps"] for _run in range(3)]
    while len(rates) < 8 and not (rates[-2] > 0 and abs(rates[-1] - rates[-2]) <= rates[-2] / 10):
        rates.append(wrk(port, lines, connections, 5)["rps"])
    return rates


def drain(base: str) -> None:
    """Wait until requests wrk left behind in gunicorn's queue are answered, before the next measure."""
    requests.get(f"{base}/login", timeout=120)


def csv_import(admin: Person, engine, rows: int = 10_000) -> dict:
    """Upload 10,000 readings (preview), then confirm them: the two steps a person waits for."""
    metric = _one(engine, "SELECT name FROM metrics ORDER BY id")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["metric", "date", "value", "note"])
    start = date.today() - timedelta(days=rows + 800)  # new dates, before the generated readings
    writer.writerows([metric, (start + timedelta(days=i)).isoformat(), f"{40 + i % 17}.5", ""]
                     for i in range(rows))
    started = time.perf_counter()
    preview = admin.http.post(f"{admin.base}/metrics/import", data={"csrf_token": admin.token},
                              files={"file": ("readings.csv", buffer.getvalue().encode(), "text/csv")})
    preview_seconds = time.perf_counter() - started
    staged = re.search(r'name="staged" type="hidden" value="([^"]*)"', preview.text)
    if preview.status_code != 200 or staged is None:
        raise RuntimeError(f"the import preview failed ({preview.status_code})")
    started = time.perf_counter()
    confirm = admin.http.post(f"{admin.base}/metrics/import", allow_redirects=False, data={
        "csrf_token": admin.token, "staged": staged.group(1)})
    confirm_seconds = time.perf_counter() - started
    written = _one(engine, "SELECT count(*) FROM readings WHERE taken_on < :d",
                   d=start + timedelta(days=rows))
    return {"rows": rows, "preview_s": round(preview_seconds, 2), "confirm_s": round(confirm_seconds, 2),
            "total_s": round(preview_seconds + confirm_seconds, 2), "written": written,
            "status": confirm.status_code}


def run(size: str, database: str, seconds: int, only: list[str] | None = None) -> dict:
    pristine = servers.pristine_url(size, database)
    if not servers.exists(pristine):
        servers.create_empty(pristine)
        subprocess.run([sys.executable, "-m", "bench.generate", size, pristine], cwd=servers.ROOT, check=True)
    url = servers.working_copy(pristine)
    servers.upgrade(url)  # a company generated before the latest migration
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    base = f"http://127.0.0.1:{APP_PORT}"
    result = {"size": size, "database": database, "seconds": seconds, "workers": servers.WORKERS,
              "threads": servers.THREADS,
              "machine": f"{platform.processor() or platform.machine()}, {_cores()} cores",
              "scenarios": {}}
    latest = _one(engine, "SELECT id FROM rounds WHERE state = 'published' ORDER BY closes_on DESC LIMIT 1")
    heads = _rows(engine, "SELECT h.user_id, h.department_id, u.email FROM department_heads h "
                          "JOIN users u ON u.id = h.user_id ORDER BY h.department_id LIMIT 40")
    workshop, version = _rows(engine, "SELECT id, version FROM workshops")[0]
    participants = [e for (e,) in _rows(engine, "SELECT u.email FROM workshop_participants p "
                                                "JOIN users u ON u.id = p.user_id WHERE p.workshop_id = :w",
                                        w=workshop)]
    project_ids = [p for (p,) in _rows(engine, "SELECT id FROM projects WHERE status = 'active' ORDER BY id")]
    hello = ["GET\t/\t\t\t"]
    with servers.serve("bench.hello:app", HELLO_PORT), \
            servers.serve("bench.floor:app", FLOOR_PORT, {"DATABASE_URL": url}), \
            servers.serve("wsgi:app", APP_PORT, {"DATABASE_URL": url}) as master:
        wrk(HELLO_PORT, hello, 32, 2)
        wanted = 1000 * seconds  # more pairs than the fastest run so far could use (about 500 a second)
        lines, round_id = submissions(engine, base, wanted)
        before = _one(engine, "SELECT count(*) FROM participations WHERE round_id = :r", r=round_id)

        def facilitators(paths: list[str]) -> list[str]:
            return page_lines(sign_in(base, ["facilitator@bench.example"] * 4), paths)

        def board(version: int) -> list[str]:
            people = sign_in(base, participants)
            tickets = {person: board_ticket(person, workshop) for person in people}
            return page_lines(people, [f"/workshops/{workshop}/poll?version={version}"], tickets.get)

        # Each scenario's people sign in just before it: the app refreshes the cookie once a minute and a
        # browser keeps the new one, but a replay cannot, so an older cookie would be re-signed every time.
        scenarios = {
            # The same posts, by the same signed-in people, to the app whose answer does nothing: written
            # nowhere, so they can be replayed over and over.
            "floor": (lambda: lines, 32, False),
            "submission": (lambda: lines, 32, True),
            "scorecard": (lambda: page_lines(sign_in(base, [email for _u, _d, email in heads]),
                                             [f"/results/{latest}/departments/{d}" for _u, d, _e in heads]),
                          32, False),
            "heatmap": (lambda: facilitators([f"/results/{latest}"]), 32, False),
            "matrix": (lambda: facilitators([f"/results/{latest}/matrix"]), 32, False),
            "project": (lambda: facilitators([f"/projects/{p}" for p in project_ids[:50]]), 32, False),
            # Every project listed, each started one with its "did it move?" fitted on this view.
            "portfolio": (lambda: facilitators(["/projects"]), 32, False),
            "poll_unchanged": (lambda: board(version), 50, False),
            "poll_changed": (lambda: board(0), 50, False),
        }
        for name, (prepare, connections, once) in scenarios.items():
            if only and name not in only:
                continue
            prepared = prepare()
            port = FLOOR_PORT if name == "floor" else APP_PORT
            served = f"http://127.0.0.1:{port}"
            warm = [] if once else warm_up(port, prepared, connections)
            drain(served)
            # The reference is measured just before each scenario: the machine's speed drifts.
            reference = wrk(HELLO_PORT, hello, connections, seconds)
            figures = wrk(port, prepared, connections, seconds, once)
            drain(served)
            if name == "submission":
                accepted = _one(engine, "SELECT count(*) FROM participations WHERE round_id = :r",
                                r=round_id) - before
                # every request was a different (person, target): each must have been recorded once
                figures["accepted"] = accepted
                figures["errors"] += max(0, figures["requests"] - accepted)
                figures["prepared"] = len(lines)
            figures["connections"] = connections
            figures["warm_up"] = warm
            figures["reference"] = reference
            figures["ratio"] = round(figures["rps"] / reference["rps"], 3)
            result["scenarios"][name] = figures
            print(name, figures, flush=True)
        if not only or "csv_import" in only:
            result["csv_import"] = csv_import(sign_in(base, ["admin@bench.example"])[0], engine)
        result["peak_worker_mib"] = servers.worker_peak_memory_mib(master)
    engine.dispose()
    return result


def _cores() -> int:
    import os
    return os.cpu_count() or 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=("small", "large"), default="small")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--only", nargs="+", metavar="SCENARIO",
                        help="measure only these (submission, scorecard, …, csv_import); the results "
                             "are printed, not written")
    args = parser.parse_args()
    result = run(args.size, args.database, args.seconds, args.only)
    if args.only:
        return
    RESULTS.mkdir(exist_ok=True)
    settings = "" if (servers.WORKERS, servers.THREADS) == servers.RECOMMENDED else \
        f"-{servers.WORKERS}x{servers.THREADS}"
    path = RESULTS / f"{args.size}-{args.database}{settings}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
