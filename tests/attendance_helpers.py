"""Helpers for the day list and concern tests: children placed at a location as the placement service leaves them
(a child, a referral with the coordinator-only facts, an intake with goals and the practical part, a placement
with its seat claims), written directly so that a placement may have begun long ago; a cast of people with API
tokens around two locations."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.models import Attendance, Concern
from huiskamer.auth import service as auth_service
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import User
from huiskamer.config import Settings
from huiskamer.intake.models import Goal, Intake
from huiskamer.placements.models import Placement, SeatClaim
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.site.templating import today
from huiskamer.validation import WEEKDAYS
from tests.factories import in_session, make_location, make_token, make_user

ALL_DAYS = {day: 6 for day in WEEKDAYS}
# What only a coordinator may read: a youth worker's page or JSON must hold none of it.
SECRET_REASON = "Vader is bekend bij de politie wegens huiselijk geweld"
SECRET_URGENCY = "Thuissituatie zeer onrustig, jeugdzorg is betrokken"
SECRET_GUARDIAN_PHONE = "+31687654321"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Placed:
    referral_id: UUID
    placement_id: UUID
    given_name: str


async def place_child(
    db: AsyncSession,
    *,
    location_id: UUID,
    coordinator_id: UUID,
    weekdays: Sequence[str] = WEEKDAYS,
    start: date | None = None,
    end: date | None = None,
    given_name: str | None = None,
    family_name: str = "Bakker",
    age: int = 8,
    allergies: str | None = "Noten",
    safety_notes: str | None = "Mag niet met de buurman mee.",
    not_allowed_collectors: Sequence[str] = (),
) -> Placed:
    number = next(_numbers)
    given = given_name or f"Kind{number}"
    on = today()
    start = start or on - timedelta(days=60)
    now = datetime.now(UTC)
    child = Child(
        given_name=given,
        family_name=family_name,
        date_of_birth=date(on.year - age, 1, 15),
        postcode="1325 AB",
        neighbourhood="Stedenwijk",
        match_key=f"{given} {family_name}".lower(),
    )
    db.add(child)
    await db.flush()
    referral = Referral(
        child_id=child.id,
        submitted_by_id=coordinator_id,
        source="police",
        reason=SECRET_REASON,
        guardian_informed=True,
        guardian_name="M. Bakker",
        guardian_phone=SECRET_GUARDIAN_PHONE,
        requested_weekdays=list(weekdays),
        status="placed",
        submitted_at=now - timedelta(days=120),
        status_changed_at=now,
        waiting_since=start - timedelta(days=30),
        referrer_visible_change_at=now,
    )
    db.add(referral)
    await db.flush()
    db.add(ReferralLocation(referral_id=referral.id, location_id=location_id, rank=1))
    intake = Intake(
        referral_id=referral.id,
        held_on=start - timedelta(days=30),
        held_by_id=coordinator_id,
        urgency="high",
        urgency_reason=SECRET_URGENCY,
        requested_weekdays=list(weekdays),
        minimum_days=1,
        consent_data_processing=True,
        collection_persons=["M. Bakker (moeder)", "opa Bakker"],
        not_allowed_collectors=list(not_allowed_collectors),
        allergies=allergies,
        safety_notes=safety_notes,
    )
    db.add(intake)
    await db.flush()
    for position, text in enumerate(("Minder snel boos worden", "Een vriendje maken")):
        db.add(
            Goal(
                intake_id=intake.id,
                referral_id=referral.id,
                description=text,
                set_on=intake.held_on,
                position=position,
            )
        )
    placement = Placement(
        referral_id=referral.id,
        location_id=location_id,
        weekdays=list(weekdays),
        start_date=start,
        end_date=end,
        placed_by_id=coordinator_id,
    )
    db.add(placement)
    await db.flush()
    for weekday in weekdays:
        db.add(
            SeatClaim(
                location_id=location_id, weekday=weekday, start_date=start, end_date=end, placement_id=placement.id
            )
        )
    await db.flush()
    return Placed(referral.id, placement.id, given)


def placed(settings: Settings, location_id: UUID, coordinator_id: UUID, **options: Any) -> Placed:
    async def work(db: AsyncSession) -> Placed:
        return await place_child(db, location_id=location_id, coordinator_id=coordinator_id, **options)

    return in_session(settings, work)


@dataclass
class Cast:
    """Location A (six seats every day) and B; a coordinator and a youth worker of each, a beheerder and a
    referrer; user ids and API tokens."""

    settings: Settings
    a: UUID
    b: UUID
    coordinator_a: UUID
    coordinator_b: UUID
    youth_worker_a: UUID
    youth_worker_b: UUID
    admin: UUID
    referrer: UUID
    tokens: dict[str, str]

    def token(self, who: str) -> str:
        return self.tokens[who]

    def place(self, location: str = "a", **options: Any) -> Placed:
        location_id = self.a if location == "a" else self.b
        coordinator = self.coordinator_a if location == "a" else self.coordinator_b
        return placed(self.settings, location_id, coordinator, **options)


def make_cast(settings: Settings, *, with_tokens: bool = True, closure_days: tuple[date, ...] = ()) -> Cast:
    a = make_location(settings, "Huiskamer Anemoon", seats=ALL_DAYS, closure_days=closure_days)
    b = make_location(settings, "Huiskamer Berk", seats=ALL_DAYS)
    # No passwords (hashing one takes half a second): the tests log in with a session of their own.
    people = {
        "coordinator_a": make_user(settings, "coordinator", location_ids=(a,), password=None),
        "coordinator_b": make_user(settings, "coordinator", location_ids=(b,), password=None),
        "youth_worker_a": make_user(settings, "youth_worker", location_ids=(a,), password=None),
        "youth_worker_b": make_user(settings, "youth_worker", location_ids=(b,), password=None),
        "admin": make_user(settings, "admin", password=None),
        "referrer": make_user(settings, "referrer", password=None),
    }
    tokens = {name: make_token(settings, user) for name, user in people.items()} if with_tokens else {}
    return Cast(settings, a, b, tokens=tokens, **people)


def signed_in(settings: Settings, client: Any, user_id: UUID) -> Any:
    """The client carries a fresh session of this user, as after logging in."""

    async def work(db: AsyncSession) -> str:
        user = await db.get(User, user_id)
        assert user is not None
        return await auth_service.start_session(db, settings, user)

    client.cookies.set(SESSION_COOKIE, in_session(settings, work))
    return client


def rows_of(settings: Settings, model: Any, **where: Any) -> list[Any]:
    async def work(db: AsyncSession) -> list[Any]:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list((await db.scalars(query)).all())

    return in_session(settings, work)


def count_of(settings: Settings, model: Any, **where: Any) -> int:
    async def work(db: AsyncSession) -> int:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return await db.scalar(query) or 0

    return in_session(settings, work)


def attendance_rows(settings: Settings, placement_id: UUID) -> list[Attendance]:
    return rows_of(settings, Attendance, placement_id=placement_id)


def concerns_of(settings: Settings, placement_id: UUID) -> list[Concern]:
    return rows_of(settings, Concern, placement_id=placement_id)


def days_back(n: int) -> date:
    return today() - timedelta(days=n)
