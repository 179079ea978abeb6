"""The waitlist of one location from the database, ranked by the pure policy in ``huiskamer.waitlist``.

Everything is read in a handful of queries (never one per child) and handed to ``rank``/``propose``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_access
from huiskamer.auth.actor import Actor
from huiskamer.errors import NotFound
from huiskamer.intake.models import Intake, SiblingLink
from huiskamer.locations.models import Location
from huiskamer.placements.models import Placement
from huiskamer.placements.overview import location_for_coordinator
from huiskamer.placements.service import free_by_weekday
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.referrals.rules import Status
from huiskamer.referrals.search import NO_SEARCH, SearchText, found_column
from huiskamer.waitlist import (
    Candidate,
    LocationSeats,
    PolicyConfig,
    Proposal,
    RankedEntry,
    WhyHere,
    propose,
    rank,
    why_here,
)


@dataclass(frozen=True)
class WaitingReferral:
    id: UUID
    waiting_since: date | None


@dataclass(frozen=True)
class WaitingChildFacts:
    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date
    neighbourhood: str | None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class WaitingIntake:
    held_on: date
    urgency: str
    requested_weekdays: list[str]
    minimum_days: int


@dataclass(frozen=True)
class WaitingChild:
    """What the waitlist shows of one waiting child: read as plain columns, not as full records (a long list
    would otherwise build thousands of ORM objects, with every goal and location loaded alongside)."""

    referral: WaitingReferral
    child: WaitingChildFacts
    intake: WaitingIntake
    found: bool = True  # the child matches the search (every child when there is none)


@dataclass(frozen=True)
class Waitlist:
    location: Location
    on: date
    entries: list[RankedEntry]
    children: dict[str, WaitingChild]
    candidates: list[Candidate]
    seats: LocationSeats


def policy_config() -> PolicyConfig:
    """The weights of the policy: the documented defaults (one place to change them)."""
    return PolicyConfig()


def _waiting_ids(location_id: UUID) -> Select[tuple[UUID]]:
    """The referrals waiting at this location, as a subquery (no list of hundreds of ids sent back and forth)."""
    return (
        select(Referral.id)
        .join(ReferralLocation, ReferralLocation.referral_id == Referral.id)
        .where(ReferralLocation.location_id == location_id, Referral.status == Status.WAITLISTED.value)
    )


async def _sibling_locations(db: AsyncSession, location_id: UUID, on: date) -> dict[UUID, set[str]]:
    """For each waiting child, the locations where a brother or sister holds a placement that has not ended by
    ``on``: one that starts later counts too, as the family already knows the sibling will be there
    (waitlist-policy.md)."""
    rows = await db.execute(
        select(SiblingLink.referral_id, Placement.location_id)
        .join(Placement, Placement.referral_id == SiblingLink.sibling_referral_id)
        .where(
            SiblingLink.referral_id.in_(_waiting_ids(location_id)),
            or_(Placement.end_date.is_(None), Placement.end_date >= on),
        )
    )
    found: dict[UUID, set[str]] = defaultdict(set)
    for referral_id, placed_at in rows.all():
        found[referral_id].add(str(placed_at))
    return found


async def _waiting_at(db: AsyncSession, location_id: UUID, search: SearchText) -> list[WaitingChild]:
    """Every child waiting here, each with whether it matches the search: the policy ranks them all, and a search
    only hides rows (the rank shown stays the one on the whole list)."""
    rows = await db.execute(
        select(
            Referral.id,
            Referral.waiting_since,
            Referral.child_id,
            Child.given_name,
            Child.family_name,
            Child.date_of_birth,
            Child.neighbourhood,
            Intake.held_on,
            Intake.urgency,
            Intake.requested_weekdays,
            Intake.minimum_days,
            found_column(search),
        )
        .join(Child, Child.id == Referral.child_id)
        .join(Intake, Intake.referral_id == Referral.id)
        .join(ReferralLocation, ReferralLocation.referral_id == Referral.id)
        .where(ReferralLocation.location_id == location_id, Referral.status == Status.WAITLISTED.value)
    )
    return [
        WaitingChild(
            referral=WaitingReferral(row.id, row.waiting_since),
            child=WaitingChildFacts(
                id=row.child_id,
                given_name=row.given_name,
                family_name=row.family_name,
                date_of_birth=row.date_of_birth,
                neighbourhood=row.neighbourhood,
            ),
            intake=WaitingIntake(row.held_on, row.urgency, list(row.requested_weekdays or ()), row.minimum_days),
            found=bool(row.found),
        )
        for row in rows
    ]


async def _acceptable(db: AsyncSession, location_id: UUID) -> dict[UUID, tuple[str, ...]]:
    rows = await db.execute(
        select(ReferralLocation.referral_id, ReferralLocation.location_id)
        .where(ReferralLocation.referral_id.in_(_waiting_ids(location_id)))
        .order_by(ReferralLocation.referral_id, ReferralLocation.rank)
    )
    found: dict[UUID, list[str]] = defaultdict(list)
    for referral_id, acceptable in rows.all():
        found[referral_id].append(str(acceptable))
    return {key: tuple(value) for key, value in found.items()}


def _seats(location: Location, free: dict[str, int]) -> LocationSeats:
    return LocationSeats(
        id=str(location.id),
        neighbourhoods=frozenset(location.neighbourhoods),
        min_age=location.min_age,
        max_age=location.max_age,
        free_seats=free,
    )


async def load_waitlist(
    db: AsyncSession, actor: Actor, location_id: UUID, on: date, today: date, search: SearchText = NO_SEARCH
) -> Waitlist:
    """The ranked waitlist of a location on a date, with what the explanations and the page need; a search marks
    the children it finds (``WaitingChild.found``), and only they count as seen in the access log."""
    location = await location_for_coordinator(db, actor, location_id)
    waiting = await _waiting_at(db, location.id, search)
    note_access(db, f"wachtlijst {location.name}", pairs=[(w.referral.id, w.child.id) for w in waiting if w.found])
    acceptable = await _acceptable(db, location.id)
    siblings = await _sibling_locations(db, location.id, on)
    candidates = [
        Candidate(
            id=str(w.referral.id),
            waiting_since=w.referral.waiting_since or w.intake.held_on,
            urgency=w.intake.urgency,
            date_of_birth=w.child.date_of_birth,
            neighbourhood=w.child.neighbourhood,
            location_ids=acceptable.get(w.referral.id, (str(location.id),)),
            requested_weekdays=frozenset(w.intake.requested_weekdays),
            minimum_days=w.intake.minimum_days,
            sibling_location_ids=frozenset(siblings.get(w.referral.id, set())),
        )
        for w in waiting
    ]
    seats = _seats(location, await free_by_weekday(db, location, on, today))
    entries = rank(candidates, seats, on, policy_config())
    return Waitlist(
        location=location,
        on=on,
        entries=entries,
        children={str(w.referral.id): w for w in waiting},
        candidates=candidates,
        seats=seats,
    )


async def proposals(
    db: AsyncSession, actor: Actor, location_id: UUID, start_date: date, today: date
) -> tuple[Waitlist, list[Proposal]]:
    """Who the policy proposes for the seats that are free from ``start_date``."""
    waitlist = await load_waitlist(db, actor, location_id, start_date, today)
    return waitlist, propose(waitlist.candidates, waitlist.seats, start_date, policy_config())


async def explain_position(
    db: AsyncSession, actor: Actor, location_id: UUID, referral_id: UUID, on: date, today: date
) -> tuple[Waitlist, WhyHere]:
    waitlist = await load_waitlist(db, actor, location_id, on, today)
    if str(referral_id) not in waitlist.children:
        raise NotFound("Dit kind staat niet op de wachtlijst van deze locatie.")
    return waitlist, why_here(str(referral_id), waitlist.candidates, waitlist.seats, on, policy_config())
