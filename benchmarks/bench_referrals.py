"""How fast are the coordinator's inbox and the referrer's portal with a city's worth of referrals?

Run: ``uv run python benchmarks/bench_referrals.py`` (both databases, 10,000 and 100,000 referrals, 50 runs).

The data come from ``huiskamer.demo.referrals`` (the demo's generator). Per 10,000 referrals, a city's worth: 40
locations (the first one large, 70 seats a day; the rest about 20), a coordinator per location, 170 referrers of
200 organisations and coordinators referring on behalf of parents, a year of histories through every status and
messages both ways. 100,000 referrals are a federation of ten such cities (400 locations): the table grows, a
coordinator's inbox (their own locations) does not. One referrer has exactly 300 referrals (the portal that is
measured). Rows are bulk inserted with SQLAlchemy Core in batches, the tables are
analysed, and then full HTTP GETs go through the app (litestar's TestClient, in process):

- the coordinator of the large location: ``GET /api/v1/referrals`` (JSON, first 500) and ``GET /aanmeldingen``
  (the inbox page: open referrals, oldest first, counts per status);
- the referrer with 300 referrals: ``GET /api/v1/referrals`` and ``GET /`` (the portal page).

Target: p95 under 100 ms for each, on SQLite (a temporary file) and on PostgreSQL (a scratch database that this
script creates and drops), and no slow-down from 10,000 to 100,000 referrals.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from bench_credentials import credentials
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huiskamer.audit.hook import install_audit_hook
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import Organisation, User, UserLocation
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.demo.referrals import POSTCODES, FakeLocation, FakePerson, FakeRows, ReferralFaker, fake_referrals
from huiskamer.locations.models import Location, LocationCapacity
from huiskamer.referrals.models import (
    Child,
    Referral,
    ReferralEvent,
    ReferralLocation,
    ReferralMessage,
    ReferralRead,
)

# A city (10,000 referrals: a few years of a city like Almere) has 40 huiskamers; 100,000 referrals are a
# federation of organisations with hundreds. A coordinator's inbox holds their locations, not the federation.
LOCATIONS_PER_10K = 40
CITIES = ("Lelystad", "Zwolle", "Amersfoort", "Utrecht", "Tilburg", "Den Haag", "Rotterdam", "Zaandam", "Leiden")
ORGANISATIONS_PER_10K = 200
REFERRERS_PER_10K = 170
PORTAL_REFERRALS = 300
BATCH = 5_000
TABLES = {
    "children": Child.__table__,
    "referrals": Referral.__table__,
    "referral_locations": ReferralLocation.__table__,
    "referral_events": ReferralEvent.__table__,
    "referral_messages": ReferralMessage.__table__,
    "referral_reads": ReferralRead.__table__,
}
SOURCES = (
    "school",
    "school",
    "school",
    "school",
    "ggd",
    "social_team",
    "police",
    "youth_mental_health",
    "gp",
    "youth_care",
)
SEED = 2026


@dataclass
class Cast:
    coordinator: UUID
    referrer: UUID
    coordinator_scope: int
    coordinator_open: int


# --- building the database -------------------------------------------------------------------------


def _uuid(faker: ReferralFaker) -> UUID:
    return faker.uuid()


async def _insert(engine: AsyncEngine, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        async with engine.begin() as connection:
            await connection.execute(insert(table), list(rows[start : start + BATCH]))


async def build(url: str, size: int, *, one_city: bool = False) -> Cast:
    """Fills an empty, migrated database with ``size`` referrals; returns who to measure as."""
    engine = create_async_engine(url)
    install_sqlite_pragmas(engine.sync_engine)
    now = datetime.now(UTC)
    faker = ReferralFaker(
        locations=[FakeLocation(UUID(int=1), ("x",))],
        referrers=[FakePerson(UUID(int=1), "x", "referrer")],
        coordinators=[FakePerson(UUID(int=1), "x", "coordinator")],
        now=now,
        seed=SEED,
    )
    neighbourhoods = list(POSTCODES)
    locations: list[FakeLocation] = []
    location_rows, capacity_rows = [], []
    for n in range(LOCATIONS_PER_10K if one_city else LOCATIONS_PER_10K * size // 10_000):
        seats = 70 if n == 0 else 20
        # Beyond one city the same neighbourhood names come back in other towns: each town has its own.
        town = "" if n < len(neighbourhoods) else f" ({CITIES[(n // len(neighbourhoods)) % len(CITIES)]} {n})"
        served = (neighbourhoods[n % len(neighbourhoods)], neighbourhoods[(n * 7 + 3) % len(neighbourhoods)])
        location = FakeLocation(_uuid(faker), tuple(name + town for name in served), weight=seats)
        locations.append(location)
        location_rows.append(
            {
                "id": location.id,
                "name": f"Huiskamer {n + 1:02d}",
                "address": "Almere",
                "neighbourhoods": list(location.neighbourhoods),
                "min_age": 4,
                "max_age": 12,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
        )
        capacity_rows += [
            {"id": _uuid(faker), "location_id": location.id, "weekday": day, "seats": seats}
            for day in ("mon", "tue", "wed", "thu", "fri")
        ]
    organisations = [
        {
            "id": _uuid(faker),
            "name": f"Organisatie {n:04d}",
            "type": SOURCES[n % len(SOURCES)],
            "created_at": now,
            "updated_at": now,
        }
        for n in range(ORGANISATIONS_PER_10K * size // 10_000)
    ]
    user_rows, link_rows = [], []
    coordinators: list[FakePerson] = []
    for n, location in enumerate(locations):
        person = FakePerson(
            _uuid(faker), f"Coördinator {n:02d}", "coordinator", location_ids=(location.id,), weight=3.0
        )
        coordinators.append(person)
        user_rows.append(
            {
                "id": person.id,
                "email": f"coordinator{n}@bench.example",
                "name": person.name,
                "role": "coordinator",
                "organisation_id": None,
                "active": True,
                "email_notifications": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        link_rows.append({"id": _uuid(faker), "user_id": person.id, "location_id": location.id})
    referrers: list[FakePerson] = []
    for n in range(max(REFERRERS_PER_10K * size // 10_000, 20)):
        organisation = organisations[n % len(organisations)]
        person = FakePerson(
            _uuid(faker),
            f"Verwijzer {n:04d}",
            "referrer",
            source=organisation["type"],
            organisation_id=organisation["id"],
        )
        referrers.append(person)
        user_rows.append(
            {
                "id": person.id,
                "email": f"verwijzer{n}@bench.example",
                "name": person.name,
                "role": "referrer",
                "organisation_id": organisation["id"],
                "active": True,
                "email_notifications": n % 3 == 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    portal = referrers[0]

    rows = fake_referrals(
        PORTAL_REFERRALS,
        locations=locations,
        referrers=[portal],
        coordinators=coordinators,
        now=now,
        seed=SEED + 1,
        days=365,
    )
    rows.extend(
        fake_referrals(
            size - PORTAL_REFERRALS,
            locations=locations,
            referrers=[*referrers[1:], *coordinators],
            coordinators=coordinators,
            now=now,
            seed=SEED + 2,
            days=365,
            duplicates=size // 200,
        )
    )

    await _insert(engine, Location.__table__, location_rows)
    await _insert(engine, LocationCapacity.__table__, capacity_rows)
    await _insert(engine, Organisation.__table__, organisations)
    await _insert(engine, User.__table__, user_rows)
    await _insert(engine, UserLocation.__table__, link_rows)
    for name in FakeRows.tables():
        await _insert(engine, TABLES[name], getattr(rows, name))
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))
    await engine.dispose()

    big = locations[0].id
    in_scope = {link["referral_id"] for link in rows.referral_locations if link["location_id"] == big}
    open_ = sum(
        1 for r in rows.referrals if r["id"] in in_scope and r["status"] not in {"closed", "rejected", "withdrawn"}
    )
    return Cast(coordinators[0].id, portal.id, len(in_scope), open_)


# --- measuring -------------------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    return sorted(values)[math.ceil(0.95 * len(values)) - 1]


def timed(client: Any, path: str, runs: int, **request: Any) -> tuple[float, float, float, int]:
    """Median and p95 in milliseconds of ``runs`` GETs (after a warm-up), the p95 of this process's CPU time
    (the app and, for SQLite, the database: on a machine shared with other work the wall time says more about
    the others than about us), and the size of the answer."""
    for _ in range(5):
        response = client.get(path, **request)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, **request)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    return statistics.median(times), _p95(times), _p95(cpu), len(response.content)


def explain_slowest(client: Any, app: Any, path: str, headers: dict[str, str], top: int = 3) -> None:
    """Prints the query plans of the slowest statements of one request (``--explain``)."""
    engine = app.state["huiskamer_alchemy"].get_engine().sync_engine
    seen: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool) -> None:
        seen.append(((time.perf_counter() - conn.info["bench_started"]) * 1000, statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "

    async def plans() -> None:
        async with app.state["huiskamer_alchemy"].get_engine().connect() as connection:
            for took, statement, params in sorted(seen, key=lambda item: -item[0])[:top]:
                print(f"      {took:6.1f} ms  {' '.join(statement.split())[:160]}")
                result = await connection.exec_driver_sql(prefix + statement, params)
                for row in result:
                    print("               " + " ".join(str(part) for part in row)[:200])

    client.blocking_portal.call(plans)


def measure(url: str, cast: Cast, runs: int, explain: bool = False) -> list[tuple[str, float, float, float, str]]:
    from litestar.testing import TestClient

    from huiskamer.app import create_server_app

    settings = Settings(
        database_url=url,
        secret_key=secrets.token_hex(32),
        dev_mode=True,
        run_worker=False,
        base_url="http://bench.local",
    )
    coordinator_token, coordinator_session = asyncio.run(credentials(url, settings, cast.coordinator))
    referrer_token, referrer_session = asyncio.run(credentials(url, settings, cast.referrer))
    results = []
    app = create_server_app(settings)
    with TestClient(app, base_url="http://bench.local") as client:
        cases = [
            ("coördinator  GET /api/v1/referrals", "/api/v1/referrals", coordinator_token, None),
            ("coördinator  GET /aanmeldingen", "/aanmeldingen", None, coordinator_session),
            ("verwijzer    GET /api/v1/referrals", "/api/v1/referrals", referrer_token, None),
            ("verwijzer    GET /", "/", None, referrer_session),
        ]
        for label, path, token, session in cases:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            client.cookies.clear()
            if session:
                client.cookies.set(SESSION_COOKIE, session)
            median, p95, cpu_p95, size = timed(client, path, runs, headers=headers)
            results.append((label, median, p95, cpu_p95, f"{size / 1024:.0f} kB"))
            if explain:
                print(f"    {label}: de traagste queries")
                explain_slowest(client, app, path, headers)
    return results


# --- databases -------------------------------------------------------------------------------------


def sqlite_url(directory: str, size: int) -> str:
    return f"sqlite+aiosqlite:///{Path(directory) / f'bench-{size}.sqlite'}"


def _sync(url: str) -> str:
    return url.replace("+asyncpg", "+psycopg")


def run_one(
    backend: str, size: int, runs: int, server: str, directory: str, explain: bool = False, one_city: bool = False
) -> list[tuple[str, ...]]:
    dropped = None
    if backend == "sqlite":
        url = sqlite_url(directory, size)
    else:
        url, dropped = create_scratch_database(server, str(size))
    try:
        upgrade_database(Settings(database_url=url))
        started = time.perf_counter()
        cast = asyncio.run(build(url, size, one_city=one_city))
        print(
            f"  {backend} {size:,}: gevuld in {time.perf_counter() - started:.0f} s; de coördinator ziet "
            f"{cast.coordinator_scope:,} aanmeldingen, {cast.coordinator_open:,} open; load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        rows = []
        for label, median, p95, cpu_p95, size_label in measure(url, cast, runs, explain):
            verdict = "ok" if p95 < 100 else "TE TRAAG"
            scope = f"{cast.coordinator_scope:,}" if label.startswith("coörd") else "300"
            rows.append(
                (
                    backend,
                    f"{size:,}",
                    scope,
                    label,
                    f"{median:.1f}",
                    f"{p95:.1f}",
                    f"{cpu_p95:.1f}",
                    size_label,
                    verdict,
                )
            )
            print(
                f"    {label:<36} mediaan {median:6.1f} ms   p95 {p95:6.1f} ms   CPU p95 {cpu_p95:6.1f} ms"
                f"   {size_label:>7}  {verdict}",
                flush=True,
            )
        return rows
    finally:
        if dropped:
            drop_scratch_database(server, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true", help="print the plans of the slowest queries")
    parser.add_argument(
        "--one-city",
        action="store_true",
        help="keep 40 locations at every size: the large location's inbox grows with the table",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("HUISKAMER_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432"),
    )
    args = parser.parse_args()
    install_audit_hook()
    table: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="huiskamer-bench-") as directory:
        for backend in args.backends:
            for size in args.sizes:
                table += run_one(backend, size, args.runs, args.postgres, directory, args.explain, args.one_city)
    print(f"\nbelasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")
    print(
        "| database | aanmeldingen | in beeld | verzoek | mediaan (ms) | p95 (ms) | CPU p95 (ms) | antwoord"
        " | < 100 ms |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
