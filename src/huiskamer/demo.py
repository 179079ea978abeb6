"""Demo data that looks like the real thing: an Almere welfare organisation with four huiskamers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import click
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.hook import AuditActor, acting_as
from huiskamer.auth.models import User
from huiskamer.auth.users import create_user, parse_user_input
from huiskamer.db import metadata
from huiskamer.fakes import FakeLocation, FakePerson, FakeRows, fake_referrals
from huiskamer.fakes_placements import FakeSeats, PlacementRows, fake_placements
from huiskamer.intake.models import GoalCatalogueItem
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.referrals.rules import Status

DEMO_PASSWORD = "huiskamer-demo"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    email: str
    note: str


@dataclass(frozen=True)
class DemoLocation:
    name: str
    address: str
    neighbourhoods: tuple[str, ...]
    seats: dict[str, int]


LOCATIONS = (
    DemoLocation(
        "Huiskamer De Vaart",
        "Vaartplein 12, 1323 AB Almere",
        ("Stedenwijk", "Tussen de Vaarten", "Verzetswijk", "Staatsliedenwijk"),
        {"mon": 70, "tue": 70, "wed": 45, "thu": 70, "fri": 60},
    ),
    DemoLocation(
        "Huiskamer Kruidenhof",
        "Basilicumweg 3, 1338 CH Almere",
        ("Kruidenwijk", "Parkwijk"),
        {"mon": 20, "tue": 20, "wed": 12, "thu": 20, "fri": 18},
    ),
    DemoLocation(
        "Huiskamer Muziekwijk",
        "Bachstraat 40, 1312 AK Almere",
        ("Muziekwijk", "Filmwijk", "Danswijk"),
        {"mon": 20, "tue": 20, "wed": 15, "thu": 20, "fri": 20},
    ),
    DemoLocation(
        "Huiskamer De Werven",
        "Sluis 7, 1357 NW Almere Haven",
        ("Centrum Haven", "De Werven", "De Marken", "Hoven"),
        {"mon": 18, "tue": 18, "wed": 10, "thu": 18, "fri": 16},
    ),
)

# School holidays and national holidays of the Almere region (regio midden), 2026-2027.
CLOSURES = (
    (date(2026, 12, 25), "Eerste kerstdag"),
    (date(2026, 12, 28), "Kerstvakantie"),
    (date(2026, 12, 29), "Kerstvakantie"),
    (date(2026, 12, 30), "Kerstvakantie"),
    (date(2026, 12, 31), "Oudejaarsdag"),
    (date(2027, 1, 1), "Nieuwjaarsdag"),
    (date(2027, 3, 29), "Tweede paasdag"),
    (date(2027, 4, 27), "Koningsdag"),
    (date(2027, 5, 6), "Hemelvaartsdag"),
    (date(2027, 5, 17), "Tweede pinksterdag"),
)

# (role, name, email, locations by index, organisation)
PEOPLE: tuple[tuple[str, str, str, tuple[int, ...], tuple[str, str] | None], ...] = (
    ("admin", "Els Spraakman", "beheer@deschoor.example", (), None),
    ("coordinator", "Fatima el Amrani", "f.elamrani@deschoor.example", (0,), None),
    ("coordinator", "Jeroen Visser", "j.visser@deschoor.example", (1, 2, 3), None),
    ("youth_worker", "Shailesh Ramnath", "s.ramnath@deschoor.example", (0,), None),
    ("youth_worker", "Noor de Boer", "n.deboer@deschoor.example", (0,), None),
    ("youth_worker", "Kees Jansen", "k.jansen@deschoor.example", (1,), None),
    ("youth_worker", "Priya Baldew", "p.baldew@deschoor.example", (2, 3), None),
    ("referrer", "Marieke Smit", "m.smit@regenboog.example", (), ("Basisschool De Regenboog", "school")),
    ("referrer", "Ahmed Yilmaz", "a.yilmaz@ggdflevoland.example", (), ("GGD Flevoland", "ggd")),
    ("referrer", "Sandra Bos", "s.bos@politie.example", (), ("Politie Almere, wijkteam Stad", "police")),
)

_NOTES = {
    "admin": "beheerder: locaties, capaciteit, gebruikers, audittrail",
    "coordinator": "coördinator",
    "youth_worker": "kinderwerker",
    "referrer": "verwijzer",
}


def demo_logins() -> list[DemoLogin]:
    logins = []
    for role, name, email, location_indexes, organisation in PEOPLE:
        where = ", ".join(LOCATIONS[i].name for i in location_indexes)
        note = _NOTES[role] + (f" ({where})" if where else "") + (f" ({organisation[0]})" if organisation else "")
        logins.append(DemoLogin(role=role, name=name, email=email, note=note))
    return logins


async def load_demo(session: AsyncSession) -> list[DemoLogin] | None:
    """Fills an empty database; returns None (and changes nothing) when there are users already."""
    if await session.scalar(select(func.count()).select_from(User)):
        return None
    with acting_as(AuditActor(id=None, label="demogegevens")):
        locations = []
        for demo in LOCATIONS:
            location = Location(
                name=demo.name, address=demo.address, neighbourhoods=list(demo.neighbourhoods), min_age=4, max_age=12
            )
            location.capacities = [LocationCapacity(weekday=day, seats=seats) for day, seats in demo.seats.items()]
            location.closure_days = [ClosureDay(day=day, description=text) for day, text in CLOSURES]
            session.add(location)
            locations.append(location)
        await session.flush()
        users: list[User] = []
        for role, name, email, location_indexes, organisation in PEOPLE:
            raw: dict[str, object] = {
                "email": email,
                "name": name,
                "role": role,
                "location_ids": [str(locations[i].id) for i in location_indexes],
            }
            if organisation:
                raw["organisation"] = {"name": organisation[0], "type": organisation[1]}
            users.append(await create_user(session, None, parse_user_input(raw, creating=True), password=DEMO_PASSWORD))
        await _load_referrals(session, locations, users)
    return demo_logins()


# Who refers how often: mostly the school, then the GGD and the wijkagent; coordinators on behalf of parents.
REFERRER_WEIGHTS = {"school": 6.0, "ggd": 2.0, "police": 1.5}
COORDINATOR_REFERRAL_WEIGHT = 1.5
DEMO_REFERRALS = 520
DEMO_DUPLICATES = 4
DEMO_SIBLING_PAIRS = 12
# Roughly how many end in each status: an inbox with new referrals; more children placed than the seats can hold
# (those who find no room when their turn comes stay on the waitlist), so the small huiskamers are full and the
# big one has a long waitlist; children who left over the past year.
DEMO_STATUS_WEIGHTS = {
    Status.SUBMITTED: 9,
    Status.IN_REVIEW: 7,
    Status.INTAKE_PLANNED: 6,
    Status.INTAKE_DONE: 2,
    Status.WAITLISTED: 80,
    Status.OFFERED: 16,
    Status.PLACED: 210,
    Status.CLOSED: 70,
    Status.REJECTED: 16,
    Status.WITHDRAWN: 8,
}
# Histories reach further back for the children who were placed (a year of attendance) than for the inbox.
DEMO_HISTORY_DAYS = 240
DEMO_DAYS_BY_STATUS = {Status.PLACED: 480, Status.CLOSED: 480, Status.WAITLISTED: 330}
BATCH = 1000


async def _insert(session: AsyncSession, table: str, rows: list[dict]) -> None:
    """Plain rows in batches with SQLAlchemy Core: thousands of demo rows in a moment (no audit events for
    them: nobody changed them, they were loaded as the demo)."""
    for begin in range(0, len(rows), BATCH):
        await session.execute(insert(metadata.tables[table]), rows[begin : begin + BATCH])


async def _load_referrals(session: AsyncSession, locations: list[Location], users: list[User]) -> None:
    """Referrals in every status with histories and messages over the last months, and a few possible duplicates;
    behind those past the intake: the intake with goals, siblings, offers, placements and their seat claims."""
    fake_locations = [
        FakeLocation(location.id, tuple(location.neighbourhoods), weight=float(max(demo.seats.values())))
        for location, demo in zip(locations, LOCATIONS, strict=True)
    ]
    coordinators = [
        FakePerson(u.id, u.name, "coordinator", location_ids=tuple(u.location_ids), weight=COORDINATOR_REFERRAL_WEIGHT)
        for u in users
        if u.role == "coordinator"
    ]
    referrers = [
        FakePerson(
            u.id,
            u.name,
            "referrer",
            source=u.organisation.type,
            organisation_id=u.organisation_id,
            weight=REFERRER_WEIGHTS.get(u.organisation.type, 1.0),
        )
        for u in users
        if u.role == "referrer" and u.organisation is not None
    ]
    rows = fake_referrals(
        DEMO_REFERRALS,
        locations=fake_locations,
        referrers=[*referrers, *coordinators],
        coordinators=coordinators,
        seed=20261,
        days=DEMO_HISTORY_DAYS,
        days_by_status=DEMO_DAYS_BY_STATUS,
        every_status=True,
        duplicates=DEMO_DUPLICATES,
        status_weights=DEMO_STATUS_WEIGHTS,
    )
    catalogue = {
        code: (name, dimension)
        for code, name, dimension in (
            await session.execute(
                select(GoalCatalogueItem.code, GoalCatalogueItem.name, GoalCatalogueItem.dimension).where(
                    GoalCatalogueItem.active.is_(True)
                )
            )
        ).all()
    }
    seats = [
        FakeSeats(location.id, demo.seats, location.min_age, location.max_age)
        for location, demo in zip(locations, LOCATIONS, strict=True)
    ]
    placements = fake_placements(
        rows, seats=seats, coordinators=coordinators, catalogue=catalogue, seed=20262, sibling_pairs=DEMO_SIBLING_PAIRS
    )
    await _insert_rows(session, rows, placements)


async def _insert_rows(session: AsyncSession, rows: FakeRows, placements: PlacementRows) -> None:
    # Children and referrals first: the rows after them point at them.
    for name in FakeRows.tables():
        await _insert(session, name, getattr(rows, name))
    for name in PlacementRows.tables():
        await _insert(session, name, getattr(placements, name))


def print_logins(logins: list[DemoLogin], base_url: str) -> None:
    click.echo("")
    click.echo(f"Huiskamer draait op {base_url}")
    click.echo(f"Log in met een van deze demo-accounts; het wachtwoord is voor allemaal: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.email:<34} {login.name:<20} {login.note}")
    click.echo("")
