"""How fast is the report summary of a full year, for every location and for one, at a federation's scale?

Run: ``uv run python benchmarks/bench_reports.py --scale small`` (SQLite in a temporary file and PostgreSQL in a
scratch database that the script creates and drops). Scales:

- ``small``: 10 locations, 3,000 referrals, three years (about 250,000 attendance records): a quick check.
- ``demo``: the demo organisation (one huiskamer of 70 seats a day, three of about 20), 1,500 referrals over two
  years (some 90,000 attendance records): SQLite's target.
- ``medium``: 40 locations and 20,000 referrals (about 1.5 million attendance records): a fifth of the
  federation, to see how the times grow on a machine where the full scale takes too long.
- ``federation``: 200 locations, 100,000 referrals over four years, about 10 million attendance records:
  PostgreSQL's targets. Building it takes a while (the attendance is generated inside PostgreSQL with
  ``generate_series``, its indexes and foreign keys made afterwards); run it on a quiet machine.

The data look like the real thing: referrals mostly from schools and parents, some from the GGD, the wijkteam,
jeugd-ggz and the police; a third never placed (waiting, rejected, withdrawn); placements of two or three
weekdays lasting months to years, some ended with an uitstroom reason; attendance on every expected day but
closure days, about 84% present, a few days never recorded; one to three goals per intake, many reached.
Rows go in with SQLAlchemy Core (SQLite) or COPY (PostgreSQL). Then, through the app in process (litestar's
TestClient, full HTTP requests with an API token):

- ``GET /api/v1/reports/summary`` for last year, every location, as the beheerder;
- the same for one location, as its coordinator;
- the dashboard's figures (the year and the year before, with their months) without drawing charts.

Targets: on PostgreSQL at federation scale the year for every location under 2 s and for one location under
200 ms; on SQLite at the demo's scale under 500 ms. ``--explain`` prints the plan of every query of the
all-locations summary; ``--keep`` keeps the database (and prints its URL) so that ``--url`` can measure it again
without building it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from bench_credentials import credentials
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import Engine

from huiskamer.audit.hook import AuditActor, acting_as, install_audit_hook
from huiskamer.auth.users import create_user, parse_user_input
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.demo.referrals import BOYS, FAMILY_NAMES, GIRLS
from huiskamer.intake.models import DIMENSIONS, Goal, Intake
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.reports import service
from huiskamer.reports.models import refill_attendance_months
from huiskamer.reports.rules import Period, year
from huiskamer.site.templating import today
from huiskamer.validation import WEEKDAYS


@dataclass(frozen=True)
class Scale:
    locations: int
    referrals: int
    years: int
    demo: bool = False
    stay: float = 1.0  # how long placements last, as a factor: a federation's 10 million records need longer


SCALES = {
    "small": Scale(locations=10, referrals=3_000, years=3),
    "demo": Scale(locations=4, referrals=1_500, years=2, demo=True),
    "medium": Scale(locations=40, referrals=20_000, years=3),
    "federation": Scale(locations=200, referrals=100_000, years=4, stay=1.5),
}
SOURCES = (
    ("school", 40),
    ("guardian", 24),
    ("social_team", 10),
    ("ggd", 8),
    ("youth_mental_health", 6),
    ("police", 4),
    ("gp", 4),
    ("youth_care", 2),
    ("other", 2),
)
REASONS = (
    ("goals_reached", 35),
    ("moved_to_bso", 15),
    ("aged_out", 12),
    ("moved_house", 10),
    ("guardian_stopped", 10),
    ("referred_to_youth_care", 8),
    ("no_contact", 6),
    ("other", 4),
)
WEEKDAY_SETS = (["mon", "tue", "thu"], ["mon", "thu"], ["tue", "fri"], ["mon", "wed", "fri"], ["tue", "thu"], ["wed"])


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in choices], weights=[weight for _, weight in choices])[0]


# --- building the rows -----------------------------------------------------------------------------


@dataclass
class Rows:
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


TABLES = {
    "locations": Location.__table__,
    "location_capacities": LocationCapacity.__table__,
    "closure_days": ClosureDay.__table__,
    "children": Child.__table__,
    "referrals": Referral.__table__,
    "referral_locations": ReferralLocation.__table__,
    "intakes": Intake.__table__,
    "goals": Goal.__table__,
    "placements": Placement.__table__,
}


def closure_dates(first: date, last: date) -> list[date]:
    """Christmas to New Year and King's Day, every year: the days every huiskamer is shut."""
    found = []
    for number in range(first.year, last.year + 1):
        found += [date(number, 12, day) for day in range(24, 32)] + [date(number, 1, 1), date(number, 4, 27)]
    return [day for day in found if first <= day <= last]


def build_rows(scale: Scale, on: date, staff: UUID, referrer: UUID, seed: int = 8) -> tuple[Rows, list[UUID]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    stamp = {"created_at": now, "updated_at": now}
    rows = Rows()
    first = on - timedelta(days=365 * scale.years)
    location_ids = [uuid4() for _ in range(scale.locations)]
    hoods = {location: [f"Wijk {index}-{k}" for k in range(3)] for index, location in enumerate(location_ids)}
    big = {location_ids[0]} if scale.demo else set(rng.sample(location_ids, max(1, scale.locations // 5)))
    for index, location in enumerate(location_ids):
        rows.add(
            "locations",
            {
                "id": location,
                "name": f"Huiskamer {'De Vaart' if scale.demo and index == 0 else index + 1}",
                "address": f"Plein {index + 1}, Almere",
                "neighbourhoods": hoods[location],
                "min_age": 4,
                "max_age": 12,
                "active": True,
                **stamp,
            },
        )
        for day in closure_dates(first, on):
            rows.add("closure_days", {"id": uuid4(), "location_id": location, "day": day, "description": "Vakantie"})
    # Referrals are spread over the locations by size: a big huiskamer gets three times as many.
    weights = [3 if location in big else 1 for location in location_ids]
    busy: dict[tuple[UUID, str], float] = {}
    for number in range(scale.referrals):
        location = rng.choices(location_ids, weights=weights)[0]
        child_id, referral_id = uuid4(), uuid4()
        girl = rng.random() < 0.5
        given = rng.choice(GIRLS if girl else BOYS)
        family = rng.choice(FAMILY_NAMES)
        submitted_day = first + timedelta(days=rng.randrange((on - first).days))
        submitted = datetime(
            submitted_day.year,
            submitted_day.month,
            submitted_day.day,
            rng.randrange(7, 18),
            rng.randrange(60),
            tzinfo=UTC,
        )
        rows.add(
            "children",
            {
                "id": child_id,
                "given_name": given,
                "family_name": family,
                "date_of_birth": submitted_day - timedelta(days=rng.randrange(4 * 365, 12 * 365)),
                "postcode": f"{1300 + number % 60} AB",
                "neighbourhood": rng.choice(hoods[location]) if rng.random() < 0.93 else None,
                "school": None,
                "match_key": f"{given} {family}".lower(),
                "distinct_confirmed": False,
                **stamp,
            },
        )
        others = [location] + ([rng.choice(location_ids)] if rng.random() < 0.3 else [])
        for rank, chosen in enumerate(dict.fromkeys(others), start=1):
            rows.add(
                "referral_locations", {"id": uuid4(), "referral_id": referral_id, "location_id": chosen, "rank": rank}
            )
        age_days = (on - submitted_day).days
        fate = rng.random()
        status = "submitted"
        waiting_since = None
        if age_days > 20 and fate < 0.10:
            status = rng.choice(["rejected", "withdrawn"])
        elif age_days > 10:
            waiting_since = submitted_day + timedelta(days=rng.randrange(5, 25))
            wait = int(rng.gammavariate(2.0, 45)) + 3
            start = waiting_since + timedelta(days=wait)
            status = "waitlisted"
            if start <= on and fate < 0.93:
                weekdays = rng.choice(WEEKDAY_SETS)
                length = int(rng.gammavariate(2.2, 190 * scale.stay))
                end = start + timedelta(days=length)
                ended = end < on
                status = "closed" if ended else "placed"
                placement_end = end if ended else None
                rows.add(
                    "placements",
                    {
                        "id": uuid4(),
                        "referral_id": referral_id,
                        "location_id": location,
                        "offer_id": None,
                        "weekdays": weekdays,
                        "start_date": start,
                        "end_date": placement_end,
                        "end_reason_code": _weighted(rng, REASONS) if ended else None,
                        "placed_by_id": staff,
                        **stamp,
                    },
                )
                for weekday in weekdays:
                    share = ((placement_end or on) - start).days / (on - first).days
                    busy[(location, weekday)] = busy.get((location, weekday), 0.0) + share
            intake_id = uuid4()
            rows.add(
                "intakes",
                {
                    "id": intake_id,
                    "referral_id": referral_id,
                    "held_on": waiting_since,
                    "held_by_id": staff,
                    "urgency": rng.choice(["normal", "normal", "normal", "elevated", "high"]),
                    "urgency_reason": None,
                    "requested_weekdays": ["mon", "tue", "thu"],
                    "minimum_days": 2,
                    "consent_data_processing": True,
                    "collection_persons": [],
                    "allergies": None,
                    "safety_notes": None,
                    **stamp,
                },
            )
            for position in range(rng.randrange(1, 4)):
                closed = waiting_since + timedelta(days=rng.randrange(60, 400))
                reached = status in ("placed", "closed") and closed < on and rng.random() < 0.55
                rows.add(
                    "goals",
                    {
                        "id": uuid4(),
                        "intake_id": intake_id,
                        "referral_id": referral_id,
                        "code": None,
                        "description": "Minder snel boos worden",
                        "dimension": rng.choice(list(DIMENSIONS)) if rng.random() < 0.9 else None,
                        "status": "reached" if reached else "active",
                        "closed_on": closed if reached else None,
                        "set_on": waiting_since,
                        "position": position,
                        **stamp,
                    },
                )
        rows.add(
            "referrals",
            {
                "id": referral_id,
                "child_id": child_id,
                "submitted_by_id": referrer,
                "organisation_id": None,
                "source": _weighted(rng, SOURCES),
                "reason": "Wordt snel boos op het schoolplein.",
                "guardian_informed": True,
                "guardian_name": "M. " + family,
                "guardian_phone": "+31612345678",
                "guardian_email": None,
                "requested_weekdays": ["mon", "tue", "thu"],
                "no_location_preference": False,
                "status": status,
                "submitted_at": submitted,
                "status_changed_at": submitted,
                "intake_planned_at": None,
                "waiting_since": waiting_since,
                "referrer_visible_change_at": submitted,
                **stamp,
            },
        )
    # Seats: what the placements need on an average day, with room to spare (the demo: 70 and about 20).
    for location in location_ids:
        for weekday in WEEKDAYS[:5]:
            need = busy.get((location, weekday), 0.0)
            seats = (70 if location in big else 20) if scale.demo else max(10, math.ceil(need * 1.15))
            rows.add(
                "location_capacities", {"id": uuid4(), "location_id": location, "weekday": weekday, "seats": seats}
            )
    return rows, location_ids


# --- filling the database --------------------------------------------------------------------------


def _sync(url: str) -> str:
    return url.replace("+asyncpg", "+psycopg").replace("+aiosqlite", "")


def make_people(url: str, location: UUID) -> dict[str, UUID]:
    """A beheerder, the coordinator of the first location and a referrer, through the app's own use case."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    async def go() -> dict[str, UUID]:
        engine = create_async_engine(url)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as db:
                with acting_as(AuditActor(id=None, label="benchmark")):
                    found = {}
                    for role, extra in (
                        ("admin", {}),
                        ("coordinator", {"location_ids": [str(location)]}),
                        ("referrer", {"organisation": {"name": "OBS De Regenboog", "type": "school"}}),
                    ):
                        raw = {"email": f"{role}@bench.example", "name": f"Bench {role}", "role": role, **extra}
                        user = await create_user(db, None, parse_user_input(raw, creating=True))
                        found[role] = user.id
                    await db.commit()
                    return found
        finally:
            await engine.dispose()

    return asyncio.run(go())


def fill(engine: Engine, rows: Rows, names: Sequence[str]) -> None:
    for name in names:
        table, found = TABLES[name], rows.tables.get(name, [])
        if engine.dialect.name == "postgresql":
            _copy(engine, table, found)
        else:
            with engine.begin() as connection:
                for start in range(0, len(found), 5_000):
                    connection.execute(insert(table), found[start : start + 5_000])


def _copy(engine: Engine, table: Any, found: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL's COPY: the fastest way in. JSON columns go as text."""
    if not found:
        return
    columns = list(found[0])
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            names = ", ".join(f'"{column}"' for column in columns)
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in found:
                    copy.write_row([json.dumps(v) if isinstance(v, list) else v for v in (row[c] for c in columns)])
        raw.commit()
    finally:
        raw.close()


PG_ATTENDANCE = """
INSERT INTO attendance (id, placement_id, referral_id, location_id, day, status, recorded_by_id, created_at, updated_at)
SELECT gen_random_uuid(), p.id, p.referral_id, p.location_id, d.day,
       CASE WHEN d.r < 0.84 THEN 'present' WHEN d.r < 0.95 THEN 'absent_excused' ELSE 'absent_unexcused' END,
       :recorder, now(), now()
FROM placements p
CROSS JOIN LATERAL (
    SELECT g::date AS day, random() AS r
    FROM generate_series(p.start_date, LEAST(COALESCE(p.end_date, :last), :last), interval '1 day') AS g
) AS d
WHERE position('"' || (ARRAY['mon','tue','wed','thu','fri','sat','sun'])[extract(isodow FROM d.day)::int] || '"'
               IN p.weekdays::text) > 0
  AND d.r < 0.985
  AND NOT EXISTS (SELECT 1 FROM closure_days c WHERE c.location_id = p.location_id AND c.day = d.day)
  AND p.location_id = ANY(:locations)
"""

SQLITE_ATTENDANCE = """
WITH RECURSIVE days(day) AS (
    SELECT :first UNION ALL SELECT date(day, '+1 day') FROM days WHERE day < :last
)
INSERT INTO attendance (id, placement_id, referral_id, location_id, day, status, recorded_by_id, created_at, updated_at)
SELECT randomblob(16), p.id, p.referral_id, p.location_id, d.day,
       CASE WHEN d.r < 84 THEN 'present' WHEN d.r < 95 THEN 'absent_excused' ELSE 'absent_unexcused' END,
       :recorder, :now, :now
FROM placements p
JOIN (SELECT day, abs(random()) % 1000 / 10.0 AS r FROM days) AS d
  ON d.day >= p.start_date AND d.day <= COALESCE(p.end_date, :last)
WHERE instr(p.weekdays, '"' || CASE strftime('%w', d.day)
          WHEN '1' THEN 'mon' WHEN '2' THEN 'tue' WHEN '3' THEN 'wed' WHEN '4' THEN 'thu'
          WHEN '5' THEN 'fri' WHEN '6' THEN 'sat' ELSE 'sun' END || '"') > 0
  AND d.r < 98.5
  AND NOT EXISTS (SELECT 1 FROM closure_days c WHERE c.location_id = p.location_id AND c.day = d.day)
"""


def _attendance_constraints(engine: Engine) -> tuple[list[str], list[str]]:
    """The attendance table's indexes and foreign keys/unique constraints, to drop before the bulk insert and
    make again afterwards (building an index once beats keeping it up to date 10 million times)."""
    with engine.connect() as connection:
        indexes = connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'attendance' AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = 'attendance'::regclass)"
            )
        ).all()
        constraints = connection.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'attendance'::regclass AND contype IN ('f', 'u')"
            )
        ).all()
    drops = [f'DROP INDEX "{name}"' for name, _ in indexes] + [
        f'ALTER TABLE attendance DROP CONSTRAINT "{name}"' for name, _ in constraints
    ]
    makes = [definition for _, definition in indexes] + [
        f'ALTER TABLE attendance ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints
    ]
    return drops, makes


def fill_attendance(engine: Engine, recorder: UUID, first: date, last: date, locations: list[UUID]) -> None:
    if engine.dialect.name == "postgresql":
        drops, makes = _attendance_constraints(engine)
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE attendance DISABLE TRIGGER attendance_months_sync"))
            for statement in drops:
                connection.execute(text(statement))
        for start in range(0, len(locations), 20):
            with engine.begin() as connection:
                connection.execute(text("SELECT setseed(:seed)"), {"seed": start / (len(locations) + 1)})
                connection.execute(
                    text(PG_ATTENDANCE),
                    {"recorder": recorder, "last": last, "locations": locations[start : start + 20]},
                )
            print(f"    aanwezigheid: {min(start + 20, len(locations))}/{len(locations)} locaties", flush=True)
        with engine.begin() as connection:
            for statement in makes:
                connection.execute(text(statement))
            # The monthly totals the triggers keep, counted once instead of in 10 million trigger calls.
            connection.execute(refill_attendance_months("postgresql"))
            connection.execute(text("ALTER TABLE attendance ENABLE TRIGGER attendance_months_sync"))
    else:
        with engine.begin() as connection:
            connection.execute(
                text(SQLITE_ATTENDANCE),
                {
                    "first": first.isoformat(),
                    "last": last.isoformat(),
                    "recorder": recorder.bytes,
                    "now": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                },
            )


def analyse(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@contextlib.contextmanager
def changes_unlogged(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, the triggers that log changes for the report cache off while the data go in (millions of
    trigger calls; nothing is kept yet that they could make stale). SQLite cannot turn triggers off: they log."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.begin() as connection:
        names = connection.execute(
            text("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'report_changes_%'")
        ).all()
        for table, trigger in names:
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    try:
        yield
    finally:
        with engine.begin() as connection:
            for table, trigger in names:
                connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))


def build(url: str, scale: Scale) -> dict[str, Any]:
    """Fills an empty, migrated database; answers who is who and where."""
    started = time.perf_counter()
    on = today()
    placeholder = uuid4()
    rows, locations = build_rows(scale, on, placeholder, placeholder)
    engine = create_engine(_sync(url))
    try:
        fill(engine, rows, ["locations"])
        people = make_people(url, locations[0])
        for found in rows.tables.values():
            for row in found:
                for column in ("placed_by_id", "held_by_id"):
                    if row.get(column) == placeholder:
                        row[column] = people["coordinator"]
                if row.get("submitted_by_id") == placeholder:
                    row["submitted_by_id"] = people["referrer"]
        with changes_unlogged(engine):
            fill(engine, rows, [name for name in TABLES if name != "locations"])
            del rows
            print(f"    rijen in {time.perf_counter() - started:.0f} s", flush=True)
            fill_attendance(engine, people["coordinator"], on - timedelta(days=365 * scale.years), on, locations)
        analyse(engine)
        sizes = {name: count(engine, name) for name in ("referrals", "placements", "goals", "attendance")}
    finally:
        engine.dispose()
    print(
        f"    gevuld in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{value:,} {name}" for name, value in sizes.items()),
        flush=True,
    )
    return {"people": people, "location": locations[0]}


# --- measuring -------------------------------------------------------------------------------------


def timed(send: Callable[[], Any], runs: int, warm_up: int = 2) -> tuple[float, float, float]:
    """Fastest, median and slowest in milliseconds. On a machine others share, the fastest run is the best
    guess of what the request costs on a quiet one; the target is checked against the slowest."""
    for _ in range(warm_up):
        send()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        send()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[0], statistics.median(times), times[-1]


def explain_all(app: Any, send: Callable[[], Any]) -> None:
    """EXPLAIN ANALYZE of every query one request sends (PostgreSQL), slowest first."""
    engine = app.state["huiskamer_alchemy"].get_engine().sync_engine
    seen: list[tuple[float, str, Any]] = []
    starts: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        starts[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        seen.append(((time.perf_counter() - starts.pop(id(cursor), time.perf_counter())) * 1000, statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    sync = create_engine(_sync(str(engine.url.render_as_string(hide_password=False))))
    try:
        for took, statement, params in sorted(seen, key=lambda item: -item[0]):
            print(f"\n--- {took:.0f} ms ---\n{statement}")
            if engine.dialect.name != "postgresql" or not statement.lstrip().upper().startswith("SELECT"):
                continue
            raw = sync.raw_connection()
            try:
                with raw.cursor() as cursor:  # type: ignore[attr-defined]
                    # asyncpg's $1 placeholders (a number may come twice) become psycopg's named ones.
                    converted = re.sub(r"\$(\d+)", lambda m: f"%(p{m.group(1)})s", statement.replace("%", "%%"))
                    values = {f"p{index}": value for index, value in enumerate(params or (), start=1)}
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + converted, values)
                    print("\n".join(line for (line,) in cursor.fetchall()))
            finally:
                raw.close()
    finally:
        sync.dispose()


def measure(url: str, cast: dict[str, Any], runs: int, *, explain: bool) -> list[tuple[str, float, float, float]]:
    from litestar.testing import TestClient

    from huiskamer.app import create_server_app

    settings = Settings(database_url=url, secret_key=secrets.token_hex(32), run_worker=False)
    admin = {"Authorization": f"Bearer {asyncio.run(credentials(url, settings, cast['people']['admin']))[0]}"}
    coordinator_token = asyncio.run(credentials(url, settings, cast["people"]["coordinator"]))[0]
    coordinator = {"Authorization": f"Bearer {coordinator_token}"}
    last_year = year(today().year - 1)
    query = f"from={last_year.start.isoformat()}&to={last_year.end.isoformat()}"
    results = []
    app = create_server_app(settings)
    with TestClient(app) as client:

        def summary(headers: dict[str, str], extra: str = "") -> Callable[[], Any]:
            def send() -> Any:
                response = client.get(f"/api/v1/reports/summary?{query}{extra}", headers=headers)
                assert response.status_code == 200, response.text
                return response

            return send

        every = summary(admin)
        print("    " + json.dumps({k: v for k, v in every().json().items() if not isinstance(v, dict | list)}))
        results.append(("samenvatting jaar, alle locaties", *timed(every, runs)))
        results.append(("samenvatting jaar, één locatie", *timed(summary(coordinator), runs)))

        def dashboard() -> Any:
            from sqlalchemy.ext.asyncio import async_sessionmaker

            from huiskamer.auth.actor import Actor
            from huiskamer.auth.models import Role
            from huiskamer.db import alchemy_config

            actor = Actor(id=cast["people"]["admin"], email="", name="", role=Role.ADMIN)

            async def go() -> Any:
                engine = alchemy_config(settings).get_engine()  # configured as the app's (JIT off)
                try:
                    async with async_sessionmaker(engine)() as db:
                        where = await service.report_scope(db, actor, None)
                        return await service.build_report(db, where, last_year)
                finally:
                    await engine.dispose()

            return asyncio.run(go())

        results.append(
            ("dashboardcijfers jaar + jaar eerder + maanden, alle locaties", *timed(dashboard, max(1, runs // 2)))
        )
        results += dashboard_pages(client, url, settings, cast["people"]["admin"], last_year, runs)
        if explain:
            explain_all(app, every)
    return results


def dashboard_pages(
    client: Any, url: str, settings: Settings, admin: UUID, last_year: Period, runs: int
) -> list[tuple[str, float, float, float]]:
    """The dashboard as the beheerder opens it in the browser (the whole page: figures, tables and charts): last
    year the first time (the report cache emptied first) and from the second view on, and this year."""
    from bench_day_list import sessions_for

    from huiskamer.auth.middleware import SESSION_COOKIE

    cookie = asyncio.run(sessions_for(url, settings, admin, 1))[0]
    client.cookies.set(SESSION_COOKIE, cookie)

    def page(query: str) -> Callable[[], Any]:
        def send() -> Any:
            response = client.get(f"/rapportage{query}")
            assert response.status_code == 200, response.text[:500]
            return response

        return send

    closed = page(f"?van={last_year.start.isoformat()}&tot={last_year.end.isoformat()}")
    engine = create_engine(_sync(url))
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM report_cache"))
    finally:
        engine.dispose()
    started = time.perf_counter()
    closed()
    first = (time.perf_counter() - started) * 1000
    return [
        ("dashboardpagina vorig jaar, eerste keer (cache leeg)", first, first, first),
        ("dashboardpagina vorig jaar, daarna", *timed(closed, runs, warm_up=0)),
        ("dashboardpagina dit jaar", *timed(page(""), runs)),
    ]


# --- running ---------------------------------------------------------------------------------------


TARGETS = {
    ("postgresql", "federation", "samenvatting jaar, alle locaties"): 2000,
    ("postgresql", "federation", "samenvatting jaar, één locatie"): 200,
    ("sqlite", "demo", "samenvatting jaar, alle locaties"): 500,
    ("sqlite", "demo", "samenvatting jaar, één locatie"): 500,
    # issue 15: a closed year's dashboard at a federation's scale, and the demo's dashboard
    ("postgresql", "federation", "dashboardpagina vorig jaar, eerste keer (cache leeg)"): 2000,
    ("postgresql", "federation", "dashboardpagina vorig jaar, daarna"): 300,
    ("sqlite", "demo", "dashboardpagina vorig jaar, daarna"): 300,
    ("sqlite", "demo", "dashboardpagina dit jaar"): 300,
    ("postgresql", "demo", "dashboardpagina vorig jaar, daarna"): 300,
    ("postgresql", "demo", "dashboardpagina dit jaar"): 300,
}


def run_one(backend: str, scale_name: str, args: argparse.Namespace, directory: str) -> list[tuple[str, ...]]:
    dropped = None
    if args.url:
        url = args.url
        cast = json.loads(Path(args.url_cast).read_text()) if args.url_cast else None
        assert cast, "--url needs --cast (written by --keep)"
        cast = {"people": {k: UUID(v) for k, v in cast["people"].items()}, "location": UUID(cast["location"])}
    else:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(directory) / f'bench-reports-{scale_name}.sqlite'}"
        else:
            url, dropped = create_scratch_database(args.postgres, f"reports_{scale_name}")
        print(f"  {backend} {scale_name}: bouwen", flush=True)
        upgrade_database(Settings(database_url=url))
        cast = build(url, SCALES[scale_name])
    try:
        results = measure(url, cast, args.runs, explain=args.explain)
    finally:
        if args.keep and not args.url:
            keep = Path(tempfile.gettempdir()) / f"bench-reports-{backend}-{scale_name}.json"
            keep.write_text(
                json.dumps(
                    {"people": {k: str(v) for k, v in cast["people"].items()}, "location": str(cast["location"])}
                )
            )
            print(f"  bewaard: --scale {scale_name} --backends {backend} --url {url} --cast {keep}")
        elif dropped:
            drop_scratch_database(args.postgres, dropped)
    table = []
    for label, fastest, median, slowest in results:
        target = TARGETS.get((backend, scale_name, label))
        verdict = "" if target is None else ("ok" if slowest < target else "te traag")
        table.append(
            (
                backend,
                scale_name,
                label,
                f"{fastest:.0f}",
                f"{median:.0f}",
                f"{slowest:.0f}",
                f"< {target}" if target else "",
                verdict,
            )
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE every query of the summary")
    parser.add_argument("--keep", action="store_true", help="keep the database for a later --url run")
    parser.add_argument("--url", default=None, help="measure this already filled database (with --cast)")
    parser.add_argument("--cast", dest="url_cast", default=None, help="the JSON file --keep wrote")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUISKAMER_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    if args.backends is None:
        # The federation is PostgreSQL's scale; SQLite's target is the demo organisation.
        args.backends = {"federation": ["postgresql"], "demo": ["sqlite"]}.get(args.scale, ["sqlite", "postgresql"])
    install_audit_hook()
    table: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="huiskamer-bench-") as directory:
        for backend in args.backends:
            table += run_one(backend, args.scale, args, directory)
    print(f"\nbelasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")
    print("| database | schaal | verzoek | snelste (ms) | mediaan (ms) | traagste (ms) | doel | oordeel |")
    print("|---|---|---|---:|---:|---:|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
