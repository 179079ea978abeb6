"""What a coordinator looks at for one location: capacity per day for the coming weeks, the offers and the
placements. Each is read in one query per location (never one per day or per child); the counting per day is
pure and lives at the bottom of this file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_access
from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden, InvalidInput, NotFound
from huiskamer.locations.models import Location
from huiskamer.placements import rules
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.referrals.models import Child, Referral, ReferralLocation
from huiskamer.referrals.rules import Status
from huiskamer.referrals.search import NO_SEARCH, SearchText, found_column
from huiskamer.validation import WEEKDAYS

WEEKS_SHOWN = 8
WORKDAYS = WEEKDAYS[:5]
# Decided offers and ended placements stay in view this long, so the coordinator can look back a little.
LOOK_BACK = timedelta(days=90)
MAX_ROWS = 1000


async def location_for_coordinator(db: AsyncSession, actor: Actor, location_id: UUID) -> Location:
    """One of the coordinator's own locations; any other location does not exist for them (404)."""
    if not actor.is_coordinator:
        raise Forbidden("Wachtlijst, capaciteit en plaatsingen zijn er voor coördinatoren.")
    location = await db.get(Location, location_id) if location_id in actor.location_ids else None
    if location is None:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    return location


# --- lists for the API -----------------------------------------------------------------------------

NOT_FOUND_PLACEMENT = "Deze plaatsing bestaat niet, of u heeft er geen toegang toe."
OFFER_STATUSES = ("open", "accepted", "declined", "expired", "withdrawn")


def _require_coordinator(actor: Actor) -> None:
    if not actor.is_coordinator:
        raise Forbidden("Plaatsingen en aanbiedingen zijn er voor coördinatoren.")


async def placements_of(db: AsyncSession, actor: Actor, location_id: UUID | None, limit: int) -> Sequence[Placement]:
    """The placements at the coordinator's locations (or the one asked for), the latest start first."""
    _require_coordinator(actor)
    query = (
        select(Placement)
        .where(Placement.location_id.in_(actor.own_locations(location_id)))
        .order_by(Placement.start_date.desc(), Placement.id)
        .limit(limit)
    )
    found = (await db.scalars(query)).all()
    note_access(db, "lijst van plaatsingen", placements=[placement.id for placement in found])
    return found


async def placement_of(db: AsyncSession, actor: Actor, placement_id: UUID) -> Placement:
    """One placement at one of the coordinator's locations; any other does not exist for them (404)."""
    _require_coordinator(actor)
    placement = await db.get(Placement, placement_id)
    if placement is None or placement.location_id not in actor.location_ids:
        raise NotFound(NOT_FOUND_PLACEMENT)
    return placement


async def offers_of(
    db: AsyncSession, actor: Actor, location_id: UUID | None, status: str | None, today: date, limit: int
) -> Sequence[Offer]:
    """The offers at the coordinator's locations (or the one asked for), newest first; ``status`` as
    ``offer_status`` tells it: an open offer past its respond-by date counts as expired."""
    _require_coordinator(actor)
    if status not in (None, *OFFER_STATUSES):
        raise InvalidInput({"status": "Onbekende status."})
    query = select(Offer).where(Offer.location_id.in_(actor.own_locations(location_id)))
    if status == "open":
        query = query.where(Offer.status == "open", Offer.respond_by >= today)
    elif status == "expired":
        query = query.where((Offer.status == "expired") | ((Offer.status == "open") & (Offer.respond_by < today)))
    elif status:
        query = query.where(Offer.status == status)
    return (await db.scalars(query.order_by(Offer.created_at.desc()).limit(limit))).all()


# --- the coordinator's locations at a glance -------------------------------------------------------


@dataclass(frozen=True)
class LocationSummary:
    location: Location
    waiting: int
    open_offers: int
    placed: int


async def location_summaries(db: AsyncSession, actor: Actor, today: date) -> list[LocationSummary]:
    """The coordinator's locations by name, each with how many children wait, are offered a seat, are placed."""
    if not actor.is_coordinator:
        raise Forbidden("Wachtlijst, capaciteit en plaatsingen zijn er voor coördinatoren.")
    ids = list(actor.location_ids) or [UUID(int=0)]
    locations = (await db.scalars(select(Location).where(Location.id.in_(ids)).order_by(Location.name))).all()
    waiting = dict(
        (
            await db.execute(
                select(ReferralLocation.location_id, func.count())
                .join(Referral, Referral.id == ReferralLocation.referral_id)
                .where(ReferralLocation.location_id.in_(ids), Referral.status == Status.WAITLISTED.value)
                .group_by(ReferralLocation.location_id)
            )
        ).all()
    )
    offers = dict(
        (
            await db.execute(
                select(Offer.location_id, func.count())
                .where(Offer.location_id.in_(ids), Offer.status == "open", Offer.respond_by >= today)
                .group_by(Offer.location_id)
            )
        ).all()
    )
    placed = dict(
        (
            await db.execute(
                select(Placement.location_id, func.count())
                .where(
                    Placement.location_id.in_(ids),
                    or_(Placement.end_date.is_(None), Placement.end_date >= today),
                )
                .group_by(Placement.location_id)
            )
        ).all()
    )
    return [
        LocationSummary(loc, waiting.get(loc.id, 0), offers.get(loc.id, 0), placed.get(loc.id, 0)) for loc in locations
    ]


# --- capacity per day --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A seat held on one weekday from ``start`` to ``end`` (None: open-ended), by a placement or an offer."""

    weekday: str
    start: date
    end: date | None
    by_offer: bool


@dataclass(frozen=True)
class DayCount:
    day: date
    capacity: int
    placed: int
    offered: int
    closed: str | None  # the closure day's description ("" when none was given); None when open

    @property
    def is_closed(self) -> bool:
        return self.closed is not None

    @property
    def taken(self) -> int:
        return self.placed + self.offered

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity > 0 and self.taken >= self.capacity


@dataclass(frozen=True)
class Week:
    monday: date
    days: dict[str, DayCount]  # weekday -> its count

    @property
    def number(self) -> int:
        return self.monday.isocalendar().week


@dataclass(frozen=True)
class CapacityOverview:
    location: Location
    first_day: date
    weeks: list[Week]
    weekdays: tuple[str, ...]  # the columns: Monday to Friday, and the weekend days that have seats

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=7 * len(self.weeks) - 1)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def capacity_overview(
    db: AsyncSession, actor: Actor, location_id: UUID, from_date: date, today: date, weeks: int = WEEKS_SHOWN
) -> CapacityOverview:
    """Per day for ``weeks`` weeks from the Monday of ``from_date``: capacity, placed, held by open offers, free.

    Counted as the capacity check counts: a placement holds its weekdays from its start to its end date, an
    open offer from its start date on for as long as it is open (an offer past its respond-by date holds
    nothing any more, even before the worker has marked it expired).
    """
    location = await location_for_coordinator(db, actor, location_id)
    first = monday_of(from_date)
    last = first + timedelta(days=7 * weeks - 1)
    rows = await db.execute(
        select(SeatClaim.weekday, SeatClaim.start_date, SeatClaim.end_date, SeatClaim.offer_id.is_not(None)).where(
            SeatClaim.location_id == location.id,
            SeatClaim.released_at.is_(None),
            or_(SeatClaim.expires_on.is_(None), SeatClaim.expires_on >= today),
            or_(SeatClaim.end_date.is_(None), SeatClaim.end_date >= first),
            SeatClaim.start_date <= last,
        )
    )
    claims = [Claim(weekday, start, end, bool(by_offer)) for weekday, start, end, by_offer in rows.all()]
    closures = {
        closure.day + timedelta(days=n): closure.description or ""
        for closure in location.closure_days
        if closure.last_day >= first and closure.day <= last
        for n in range(closure.days)
    }
    steps = location.capacity_steps()
    # A weekday is a column when it has seats on any day shown.
    widest = {
        weekday: max(
            rules.seats_on(steps[weekday], day) for day in (first, *(v for v, _ in steps[weekday])) if day <= last
        )
        for weekday in WEEKDAYS
    }
    return CapacityOverview(
        location=location,
        first_day=first,
        weeks=count_weeks(first, weeks, steps, claims, closures),
        weekdays=columns(widest, claims),
    )


def columns(capacity: dict[str, int], claims: Iterable[Claim]) -> tuple[str, ...]:
    """Monday to Friday always; Saturday and Sunday when the location has seats or claims on them."""
    used = {claim.weekday for claim in claims}
    return tuple(day for day in WEEKDAYS if day in WORKDAYS or capacity.get(day, 0) > 0 or day in used)


def count_weeks(
    first: date,
    weeks: int,
    steps: dict[str, list[tuple[date, int]]],
    claims: Sequence[Claim],
    closures: dict[date, str],
) -> list[Week]:
    """Counts the claims on every concrete date: a claim holds a date when it is on its weekday and within
    its start and end (inclusive); the capacity is the one valid on that date."""
    by_weekday: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_weekday[claim.weekday].append(claim)
    result = []
    for week in range(weeks):
        monday = first + timedelta(days=7 * week)
        days = {}
        for offset, weekday in enumerate(WEEKDAYS):
            day = monday + timedelta(days=offset)
            holding = [c for c in by_weekday[weekday] if c.start <= day and (c.end is None or c.end >= day)]
            offered = sum(1 for c in holding if c.by_offer)
            days[weekday] = DayCount(
                day=day,
                capacity=rules.seats_on(steps.get(weekday, ()), day),
                placed=len(holding) - offered,
                offered=offered,
                closed=closures.get(day),
            )
        result.append(Week(monday=monday, days=days))
    return result


# --- offers and placements of a location -------------------------------------------------------------


@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    child: Child
    status: str  # as it stands today: an open offer past its respond-by date is "expired"

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class LocationOffers:
    location: Location
    open: list[OfferRow]
    expired: list[OfferRow]  # past their respond-by date, recently
    decided: list[OfferRow]  # accepted, declined or withdrawn, recently


def offer_status(offer: Offer, today: date) -> str:
    return "expired" if offer.status == "open" and offer.respond_by < today else offer.status


async def location_offers(db: AsyncSession, actor: Actor, location_id: UUID, today: date) -> LocationOffers:
    """The open offers of a location (answer by the earliest date first) and those decided in the last months."""
    location = await location_for_coordinator(db, actor, location_id)
    since = today - LOOK_BACK
    changed_since = datetime.combine(since, time.min, tzinfo=UTC)
    rows = await db.execute(
        select(Offer, Child)
        .join(Referral, Referral.id == Offer.referral_id)
        .join(Child, Child.id == Referral.child_id)
        .where(
            Offer.location_id == location.id,
            or_(Offer.status == "open", Offer.respond_by >= since, Offer.updated_at >= changed_since),
        )
        .order_by(Offer.respond_by, Offer.created_at)
        .limit(MAX_ROWS)
    )
    found: dict[str, list[OfferRow]] = {"open": [], "expired": [], "decided": []}
    for offer, child in rows.all():
        status = offer_status(offer, today)
        group = status if status in ("open", "expired") else "decided"
        found[group].append(OfferRow(offer, child, status))
    found["expired"].reverse()
    found["decided"].reverse()
    return LocationOffers(location, found["open"], found["expired"], found["decided"])


@dataclass(frozen=True)
class PlacementRow:
    placement: Placement
    child: Child

    @property
    def weekdays(self) -> list[str]:
        return [day for day in WEEKDAYS if day in self.placement.weekdays]


@dataclass(frozen=True)
class LocationPlacements:
    location: Location
    current: list[PlacementRow]  # running today, or starting later (with a search: those it finds)
    ended: list[PlacementRow]  # ended in the last months, most recent first (with a search: those it finds)
    seats_by_weekday: dict[str, int]  # children placed today per weekday, found or not
    current_total: int = 0  # running or starting later, found or not
    ended_total: int = 0


async def location_placements(
    db: AsyncSession, actor: Actor, location_id: UUID, today: date, search: SearchText = NO_SEARCH
) -> LocationPlacements:
    """The placements of a location that run today or start later, by child's name; and the recently ended. A search
    keeps the children it finds; the seats taken today still count every placement."""
    location = await location_for_coordinator(db, actor, location_id)
    rows = await db.execute(
        select(Placement, Child, found_column(search))
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Child, Child.id == Referral.child_id)
        .where(
            Placement.location_id == location.id,
            or_(Placement.end_date.is_(None), Placement.end_date >= today - LOOK_BACK),
        )
        .order_by(Child.given_name, Child.family_name, Placement.start_date)
        .limit(MAX_ROWS)
    )
    current: list[PlacementRow] = []
    ended: list[PlacementRow] = []
    totals = {"current": 0, "ended": 0}
    seats = {day: 0 for day in WEEKDAYS}
    for placement, child, found in rows.all():
        row = PlacementRow(placement, child)
        if placement.end_date is not None and placement.end_date < today:
            totals["ended"] += 1
            if found:
                ended.append(row)
            continue
        totals["current"] += 1
        if found:
            current.append(row)
        if placement.start_date <= today:
            for day in placement.weekdays:
                seats[day] = seats.get(day, 0) + 1
    ended.sort(key=lambda r: r.placement.end_date or today, reverse=True)
    shown = [(row.placement.referral_id, row.child.id) for row in (*current, *ended)]
    note_access(db, f"plaatsingen {location.name}", pairs=shown)
    return LocationPlacements(location, current, ended, seats, totals["current"], totals["ended"])
