"""Puts the demo organisation into an empty database: its huiskamers and people through the models and the users'
service, then months of referrals and what followed them (``demo.referrals``, ``demo.placements``,
``demo.attendance``) as plain rows in bulk. Why bulk and not through the import: see the package's docstring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.hook import AuditActor, acting_as
from huiskamer.auth.models import User
from huiskamer.auth.secrets import hash_password
from huiskamer.auth.users import create_user, parse_user_input
from huiskamer.db import metadata
from huiskamer.demo.attendance import StaffOf, fake_life
from huiskamer.demo.organisation import (
    DEMO_PASSWORD,
    LOCATIONS,
    PEOPLE,
    DemoLogin,
    closures_between,
    demo_logins,
)
from huiskamer.demo.placements import FakeSeats, fake_placements
from huiskamer.demo.referrals import FakeLocation, FakePerson, fake_referrals
from huiskamer.intake.models import GoalCatalogueItem
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.referrals.rules import Status
from huiskamer.site.templating import today as amsterdam_today


async def load_demo(session: AsyncSession) -> list[DemoLogin] | None:
    """Fills an empty database; returns None (and changes nothing) when there are users already."""
    if await session.scalar(select(func.count()).select_from(User)):
        return None
    with acting_as(AuditActor(id=None, label="demogegevens")):
        locations, users = await load_organisation(session)
        await insert_rows(session, await demo_rows(session, locations, users))
    return demo_logins()


async def load_organisation(session: AsyncSession) -> tuple[list[Location], list[User]]:
    """The huiskamers with their seats and closure days (as models, so the audit trail has them) and the people
    (through the users' service, with the demo password)."""
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
    return locations, users


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
# How far the closure days reach around today: the past year of attendance, and the year ahead.
CLOSURE_REACH = timedelta(days=400)
BATCH = 1000


async def insert_rows(session: AsyncSession, tables: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """Plain rows per table, in batches with SQLAlchemy Core: thousands of demo rows in a moment (no audit events
    for them: nobody changed them, they were loaded as the demo)."""
    for table, rows in tables:
        for begin in range(0, len(rows), BATCH):
            await session.execute(insert(metadata.tables[table]), rows[begin : begin + BATCH])


async def demo_rows(
    session: AsyncSession, locations: list[Location], users: list[User]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Referrals in every status with histories and messages over the last months, and a few possible duplicates;
    behind those past the intake: the intake with goals, siblings, offers, placements and their seat claims; and
    the placed children's past year: attendance, concerns, progress notes and evaluations. Rows per table, in the
    order they are inserted."""
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
    return [(name, getattr(part, name)) for part in (rows, placements, life) for name in part.tables()]
