"""Prints the benchmark results (bench/results/*.json) as Markdown tables, one a run (docs/BENCHMARKS.md).

    .venv/bin/python -m bench.report
"""
import json
from pathlib import Path

from bench.run import RESULTS

# The busiest real load of a 20,000-person company, a second (docs/BENCHMARKS.md, "The capacity today"):
# every path must serve at least MARGIN times it.
REAL_PEAK = {"submission": 7, "scorecard": 5, "heatmap": 5, "matrix": 5, "project": 5, "portfolio": 5,
             "poll_unchanged": 25}
MARGIN = 20
NAMES = {"floor": "the app's floor: the same posts, a view that only redirects",
         "submission": "rating submission (9 dimensions)", "scorecard": "department scorecard",
         "heatmap": "company heatmap", "matrix": "service matrix", "project": "project page",
         "portfolio": "projects portfolio (a \"did it move?\" per project)",
         "poll_unchanged": "board poll, nothing changed", "poll_changed": "board poll, something changed"}


def _times_the_peak(name: str, figures: dict, size: str) -> str:
    if size != "large" or name not in REAL_PEAK:
        return ""
    times = figures["rps"] / REAL_PEAK[name]
    met = times >= MARGIN and figures["errors"] == 0
    return f"{times:.0f} × ({'met' if met else 'missed'})"


def table(result: dict) -> list[str]:
    size, database = result["size"], result["database"]
    threads = result["threads"]
    settings = f" — {result['workers']} workers × {threads} threads" if threads > 1 else ""
    lines = [f"### {size}, {database}{settings}", "",
             f"{result['machine']}; gunicorn {result['workers']} workers × {result['threads']} threads; "
             f"wrk 2 threads, "
             f"{result['seconds']} s per measure.", "",
             "| scenario | clients | req/s | p50 ms | p95 ms | errors | hello world req/s | ratio "
             "| times the real peak |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, f in result["scenarios"].items():
        lines.append(f"| {NAMES[name]} | {f['connections']} | {f['rps']:.0f} | {f['p50_ms']:.0f} | "
                     f"{f['p95_ms']:.0f} | {f['errors']} | {f['reference']['rps']:.0f} | {f['ratio']:.1%} | "
                     f"{_times_the_peak(name, f, size)} |")
    csv = result["csv_import"]
    lines += ["", f"CSV import of {csv['rows']:,} readings: preview {csv['preview_s']} s + confirm "
                  f"{csv['confirm_s']} s = **{csv['total_s']} s** ({csv['written']:,} written). "
                  f"Peak memory of a worker: **{result['peak_worker_mib']} MiB**.", ""]
    return lines


def main() -> None:
    order = {"small": 0, "large": 1, "sqlite": 0, "postgresql": 1}
    results = [json.loads(p.read_text()) for p in Path(RESULTS).glob("*.json")]
    for result in sorted(results, key=lambda r: (r["threads"], order[r["size"]], order[r["database"]])):
        print("\n".join(table(result)))


if __name__ == "__main__":
    main()
