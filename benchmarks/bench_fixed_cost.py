"""What does every request cost before a page does its own work? (issue 15: under 3 ms of CPU)

Run: ``uv run python benchmarks/bench_fixed_cost.py`` (SQLite in a temporary file and PostgreSQL in a scratch
database; ``--backends sqlite`` narrows it down, ``--requests`` sets how many per round).

The app (``huiskamer serve``, one worker, the demo organisation) answers, one request after another over one
kept-alive connection:

- ``/health``: middleware and a database session with ``SELECT 1``, no browser session;
- ``/over`` with a logged-in coordinator's session cookie: the session looked up (session, user and the user's
  location ids in one query), the CSRF cookie, the database session, and a small page with the menu;
- ``/api/v1/me`` with an API token: the token looked up, the same for JSON.

Beside it, a bare Litestar app on uvicorn answers ``/ok`` with a word: the floor of HTTP, the ASGI server and the
framework on this machine. Rounds are interleaved (app, bare, bare, app, ...) on a machine others share; per
request: the CPU time of the server's processes (from /proc; the wall time also measures the neighbours) and the
client's wall time, p50.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_credentials import credentials
from bench_day_list import Server, free_port, start, start_app
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import create_engine, select

from huiskamer.auth.models import User
from huiskamer.cli import _run_in_session, upgrade_database
from huiskamer.config import Settings
from huiskamer.demo import load_demo

BARE = """
import uvicorn
from litestar import Litestar, get

@get("/ok", sync_to_thread=False)
def ok() -> str:
    return "ok"

uvicorn.run(Litestar([ok]), port={port}, log_level="warning", server_header=False)
"""
COORDINATOR = "f.elamrani@deschoor.example"
TARGET_MS = 3.0


def start_bare() -> Server:
    port = free_port()
    return start("bare-ok", [sys.executable, "-c", BARE.replace("{port}", str(port))], dict(os.environ), port, "/ok")


def prepare(url: str, secret: str) -> tuple[str, str]:
    """The demo organisation in the database; an API token and a session of one of its coordinators."""
    settings = Settings(database_url=url, secret_key=secret, run_worker=False)
    upgrade_database(settings)
    assert _run_in_session(settings, load_demo) is not None, "the database was not empty"
    engine = create_engine(url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    try:
        with engine.connect() as connection:
            user_id = connection.execute(select(User.id).where(User.email == COORDINATOR)).scalar_one()
    finally:
        engine.dispose()
    return asyncio.run(credentials(url, settings, user_id))


def measure(server: Server, path: str, count: int, **headers: str) -> tuple[float, float]:
    """CPU of the server per request and the client's p50, both in milliseconds."""
    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as client:
        for _ in range(20):  # warm: the connection, the statement caches
            assert client.get(path).status_code == 200
        walls = []
        cpu = server.cpu_seconds()
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(path)
            walls.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        cpu = server.cpu_seconds() - cpu
    return cpu / count * 1000, statistics.median(walls) * 1000


def run_one(backend: str, args: argparse.Namespace, directory: str) -> list[tuple[str, str, float, float]]:
    dropped = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(directory) / 'fixed-cost.sqlite'}"
    else:
        url, dropped = create_scratch_database(args.postgres, "fixed_cost")
    secret = secrets.token_hex(32)
    try:
        token, session = prepare(url, secret)
        app, bare = start_app(url, secret, 1), start_bare()
        try:
            probes = {
                "/health": ("/health", {}),
                "/over (sessie)": ("/over", {"cookie": f"hk_session={session}"}),
                "/api/v1/me (token)": ("/api/v1/me", {"authorization": f"Bearer {token}"}),
            }
            found: dict[str, list[tuple[float, float]]] = {name: [] for name in [*probes, "kaal /ok"]}
            for round_number in range(args.rounds):
                order = ["app", "bare"] if round_number % 2 == 0 else ["bare", "app"]
                for side in order:
                    if side == "bare":
                        found["kaal /ok"].append(measure(bare, "/ok", args.requests))
                    else:
                        for name, (path, headers) in probes.items():
                            found[name].append(measure(app, path, args.requests, **headers))
        finally:
            app.stop()
            bare.stop()
    finally:
        if dropped:
            drop_scratch_database(args.postgres, dropped)
    return [
        (backend, name, statistics.median(c for c, _ in results), statistics.median(w for _, w in results))
        for name, results in found.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for backend in args.backends:
            print(f"{backend}: demo laden en meten ({args.rounds} rondes van {args.requests})", flush=True)
            rows += run_one(backend, args, directory)
    print(f"\nbelasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")
    print("| database | verzoek | server-cpu per verzoek (ms) | p50 wandklok (ms) | doel |")
    print("|---|---|---:|---:|---|")
    for backend, name, cpu, wall in rows:
        verdict = "" if name.startswith("kaal") else ("ok" if cpu < TARGET_MS else "te duur")
        print(f"| {backend} | {name} | {cpu:.2f} | {wall:.2f} | {verdict} |")


if __name__ == "__main__":
    main()
