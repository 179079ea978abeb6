"""Demo data that looks like the real thing: an Almere welfare organisation with four huiskamers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import click
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.hook import AuditActor, acting_as
from huiskamer.auth.models import User
from huiskamer.auth.secrets import hash_password
from huiskamer.auth.users import create_user, parse_user_input
from huiskamer.db import metadata
from huiskamer.demo.attendance import StaffOf, fake_life
from huiskamer.demo.placements import FakeSeats, fake_placements
from huiskamer.demo.referrals import FakeLocation, FakePerson, fake_referrals
from huiskamer.intake.models import GoalCatalogueItem
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.referrals.rules import Status
from huiskamer.site.templating import today as amsterdam_today

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
    fill_to: float = 1.0  # the share of the seats the coordinator keeps filled from the waitlist


LOCATIONS = (
    DemoLocation(
        "Huiskamer De Vaart",
        "Vaartplein 12, 1323 AB Almere",
        ("Stedenwijk", "Tussen de Vaarten", "Verzetswijk", "Staatsliedenwijk"),
        {"mon": 70, "tue": 70, "wed": 45, "thu": 70, "fri": 60},
        fill_to=0.94,
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

# How far the closure days reach around today: the past year of attendance, and the year ahead.
CLOSURE_REACH = timedelta(days=400)


def easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm, with its own letters)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def closures_between(first: date, last: date) -> list[tuple[date, str]]:
    """The days the huiskamers close, Monday to Friday: national holidays, the week between Christmas and New
    Year, and two weeks in the summer holiday (from the first Monday of August)."""
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        sunday = easter(year)
        kings = date(year, 4, 27) if date(year, 4, 27).weekday() != 6 else date(year, 4, 26)
        summer = date(year, 8, 1) + timedelta(days=(7 - date(year, 8, 1).weekday()) % 7)
        days = [
            (date(year, 1, 1), "Nieuwjaarsdag"),
            (sunday + timedelta(days=1), "Tweede paasdag"),
            (kings, "Koningsdag"),
            (sunday + timedelta(days=39), "Hemelvaartsdag"),
            (sunday + timedelta(days=50), "Tweede pinksterdag"),
            *((summer + timedelta(days=n), "Zomersluiting") for n in range(12)),
            (date(year, 12, 25), "Eerste kerstdag"),
            (date(year, 12, 26), "Tweede kerstdag"),
            *((date(year, 12, n), "Kerstvakantie") for n in range(27, 31)),
            (date(year, 12, 31), "Oudejaarsdag"),
        ]
        for day, text in days:
            if first <= day <= last and day.weekday() < 5:
                found.setdefault(day, text)
    return sorted(found.items())


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
        today = amsterdam_today()
        closures = closures_between(today - CLOSURE_REACH, today + CLOSURE_REACH)
        locations = []
        for demo in LOCATIONS:
            location = Location(
                name=demo.name, address=demo.address, neighbourhoods=list(demo.neighbourhoods), min_age=4, max_age=12
            )
            location.capacities = [LocationCapacity(weekday=day, seats=seats) for day, seats in demo.seats.items()]
            location.closure_days = [ClosureDay(day=day, last_day=day, description=text) for day, text in closures]
            session.add(location)
            locations.append(location)
        await session.flush()
        users: list[User] = []
        password_hash = hash_password(DEMO_PASSWORD)
        for role, name, email, location_indexes, organisation in PEOPLE:
            raw: dict[str, object] = {
                "email": email,
                "name": name,
                "role": role,
                "location_ids": [str(locations[i].id) for i in location_indexes],
            }
            if organisation:
                raw["organisation"] = {"name": organisation[0], "type": organisation[1]}
            user = await create_user(session, None, parse_user_input(raw, creating=True))
            user.password_hash = password_hash  # one hash for all: argon2 is slow on purpose
            users.append(user)
        await _load_referrals(session, locations, users)
    return demo_logins()


# Who refers how often: mostly the school, then the GGD and the wijkagent; coordinators on behalf of parents.
REFERRER_WEIGHTS = {"school": 6.0, "ggd": 2.0, "police": 1.5}
COORDINATOR_REFERRAL_WEIGHT = 1.5
DEMO_REFERRALS = 560
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
    Status.WAITLISTED: 120,
    Status.OFFERED: 16,
    Status.PLACED: 210,
    Status.CLOSED: 70,
    Status.REJECTED: 16,
    Status.WITHDRAWN: 8,
}
# Histories reach further back for the children who were placed (a year of attendance) than for the inbox.
DEMO_HISTORY_DAYS = 240
DEMO_DAYS_BY_STATUS = {Status.PLACED: 480, Status.CLOSED: 480, Status.WAITLISTED: 330}
DEMO_ATTENDANCE_DAYS = 365
BATCH = 1000


async def _insert(session: AsyncSession, table: str, rows: list[dict]) -> None:
    """Plain rows in batches with SQLAlchemy Core: thousands of demo rows in a moment (no audit events for
    them: nobody changed them, they were loaded as the demo)."""
    for begin in range(0, len(rows), BATCH):
        await session.execute(insert(metadata.tables[table]), rows[begin : begin + BATCH])


async def _load_referrals(session: AsyncSession, locations: list[Location], users: list[User]) -> None:
    """Referrals in every status with histories and messages over the last months, and a few possible duplicates;
    behind those past the intake: the intake with goals, siblings, offers, placements and their seat claims; and
    the placed children's past year: attendance, concerns, progress notes and evaluations."""
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
    # Every huiskamer gives a seat that came free to a waiting child within weeks (the big one keeps a few seats a
    # day in hand); what stays free came free in the last weeks, or is on a day too few waiting families ask for.
    seats = [
        FakeSeats(location.id, demo.seats, location.min_age, location.max_age, fill_to=demo.fill_to)
        for location, demo in zip(locations, LOCATIONS, strict=True)
    ]
    placements = fake_placements(
        rows, seats=seats, coordinators=coordinators, catalogue=catalogue, seed=20262, sibling_pairs=DEMO_SIBLING_PAIRS
    )
    children = {child["id"]: child for child in rows.children}
    staff = StaffOf(
        youth_workers={
            loc.id: [u.id for u in users if u.role == "youth_worker" and loc.id in u.location_ids] for loc in locations
        },
        coordinators={
            loc.id: [u.id for u in users if u.role == "coordinator" and loc.id in u.location_ids] for loc in locations
        },
    )
    # A year of attendance, concerns and progress (the evaluations change the goals' status and wording).
    life = fake_life(
        placements=placements.placements,
        goals=placements.goals,
        intakes=placements.intakes,
        given_names={ref["id"]: children[ref["child_id"]]["given_name"] for ref in rows.referrals},
        closures={
            loc.id: {closure.day + timedelta(days=n) for closure in loc.closure_days for n in range(closure.days)}
            for loc in locations
        },
        staff=staff,
        seed=20263,
        days=DEMO_ATTENDANCE_DAYS,
    )
    # Children and referrals first: the rows after them point at them.
    for part in (rows, placements, life):
        for name in part.tables():
            await _insert(session, name, getattr(part, name))


def print_logins(logins: list[DemoLogin], base_url: str) -> None:
    click.echo("")
    click.echo(f"Huiskamer draait op {base_url}")
    click.echo(f"Log in met een van deze demo-accounts; het wachtwoord is voor allemaal: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.email:<34} {login.name:<20} {login.note}")
    click.echo("")
