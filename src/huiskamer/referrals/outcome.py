"""What the referrer may know of the outcome of their referral (api-v1.md, "The referrer's view"): what they
submitted, the reason and the explanation the coordinator wrote for them when it was rejected or closed, and
the location and start date once the child is placed. Never the internal reason, the intake, goals, urgency,
weekdays of the placement, attendance or progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.locations.models import Location
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Referral, ReferralEvent
from huiskamer.referrals.rules import CLOSE_REASONS, REJECT_REASONS, Status

ENDED = {Status.REJECTED.value, Status.CLOSED.value}
# "Duplicate" would tell one referrer that someone else referred the same child: the referrer sees no code then,
# only what the coordinator chose to write for them.
HIDDEN_FROM_REFERRER = {"duplicate"}


@dataclass(frozen=True)
class Outcome:
    reason_code: str | None
    explanation: str | None

    @property
    def reason_name(self) -> str:
        names = {**CLOSE_REASONS, **REJECT_REASONS}
        return names.get(self.reason_code or "", "") if self.reason_code else ""


@dataclass(frozen=True)
class PlacedAt:
    location_name: str
    start_date: date


@dataclass(frozen=True)
class SubmittedLocation:
    id: UUID
    name: str


async def outcome(db: AsyncSession, referral: Referral) -> Outcome | None:
    """For a rejected or closed referral: the code and the explanation of the move that ended it."""
    if referral.status not in ENDED:
        return None
    event = await db.scalar(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id, ReferralEvent.to_status == referral.status)
        .order_by(ReferralEvent.at.desc(), ReferralEvent.id)
        .limit(1)
    )
    if event is None:
        return Outcome(None, None)
    code = None if event.reason_code in HIDDEN_FROM_REFERRER else event.reason_code
    return Outcome(code, event.explanation)


async def placed_at(db: AsyncSession, referral: Referral) -> PlacedAt | None:
    """For a placed referral: where and from when (no weekdays, no end reason)."""
    if referral.status != Status.PLACED.value:
        return None
    row = (
        await db.execute(
            select(Location.name, Placement.start_date)
            .join(Location, Location.id == Placement.location_id)
            .where(Placement.referral_id == referral.id)
            .order_by(Placement.start_date.desc())
            .limit(1)
        )
    ).first()
    return PlacedAt(row[0], row[1]) if row else None


async def preferred_locations(db: AsyncSession, referral: Referral) -> list[SubmittedLocation]:
    """The locations the referrer chose, in their order (none when they left it to us)."""
    if referral.no_location_preference:
        return []
    ids = referral.location_ids
    names = (
        dict((await db.execute(select(Location.id, Location.name).where(Location.id.in_(ids)))).all()) if ids else {}
    )
    return [SubmittedLocation(i, names.get(i, "")) for i in ids]
