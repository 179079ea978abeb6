"""Do the phones stay quick while coordinators browse, and does every record stay whole? (issue 15)

Run: ``uv run python benchmarks/bench_load.py`` (SQLite in a temporary file and PostgreSQL in a scratch database
that the script creates and drops; about five minutes per database). ``--backends sqlite`` narrows it down,
``--quick`` checks the script in about a minute per database; ``--phones``, ``--coordinators``, ``--seconds`` and
``--rounds`` change the load.

The data: the app's own demo organisation (``huiskamer demo``: four huiskamers, an inbox, a waitlist of about 230
children, about 180 placed with a year of attendance, progress and concerns), so that every page a coordinator
opens has what it has in real life. The server is ``huiskamer serve --workers 2``, a real process on this machine
(its background worker on, as in production); the load comes from this process over HTTP, each phone and each
coordinator on a connection of its own, spread evenly over the two workers (``spread_over_workers``).

- **Phones**: ``--phones`` kinderwerkers of the big huiskamer, each its own session, tap its day list of the most
  recent weekday as ``static/js/daglijst.js`` posts a tap (a new tap id each time), each about a second after
  its previous one was answered (``--tap-pause``, 0.5 to 1.5 s): a kinderwerker going down the list at 16:00,
  fast. Twenty such phones send 15 to 20 taps a second, more than a whole organisation does at its busiest.
  ``--tap-pause 0`` taps back to back, a saturation test (``bench_day_list.py``'s rush measures that).
- **Coordinators**: ``--coordinators`` sessions of the demo's two coordinators (one of the big huiskamer, one of
  the three small ones), each going through its pages in random order with 0.5 to 1 s to read each: the inbox
  (``/aanmeldingen``), a waitlist of theirs, the reports (``/rapportage``: this year, the default, and the whole of
  last year, a closed year) and the page of a child placed with them (``/kinderen/{id}``).

Per database, after a short warm-up that is not counted, ``--rounds`` rounds of two phases of ``--seconds`` each:
phones alone and phones with coordinators (mixed), in the order alone, mixed, mixed, alone, ... so that a drift
(a busier neighbour, the day's taps piling up) weighs on both alike. Printed: per phase and page type the number of
requests, p50/p95/p99 of the wall time seen by the client and the answers by status (``409 druk``: refused as
busy); per phase the server's CPU time per request (its process tree, from /proc), the client's (this process: it
shares the machine's cores) and the load average before and after each phase; then the targets and the check of
the data: one attendance record per child and day, every record coherent (present without an absence reason,
absent without times, excused with a reason, left after arrived, the placement's location and referral) and equal
to its latest tap, every acknowledged tap stored once.

Targets (issue 15), with 20 phones and 10 coordinators on a 2-core machine, on both databases: in the mixed phase
the tap's p95 under 150 ms, the inbox's and the waitlist's under 300 ms, the reports' under 500 ms; no 5xx and no
409 busy in any phase; the tap's p95 in the mixed phase at most 1.3 times its p95 with the phones alone.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from bench_attendance import measured_day
from bench_day_list import CODES, Phone, Round, Server, free_port, integrity, open_phone, sessions_for, start
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import create_engine, select, text

from huiskamer.attendance.models import AttendanceTap
from huiskamer.audit.hook import install_audit_hook
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import User, UserLocation
from huiskamer.cli import _run_in_session, upgrade_database
from huiskamer.config import Settings
from huiskamer.demo import LOCATIONS, PEOPLE, load_demo
from huiskamer.locations.models import Location
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import today

TAP = "tik"
PAGES = ("aanmeldingen", "wachtlijst", "rapportage dit jaar", "rapportage vorig jaar", "kind")
TARGETS = {TAP: 150.0, "aanmeldingen": 300.0, "wachtlijst": 300.0, "rapportage dit jaar": 500.0,
           "rapportage vorig jaar": 500.0}  # fmt: skip
RATIO = 1.3
THINK = (0.5, 1.0)
BUSY = "erg druk"  # in errors.BUSY, the message of a 409 refused because the database was busy
NO_ANSWER = 0  # the status recorded when the client got no answer (time-out, connection refused)
ALONE, MIXED = "alleen telefoons", "gemengd"


# --- the demo organisation and who works in it ------------------------------------------------------------


@dataclass
class Cast:
    big: UUID
    day: date
    youth_workers: list[UUID]
    coordinators: list[tuple[UUID, list[UUID]]]  # the user and their locations
    placed: dict[UUID, list[UUID]]  # location: the referrals of the children placed there now


def load_organisation(url: str) -> None:
    settings = Settings(database_url=url)
    upgrade_database(settings)
    assert _run_in_session(settings, load_demo) is not None, "the database was not empty"


def _sync(url: str) -> str:
    return url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def find_cast(url: str, day: date) -> Cast:
    """The big huiskamer, its kinderwerkers, the coordinators with their locations and the children placed."""
    emails = {role: [email for r, _name, email, *_ in PEOPLE if r == role] for role in ("youth_worker", "coordinator")}
    users, links, places = User.__table__, UserLocation.__table__, Location.__table__
    placements, referrals = Placement.__table__, Referral.__table__
    engine = create_engine(_sync(url))
    try:
        with engine.connect() as db:
            big = db.execute(select(places.c.id).where(places.c.name == LOCATIONS[0].name)).scalar_one()
            scope: dict[str, list[UUID]] = {}
            for email, user_id, location_id in db.execute(
                select(users.c.email, users.c.id, links.c.location_id).join(links, links.c.user_id == users.c.id)
            ):
                scope.setdefault(email, [user_id]).append(location_id)
            placed: dict[UUID, list[UUID]] = {}
            for location_id, referral_id in db.execute(
                select(placements.c.location_id, placements.c.referral_id)
                .join(referrals, referrals.c.id == placements.c.referral_id)
                .where(referrals.c.status == "placed", placements.c.end_date.is_(None))
            ):
                placed.setdefault(location_id, []).append(referral_id)
    finally:
        engine.dispose()
    workers = [scope[email][0] for email in emails["youth_worker"] if big in scope[email][1:]]
    coordinators = [(scope[email][0], scope[email][1:]) for email in emails["coordinator"]]
    return Cast(big, day, workers, coordinators, placed)


def make_sessions(url: str, settings: Settings, cast: Cast, args: argparse.Namespace) -> dict[str, list[str]]:
    """A session per phone and per coordinator, spread over the kinderwerkers and the coordinators."""
    users = {
        "phones": [cast.youth_workers[n % len(cast.youth_workers)] for n in range(args.phones)],
        "coordinators": [cast.coordinators[n % len(cast.coordinators)][0] for n in range(args.coordinators)],
    }
    return {who: [asyncio.run(sessions_for(url, settings, user, 1))[0] for user in users[who]] for who in users}


WORKERS = 2


def start_server(url: str, secret: str) -> Server:
    """``huiskamer serve --workers 2``, the command as people run it."""
    port = free_port()
    env = {**os.environ, "HUISKAMER_DATABASE_URL": url, "HUISKAMER_SECRET_KEY": secret, "HUISKAMER_DEV": "1",
           "HUISKAMER_BASE_URL": f"http://127.0.0.1:{port}"}  # fmt: skip
    command = [str(Path(sys.executable).with_name("huiskamer")), "serve", "--port", str(port),
               "--workers", str(WORKERS)]  # fmt: skip
    server = start("load", command, env, port, "/health")
    until_every_worker_serves(server)
    return server


def until_every_worker_serves(server: Server, timeout: float = 90) -> None:
    """The first worker answers /health before the second has started; the phones, which connect right after and
    keep their connections open, then all landed in the first one (1,316 taps against 58), and the benchmark
    measured one worker. So it starts once every worker says it has started (uvicorn: one line each)."""
    deadline = time.monotonic() + timeout
    while server_log(server).read_text(errors="replace").count("Application startup complete") < WORKERS:
        if time.monotonic() > deadline:
            raise RuntimeError(f"niet alle workers startten; zie {server_log(server)}")
        time.sleep(0.2)


def server_log(server: Server) -> Path:
    """Where ``bench_day_list.start`` writes the server's output."""
    return Path(tempfile.gettempdir()) / f"bench-day-list-load-{server.port}.log"


# --- the load --------------------------------------------------------------------------------------------


@dataclass
class Tally(Round):
    busy: int = 0  # 409s refused as busy, also counted under 409
    failures: dict[str, int] = field(default_factory=dict)  # no answer, by what went wrong (also under status 0)

    def add(self, other: Round) -> None:
        super().add(other)
        self.busy += getattr(other, "busy", 0)
        for failure, count in getattr(other, "failures", {}).items():
            self.failures[failure] = self.failures.get(failure, 0) + count

    def record(self, status: int, wall_ms: float, busy: bool = False, failure: str | None = None) -> None:
        self.wall_ms.append(wall_ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.busy += busy
        if failure is not None:
            self.failures[failure] = self.failures.get(failure, 0) + 1

    def answers(self) -> str:
        said = [f"{status or 'geen antwoord'}: {count}" for status, count in sorted(self.statuses.items())]
        failed = [f"{failure}: {count}" for failure, count in sorted(self.failures.items())]
        return ", ".join(said + ([f"409 druk: {self.busy}"] if self.busy else []) + failed)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500 or status == NO_ANSWER)


@dataclass
class Phase:
    tallies: dict[str, Tally] = field(default_factory=dict)
    seconds: float = 0.0  # from the start until the last answer came in
    window: float = 0.0  # the time in which requests were sent (the last pages may finish later)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    loads: list[tuple[float, float]] = field(default_factory=list)  # 1-minute load average before and after
    acknowledged: list[UUID] = field(default_factory=list)  # taps answered 200 or 204
    p95s: list[float] = field(default_factory=list)  # the tap's p95 of each phase, to see the noise

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    def add(self, other: Phase) -> None:
        for kind, tally in other.tallies.items():
            self.tally(kind).add(tally)
        self.seconds += other.seconds
        self.window += other.window
        self.server_cpu += other.server_cpu
        self.client_cpu += other.client_cpu
        self.loads += other.loads
        self.acknowledged += other.acknowledged
        self.p95s += [other.tally(TAP).percentile(0.95)]

    @property
    def requests(self) -> int:
        return sum(len(tally.wall_ms) for tally in self.tallies.values())


@dataclass
class Coordinator:
    client: httpx.AsyncClient
    locations: list[UUID]
    children: list[UUID]
    pages: tuple[str, ...]  # what this coordinator opens in turn (``--pages``)

    def path(self, kind: str, rnd: random.Random) -> str:
        last_year = today().year - 1
        return {
            "aanmeldingen": "/aanmeldingen",
            "wachtlijst": f"/locaties/{rnd.choice(self.locations)}/wachtlijst",
            "rapportage dit jaar": "/rapportage",
            "rapportage vorig jaar": f"/rapportage?van={last_year}-01-01&tot={last_year}-12-31",
            "kind": f"/kinderen/{rnd.choice(self.children)}",
        }[kind]


async def open_coordinator(
    base: str, session: str, locations: list[UUID], cast: Cast, pages: tuple[str, ...]
) -> Coordinator:
    client = httpx.AsyncClient(base_url=base, cookies={SESSION_COOKIE: session}, timeout=60)
    children = [referral for location in locations for referral in cast.placed.get(location, [])]
    coordinator = Coordinator(client, locations, children, pages)
    for kind in PAGES:  # every page once: it answers, and the server has it warm
        response = await client.get(coordinator.path(kind, random.Random(0)))
        assert response.status_code == 200, (kind, response.status_code, response.text[:300])
    return coordinator


async def send_tap(phone: Phone, path: str, rnd: random.Random) -> tuple[int, float, bool | str, UUID]:
    """One tap as daglijst.js sends it (as ``bench_day_list.tap``, with the answer's words for a 409); without an
    answer, what went wrong (the exception's name, to tell a time-out from a closed connection) instead of busy."""
    tap_id = uuid4()
    data = {"mark": f"{rnd.choice(phone.keys)}:{rnd.choice(CODES)}", "tap_id": str(tap_id),
            "tapped_at": datetime.now(UTC).isoformat()}  # fmt: skip
    headers = {"HX-Request": "true", "x-csrftoken": phone.token}
    started = time.perf_counter()
    try:
        response = await phone.client.post(path, data=data, headers=headers)
    except httpx.HTTPError as error:
        return NO_ANSWER, (time.perf_counter() - started) * 1000, type(error).__name__, tap_id
    wall = (time.perf_counter() - started) * 1000
    return response.status_code, wall, response.status_code == 409 and BUSY in response.text, tap_id


async def tapping(phone: Phone, path: str, deadline: float, phase: Phase, rnd: random.Random, pause: float) -> None:
    # The phones do not all tap in the same millisecond at a phase's start: twenty taps at once queued for the write
    # lock and made most of the taps' p99 (and a good part of their p95) in both phases.
    await asyncio.sleep(pause * rnd.uniform(0, 1))
    while time.monotonic() < deadline:
        status, wall, busy, tap_id = await send_tap(phone, path, rnd)
        failure = busy if isinstance(busy, str) else None
        phase.tally(TAP).record(status, wall, busy is True, failure)
        if status in (200, 204):
            phase.acknowledged.append(tap_id)
        if pause:
            await asyncio.sleep(pause * rnd.uniform(0.5, 1.5))


async def browsing(coordinator: Coordinator, deadline: float, phase: Phase, rnd: random.Random) -> None:
    await asyncio.sleep(rnd.uniform(*THINK))  # the coordinators do not all start at the same moment
    while True:
        for kind in rnd.sample(coordinator.pages, len(coordinator.pages)):
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            failure = None
            try:
                status = (await coordinator.client.get(coordinator.path(kind, rnd))).status_code
            except httpx.HTTPError as error:
                status, failure = NO_ANSWER, type(error).__name__
            phase.tally(kind).record(status, (time.perf_counter() - started) * 1000, failure=failure)
            await asyncio.sleep(rnd.uniform(*THINK))


async def run_phase(
    server: Server, phones: list[Phone], coordinators: list[Coordinator], path: str, seconds: float, pause: float
) -> Phase:
    phase, rnd = Phase(window=seconds), random.Random()
    load, cpu, client_cpu = os.getloadavg()[0], server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(tapping(phone, path, deadline, phase, random.Random(rnd.random()), pause) for phone in phones),
        *(browsing(coordinator, deadline, phase, random.Random(rnd.random())) for coordinator in coordinators),
    )
    phase.seconds = time.perf_counter() - started
    phase.server_cpu, phase.client_cpu = server.cpu_seconds() - cpu, time.process_time() - client_cpu
    phase.loads.append((load, os.getloadavg()[0]))
    return phase


async def run_load(server: Server, cast: Cast, sessions: dict[str, list[str]], args: argparse.Namespace):
    """The warm-up, then the rounds; answers the two phases summed over the rounds, and every acknowledged tap."""
    path = f"/locaties/{cast.big}/daglijst/{cast.day}"
    phones = [await open_phone(server.base, session, path) for session in sessions["phones"]]
    coordinators = await asyncio.gather(
        *(
            open_coordinator(
                server.base, session, cast.coordinators[n % len(cast.coordinators)][1], cast, tuple(args.pages)
            )
            for n, session in enumerate(sessions["coordinators"])
        )
    )
    print(f"    de daglijst van {cast.day}: {len(phones[0].keys)} kinderen", flush=True)
    spread = [await spread_over_workers(server, group) for group in (phones, coordinators)]
    print(f"    over de workers: telefoons {spread[0]}, coördinatoren {spread[1]}", flush=True)
    totals = {ALONE: Phase(), MIXED: Phase()}
    try:
        warm = await run_phase(server, phones, coordinators, path, args.warm_up, args.tap_pause)
        print(f"    opwarmen {warm.seconds:.0f} s (niet geteld): " + _answers_line(warm), flush=True)
        acknowledged = list(warm.acknowledged)
        for n in range(args.rounds):
            order = (ALONE, MIXED) if n % 2 == 0 else (MIXED, ALONE)
            for name in order:
                await asyncio.sleep(2)  # what the last phase left queued drains first
                busy, spread = [], ""
                if name == MIXED:  # idle for a phase, their connections were closed (uvicorn keeps them 5 s)
                    busy = coordinators
                    spread = f" (coördinatoren {await spread_over_workers(server, coordinators)})"
                phase = await run_phase(server, phones, busy, path, args.seconds, args.tap_pause)
                totals[name].add(phase)
                acknowledged += phase.acknowledged
                taps = phase.tally(TAP)
                print(
                    f"    ronde {n + 1}, {name}{spread}: {len(taps.wall_ms)} tikken, "
                    f"p95 {taps.percentile(0.95):.1f} ms; {phase.requests - len(taps.wall_ms)} pagina's; "
                    f"load {phase.loads[0][0]:.1f} → {phase.loads[0][1]:.1f}; " + _answers_line(phase),
                    flush=True,
                )
        return totals, acknowledged
    finally:
        for client in [phone.client for phone in phones] + [coordinator.client for coordinator in coordinators]:
            await client.aclose()


# --- the connections spread over the workers ---------------------------------------------------------------


async def spread_over_workers(server: Server, users: list[Phone] | list[Coordinator]) -> str:
    """Each phone and each coordinator keeps its connection, and with it its worker, for the whole run; where the
    kernel put them varied from run to run (7 and 13 phones in one), and with it how many pages a phone's worker
    served beside its taps. So the phones and the coordinators are spread evenly (the coordinators again before
    each mixed phase), as a proxy in front of the workers would spread their requests: a connection on a worker
    that has more than its share is replaced by a new one (the same session) on a worker that has less. A new
    connection goes to a worker that is waiting for one, the same one each time when they come one by one, hence a
    few at once, keeping the one that landed where it should."""
    share = -(-len(users) // WORKERS)  # rounded up
    on = [await worker_of(server, user.client) for user in users]
    for n in [n for n, pid in enumerate(on) if on[: n + 1].count(pid) > share]:
        old = users[n].client
        for _attempt in range(50):
            tries = [httpx.AsyncClient(base_url=str(old.base_url), cookies=old.cookies, timeout=60) for _ in range(4)]
            landed = await asyncio.gather(*(worker_of(server, client) for client in tries))
            keep = next((k for k, pid in enumerate(landed) if pid != on[n] and on.count(pid) < share), None)
            for k, client in enumerate(tries):
                if k != keep:
                    await client.aclose()
            if keep is not None:
                users[n].client, on[n] = tries[keep], landed[keep]
                await old.aclose()
                break
    counts = sorted((on.count(pid) for pid in set(on)), reverse=True)
    return "/".join(str(count) for count in counts + [0] * (WORKERS - len(counts)))


async def worker_of(server: Server, client: httpx.AsyncClient) -> int:
    """The process that serves the client's connection: the owner of the server's end of it (from /proc)."""
    response = await client.get("/health")
    _host, port = response.extensions["network_stream"].get_extra_info("client_addr")
    inodes = set()
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port and int(fields[1].rsplit(":", 1)[1], 16) == server.port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in server.process_ids():
        with contextlib.suppress(OSError):
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd")):
                return pid
    raise RuntimeError(f"geen worker heeft de verbinding van poort {port}")


def _answers_line(phase: Phase) -> str:
    return "; ".join(f"{kind} {tally.answers()}" for kind, tally in phase.tallies.items())


# --- the check of the data -------------------------------------------------------------------------------


DOUBLES = """
SELECT count(*) FROM (SELECT placement_id, day FROM attendance GROUP BY placement_id, day HAVING count(*) > 1) AS d
"""
INCOHERENT = """
SELECT count(*) FROM attendance a JOIN placements p ON p.id = a.placement_id
WHERE (a.status = 'present' AND (a.absence_reason IS NOT NULL OR a.absence_note IS NOT NULL))
   OR (a.status <> 'present' AND (a.arrived_at IS NOT NULL OR a.left_at IS NOT NULL OR a.collected_by IS NOT NULL))
   OR (a.status = 'absent_excused' AND a.absence_reason IS NULL)
   OR (a.status = 'absent_unexcused' AND a.absence_reason IS NOT NULL)
   OR a.left_at < a.arrived_at
   OR a.location_id <> p.location_id OR a.referral_id <> p.referral_id
"""


@dataclass
class Check:
    doubles: int  # attendance records of a child and day beyond the first (any location, any day)
    incoherent: int  # records that contradict themselves or their placement (any location, any day)
    taps: int  # taps stored for the day list
    torn: int  # of the day list's records (bench_day_list's check)
    not_latest: int  # records that are not what their latest tap said
    missing: int  # acknowledged taps that were not stored
    unacknowledged: int  # taps stored that the client never heard back about (a time-out, a dropped connection)
    acknowledged: int

    @property
    def whole(self) -> bool:
        return not (self.doubles or self.incoherent or self.torn or self.not_latest or self.missing)


def check_data(url: str, cast: Cast, acknowledged: list[UUID]) -> Check:
    taps_stored, torn, not_latest = integrity(url, cast.big, cast.day)
    taps, placements = AttendanceTap.__table__, Placement.__table__
    engine = create_engine(_sync(url))
    try:
        with engine.connect() as db:
            doubles = db.execute(text(DOUBLES)).scalar_one()
            incoherent = db.execute(text(INCOHERENT)).scalar_one()
            stored = set(
                db.execute(
                    select(taps.c.id)
                    .join(placements, placements.c.id == taps.c.placement_id)
                    .where(placements.c.location_id == cast.big, taps.c.day == cast.day)
                ).scalars()
            )
    finally:
        engine.dispose()
    said = set(acknowledged)
    return Check(doubles, incoherent, taps_stored, torn, not_latest, len(said - stored), len(stored - said), len(said))


# --- the report ------------------------------------------------------------------------------------------


def kind_rows(backend: str, totals: dict[str, Phase]) -> list[str]:
    lines = []
    for name, phase in totals.items():
        for kind in (TAP, *PAGES):
            if kind not in phase.tallies:
                continue
            tally = phase.tallies[kind]
            lines.append(
                f"| {backend} | {name} | {kind} | {len(tally.wall_ms)} | {len(tally.wall_ms) / phase.window:6.1f} | "
                f"{tally.percentile(0.5):6.1f} | {tally.percentile(0.95):6.1f} | {tally.percentile(0.99):6.1f} | "
                f"{tally.answers()} |"
            )
    return lines


def phase_rows(backend: str, totals: dict[str, Phase]) -> list[str]:
    alone = totals[ALONE]
    per_tap = alone.server_cpu / max(alone.requests, 1)
    lines = []
    for name, phase in totals.items():
        pages = phase.requests - len(phase.tally(TAP).wall_ms)
        # The coordinators' pages: what the server spent beyond the taps, at the taps' cost with phones alone.
        per_page = (phase.server_cpu - per_tap * len(phase.tally(TAP).wall_ms)) / pages if pages else None
        loads = ", ".join(f"{before:.1f}→{after:.1f}" for before, after in phase.loads)
        lines.append(
            f"| {backend} | {name} | {phase.seconds:5.0f} | {phase.requests} | "
            f"{phase.server_cpu * 1000 / max(phase.requests, 1):5.1f} | "
            + (f"≈ {per_page * 1000:5.1f}" if per_page is not None else "")
            + f" | {phase.client_cpu * 1000 / max(phase.requests, 1):5.1f} | "
            f"{', '.join(f'{p95:.0f}' for p95 in phase.p95s)} | {loads} |"
        )
    return lines


def verdicts(backend: str, totals: dict[str, Phase], check: Check) -> list[tuple[str, bool]]:
    mixed, alone = totals[MIXED], totals[ALONE]
    found = []
    for kind, limit in TARGETS.items():
        if kind != TAP and kind not in mixed.tallies:
            continue  # a page left out with --pages
        tally = mixed.tally(kind)
        p95 = tally.percentile(0.95)
        found.append((f"{kind} p95 gemengd {p95:.1f} ms < {limit:.0f} ms (n {len(tally.wall_ms)})", 0 < p95 < limit))
    tallies = [tally for phase in totals.values() for tally in phase.tallies.values()]
    errors = sum(tally.server_errors for tally in tallies)
    busy = sum(tally.busy for tally in tallies)
    found.append((f"5xx en geen antwoord: {errors}", errors == 0))
    found.append((f"409 druk: {busy}", busy == 0))
    ratio = mixed.tally(TAP).percentile(0.95) / max(alone.tally(TAP).percentile(0.95), 0.001)
    found.append((f"tik p95 gemengd / alleen telefoons: {ratio:.2f} ≤ {RATIO}", ratio <= RATIO))
    found.append(
        (
            f"gegevens: dubbele regels {check.doubles}, onsamenhangend {check.incoherent}, gescheurd {check.torn}, "
            f"niet de laatste tik {check.not_latest}; {check.acknowledged} tikken bevestigd, {check.taps} opgeslagen, "
            f"ontbrekend {check.missing}, opgeslagen zonder bevestiging {check.unacknowledged}",
            check.whole,
        )
    )
    return [(f"{backend}: {text_}", ok) for text_, ok in found]


# --- the run ---------------------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace, directory: str) -> tuple[list[str], list[str], list]:
    dropped = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench-load.sqlite'}"
    else:
        url, dropped = create_scratch_database(args.postgres, "load")
    server = None
    try:
        started = time.perf_counter()
        load_organisation(url)
        cast = find_cast(url, measured_day(today()))
        secret = secrets.token_hex(32)
        settings = Settings(database_url=url, secret_key=secret, dev_mode=True)
        sessions = make_sessions(url, settings, cast, args)
        print(
            f"  {backend}: demo-organisatie geladen in {time.perf_counter() - started:.0f} s; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        server = start_server(url, secret)
        totals, acknowledged = asyncio.run(run_load(server, cast, sessions, args))
        server.stop()
        if any(tally.server_errors for phase in totals.values() for tally in phase.tallies.values()):
            print(f"    5xx of geen antwoord: zie {server_log(server)}", flush=True)
        server = None
        check = check_data(url, cast, acknowledged)
        return kind_rows(backend, totals), phase_rows(backend, totals), verdicts(backend, totals, check)
    finally:
        if server:
            server.stop()
        if dropped:
            drop_scratch_database(args.postgres, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], help="sqlite, postgresql")
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--coordinators", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of two phases: phones alone, mixed")
    parser.add_argument("--warm-up", type=float, default=10.0, help="seconds of mixed load before the rounds")
    parser.add_argument("--tap-pause", type=float, default=1.0, help="seconds between a phone's taps (on average)")
    parser.add_argument("--quick", action="store_true", help="a short, light run, to check the script")
    parser.add_argument(
        "--pages", nargs="+", default=list(PAGES), choices=PAGES, metavar="PAGE",
        help="the coordinators' pages (default: all): which one slows the taps down? " + ", ".join(PAGES),
    )  # fmt: skip
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUISKAMER_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    args.backends = [name for names in args.backends for name in names.split(",") if name]
    assert set(args.backends) <= {"sqlite", "postgresql"}, args.backends
    if args.quick:
        args.phones, args.coordinators, args.seconds, args.rounds, args.warm_up = 4, 2, 5.0, 1, 3.0
    install_audit_hook()
    print(
        f"{args.phones} telefoons, {args.coordinators} coördinatoren, {args.rounds} rondes van 2 × "
        f"{args.seconds:.0f} s; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    kinds, phases, found = [], [], []
    with tempfile.TemporaryDirectory(prefix="huiskamer-bench-load-") as directory:
        for backend in args.backends:
            mine = run_backend(backend, args, directory)
            kinds, phases, found = kinds + mine[0], phases + mine[1], found + mine[2]
    print("\n| database | fase | soort | n | per s | p50 (ms) | p95 (ms) | p99 (ms) | antwoorden |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|")
    print("\n".join(kinds))
    print(
        "\n| database | fase | s | verzoeken | server-cpu per verzoek (ms) | server-cpu per pagina (ms) | "
        "client-cpu per verzoek (ms) | tik p95 per fase (ms) | load (1 min) voor→na per fase |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    print("\n".join(phases))
    print("\nDoelen:")
    print("\n".join(f"  {'gehaald     ' if ok else 'NIET GEHAALD'}  {line}" for line, ok in found))
    print(f"\nload average na afloop: {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
