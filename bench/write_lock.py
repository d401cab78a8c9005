"""Page views while another process holds SQLite's write lock; see docs/BENCHMARKS.md.

    BENCH_WORKERS=5 BENCH_THREADS=4 .venv/bin/python -m bench.write_lock --size large [--hold 20]

On a fresh copy of the generated company, served as bench.run serves it: 32 clients keep posting rating
answers (a refused one is sent again) while 4 signed-in facilitators keep opening project pages, one after
the other; meanwhile a separate process takes SQLite's write lock (BEGIN IMMEDIATE) and holds it for --hold
seconds. Prints the page views' latency before and during the hold, and how the posts were answered.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

import requests
import sqlalchemy as sa

from bench import servers
from bench.run import APP_PORT, USER_AGENT, _rows, sign_in, submissions

POSTERS, VIEWERS = 32, 4
HOLDER = """import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
connection.rollback()
"""


def figures(latencies: list[float]) -> dict:
    if not latencies:
        return {"views": 0}
    ordered = sorted(latencies)
    return {"views": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000),
            "p95_ms": round(ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000),
            "max_ms": round(ordered[-1] * 1000)}


def run(size: str, hold: float) -> dict:
    url = servers.working_copy(servers.pristine_url(size, "sqlite"))
    servers.upgrade(url)
    engine = sa.create_engine(url)
    base = f"http://127.0.0.1:{APP_PORT}"
    project_ids = [p for (p,) in _rows(engine, "SELECT id FROM projects WHERE status = 'active' ORDER BY id")]
    with servers.serve("wsgi:app", APP_PORT, {"DATABASE_URL": url}):
        lines, _round_id = submissions(engine, base, 5_000)
        viewers = sign_in(base, ["facilitator@bench.example"] * VIEWERS)
        stop, lock = threading.Event(), threading.Lock()
        views: list[tuple[float, float]] = []  # (started, seconds)
        posts: list[tuple[float, float, int]] = []  # (started, seconds, status)

        def view(n: int) -> None:
            http = viewers[n].http
            i = n
            while not stop.is_set():
                started = time.monotonic()
                path = f"/projects/{project_ids[i % len(project_ids)]}"
                status = http.get(base + path, timeout=120).status_code
                with lock:
                    views.append((started, time.monotonic() - started))
                assert status == 200, status
                i += VIEWERS

        def post(n: int) -> None:
            http = requests.Session()
            for line in lines[n::POSTERS]:
                _method, path, cookie, header, body = line.split("\t")
                name, token = header.split(": ")
                status = None
                while status != 303:  # a refused answer is sent again, as its person would
                    if stop.is_set():
                        return
                    started = time.monotonic()
                    status = http.post(base + path, data=body, allow_redirects=False, timeout=120, headers={
                        "Cookie": cookie, name: token, "User-Agent": USER_AGENT,
                        "Content-Type": "application/x-www-form-urlencoded"}).status_code
                    with lock:
                        posts.append((started, time.monotonic() - started, status))

        clients = [threading.Thread(target=view, args=(n,)) for n in range(VIEWERS)]
        clients += [threading.Thread(target=post, args=(n,)) for n in range(POSTERS)]
        for client in clients:
            client.start()
        time.sleep(2)  # every worker has compiled its templates
        settled = time.monotonic()
        time.sleep(5)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, url.removeprefix("sqlite:///"), str(hold)],
                                  stdout=subprocess.PIPE, text=True)
        holder.stdout.readline()
        held_from = time.monotonic()
        holder.wait()
        held_until = time.monotonic()
        time.sleep(5)
        stop.set()
        for client in clients:
            client.join()
    engine.dispose()

    def during(started: float, seconds: float) -> bool:  # waiting, at some moment, while the lock was held
        return started < held_until and started + seconds > held_from

    return {"workers": servers.WORKERS, "threads": servers.THREADS, "hold_s": hold,
            "before": figures([s for started, s in views if settled <= started and started + s < held_from]),
            "during": figures([s for started, s in views if during(started, s)]),
            "posts_during": dict(Counter(status for started, s, status in posts if during(started, s))),
            "post_max_ms_during": round(max((s for started, s, _ in posts if during(started, s)),
                                            default=0) * 1000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=("small", "large"), default="large")
    parser.add_argument("--hold", type=float, default=20)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.size, arguments.hold)))


if __name__ == "__main__":
    main()
