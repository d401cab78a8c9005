"""How long the projects portfolio takes for a facilitator, who sees every project, with 10 to 500 projects,
and how much of it is the "did it move?" model fits (movement.against_history, one per started project).

    .venv/bin/python -m bench.portfolio [--projects 10 100 300 500] [--readings daily-steady …] [--profile]

Each company is built by bench/generate.py on a new SQLite file in a temporary folder: the large company's
200 departments and metrics with two years of readings, but 2,000 people and one published round (the
portfolio shows neither), and that many projects, four in five started with a target. The readings are
the large company's (daily, wandering: every fit stops early at "can't tell", as the history explains none
of them), or steady, daily or weekly (every fit forecasts, and draws its band for each reading since: the
dearest path). The page is fetched through a Flask test client in this process (no web server): once,
which fits the projects of its first page and compiles the templates (its CPU time is printed as the
first view), then several times, as a process that has kept the verdicts serves it. The medians are
printed: wall time, and CPU time of this process (what a worker spends, however busy the machine), with
the CPU time spent in against_history.
"""
import argparse
import cProfile
import pstats
import re
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from app.extensions import db
from app.projects import services
from bench.generate import PASSWORD, SIZES, Size, generate
from bench.servers import BASE_URL, make_app

FETCHES = 7
PORTFOLIO = "/projects"


# How the metrics' readings go: the large company's, and two where every fit forecasts.
READINGS = {"daily-wandering": {}, "daily-steady": {"steady_readings": True},
            "weekly-steady": {"steady_readings": True, "reading_every": 7}}


def company(projects: int, readings: str) -> Size:
    return Size(departments=SIZES["large"].departments, people=2_000, published_rounds=1,
                providers=SIZES["large"].providers, projects=projects, **READINGS[readings])


class Fits:
    """Wraps against_history where the portfolio calls it, adding up its calls and CPU seconds."""

    def __init__(self):
        self.fit = services.against_history
        self.calls, self.seconds = 0, 0.0
        services.against_history = self

    def __call__(self, *args, **kwargs):
        started = time.process_time()
        try:
            return self.fit(*args, **kwargs)
        finally:
            self.seconds += time.process_time() - started
            self.calls += 1

    def restore(self) -> None:
        services.against_history = self.fit


def measure(projects: int, readings: str, profile: bool) -> None:
    app = make_app(f"sqlite:///{tempfile.mkdtemp()}/portfolio.sqlite")
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
        built = generate(company(projects, readings))
        db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "bench"
    page = client.get("/login", base_url=BASE_URL).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", base_url=BASE_URL, data={
        "email": "facilitator@bench.example", "password": PASSWORD, "csrf_token": token})
    first = time.process_time()
    response = client.get(PORTFOLIO, base_url=BASE_URL)  # fits the listed projects; compiles the templates
    first = (time.process_time() - first) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{PORTFOLIO} answered {response.status_code}")
    walls, cpus, fits = [], [], []
    for _ in range(FETCHES):
        timer = Fits()
        started, cpu = time.perf_counter(), time.process_time()
        client.get(PORTFOLIO, base_url=BASE_URL)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        timer.restore()
        fits.append(timer.seconds)
    wall, cpu, fit = (statistics.median(s) * 1000 for s in (walls, cpus, fits))
    print(f"{projects} projects, {readings} readings, {timer.calls} fits "
          f"(company built in {built['seconds']} s): "
          f"page {len(response.get_data()):,} bytes, first view {first:.0f} ms CPU, then {wall:.0f} ms "
          f"({cpu:.0f} ms CPU); "
          f"fits {fit:.0f} ms CPU ({fit / cpu:.0%}, {fit / max(timer.calls, 1):.2f} ms a fit)", flush=True)
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(client.get, PORTFOLIO, base_url=BASE_URL)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, nargs="+", default=[10, 100, 300, 500])
    parser.add_argument("--readings", nargs="+", choices=READINGS, default=list(READINGS))
    parser.add_argument("--profile", action="store_true", help="profile one more view of the most projects")
    args = parser.parse_args()
    for readings in args.readings:
        for n in args.projects:
            measure(n, readings, args.profile and n == max(args.projects))


if __name__ == "__main__":
    main()
