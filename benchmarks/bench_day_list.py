"""How light is the day list, and does a rush of taps keep every record whole? (issue 14)

Run: ``uv run python benchmarks/bench_day_list.py`` (SQLite in a temporary file and PostgreSQL in a scratch
database that the script creates and drops; ``--backends sqlite`` narrows it down, ``--quick`` checks the script
in a minute).

The data: the demo organisation as ``bench_attendance.py`` builds it (the big huiskamer of 70 seats and three of
about 20, a year of attendance), measured on the most recent weekday. Both servers are real uvicorn processes on
this machine, the load comes from this process over HTTP.

1. **The page against a bare page.** The day list of the 70-child location, as its kinderwerker opens it, against
   ``bare_day_list.py``: a bare Litestar + Jinja2 page that reads the same children with one query and renders
   the same markup per child. One worker process each; rounds interleaved (app, bare, bare, app, ...), at
   concurrency 1 and 8. Per server: requests per second, p50/p95 of wall time, and the CPU time of the server's
   processes per request (from /proc: on a shared machine the wall time also measures the neighbours). The ratio
   is the app's throughput over the bare page's (goal: at least 0.5). Also the HTML bytes per child.
2. **A tap alone.** One phone taps the list's children one after another (the list's form, as daglijst.js sends
   it): p50/p95 and the server's CPU time per tap (goal: under 5 ms).
3. **The 16:00 rush.** Twenty phones tap for a minute through two worker processes, each its own session, each
   tap a new id: taps per second, p95, refusals and errors; then the integrity check: every tap stored once,
   every record coherent (present without an absence reason, absent without times) and equal to its latest tap.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from bench_attendance import DEMO_SEATS, build, fill, measured_day
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from huiskamer.audit.hook import AuditActor, acting_as, install_audit_hook
from huiskamer.auth import service as auth_service
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import User
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.site.templating import today

HERE = Path(__file__).resolve().parent
CODES = ("present", "present", "present", "ill", "unexcused", "family", "unknown")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- servers ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base: str

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def cpu_seconds(self) -> float:
        """User and system time of every process of the server (uvicorn's parent and its workers)."""
        utime_and_stime = (int(fields[11]) + int(fields[12]) for _pid, fields in self._processes())
        return sum(utime_and_stime) / CLOCK_TICKS

    def process_ids(self) -> list[int]:
        return [pid for pid, _fields in self._processes()]

    def _processes(self) -> list[tuple[int, list[str]]]:
        """Every process in the server's process group, with the fields of its /proc/{pid}/stat from the state on."""
        group, found = os.getpgid(self.process.pid), []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group:  # pgrp
                found.append((int(entry), fields))
        return found

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def start(name: str, command: list[str], env: dict[str, str], port: int, ready: str) -> Server:
    log = open(Path(tempfile.gettempdir()) / f"bench-day-list-{name}-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + ready, timeout=2).status_code < 500:
                return Server(name, process, base)
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    raise RuntimeError(f"{name} startte niet; zie {log.name}")


def start_app(url: str, secret: str, workers: int) -> Server:
    port = free_port()
    env = {**os.environ, "HUISKAMER_DATABASE_URL": url, "HUISKAMER_SECRET_KEY": secret, "HUISKAMER_DEV": "1",
           "HUISKAMER_BASE_URL": f"http://127.0.0.1:{port}", "HUISKAMER_RUN_WORKER": "0"}  # fmt: skip
    command = [sys.executable, "-c", "from huiskamer.cli import main; main()", "serve", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    return start("app", command, env, port, "/health")


def start_bare(url: str, location: UUID, day: date) -> Server:
    port = free_port()
    env = {**os.environ, "BARE_DATABASE_URL": url, "BARE_LOCATION": str(location), "BARE_DAY": day.isoformat()}
    command = [sys.executable, "-m", "uvicorn", "--factory", "bare_day_list:create_app", "--app-dir", str(HERE),
               "--port", str(port), "--log-level", "warning", "--no-server-header"]  # fmt: skip
    return start("bare", command, env, port, "/daglijst")


# --- load ------------------------------------------------------------------------------------------------


@dataclass
class Round:
    wall_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, other: Round) -> None:
        self.wall_ms += other.wall_ms
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    @property
    def per_second(self) -> float:
        return len(self.wall_ms) / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / max(len(self.wall_ms), 1)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.wall_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def hammer(server: Server, path: str, cookies: dict[str, str], requests: int, concurrency: int) -> Round:
    """``requests`` GETs with ``concurrency`` at a time; the server's CPU time is read around them."""
    result = Round()
    counter = iter(range(requests))
    async with httpx.AsyncClient(base_url=server.base, cookies=cookies, timeout=60) as client:

        async def phone() -> None:
            for _ in counter:
                started = time.perf_counter()
                response = await client.get(path)
                result.wall_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1

        await client.get(path)  # the connection pool and the server warm
        cpu, started = server.cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(phone() for _ in range(concurrency)))
        result.seconds, result.cpu_seconds = time.perf_counter() - started, server.cpu_seconds() - cpu
    return result


@dataclass
class Phone:
    """A kinderwerker's phone: a session, the list's CSRF token and the keys of its children."""

    client: httpx.AsyncClient
    token: str
    keys: list[str]


async def open_phone(base: str, session: str, list_path: str) -> Phone:
    client = httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: session}, timeout=60)
    page = await client.get(list_path)
    token = re.search(r'"x-csrftoken": "([^"]+)"', page.text)
    keys = re.findall(r'<li id="k-([^"]+)"', page.text)
    assert page.status_code == 200 and token and keys, (page.status_code, page.text[:300])
    return Phone(client, token.group(1), keys)


async def tap(phone: Phone, post_path: str, rnd: random.Random) -> tuple[int, float, str | None]:
    tap_id = str(uuid4())
    data = {"mark": f"{rnd.choice(phone.keys)}:{rnd.choice(CODES)}", "tap_id": tap_id,
            "tapped_at": datetime.now(UTC).isoformat()}  # fmt: skip
    started = time.perf_counter()
    response = await phone.client.post(post_path, data=data, headers={"HX-Request": "true", "x-csrftoken": phone.token})
    stored = response.status_code in (200, 204)  # 204: stored exactly as the phone shows it
    return response.status_code, (time.perf_counter() - started) * 1000, tap_id if stored else None


async def tap_alone(server: Server, session: str, list_path: str, post_path: str, taps: int) -> Round:
    phone = await open_phone(server.base, session, list_path)
    rnd = random.Random(3)
    result = Round()
    try:
        for _ in range(5):
            await tap(phone, post_path, rnd)
        cpu, started = server.cpu_seconds(), time.perf_counter()
        for _ in range(taps):
            status, wall, _tap_id = await tap(phone, post_path, rnd)
            result.wall_ms.append(wall)
            result.statuses[status] = result.statuses.get(status, 0) + 1
        result.seconds, result.cpu_seconds = time.perf_counter() - started, server.cpu_seconds() - cpu
    finally:
        await phone.client.aclose()
    return result


async def rush(server: Server, sessions: list[str], list_path: str, post_path: str, seconds: float):
    phones = [await open_phone(server.base, session, list_path) for session in sessions]
    result, stored = Round(), []
    deadline = time.monotonic() + seconds

    async def work(phone: Phone, rnd: random.Random) -> None:
        while time.monotonic() < deadline:
            status, wall, tap_id = await tap(phone, post_path, rnd)
            result.wall_ms.append(wall)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if tap_id:
                stored.append(tap_id)

    try:
        cpu, started = server.cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(work(phone, random.Random(n)) for n, phone in enumerate(phones)))
        result.seconds, result.cpu_seconds = time.perf_counter() - started, server.cpu_seconds() - cpu
    finally:
        for phone in phones:
            await phone.client.aclose()
    return result, stored


# --- the data, sessions and the integrity check ---------------------------------------------------------


async def sessions_for(url: str, settings: Settings, user_id: UUID, count: int) -> list[str]:
    engine = create_async_engine(url)
    install_sqlite_pragmas(engine.sync_engine)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            with acting_as(AuditActor(id=None, label="benchmark")):
                user = await db.get(User, user_id)
                raw = [await auth_service.start_session(db, settings, user) for _ in range(count)]
                await db.commit()
        return raw
    finally:
        await engine.dispose()


INTEGRITY = """
SELECT
  (SELECT count(*) FROM attendance_taps t JOIN placements p ON p.id = t.placement_id
    WHERE p.location_id = :location AND t.day = :day) AS taps,
  (SELECT count(*) FROM attendance a WHERE a.location_id = :location AND a.day = :day AND (
     (a.status = 'present' AND (a.absence_reason IS NOT NULL OR a.absence_note IS NOT NULL))
     OR (a.status <> 'present' AND (a.arrived_at IS NOT NULL OR a.left_at IS NOT NULL OR a.collected_by IS NOT NULL))
     OR (a.status = 'absent_excused' AND a.absence_reason IS NULL)
     OR (a.status = 'absent_unexcused' AND a.absence_reason IS NOT NULL))) AS torn
"""
LATEST = """
SELECT t.placement_id, t.change, a.status, a.absence_reason
FROM attendance_taps t
JOIN placements p ON p.id = t.placement_id
LEFT JOIN attendance a ON a.placement_id = t.placement_id AND a.day = t.day
WHERE p.location_id = :location AND t.day = :day AND t.applied
  AND NOT EXISTS (SELECT 1 FROM attendance_taps u WHERE u.placement_id = t.placement_id AND u.day = t.day
                  AND (u.tapped_at > t.tapped_at OR (u.tapped_at = t.tapped_at AND u.id > t.id)))
"""


def integrity(url: str, location: UUID, day: date) -> tuple[int, int, int]:
    """Taps stored, torn records, and records that are not their latest tap."""
    engine = create_engine(url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    sqlite = url.startswith("sqlite")
    where = {"location": location.bytes if sqlite else location, "day": day}
    try:
        with engine.connect() as connection:
            taps, torn = connection.execute(text(INTEGRITY), where).one()
            wrong = 0
            for _placement, change, status, reason in connection.execute(text(LATEST), where):
                said = change if isinstance(change, dict) else json.loads(change)
                expected = (said.get("status"), said.get("absence_reason"))
                actual = (status or "unknown", reason)
                wrong += expected != actual
        return taps, torn, wrong
    finally:
        engine.dispose()


# --- the run ---------------------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace, directory: str) -> list[str]:
    dropped = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench-day-list.sqlite'}"
    else:
        url, dropped = create_scratch_database(args.postgres, "day_list")
    lines: list[str] = []
    servers: list[Server] = []
    try:
        upgrade_database(Settings(database_url=url))
        on = measured_day(today())
        built = build(on, 1, list(DEMO_SEATS))
        count, _took, _concerns = fill(url, built)
        location, worker = UUID(int=built.big), UUID(int=built.youth_worker)
        secret = secrets.token_hex(32)
        settings = Settings(database_url=url, secret_key=secret, dev_mode=True, run_worker=False)
        sessions = asyncio.run(sessions_for(url, settings, worker, args.phones + 1))
        list_path = f"/locaties/{location}/daglijst/{on}"
        print(f"  {backend}: {count:,} aanwezigheidsregels; de daglijst van {on}", flush=True)

        app, bare = start_app(url, secret, 1), start_bare(url, location, on)
        servers += [app, bare]
        cookies = {SESSION_COOKIE: sessions[0]}
        page = httpx.get(app.base + list_path, cookies=cookies, timeout=30).text
        rows = re.findall(r'<li id="k-.*?</li>', page, re.S)
        bare_page = httpx.get(bare.base + "/daglijst", timeout=30).text
        bare_rows = bare_page.count('<li id="k-')
        assert len(rows) == bare_rows, (len(rows), bare_rows)
        per_child = len(page.encode()) / len(rows)
        per_row = sum(len(row.encode()) for row in rows) / len(rows)
        lines.append(
            f"| {backend} | bytes per kind | {len(rows)} kinderen: pagina {per_child:,.0f} B per kind "
            f"(regels {per_row:,.0f} B), kale pagina {len(bare_page.encode()) / bare_rows:,.0f} B | | | | |"
        )
        for concurrency in args.concurrency:
            totals = {"app": Round(), "bare": Round()}
            for n in range(args.rounds):
                order = (app, bare) if n % 2 == 0 else (bare, app)
                for server in order:
                    path = list_path if server is app else "/daglijst"
                    got = asyncio.run(
                        hammer(server, path, cookies if server is app else {}, args.requests, concurrency)
                    )
                    assert set(got.statuses) == {200}, got.statuses
                    totals[server.name].add(got)
            mine, theirs = totals["app"], totals["bare"]
            ratio = mine.per_second / theirs.per_second
            verdict = "ok" if ratio >= 0.5 else "TE ZWAAR"
            for name, result in (("daglijst", mine), ("kale pagina", theirs)):
                lines.append(
                    f"| {backend} | {name}, gelijktijdig {concurrency} | {result.per_second:6.1f} per s | "
                    f"{result.percentile(0.5):6.1f} | {result.percentile(0.95):6.1f} | {result.cpu_ms:5.1f} | "
                    + (f"verhouding {ratio:.2f} {verdict} |" if name == "daglijst" else " |")
                )
            print("\n".join(lines[-2:]), flush=True)

        alone = asyncio.run(tap_alone(app, sessions[1], list_path, list_path, args.taps))
        verdict = "ok" if alone.cpu_ms < 5 else "TE ZWAAR"
        lines.append(
            f"| {backend} | een tik (één telefoon) | {alone.per_second:6.1f} per s | {alone.percentile(0.5):6.1f} | "
            f"{alone.percentile(0.95):6.1f} | {alone.cpu_ms:5.1f} | cpu doel < 5 ms: {verdict}; {alone.statuses} |"
        )
        print(lines[-1], flush=True)
        for server in servers:
            server.stop()
        servers.clear()

        app = start_app(url, secret, 2)
        servers.append(app)
        result, stored = asyncio.run(rush(app, sessions[1 : args.phones + 1], list_path, list_path, args.rush))
        taps, torn, wrong = integrity(url, location, on)
        errors = sum(count for status, count in result.statuses.items() if status not in (200, 204, 409))
        alone_stored = alone.statuses.get(200, 0) + alone.statuses.get(204, 0)
        whole = taps == len(set(stored)) + alone_stored + 5 and torn == 0 and wrong == 0
        lines.append(
            f"| {backend} | spits: {args.phones} telefoons, {args.rush:.0f} s, 2 workers | "
            f"{result.per_second:6.1f} tikken per s | {result.percentile(0.5):6.1f} | {result.percentile(0.95):6.1f} | "
            f"{result.cpu_ms:5.1f} | antwoorden {dict(sorted(result.statuses.items()))}, fouten {errors}; "
            f"opgeslagen {taps} tikken, gescheurd {torn}, niet de laatste tik {wrong}: "
            f"{'heel' if whole else 'NIET HEEL'} |"
        )
        print(lines[-1], flush=True)
        return lines
    finally:
        for server in servers:
            server.stop()
        if dropped:
            drop_scratch_database(args.postgres, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=6, help="interleaved rounds per concurrency")
    parser.add_argument("--requests", type=int, default=100, help="requests per round")
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--taps", type=int, default=300, help="taps of the phone alone")
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--rush", type=float, default=60.0, help="seconds of the rush")
    parser.add_argument("--quick", action="store_true", help="a short run, to check the script")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUISKAMER_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.requests, args.taps, args.rush = 2, 20, 30, 5.0
    install_audit_hook()
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="huiskamer-bench-day-list-") as directory:
        for backend in args.backends:
            lines += run_backend(backend, args, directory)
    print(f"\nbelasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")
    print("| database | meting | doorvoer | p50 (ms) | p95 (ms) | cpu per verzoek (ms) | |")
    print("|---|---|---:|---:|---:|---:|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
