"""What the intake form offers to choose from: the goal catalogue, the locations and the weekdays, each read in one
query. The brothers and sisters are searched for (``intake.siblings``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden
from huiskamer.intake import service
from huiskamer.intake.models import GoalCatalogueItem, Intake
from huiskamer.locations.models import Location
from huiskamer.referrals import service as referrals
from huiskamer.referrals.models import Referral
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS
from huiskamer.waitlist import age_on

WORKDAYS = WEEKDAYS[:5]


@dataclass(frozen=True)
class IntakeChoices:
    referral: Referral
    intake: Intake | None  # the intake recorded earlier, when there is one
    sibling_ids: list[UUID]  # brothers and sisters linked earlier
    age: int
    catalogue: Sequence[GoalCatalogueItem]
    locations: list[tuple[str, str]]  # (id, label), the coordinator's own locations first
    weekdays: list[tuple[str, str]]  # (code, Dutch name)

    @property
    def can_hold_intake(self) -> bool:
        return self.referral.status in service.INTAKE_FROM


async def _locations(db: AsyncSession, actor: Actor) -> list[tuple[str, str]]:
    locations = (await db.scalars(select(Location).where(Location.active.is_(True)).order_by(Location.name))).all()
    ordered = sorted(locations, key=lambda loc: loc.id not in actor.location_ids)
    return [
        (str(loc.id), f"{loc.name} ({', '.join(loc.neighbourhoods)})" if loc.neighbourhoods else loc.name)
        for loc in ordered
    ]


async def _weekdays(db: AsyncSession) -> list[tuple[str, str]]:
    """Monday to Friday, and a weekend day when some active location has seats on it."""
    locations = (await db.scalars(select(Location).where(Location.active.is_(True)))).all()
    open_days = {day for loc in locations for day, seats in loc.capacity_by_weekday().items() if seats > 0}
    return [(day, WEEKDAY_NAMES_NL[day]) for day in WEEKDAYS if day in WORKDAYS or day in open_days]


async def intake_choices(db: AsyncSession, actor: Actor, referral_id: UUID, today: date) -> IntakeChoices:
    """The referral (in the coordinator's scope, or 404) and everything its intake form needs."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator houdt het intakegesprek.")
    referral = await referrals.get_referral(db, actor, referral_id)
    return IntakeChoices(
        referral=referral,
        intake=await service.intake_of(db, referral.id),
        sibling_ids=await service.sibling_ids(db, referral.id),
        age=age_on(referral.child.date_of_birth, today),
        catalogue=await service.catalogue(db),
        locations=await _locations(db, actor),
        weekdays=await _weekdays(db),
    )


async def location_names(db: AsyncSession, ids: Sequence[UUID]) -> list[str]:
    """The names of these locations, in the order given."""
    names = dict((await db.execute(select(Location.id, Location.name).where(Location.id.in_(ids)))).all())
    return [names[i] for i in ids if i in names]


def list_in_dutch(items: Sequence[str]) -> str:
    """ "A", "A en B", "A, B en C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]
