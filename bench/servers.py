"""Databases and gunicorn servers for the benchmarks: the app and the hello-world reference alike."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SECRET_KEY = "bench-secret-key-not-for-production"
BASE_URL = "http://127.0.0.1"  # the servers answer on 127.0.0.1 only
# The settings docs/DEPLOYMENT.md recommends: 2 × cores + 1 workers of 4 threads (BENCH_THREADS=1: sync).
RECOMMENDED = (2 * (os.cpu_count() or 1) + 1, 4)
WORKERS = int(os.environ.get("BENCH_WORKERS", RECOMMENDED[0]))
THREADS = int(os.environ.get("BENCH_THREADS", RECOMMENDED[1]))
GUNICORN = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(WORKERS),
            "--worker-class", "gthread" if THREADS > 1 else "sync", "--threads", str(THREADS),
            "--backlog", "2048", "--log-level", "warning",
            "--no-control-socket"]  # the app and the reference run side by side: one socket path each is none


def make_app(url: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "BASE_URL": BASE_URL})


def pristine_url(size: str, kind: str) -> str:
    """Where the generated company of a size is kept, untouched by the runs."""
    if kind == "sqlite":
        DATA.mkdir(exist_ok=True)
        return f"sqlite:///{DATA / f'{size}.sqlite'}"
    return f"{POSTGRES}/tz_bench_{size}"


def exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).exists()
    with _admin() as connection:
        return bool(connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                       {"n": url.rsplit("/", 1)[1]}).scalar())


@contextmanager
def _admin():
    engine = sa.create_engine(f"{POSTGRES.replace('postgresql://', 'postgresql+psycopg://')}/postgres",
                              isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def create_empty(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    with _admin() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')


def working_copy(pristine: str) -> str:
    """A copy of the generated company for one run, since submissions change it."""
    if pristine.startswith("sqlite:///"):
        source = Path(pristine.removeprefix("sqlite:///"))
        target = source.with_name(source.stem + "-run.sqlite")
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"
    name = pristine.rsplit("/", 1)[1]
    with _admin() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}_run" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}_run" TEMPLATE "{name}"')
    return f"{POSTGRES}/{name}_run"


def upgrade(url: str) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "BASE_URL": BASE_URL},
                   check=True,
                   capture_output=True)


def _wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn on port {port} did not start")


@contextmanager
def serve(target: str, port: int, env: dict | None = None):
    """gunicorn with the recommended settings serving `target` (module:app); yields the master process."""
    environment = {**os.environ, "TZ_ENV": "production", "SECRET_KEY": SECRET_KEY, "BASE_URL": BASE_URL,
                   "WEB_CONCURRENCY": str(WORKERS), "PYTHONPATH": str(ROOT), **(env or {})}
    process = subprocess.Popen([*GUNICORN, "--bind", f"127.0.0.1:{port}", target], cwd=ROOT,
                               env=environment, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    try:
        _wait_for(port, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def worker_peak_memory_mib(master: subprocess.Popen) -> float:
    """The largest peak resident memory (VmHWM) among the master's workers."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1)
