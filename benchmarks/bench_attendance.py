"""How fast are the day list and a tap with years of attendance behind them, at the demo organisation and at a
large federation?

Run: ``uv run python benchmarks/bench_attendance.py`` (the full run: the demo organisation and a federation of 200
locations, one and three years of history, SQLite in a temporary file and PostgreSQL in a scratch database that
the script creates and drops). ``--scale small`` builds a federation of 10 locations instead, to check that the
script works in a minute or two; ``--years 3`` or ``--backends sqlite`` narrow the run down.

The data. Every location has seats Monday to Friday; the first one of each set has 70 (the big huiskamer of the
issue), the demo organisation's others 20, 20 and 18, the federation's others 50 to 90 (70 on average, which
makes about 10 million attendance records in three years at 200 locations). Two children per seat are enrolled,
half on Monday, Wednesday and Friday, half on Tuesday and Thursday, so that each weekday is full; a child stays
half a year to two years and the next one follows after a few weeks. Every placement has its own child, referral,
intake (collection persons, now and then an allergy or a safety note) and one to three goals. Every expected day
up to yesterday has an attendance record: about 8% ill (more in winter, fewer in summer), 1% family, 1% other
and 3% absent without notice, some children far more often than others; the concerns those absences raised are
there too (most resolved). The locations close about ten days a year (Christmas, Koningsdag, study days).
Attendance is bulk inserted: COPY on PostgreSQL (foreign keys and triggers not run row by row; secondary indexes and
the reports' monthly totals made afterwards), executemany on SQLite (the same two indexes built afterwards, the
triggers run); everything else with SQLAlchemy Core.

Measured, as the youth worker of the 70-child location, with full HTTP requests through the app in process
(litestar's TestClient), on the most recent weekday (today, or the Friday before a weekend):

- ``GET /api/v1/locations/{id}/attendance/{date}`` and the day list page ``GET /locaties/{id}/daglijst/{date}``;
- a tap: ``PUT /api/v1/locations/{id}/attendance/{date}/{placement_id}`` and the phone's post of the list's form
  (as daglijst.js sends it), each run another child, alternating present, ill and absent without notice (which
  runs the concern rule).

Targets: the day list under 50 ms at p95, a tap under 30 ms at p95, on SQLite and PostgreSQL, and no growth from
one year of history to three. ``--explain`` prints the plans of the slowest queries of each request.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import logging
import os
import random
import re
import secrets
import sqlite3
import tempfile
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from bench_credentials import FAMILY_NAMES, GIVEN_NAMES, credentials
from bench_placements import explain, timed
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import create_engine, insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from huiskamer.attendance import rules
from huiskamer.attendance.models import Concern
from huiskamer.audit.hook import install_audit_hook
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import User, UserLocation
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.intake.models import Goal, Intake
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.placements.models import Placement, SeatClaim
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.reports.models import refill_attendance_months
from huiskamer.site.templating import short_id, today

SEED = 7
SCHOOL_DAYS = ("mon", "tue", "wed", "thu", "fri")
GROUPS = (("mon", "wed", "fri"), ("tue", "thu"))
DEMO_SEATS = (70, 20, 20, 18)
FEDERATION = {"small": 10, "full": 200}
BATCH = 5_000
GOALS = ("Minder snel boos worden", "Vriendjes maken", "Samenwerken", "Zelfvertrouwen", "Voor jezelf opkomen")
COLUMNS = (
    "id", "placement_id", "referral_id", "location_id", "day", "status", "absence_reason", "arrived_at", "left_at",
    "collected_by", "recorded_by_id", "created_at", "updated_at",
)  # fmt: skip
TARGETS = {"day": 50.0, "tap": 30.0}


# --- the organisation's rows ----------------------------------------------------------------------------


@dataclass
class Spot:
    """One placement as the attendance generator needs it."""

    placement: int
    referral: int
    location: int
    weekdays: tuple[str, ...]
    start: date
    end: date | None
    youth_worker: int
    collector: str
    unexcused_rate: float


@dataclass
class Built:
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    spots: list[Spot] = field(default_factory=list)
    open_days: dict[int, list[date]] = field(default_factory=dict)
    big: int = 0
    youth_worker: int = 0

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


def measured_day(now: date) -> date:
    """The most recent weekday: today, or the Friday before a weekend."""
    day = now
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def closure_days(first: date, last: date, rnd: random.Random, keep_open: date) -> set[date]:
    days: set[date] = set()
    for year in range(first.year, last.year + 1):
        days.update(date(year, 12, d) for d in range(24, 32))
        days.add(date(year, 1, 1))
        days.add(date(year, 4, 27))
        days.update(date(year, m, rnd.randint(3, 26)) for m in (3, 6, 10))  # study days
    days.discard(keep_open)
    return {day for day in days if first <= day <= last}


class Builder:
    def __init__(self, on: date, years: int) -> None:
        self.rnd = random.Random(SEED)
        self.on = on
        self.first = on - timedelta(days=round(365.25 * years))
        self.now = datetime.now(UTC)
        self.built = Built()

    def uid(self) -> int:
        return self.rnd.getrandbits(128)

    def location(self, name: str, seats: int) -> None:
        b, rnd = self.built, self.rnd
        location = self.uid()
        b.add(
            "locations",
            {
                "id": UUID(int=location),
                "name": name,
                "address": "Almere",
                "neighbourhoods": [],
                "min_age": 4,
                "max_age": 12,
                "active": True,
            },
        )
        for day in (*SCHOOL_DAYS, "sat", "sun"):
            b.add(
                "location_capacities",
                {
                    "id": UUID(int=self.uid()),
                    "location_id": UUID(int=location),
                    "weekday": day,
                    "seats": seats if day in SCHOOL_DAYS else 0,
                },
            )
        closed = closure_days(self.first - timedelta(days=30), self.on + timedelta(days=60), rnd, self.on)
        for day in sorted(closed):
            b.add(
                "closure_days",
                {"id": UUID(int=self.uid()), "location_id": UUID(int=location), "day": day, "description": "Gesloten"},
            )
        coordinator, youth_worker = self.user("coordinator", location), self.user("youth_worker", location)
        if not b.big:
            b.big, b.youth_worker = location, youth_worker
        opened, day = [], self.first
        while day < self.on:
            if day.weekday() < 5 and day not in closed:
                opened.append(day)
            day += timedelta(days=1)
        b.open_days[location] = opened
        for chain in range(2 * seats):
            self.chain(location, coordinator, youth_worker, GROUPS[chain // seats])

    def user(self, role: str, location: int) -> int:
        user = self.uid()
        self.built.add(
            "users",
            {
                "id": UUID(int=user),
                "email": f"{role}-{user:x}@bench.example",
                "name": role.replace("_", " ").title(),
                "role": role,
                "password_hash": None,
                "active": True,
                "organisation_id": None,
                "email_notifications": False,
            },
        )
        self.built.add(
            "user_locations", {"id": UUID(int=self.uid()), "user_id": UUID(int=user), "location_id": UUID(int=location)}
        )
        return user

    def chain(self, location: int, coordinator: int, youth_worker: int, weekdays: tuple[str, ...]) -> None:
        """One seat's children one after another: half a year to two years each, a few weeks apart."""
        rnd = self.rnd
        start = self.first - timedelta(days=rnd.randint(0, 400))
        while start <= self.on:
            end: date | None = start + timedelta(days=rnd.randint(180, 720))
            if end is not None and end >= self.on:
                end = None
            self.placement(location, coordinator, youth_worker, weekdays, start, end)
            if end is None:
                break
            start = end + timedelta(days=1 + (0 if rnd.random() < 0.5 else rnd.randint(1, 30)))

    def placement(
        self,
        location: int,
        coordinator: int,
        youth_worker: int,
        weekdays: tuple[str, ...],
        start: date,
        end: date | None,
    ) -> None:
        b, rnd, now = self.built, self.rnd, self.now
        child, referral, intake, placement = self.uid(), self.uid(), self.uid(), self.uid()
        given, family = rnd.choice(GIVEN_NAMES), rnd.choice(FAMILY_NAMES)
        b.add(
            "children",
            {
                "id": UUID(int=child),
                "given_name": given,
                "family_name": family,
                "date_of_birth": start - timedelta(days=rnd.randint(4 * 365 + 30, 11 * 365)),
                "postcode": "1325 AB",
                "neighbourhood": "Stedenwijk",
                "school": "De Regenboog",
                "match_key": f"{given} {family}".lower(),
                "distinct_confirmed": False,
            },
        )
        b.add(
            "referrals",
            {
                "id": UUID(int=referral),
                "child_id": UUID(int=child),
                "submitted_by_id": UUID(int=coordinator),
                "organisation_id": None,
                "source": "school",
                "reason": "Weinig vriendjes.",
                "guardian_informed": True,
                "guardian_name": f"M. {family}",
                "guardian_phone": "+31612345678",
                "guardian_email": None,
                "requested_weekdays": list(weekdays),
                "no_location_preference": False,
                "status": "placed" if end is None else "closed",
                "submitted_at": now,
                "status_changed_at": now,
                "intake_planned_at": None,
                "waiting_since": start - timedelta(days=60),
                "referrer_visible_change_at": now,
            },
        )
        b.add(
            "referral_locations",
            {
                "id": UUID(int=self.uid()),
                "referral_id": UUID(int=referral),
                "location_id": UUID(int=location),
                "rank": 1,
            },
        )
        collector = f"M. {family} (moeder)"
        b.add(
            "intakes",
            {
                "id": UUID(int=intake),
                "referral_id": UUID(int=referral),
                "held_on": start - timedelta(days=60),
                "held_by_id": UUID(int=coordinator),
                "urgency": "normal",
                "urgency_reason": None,
                "requested_weekdays": list(weekdays),
                "minimum_days": 2,
                "consent_data_processing": True,
                "collection_persons": [collector, f"opa {family}"],
                "allergies": "Noten" if rnd.random() < 0.1 else None,
                "safety_notes": "Mag alleen met moeder mee." if rnd.random() < 0.05 else None,
            },
        )
        for position, goal in enumerate(rnd.sample(GOALS, rnd.randint(1, 3))):
            b.add(
                "goals",
                {
                    "id": UUID(int=self.uid()),
                    "intake_id": UUID(int=intake),
                    "referral_id": UUID(int=referral),
                    "code": None,
                    "description": goal,
                    "dimension": None,
                    "status": "active",
                    "set_on": start - timedelta(days=60),
                    "position": position,
                },
            )
        b.add(
            "placements",
            {
                "id": UUID(int=placement),
                "referral_id": UUID(int=referral),
                "location_id": UUID(int=location),
                "offer_id": None,
                "weekdays": list(weekdays),
                "start_date": start,
                "end_date": end,
                "end_reason_code": "goals_reached" if end else None,
                "placed_by_id": UUID(int=coordinator),
            },
        )
        for weekday in weekdays:
            b.add(
                "seat_claims",
                {
                    "id": UUID(int=self.uid()),
                    "location_id": UUID(int=location),
                    "weekday": weekday,
                    "start_date": start,
                    "end_date": end,
                    "expires_on": None,
                    "released_at": None,
                    "placement_id": UUID(int=placement),
                    "offer_id": None,
                },
            )
        rate = 0.03 * rnd.choice((0.2, 0.5, 0.7, 1.0, 1.0, 1.5, 3.0))
        b.spots.append(Spot(placement, referral, location, weekdays, start, end, youth_worker, collector, rate))


def build(on: date, years: int, seats: list[int]) -> Built:
    builder = Builder(on, years)
    for number, count in enumerate(seats):
        builder.location(f"Huiskamer {number + 1:03d}", count)
    return builder.built


# --- attendance: generated per placement and streamed into the database --------------------------------


def attendance_rows(built: Built, rnd: random.Random, concerns: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """Every expected day up to yesterday of every placement, as (id, placement, referral, location, day, status,
    reason, arrived, left, collected, recorder, created) with ids as integers; the concerns the unexcused
    absences raised are appended to ``concerns``."""
    for spot in built.spots:
        days = built.open_days[spot.location]
        last = min(spot.end or date.max, days[-1] if days else spot.start)
        unexcused: list[date] = []
        for day in days[bisect_left(days, spot.start) : bisect_right(days, last)]:
            if rules.weekday_of(day) not in spot.weekdays:
                continue
            ill = 0.08 * (1.6 if day.month in (12, 1, 2) else 0.7 if day.month in (7, 8) else 1.0)
            draw = rnd.random()
            if draw < ill:
                status, reason = "absent_excused", "ill"
            elif draw < ill + 0.01:
                status, reason = "absent_excused", "family"
            elif draw < ill + 0.02:
                status, reason = "absent_excused", "other"
            elif draw < ill + 0.02 + spot.unexcused_rate:
                status, reason = "absent_unexcused", None
                unexcused.append(day)
                if rules.reaches_threshold(unexcused, 3, 30):
                    concerns.append(concern_row(spot, unexcused, day, built, rnd))
                    unexcused = []
            else:
                status, reason = "present", None
            yield (rnd.getrandbits(128), spot, day, status, reason, rnd.randint(0, 29), rnd.randint(0, 59))


def concern_row(spot: Spot, days: list[date], day: date, built: Built, rnd: random.Random) -> dict[str, Any]:
    raised = datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)
    resolved = day < built.open_days[spot.location][-1] - timedelta(days=14)
    return {
        "id": UUID(int=rnd.getrandbits(128)),
        "referral_id": UUID(int=spot.referral),
        "location_id": UUID(int=spot.location),
        "placement_id": UUID(int=spot.placement),
        "kind": "unexcused_absence",
        "status": "resolved" if resolved else "open",
        "text": f"{len(days)} keer afwezig zonder bericht binnen 30 dagen.",
        "raised_at": raised,
        "raised_by_id": None,
        "resolved_at": raised + timedelta(days=3) if resolved else None,
        "resolved_by_id": None,
        "resolution_note": "Ouders gebeld." if resolved else None,
        "created_at": raised,
        "updated_at": raised,
    }


def _pg_line(row: tuple[Any, ...]) -> str:
    id_, spot, day, status, reason, arrive, leave = row
    iso = day.isoformat()
    created = f"{iso} 16:{leave:02d}:00+00"
    if status == "present":
        times = f"{iso} 14:{arrive:02d}:00+00\t{iso} 16:{leave:02d}:00+00\t{spot.collector}"
    else:
        times = "\\N\t\\N\t\\N"
    return (
        f"{id_:032x}\t{spot.placement:032x}\t{spot.referral:032x}\t{spot.location:032x}\t{iso}\t{status}\t"
        f"{reason or chr(92) + 'N'}\t{times}\t{spot.youth_worker:032x}\t{created}\t{created}\n"
    )


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    id_, spot, day, status, reason, arrive, leave = row
    iso = day.isoformat()
    created = f"{iso} 16:{leave:02d}:00.000000"
    present = status == "present"
    return (
        id_.to_bytes(16, "big"), spot.placement.to_bytes(16, "big"), spot.referral.to_bytes(16, "big"),
        spot.location.to_bytes(16, "big"), iso, status, reason,
        f"{iso} 14:{arrive:02d}:00.000000" if present else None, created if present else None,
        spot.collector if present else None, spot.youth_worker.to_bytes(16, "big"), created, created,
    )  # fmt: skip


def load_attendance(url: str, built: Built, rnd: random.Random) -> tuple[int, list[dict[str, Any]]]:
    """Streams the attendance into the database; returns the number of rows and the concerns raised."""
    concerns: list[dict[str, Any]] = []
    rows = attendance_rows(built, rnd, concerns)
    count = 0
    if url.startswith("sqlite"):
        path = make_url(url).database
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")
        secondary = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='attendance' AND sql IS NOT NULL"
        ).fetchall()
        for name, _sql in secondary:
            connection.execute(f'DROP INDEX "{name}"')
        statement = f"INSERT INTO attendance ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        while True:
            batch = [_sqlite_row(row) for row in _take(rows, 50_000)]
            if not batch:
                break
            connection.executemany(statement, batch)
            count += len(batch)
        connection.commit()
        for _name, sql in secondary:
            connection.execute(sql)
        connection.commit()
        # The load went through the write-ahead log: fold it into the database now, not in the first taps.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        return count, concerns
    import psycopg

    target = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(target, autocommit=False) as connection:
        cursor = connection.cursor()
        cursor.execute("SET session_replication_role = replica")  # no foreign key check per row
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'attendance'::regclass AND contype = 'u'"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'attendance' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'attendance'::regclass)"
        )
        indexes = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE attendance DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.copy(f"COPY attendance ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            while True:
                block = io.StringIO()
                batch = 0
                for row in _take(rows, 50_000):
                    block.write(_pg_line(row))
                    batch += 1
                if not batch:
                    break
                copy.write(block.getvalue())
                count += batch
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE attendance ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition)
        # The replica role kept the triggers quiet too: the monthly totals the reports read, counted once.
        refill = refill_attendance_months("postgresql").compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        cursor.execute(str(refill))
        connection.commit()
    return count, concerns


def _take(rows: Iterator[Any], size: int) -> Iterator[Any]:
    for _ in range(size):
        try:
            yield next(rows)
        except StopIteration:
            return


TABLES = {
    "locations": Location.__table__,
    "location_capacities": LocationCapacity.__table__,
    "closure_days": ClosureDay.__table__,
    "users": User.__table__,
    "user_locations": UserLocation.__table__,
    "children": Child.__table__,
    "referrals": Referral.__table__,
    "referral_locations": ReferralLocation.__table__,
    "intakes": Intake.__table__,
    "goals": Goal.__table__,
    "placements": Placement.__table__,
    "seat_claims": SeatClaim.__table__,
}


def fill(url: str, built: Built) -> tuple[int, float, int]:
    """Everything in; returns the attendance rows, the seconds they took, and the concerns."""
    engine = create_engine(url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    try:
        for name, table in TABLES.items():
            rows = built.tables.get(name, [])
            for start in range(0, len(rows), BATCH):
                with engine.begin() as connection:
                    connection.execute(insert(table), rows[start : start + BATCH])
        started = time.perf_counter()
        count, concerns = load_attendance(url, built, random.Random(SEED + 1))
        took = time.perf_counter() - started
        for start in range(0, len(concerns), BATCH):
            with engine.begin() as connection:
                connection.execute(insert(Concern.__table__), concerns[start : start + BATCH])
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        return count, took, len(concerns)
    finally:
        engine.dispose()


# --- measuring -------------------------------------------------------------------------------------------


def measure(
    url: str, built: Built, on: date, runs: int, explain_slow: bool
) -> list[tuple[str, float, float, float, str]]:
    from litestar.testing import TestClient

    from huiskamer.app import create_server_app

    settings = Settings(
        database_url=url,
        secret_key=secrets.token_hex(32),
        dev_mode=True,
        run_worker=False,
        base_url="http://bench.local",
    )
    location, youth_worker = UUID(int=built.big), UUID(int=built.youth_worker)
    token, session = asyncio.run(credentials(url, settings, youth_worker))
    api = {"Authorization": f"Bearer {token}"}
    app = create_server_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    results = []
    with TestClient(app, base_url="http://bench.local") as client:
        client.cookies.set(SESSION_COOKIE, session)
        day = client.get(f"/api/v1/locations/{location}/attendance/{on}", headers=api)
        assert day.status_code == 200, day.text[:300]
        children = [entry["placement_id"] for entry in day.json()["entries"]]
        page = client.get(f"/locaties/{location}/daglijst/{on}")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert csrf, "no CSRF token on the day list"
        print(f"    de daglijst van {on}: {len(children)} kinderen verwacht", flush=True)
        statuses = (("present", None), ("absent_excused", "ill"), ("absent_unexcused", None), ("present", None))
        taps = iter(range(10**9))

        def get(path: str, headers: dict[str, str] | None = None) -> Callable[[int], Any]:
            def send(_n: int) -> Any:
                response = client.get(path, headers=headers or {})
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
                return response

            return send

        def put(_n: int) -> Any:
            n = next(taps)
            status, reason = statuses[(n // len(children)) % len(statuses)]
            path = f"/api/v1/locations/{location}/attendance/{on}/{children[n % len(children)]}"
            response = client.put(path, json={"status": status, "absence_reason": reason}, headers=api)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            return response

        marks = ("present", "ill", "unexcused", "present")

        def tap(_n: int) -> Any:
            n = next(taps)
            path = f"/locaties/{location}/daglijst/{on}"
            key = short_id(UUID(children[n % len(children)]))
            data = {"_csrf_token": csrf.group(1), "mark": f"{key}:{marks[(n // len(children)) % len(marks)]}"}
            headers = {"HX-Request": "true", "x-csrftoken": csrf.group(1)}
            response = client.post(path, data=data, headers=headers)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
            return response

        cases = [
            (
                f"GET daglijst (API, {len(children)} kinderen)",
                get(f"/api/v1/locations/{location}/attendance/{on}", api),
                "day",
            ),
            ("GET /locaties/…/daglijst/{datum} (pagina)", get(f"/locaties/{location}/daglijst/{on}"), "day"),
            ("PUT tik (API)", put, "tap"),
            ("POST tik (formulier van de daglijst)", tap, "tap"),
        ]
        for label, send, kind in cases:
            if explain_slow:
                explain(app, client, lambda send=send: send(999), label)
            median, p95, cpu_median, cpu_p95 = timed(send, runs)
            verdict = "ok" if p95 < TARGETS[kind] else "TE TRAAG"
            results.append((label, median, p95, cpu_p95, verdict))
            print(
                f"    {label:<42} mediaan {median:6.1f} ms   p95 {p95:6.1f} ms   "
                f"(cpu {cpu_median:5.1f} / {cpu_p95:5.1f} ms)   doel < {TARGETS[kind]:.0f}  {verdict}",
                flush=True,
            )
    return results


# --- databases and the run ------------------------------------------------------------------------------


def run_one(
    backend: str, organisation: str, seats: list[int], years: int, args: argparse.Namespace, directory: str
) -> list[tuple[str, ...]]:
    label = f"{organisation}_{years}j"
    dropped = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(directory) / f'bench-attendance-{label}.sqlite'}"
    else:
        url, dropped = create_scratch_database(args.postgres, f"attendance_{label}")
    try:
        upgrade_database(Settings(database_url=url))
        on = measured_day(today())
        started = time.perf_counter()
        built = build(on, years, seats)
        count, took, concerns = fill(url, built)
        placements = len(built.tables["placements"])
        del built.tables
        gc.collect()
        per_million = took / max(count, 1) * 1_000_000
        print(
            f"  {backend}, {organisation} ({len(seats)} locaties), {years} jaar: {count:,} aanwezigheidsregels, "
            f"{placements:,} plaatsingen, {concerns:,} signalen; gevuld in {time.perf_counter() - started:.0f} s "
            f"(aanwezigheid {took:.0f} s, {per_million:.0f} s per miljoen regels); load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        measured = measure(url, built, on, args.runs, args.explain)
        return [
            (
                backend,
                organisation,
                str(years),
                f"{count:,}",
                name,
                f"{median:.1f}",
                f"{p95:.1f}",
                f"{cpu:.1f}",
                verdict,
            )
            for name, median, p95, cpu, verdict in measured
        ]
    finally:
        if dropped:
            drop_scratch_database(args.postgres, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument(
        "--scale",
        choices=sorted(FEDERATION),
        default="full",
        help="full: a federation of 200 locations (about 10 million records in three years); "
        "small: 10 locations, to check the script",
    )
    parser.add_argument("--federation-locations", type=int, help="override the number of federation locations")
    parser.add_argument("--organisations", nargs="+", choices=["demo", "federatie"], default=["demo", "federatie"])
    parser.add_argument("--years", nargs="+", type=int, default=[1, 3])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true", help="print the plans of the slowest queries")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUISKAMER_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    install_audit_hook()
    size = args.federation_locations or FEDERATION[args.scale]
    fed_rnd = random.Random(SEED)
    organisations = {
        "demo": list(DEMO_SEATS),
        "federatie": [70] + [fed_rnd.randint(50, 90) for _ in range(size - 1)],
    }
    table: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="huiskamer-bench-attendance-") as directory:
        for backend in args.backends:
            for organisation in args.organisations:
                for years in sorted(args.years):
                    table += run_one(backend, organisation, organisations[organisation], years, args, directory)
    print(f"\nbelasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")
    print(
        "| database | organisatie | jaren | aanwezigheidsregels | verzoek | mediaan (ms) | p95 (ms) | cpu p95 (ms) "
        "| oordeel |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
