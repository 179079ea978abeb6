"""Helpers for the placement service tests: the actor of a user, and children put on the waitlist the way a
coordinator does it (a referral, taken into review, an intake), all through the services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from huiskamer.audit.hook import AuditActor, acting_as, install_audit_hook
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import User
from huiskamer.auth.users import create_user, parse_user_input
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas, metadata
from huiskamer.intake import service as intake_service
from huiskamer.intake.schemas import parse_intake_input
from huiskamer.locations.models import Location, LocationCapacity
from huiskamer.referrals import service as referrals
from huiskamer.referrals.rules import MoveRequest, Status
from huiskamer.referrals.schemas import parse_referral_input
from huiskamer.validation import WEEKDAYS
from tests.conftest import KEPT_TABLES
from tests.factories import SUBMITTED_LONG_AGO

T = TypeVar("T")

GIVEN_NAMES = ("Noor", "Sem", "Daan", "Lina", "Yara", "Milan", "Zoë", "Ayoub", "Fenna", "Bram", "Sara", "Mees")
FAMILY_NAMES = ("Bakker", "Yilmaz", "de Vries", "El Amrani", "Jansen", "Visser", "Ramdin", "Mulder", "Bos")


async def new_location(db: AsyncSession, name: str, seats: Mapping[str, int]) -> UUID:
    """A location for children of 4 to 12 in Stedenwijk with these seats (0 on the other weekdays)."""
    location = Location(
        name=name, address="Teststraat 1, 1325 AB Almere", neighbourhoods=["Stedenwijk"], min_age=4, max_age=12
    )
    location.capacities = [LocationCapacity(weekday=day, seats=seats.get(day, 0)) for day in WEEKDAYS]
    db.add(location)
    await db.flush()
    return location.id


async def new_actor(db: AsyncSession, role: str, email: str, location_ids: Sequence[UUID] = ()) -> Actor:
    """A user without a password (nobody logs in: hashing one costs half a second) and their actor."""
    raw: dict[str, Any] = {
        "email": email,
        "name": f"Test {role}",
        "role": role,
        "location_ids": [str(i) for i in location_ids],
    }
    if role == "referrer":
        raw["organisation"] = {"name": f"School van {email}", "type": "school"}
    user = await create_user(db, None, parse_user_input(raw, creating=True))
    return await actor_of(db, user.id)


async def empty(db: AsyncSession) -> None:
    """Every row out, as the test fixture does, but in one short transaction (TRUNCATE is slow per example)."""
    for table in reversed(metadata.sorted_tables):
        if table.name not in KEPT_TABLES:
            await db.execute(table.delete())


async def actor_of(db: AsyncSession, user_id: UUID) -> Actor:
    user = await db.get(User, user_id)
    assert user is not None
    return Actor.of(user)


def born_years_ago(today: date, years: int, days: int = 40) -> date:
    return date(today.year - years, today.month, min(today.day, 28)) - timedelta(days=days)


async def waitlisted_referral(
    db: AsyncSession,
    settings: Settings,
    *,
    referrer: Actor,
    coordinator: Actor,
    number: int,
    location_ids: Sequence[UUID],
    weekdays: Sequence[str],
    held_on: date,
    today: date,
    minimum_days: int | None = None,
    urgency: str = "normal",
    age: int = 8,
) -> UUID:
    """A child referred by ``referrer``, taken into review and given an intake by ``coordinator`` on ``held_on``:
    on the waitlist of ``location_ids`` (in that order of preference) from ``held_on``."""
    raw_referral = {
        "child": {
            "given_name": GIVEN_NAMES[number % len(GIVEN_NAMES)],
            "family_name": f"{FAMILY_NAMES[number % len(FAMILY_NAMES)]} {number}",
            "date_of_birth": born_years_ago(today, age).isoformat(),
            "postcode": "1325 AB",
            "neighbourhood": "Stedenwijk",
        },
        "guardian": {"name": "M. Ouder", "phone": "06-12345678"},
        "source": "school",
        "reason": "Wordt snel boos op het schoolplein en heeft weinig vriendjes.",
        "guardian_informed": True,
        "preferred_location_ids": [str(i) for i in location_ids],
        "requested_weekdays": list(weekdays),
    }
    referral = await referrals.submit_referral(db, referrer, settings, parse_referral_input(raw_referral, today=today))
    await referrals.move(db, coordinator, settings, referral.id, MoveRequest(to=Status.IN_REVIEW))
    referral.submitted_at -= SUBMITTED_LONG_AGO  # its intake is dated back (issue 16.8)
    raw_intake = {
        "held_on": held_on.isoformat(),
        "goals": [{"description": "Minder snel boos worden als ik verlies"}],
        "urgency": urgency,
        "urgency_reason": None if urgency == "normal" else "De school maakt zich zorgen.",
        "requested_weekdays": list(weekdays),
        "minimum_days": minimum_days,
        "preferred_location_ids": [str(i) for i in location_ids],
        "collection_persons": ["M. Ouder (moeder)"],
        "consent_data_processing": True,
    }
    names = await intake_service.catalogue_names(db)
    data = parse_intake_input(raw_intake, today=today, catalogue=names)
    await intake_service.hold_intake(db, coordinator, settings, referral.id, data, today)
    return referral.id


class Sessions:
    """``in_session`` with one engine and one event loop for many calls: a state machine opens hundreds of short
    sessions, and a new engine, loop and connection per call cost more than the work itself."""

    def __init__(self, settings: Settings) -> None:
        install_audit_hook()
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.engine = create_async_engine(settings.database_url)
        install_sqlite_pragmas(self.engine.sync_engine)
        self.maker = async_sessionmaker(self.engine, expire_on_commit=False)

    def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def go() -> T:
            async with self.maker() as session:
                with acting_as(AuditActor(id=None, label="testfactory")):
                    result = await work(session)
                    await session.commit()
                return result

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.run_until_complete(self.engine.dispose())
        self.loop.close()
