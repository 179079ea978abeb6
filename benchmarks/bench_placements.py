"""How fast are the waitlist, the proposals, an offer and a placement at a location with 500 waiting children?

Run: ``uv run python benchmarks/bench_placements.py`` (SQLite in a temporary file and PostgreSQL in a scratch
database that the script creates and drops; 50 runs of each request).

The data: the large huiskamer De Hoven (70 seats a day, Monday to Friday) and three small ones (20 seats). At
De Hoven 500 children wait: waiting since up to a year (more of them recently), most with normal urgency, some
elevated or high, ages 4 to 12 and a few just outside, two to five requested days with a minimum, from
neighbourhoods it serves and others; a third of them also accept a small location; about 5% have a brother or
sister, some of whom are placed at De Hoven. 200 children are placed there (some ending in the coming months),
filling about 40 of the 70 seats a day, and a few offers are open. 2,000 more referrals in every other status
at the small locations make the tables look lived in. Rows go in with SQLAlchemy Core inserts; then the tables
are analysed, and full HTTP requests go through the app in process (litestar's TestClient), as the coordinator
of De Hoven:

- ``GET /api/v1/locations/{id}/waitlist``: the ranking with every explanation, as JSON;
- ``GET /locaties/{id}/wachtlijst``: the same as the coordinator's page (when the page exists);
- ``GET /api/v1/locations/{id}/proposals?start_date=…`` and the proposals page;
- ``POST /api/v1/offers`` and ``POST /api/v1/placements``: each run a different waiting child, one weekday,
  under the location lock with the capacity check over every claim.

Targets on this machine: the waitlist and the proposals under 100 ms at p95, an offer or a placement under
50 ms at p95, on both databases. ``--explain`` prints the plans of the slowest queries of each request;
``--profile`` the functions that take the most time (pyinstrument when installed, else cProfile).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import logging
import math
import os
import pstats
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from bench_credentials import FAMILY_NAMES, GIVEN_NAMES, credentials
from scratch_database import create_scratch_database, drop_scratch_database
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huiskamer.audit.hook import install_audit_hook
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import Organisation, User, UserLocation
from huiskamer.cli import upgrade_database
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.intake.models import Goal, Intake, SiblingLink
from huiskamer.locations.models import Location, LocationCapacity
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation
from huiskamer.site.templating import today

SEED = 2026
WAITING = 500
PLACED = 200
OTHER_REFERRALS = 2_000
OPEN_OFFERS = 6
BATCH = 2_000
SCHOOL_DAYS = ("mon", "tue", "wed", "thu", "fri")
NEIGHBOURHOODS = ("Stedenwijk", "Muziekwijk", "Danswijk", "Filmwijk", "Centrum", "Haven", "Kruidenwijk")
GOALS = (
    ("anger", "Minder snel boos worden", "mentaal_welbevinden"),
    ("friends", "Vriendjes maken", "meedoen"),
    ("cooperate", "Samenwerken", "meedoen"),
    ("confidence", "Zelfvertrouwen", "zingeving"),
    ("assertive", "Voor jezelf opkomen", "mentaal_welbevinden"),
)


@dataclass
class Rows:
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


@dataclass
class Cast:
    location: UUID
    coordinator: UUID
    waiting: list[UUID]


# --- building the database -------------------------------------------------------------------------


class Builder:
    def __init__(self, on: date) -> None:
        self.rnd = random.Random(SEED)
        self.on = on
        self.now = datetime.now(UTC)
        self.rows = Rows()

    def uuid(self) -> UUID:
        return UUID(int=self.rnd.getrandbits(128), version=4)

    def stamp(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 9, self.rnd.randint(0, 59), tzinfo=UTC)

    def location(self, name: str, seats: int, neighbourhoods: Sequence[str]) -> UUID:
        location_id = self.uuid()
        self.rows.add(
            "locations",
            {
                "id": location_id,
                "name": name,
                "address": "Almere",
                "active": True,
                "neighbourhoods": list(neighbourhoods),
                "min_age": 4,
                "max_age": 12,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            self.rows.add(
                "location_capacities",
                {
                    "id": self.uuid(),
                    "location_id": location_id,
                    "weekday": day,
                    "seats": seats if day in SCHOOL_DAYS else 0,
                },
            )
        return location_id

    def user(self, role: str, email: str, organisation: UUID | None = None, locations: Sequence[UUID] = ()) -> UUID:
        user_id = self.uuid()
        self.rows.add(
            "users",
            {
                "id": user_id,
                "email": email,
                "name": email.split("@")[0].title(),
                "role": role,
                "password_hash": None,
                "active": True,
                "organisation_id": organisation,
                "email_notifications": False,
                "last_login_at": None,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        for location_id in locations:
            self.rows.add("user_locations", {"id": self.uuid(), "user_id": user_id, "location_id": location_id})
        return user_id

    def referral(
        self,
        *,
        status: str,
        locations: Sequence[UUID],
        referrer: UUID,
        organisation: UUID,
        coordinator: UUID,
        waiting_since: date | None,
        age_days: int,
    ) -> tuple[UUID, list[str]]:
        rnd = self.rnd
        given, family = rnd.choice(GIVEN_NAMES), rnd.choice(FAMILY_NAMES)
        child_id, referral_id = self.uuid(), self.uuid()
        submitted = (waiting_since or self.on - timedelta(days=rnd.randint(0, 400))) - timedelta(
            days=rnd.randint(7, 40)
        )
        days = sorted(rnd.sample(SCHOOL_DAYS, rnd.choice((2, 3, 3, 3, 4, 5))), key=SCHOOL_DAYS.index)
        self.rows.add(
            "children",
            {
                "id": child_id,
                "given_name": given,
                "family_name": family,
                "date_of_birth": self.on - timedelta(days=age_days),
                "postcode": f"13{rnd.randint(10, 99)}{rnd.choice('ABCDEFGHJKLMN')}{rnd.choice('ABRTX')}",
                "neighbourhood": rnd.choice(NEIGHBOURHOODS),
                "school": "De Regenboog",
                "match_key": f"{given} {family}".lower(),
                "distinct_confirmed": False,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        self.rows.add(
            "referrals",
            {
                "id": referral_id,
                "child_id": child_id,
                "submitted_by_id": referrer,
                "organisation_id": organisation,
                "source": "school",
                "reason": "Wordt snel boos op het schoolplein en heeft weinig vriendjes.",
                "guardian_informed": True,
                "guardian_name": f"M. {family}",
                "guardian_phone": "+31612345678",
                "guardian_email": None,
                "requested_weekdays": days,
                "no_location_preference": False,
                "status": status,
                "submitted_at": self.stamp(submitted),
                "status_changed_at": self.now,
                "intake_planned_at": None,
                "waiting_since": waiting_since,
                "referrer_visible_change_at": self.now,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        for rank, location_id in enumerate(locations, 1):
            self.rows.add(
                "referral_locations",
                {"id": self.uuid(), "referral_id": referral_id, "location_id": location_id, "rank": rank},
            )
        self.event(referral_id, submitted, None, "submitted", referrer)
        if waiting_since is not None:
            self.event(referral_id, waiting_since, "intake_done", "waitlisted", coordinator)
            self.intake(referral_id, waiting_since, days, coordinator)
        return referral_id, days

    def event(self, referral_id: UUID, day: date, old: str | None, new: str, actor: UUID) -> None:
        self.rows.add(
            "referral_events",
            {
                "id": self.uuid(),
                "referral_id": referral_id,
                "at": self.stamp(day),
                "actor_id": actor,
                "actor_label": "Benchmark",
                "from_status": old,
                "to_status": new,
                "reason_code": None,
                "reason": None,
                "planned_at": None,
            },
        )

    def intake(self, referral_id: UUID, held_on: date, days: list[str], coordinator: UUID) -> None:
        rnd = self.rnd
        intake_id = self.uuid()
        urgency = rnd.choices(("normal", "elevated", "high"), weights=(80, 15, 5))[0]
        self.rows.add(
            "intakes",
            {
                "id": intake_id,
                "referral_id": referral_id,
                "held_on": held_on,
                "held_by_id": coordinator,
                "urgency": urgency,
                "urgency_reason": None if urgency == "normal" else "School maakt zich zorgen.",
                "requested_weekdays": days,
                "minimum_days": rnd.randint(1, len(days)),
                "consent_data_processing": True,
                "collection_persons": ["Moeder"],
                "allergies": None,
                "safety_notes": None,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        for position, (code, name, dimension) in enumerate(rnd.sample(GOALS, rnd.randint(1, 2))):
            self.rows.add(
                "goals",
                {
                    "id": self.uuid(),
                    "intake_id": intake_id,
                    "referral_id": referral_id,
                    "code": code,
                    "description": name,
                    "dimension": dimension,
                    "status": "active",
                    "set_on": held_on,
                    "position": position,
                    "created_at": self.now,
                    "updated_at": self.now,
                },
            )

    def placement(
        self, referral_id: UUID, location_id: UUID, days: list[str], start: date, end: date | None, coordinator: UUID
    ) -> None:
        placement_id = self.uuid()
        self.rows.add(
            "placements",
            {
                "id": placement_id,
                "referral_id": referral_id,
                "location_id": location_id,
                "offer_id": None,
                "weekdays": days,
                "start_date": start,
                "end_date": end,
                "end_reason_code": "goals_reached" if end else None,
                "placed_by_id": coordinator,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        for day in days:
            self.rows.add(
                "seat_claims",
                {
                    "id": self.uuid(),
                    "location_id": location_id,
                    "weekday": day,
                    "start_date": start,
                    "end_date": end,
                    "expires_on": None,
                    "released_at": None,
                    "placement_id": placement_id,
                    "offer_id": None,
                },
            )

    def offer(self, referral_id: UUID, location_id: UUID, day: str, start: date, coordinator: UUID) -> None:
        offer_id = self.uuid()
        respond_by = self.on + timedelta(days=7)
        self.rows.add(
            "offers",
            {
                "id": offer_id,
                "referral_id": referral_id,
                "location_id": location_id,
                "weekdays": [day],
                "start_date": start,
                "respond_by": respond_by,
                "status": "open",
                "made_by_id": coordinator,
                "decided_at": None,
                "decline_reason": None,
                "created_at": self.now,
                "updated_at": self.now,
            },
        )
        self.rows.add(
            "seat_claims",
            {
                "id": self.uuid(),
                "location_id": location_id,
                "weekday": day,
                "start_date": start,
                "end_date": None,
                "expires_on": respond_by,
                "released_at": None,
                "placement_id": None,
                "offer_id": offer_id,
            },
        )

    def sibling(self, one: UUID, other: UUID) -> None:
        for a, b in ((one, other), (other, one)):
            self.rows.add(
                "sibling_links", {"id": self.uuid(), "referral_id": a, "sibling_referral_id": b, "created_at": self.now}
            )


def build_rows(on: date) -> tuple[Rows, Cast]:
    b = Builder(on)
    rnd = b.rnd
    hoven = b.location("De Hoven", 70, ("Stedenwijk", "Muziekwijk", "Danswijk"))
    small = [
        b.location(name, 20, (hood,))
        for name, hood in (("Het Anker", "Filmwijk"), ("De Boomhut", "Centrum"), ("Het Nest", "Haven"))
    ]
    organisation = b.uuid()
    b.rows.add(
        "organisations",
        {
            "id": organisation,
            "name": "Basisschool De Regenboog",
            "type": "school",
            "created_at": b.now,
            "updated_at": b.now,
        },
    )
    referrer = b.user("referrer", "verwijzer@bench.example", organisation)
    coordinator = b.user("coordinator", "coordinator@bench.example", locations=(hoven,))
    others = b.user("coordinator", "klein@bench.example", locations=tuple(small))

    def age() -> int:
        return rnd.choice((rnd.randint(4 * 365 + 10, 12 * 365 + 300),) * 19 + (rnd.randint(3 * 365, 13 * 365 + 300),))

    # Fill about 40 of the 70 seats a day; a fifth of the placements end in the coming months. A child for whom no
    # day was left had a placement that ended before today (closed).
    load = dict.fromkeys(SCHOOL_DAYS, 0)
    placed: list[UUID] = []
    for _ in range(PLACED):
        rid, days = b.referral(
            status="placed",
            locations=[hoven],
            referrer=referrer,
            organisation=organisation,
            coordinator=coordinator,
            waiting_since=on - timedelta(days=rnd.randint(200, 700)),
            age_days=rnd.randint(5 * 365, 12 * 365),
        )
        began = on - timedelta(days=rnd.randint(30, 600))
        free = [d for d in days if load[d] < 40]
        if free:
            for d in free:
                load[d] += 1
            end = on + timedelta(days=rnd.randint(10, 150)) if rnd.random() < 0.2 else None
            b.placement(rid, hoven, free, began, end, coordinator)
            placed.append(rid)
        else:
            b.rows.tables["referrals"][-1]["status"] = "closed"
            b.placement(rid, hoven, days, began, on - timedelta(days=rnd.randint(1, 29)), coordinator)

    waiting: list[UUID] = []
    for _ in range(WAITING):
        since = on - timedelta(days=int(rnd.triangular(0, 365, 30)))
        extra = [loc for loc in small if rnd.random() < 0.12]
        locations = [hoven, *extra] if rnd.random() < 0.85 else [*extra, hoven]
        rid, _days = b.referral(
            status="waitlisted",
            locations=locations,
            referrer=referrer,
            organisation=organisation,
            coordinator=coordinator,
            waiting_since=since,
            age_days=age(),
        )
        waiting.append(rid)
    for n in range(WAITING // 20):  # brothers and sisters: half of them with one already placed
        other = placed[n] if n % 2 == 0 else waiting[-1 - n]
        b.sibling(waiting[n * 7], other)
    start = on + timedelta(days=7 - on.weekday())
    for n in range(OPEN_OFFERS):
        rid, _days = b.referral(
            status="offered",
            locations=[hoven],
            referrer=referrer,
            organisation=organisation,
            coordinator=coordinator,
            waiting_since=on - timedelta(days=100 + n),
            age_days=8 * 365,
        )
        b.offer(rid, hoven, SCHOOL_DAYS[n % 5], start, coordinator)

    statuses = ("submitted", "in_review", "intake_planned", "waitlisted", "placed", "closed", "rejected", "withdrawn")
    for _ in range(OTHER_REFERRALS):
        status = rnd.choice(statuses)
        waiting_since = (
            on - timedelta(days=rnd.randint(0, 500)) if status in ("waitlisted", "placed", "closed") else None
        )
        rid, days = b.referral(
            status=status,
            locations=[rnd.choice(small)],
            referrer=referrer,
            organisation=organisation,
            coordinator=others,
            waiting_since=waiting_since,
            age_days=rnd.randint(5 * 365, 12 * 365),
        )
        if status in ("placed", "closed"):
            location = b.rows.tables["referral_locations"][-1]["location_id"]
            b.placement(
                rid,
                location,
                days[:2],
                on - timedelta(days=rnd.randint(100, 700)),
                on - timedelta(days=rnd.randint(1, 90)) if status == "closed" else None,
                others,
            )
    return b.rows, Cast(hoven, coordinator, waiting)


TABLES = {
    "organisations": Organisation.__table__,
    "locations": Location.__table__,
    "location_capacities": LocationCapacity.__table__,
    "users": User.__table__,
    "user_locations": UserLocation.__table__,
    "children": Child.__table__,
    "referrals": Referral.__table__,
    "referral_locations": ReferralLocation.__table__,
    "referral_events": ReferralEvent.__table__,
    "intakes": Intake.__table__,
    "goals": Goal.__table__,
    "sibling_links": SiblingLink.__table__,
    "offers": Offer.__table__,
    "placements": Placement.__table__,
    "seat_claims": SeatClaim.__table__,
}


async def fill(url: str, rows: Rows) -> None:
    engine: AsyncEngine = create_async_engine(url)
    install_sqlite_pragmas(engine.sync_engine)
    try:
        for name, table in TABLES.items():
            found = rows.tables.get(name, [])
            for start in range(0, len(found), BATCH):
                async with engine.begin() as connection:
                    await connection.execute(insert(table), found[start : start + BATCH])
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


# --- measuring -------------------------------------------------------------------------------------


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[math.ceil(0.95 * len(times)) - 1]


def timed(send: Callable[[int], Any], runs: int, warm_up: int = 5) -> tuple[float, float, float, float]:
    """Median and p95 in milliseconds of ``runs`` requests after a warm-up (``send(n)`` makes request n): wall
    clock, and the CPU time of this process (the app runs in a thread of it), which shows what a request costs
    when other processes share the machine."""
    for n in range(warm_up):
        send(-1 - n)
    wall, cpu = [], []
    for n in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        send(n)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return (*percentiles(wall), *percentiles(cpu))


def profile(client: Any, send: Callable[[], Any], label: str) -> None:
    """Where one request spends its time, profiled in the thread that runs the app (pyinstrument when installed,
    else cProfile's top functions by own time)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        profiler = cProfile.Profile()
        client.blocking_portal.call(profiler.enable)
        send()
        client.blocking_portal.call(profiler.disable)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
        print(f"    profiel {label}:\n" + out.getvalue())
        return
    profiler = Profiler(interval=0.0005, async_mode="disabled")
    client.blocking_portal.call(profiler.start)
    send()
    client.blocking_portal.call(profiler.stop)
    print(f"    profiel {label}:\n" + profiler.output_text(unicode=True))


def explain(app: Any, client: Any, send: Callable[[], Any], label: str, top: int = 3) -> None:
    """Prints the plans of the slowest statements of one request."""
    engine = app.state["huiskamer_alchemy"].get_engine().sync_engine
    seen: list[tuple[float, str, Any]] = []

    def before(conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append(((time.perf_counter() - conn.info["bench_started"]) * 1000, statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    print(f"    {label}: {len(seen)} queries, {sum(t for t, _, _ in seen):.1f} ms in de database; de traagste:")
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "

    async def plans() -> None:
        async with app.state["huiskamer_alchemy"].get_engine().connect() as connection:
            for took, statement, params in sorted(seen, key=lambda item: -item[0])[:top]:
                print(f"      {took:6.1f} ms  {' '.join(statement.split())[:160]}")
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                result = await connection.exec_driver_sql(prefix + statement, params)
                for row in result:
                    print("               " + " ".join(str(part) for part in row)[:200])

    client.blocking_portal.call(plans)


def measure(
    url: str, cast: Cast, runs: int, *, explain_slow: bool, profiled: bool, freeze: bool
) -> list[tuple[str, ...]]:
    from litestar.testing import TestClient

    from huiskamer.app import create_server_app

    settings = Settings(
        database_url=url,
        secret_key=secrets.token_hex(32),
        dev_mode=True,
        run_worker=False,
        base_url="http://bench.local",
    )
    token, session = asyncio.run(credentials(url, settings, cast.coordinator))
    api = {"Authorization": f"Bearer {token}"}
    on = today()
    start = on + timedelta(days=7 - on.weekday())  # next Monday
    location = cast.location
    children = iter(cast.waiting[::-1])  # the most recent first: never one the policy would rank first anyway
    app = create_server_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    results = []
    with TestClient(app, base_url="http://bench.local") as client:
        client.cookies.set(SESSION_COOKIE, session)

        def get(path: str, headers: dict[str, str] | None = None) -> Callable[[int], Any]:
            def send(_n: int) -> Any:
                response = client.get(path, headers=headers or {})
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
                return response

            return send

        def post(path: str) -> Callable[[int], Any]:
            def send(n: int) -> Any:
                body = {
                    "referral_id": str(next(children)),
                    "location_id": str(location),
                    "weekdays": [SCHOOL_DAYS[n % 5]],
                    "start_date": start.isoformat(),
                    "respond_by": (on + timedelta(days=7)).isoformat(),
                }
                response = client.post(path, json=body, headers=api)
                assert response.status_code == 201, (path, response.status_code, response.text[:300])
                return response

            return send

        page = client.get(f"/locaties/{location}/wachtlijst")
        proposals_page = client.get(f"/locaties/{location}/voorstellen?start_date={start.isoformat()}")
        size = len(client.get(f"/api/v1/locations/{location}/waitlist", headers=api).json()["entries"])
        cases: list[tuple[str, Callable[[int], Any], float]] = [
            (f"GET waitlist (API, {size} kinderen)", get(f"/api/v1/locations/{location}/waitlist", api), 100),
            ("GET proposals (API)", get(f"/api/v1/locations/{location}/proposals?start_date={start}", api), 100),
        ]
        if page.status_code == 200:
            cases.insert(1, ("GET /locaties/…/wachtlijst (pagina)", get(f"/locaties/{location}/wachtlijst"), 100))
        else:
            print(f"    de wachtlijstpagina gaf {page.status_code}: niet gemeten")
        if proposals_page.status_code == 200:
            path = f"/locaties/{location}/voorstellen?start_date={start.isoformat()}"
            cases.append(("GET /locaties/…/voorstellen (pagina)", get(path), 100))
        if freeze:
            gc.collect()
            gc.freeze()
        cases += [
            ("POST /api/v1/offers", post("/api/v1/offers"), 50),
            ("POST /api/v1/placements", post("/api/v1/placements"), 50),
        ]
        for label, send, target in cases:
            if explain_slow:
                explain(app, client, lambda send=send: send(999), label)
            if profiled:
                profile(client, lambda send=send: send(998), label)
            median, p95, cpu_median, cpu_p95 = timed(send, runs)
            verdict = "ok" if p95 < target else "TE TRAAG"
            results.append(
                (
                    label,
                    f"{median:.1f}",
                    f"{p95:.1f}",
                    f"{cpu_median:.1f}",
                    f"{cpu_p95:.1f}",
                    f"< {target:.0f}",
                    verdict,
                )
            )
            print(
                f"    {label:<40} mediaan {median:6.1f} ms   p95 {p95:6.1f} ms   "
                f"(cpu {cpu_median:5.1f} / {cpu_p95:5.1f} ms)   doel < {target:.0f}  {verdict}",
                flush=True,
            )
    return results


# --- databases -------------------------------------------------------------------------------------


def _sync(url: str) -> str:
    return url.replace("+asyncpg", "+psycopg")


def run_one(backend: str, runs: int, server: str, directory: str, **options: bool) -> list[tuple[str, ...]]:
    dropped = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench-placements.sqlite'}"
    else:
        url, dropped = create_scratch_database(server, "placements")
    try:
        upgrade_database(Settings(database_url=url))
        started = time.perf_counter()
        rows, cast = build_rows(today())
        asyncio.run(fill(url, rows))
        counts = ", ".join(f"{len(v):,} {k}" for k, v in rows.tables.items() if k in ("referrals", "placements"))
        # A server process does not hold the benchmark's rows: they would only make the garbage collector slow.
        del rows
        gc.collect()
        print(
            f"  {backend}: gevuld in {time.perf_counter() - started:.0f} s ({counts}); load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        name = f"{backend} (gc.freeze)" if options.get("freeze") else backend
        return [(name, *row) for row in measure(url, cast, runs, **options)]
    finally:
        if dropped:
            drop_scratch_database(server, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true", help="print the plans of the slowest queries")
    parser.add_argument("--profile", action="store_true", help="profile one request of each kind")
    parser.add_argument(
        "--freeze",
        action="store_true",
        help="gc.freeze() once the app is warm, as a server could do after start-up: the garbage collector then "
        "no longer walks the ~200,000 objects of the loaded libraries in every full collection",
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
            table += run_one(
                backend,
                args.runs,
                args.postgres,
                directory,
                explain_slow=args.explain,
                profiled=args.profile,
                freeze=args.freeze,
            )
    print(f"\nbelasting van de machine (load average): {os.getloadavg()[0]:.1f} op {os.cpu_count()} cores")
    print("| database | verzoek | mediaan (ms) | p95 (ms) | cpu mediaan (ms) | cpu p95 (ms) | doel p95 | oordeel |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
