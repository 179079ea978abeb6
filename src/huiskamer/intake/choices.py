"""What the intake form offers to choose from: the goal catalogue, the locations, the weekdays, and the other
children in the coordinator's scope who may be a brother or sister. Read in one query each."""

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
from huiskamer.referrals import rules
from huiskamer.referrals import service as referrals
from huiskamer.referrals.models import Child, Referral
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS
from huiskamer.waitlist import age_on

WORKDAYS = WEEKDAYS[:5]
MAX_SIBLING_CHOICES = 2000


@dataclass(frozen=True)
class SiblingChoice:
    referral_id: UUID
    name: str
    date_of_birth: date
    status: str
    same_family_name: bool


@dataclass(frozen=True)
class IntakeChoices:
    referral: Referral
    intake: Intake | None  # the intake recorded earlier, when there is one
    sibling_ids: list[UUID]  # brothers and sisters linked earlier
    age: int
    catalogue: Sequence[GoalCatalogueItem]
    locations: list[tuple[str, str]]  # (id, label), the coordinator's own locations first
    weekdays: list[tuple[str, str]]  # (code, Dutch name)
    siblings: list[SiblingChoice]

    @property
    def can_hold_intake(self) -> bool:
        return self.referral.status in service.INTAKE_FROM


async def _sibling_choices(db: AsyncSession, actor: Actor, referral: Referral) -> list[SiblingChoice]:
    """Other children with an open referral in the coordinator's scope; the same family name first."""
    open_statuses = [status.value for status in rules.Status if status not in rules.TERMINAL]
    rows = await db.execute(
        referrals.scoped_referrals(actor)
        .with_only_columns(Referral.id, Referral.status, Child.given_name, Child.family_name, Child.date_of_birth)
        .join(Child, Child.id == Referral.child_id)
        .where(Referral.status.in_(open_statuses), Referral.child_id != referral.child_id)
        .limit(MAX_SIBLING_CHOICES)
    )
    family = referral.child.family_name.casefold()
    choices = [
        SiblingChoice(rid, f"{given} {family_name}", born, status, family_name.casefold() == family)
        for rid, status, given, family_name, born in rows.all()
    ]
    choices.sort(key=lambda c: (not c.same_family_name, c.name.split(" ")[-1].casefold(), c.name.casefold()))
    return choices


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
        siblings=await _sibling_choices(db, actor, referral),
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
