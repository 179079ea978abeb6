"""Use cases for locations: who sees which, creating and changing them (capacity, closure days).

A location is never deleted: the beheerder closes it down by making it inactive, so its history stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.auth.models import User, UserLocation
from huiskamer.errors import Conflict, Forbidden, NotFound
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.locations.schemas import ClosureDayInput, LocationInput, parse_location_input
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS, FieldErrors, Parsed

__all__ = [
    "LocationConflict",
    "create_location",
    "get_location",
    "list_locations",
    "list_team",
    "parse_location_input",
    "seats_taken_by_weekday",
    "upcoming_closure_days",
    "update_location",
]

DUPLICATE_NAME = "Er is al een locatie met deze naam."


class LocationConflict(Conflict):
    """A conflict that belongs to one field of the form: the name, or the seats of one weekday."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _scoped(actor: Actor):
    """Admins see every location, referrers every active one (to choose from); staff only their own."""
    query = select(Location).order_by(Location.name)
    if actor.is_admin:
        return query
    if actor.is_referrer:
        return query.where(Location.active.is_(True))
    return query.where(Location.id.in_(actor.location_ids or [UUID(int=0)]))


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Alleen de beheerder kan locaties aanmaken en wijzigen.")


async def list_locations(db: AsyncSession, actor: Actor) -> Sequence[Location]:
    """The locations in the actor's scope, by name."""
    return (await db.scalars(_scoped(actor))).all()


async def get_location(db: AsyncSession, actor: Actor, location_id: UUID) -> Location:
    """One location in scope; anything else does not exist for this actor."""
    location = await db.scalar(_scoped(actor).where(Location.id == location_id))
    if location is None:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    return location


async def list_team(db: AsyncSession, actor: Actor, location_id: UUID) -> Sequence[User]:
    """The active coordinators and youth workers of a location in the actor's scope, coordinators first."""
    location = await get_location(db, actor, location_id)
    query = (
        select(User)
        .join(UserLocation, UserLocation.user_id == User.id)
        .where(UserLocation.location_id == location.id, User.active.is_(True))
        .order_by(User.role, User.name)
    )
    return (await db.scalars(query)).unique().all()


def upcoming_closure_days(location: Location, today: date) -> list[ClosureDay]:
    """The closures that still run today or later, earliest first."""
    return sorted((closure for closure in location.closure_days if closure.last_day >= today), key=lambda c: c.day)


async def seats_taken_by_weekday(db: AsyncSession, location_id: UUID) -> dict[str, int]:
    """The seats per weekday already promised at this location from today on (placements and open offers),
    at the busiest moment; capacity may never be lowered below this."""
    from huiskamer.placements.service import held_by_weekday  # placements builds on locations
    from huiskamer.site.templating import today

    return await held_by_weekday(db, location_id, today(), today())


async def _name_taken(db: AsyncSession, name: str, *, other_than: UUID | None = None) -> bool:
    """Whether another location has this name, whatever the case. Compared here, not with the database's lower():
    SQLite's folds ASCII letters only, so "Ôase" slipped past "ôase" (and even itself) and hit the unique index."""
    query = select(Location.name)
    if other_than is not None:
        query = query.where(Location.id != other_than)
    wanted = name.casefold()
    return any(taken.casefold() == wanted for taken in await db.scalars(query))


async def _flush(db: AsyncSession, name: str | None, *, other_than: UUID | None = None) -> None:
    """Two beheerders saving the same name at once: the unique index decides, the loser hears why."""
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        if name is not None and await _name_taken(db, name, other_than=other_than):
            raise LocationConflict(DUPLICATE_NAME, "name") from None
        raise


async def _check_name(
    db: AsyncSession, name: str | None, errors: FieldErrors, *, other_than: UUID | None = None
) -> None:
    """A taken name is a conflict (409) when it is the only problem; with other messages it joins them, next to its
    field, so the form answers everything in one round."""
    if name is None or errors.failed("name") or not await _name_taken(db, name, other_than=other_than):
        return
    if not errors:
        raise LocationConflict(DUPLICATE_NAME, "name")
    errors.add("name", DUPLICATE_NAME)


async def create_location(db: AsyncSession, actor: Actor, data: LocationInput | Parsed[LocationInput]) -> Location:
    """A new location with seats for all seven weekdays (0 where none were given); a taken name: Conflict."""
    _require_admin(actor)
    parsed = Parsed.of(data)
    await _check_name(db, parsed.value.name, parsed.errors)
    data = parsed.checked()
    assert data.name is not None and data.min_age is not None and data.max_age is not None
    capacity = data.capacity or {}
    location = Location(
        name=data.name,
        address=data.address or "",
        neighbourhoods=list(data.neighbourhoods or ()),
        min_age=data.min_age,
        max_age=data.max_age,
        active=True if data.active is None else data.active,
    )
    location.capacities = [LocationCapacity(weekday=day, seats=capacity.get(day, 0)) for day in WEEKDAYS]
    location.closure_days = [
        ClosureDay(day=closure.day, last_day=closure.until, description=closure.description or "")
        for closure in data.closure_days or ()
    ]
    db.add(location)
    await _flush(db, data.name)
    return location


async def _location_for_update(db: AsyncSession, actor: Actor, location_id: UUID) -> Location:
    """The location, locked as placements lock it: nobody takes a seat while its capacity changes."""
    from huiskamer.placements.service import lock_location  # placements builds on locations

    await lock_location(db, location_id)
    query = _scoped(actor).where(Location.id == location_id).execution_options(populate_existing=True)
    location = await db.scalar(query)
    if location is None:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    return location


async def _change_capacity(
    db: AsyncSession, location: Location, capacity: dict[str, int], valid_from: date, today: date
) -> None:
    """The given weekdays get these seats from ``valid_from`` on (until a later change of that weekday, which
    stays). Lowering is refused when on some day from then on more seats are taken than the new capacity; the
    message names that day. A row for that date is updated in place, so the audit shows old → new."""
    from huiskamer.placements import rules
    from huiskamer.placements.service import claims_by_weekday  # placements builds on locations
    from huiskamer.site.templating import dutch_date

    steps = location.capacity_steps()
    intervals = await claims_by_weekday(db, location.id, valid_from, today)
    for weekday, seats in capacity.items():
        old = rules.seats_on(steps[weekday], valid_from)
        if seats >= old:
            continue
        new_steps = sorted([step for step in steps[weekday] if step[0] != valid_from] + [(valid_from, seats)])
        _least, short = rules.first_short(weekday, intervals[weekday], new_steps, valid_from)
        if short is not None:
            taken = sum(1 for start, end in intervals[weekday] if start <= short and (end is None or end >= short))
            raise LocationConflict(
                f"Op {dutch_date(short)} zijn al {taken} plaatsen bezet; de capaciteit op "
                f"{WEEKDAY_NAMES_NL[weekday]} kan vanaf {dutch_date(valid_from)} niet lager worden dan {taken}.",
                f"capacity.{weekday}",
            )
    rows = {(row.weekday, row.valid_from): row for row in location.capacities}
    for weekday, seats in capacity.items():
        row = rows.get((weekday, valid_from))
        if row is not None:
            if row.seats != seats:
                row.seats = seats
        elif rules.seats_on(steps[weekday], valid_from) != seats or not steps[weekday]:
            location.capacities.append(LocationCapacity(weekday=weekday, seats=seats, valid_from=valid_from))


async def _change_closure_days(db: AsyncSession, location: Location, days: Sequence[ClosureDayInput]) -> None:
    """The list replaces the stored one: closures not in it are removed, new ones added, last days and
    descriptions updated (one sent without a description keeps the one it has)."""
    wanted = {closure.day: closure for closure in days}
    for row in list(location.closure_days):
        closure = wanted.get(row.day)
        if closure is None:
            location.closure_days.remove(row)
            await db.delete(row)
            continue
        if closure.description is not None and row.description != closure.description:
            row.description = closure.description
        if row.last_day != closure.until:
            row.last_day = closure.until
    stored = {row.day for row in location.closure_days}
    for closure in days:
        if closure.day not in stored:
            location.closure_days.append(
                ClosureDay(day=closure.day, last_day=closure.until, description=closure.description or "")
            )
    location.closure_days.sort(key=lambda row: row.day)


def _check_change(location: Location, data: LocationInput, errors: FieldErrors, today: date) -> None:
    """The rules of a change on the fields that were read: the ages against the stored ones, and a capacity that
    starts today or later."""
    if not errors.failed("min_age", "max_age"):
        min_age = location.min_age if data.min_age is None else data.min_age
        max_age = location.max_age if data.max_age is None else data.max_age
        if max_age < min_age:
            field = "max_age" if data.max_age is not None else "min_age"
            errors.add(
                field, f"De hoogste leeftijd ({max_age}) mag niet lager zijn dan de laagste leeftijd ({min_age})."
            )
    valid_from = data.capacity_valid_from
    if data.capacity and valid_from is not None and valid_from < today:
        errors.add("capacity_valid_from", "Een capaciteit kan niet in het verleden ingaan.")


async def update_location(
    db: AsyncSession, actor: Actor, location_id: UUID, data: LocationInput | Parsed[LocationInput]
) -> Location:
    """Changes the fields that are given; capacity never drops below the seats already taken (Conflict).
    One round: every rule on the fields that were read, then every message at once."""
    from huiskamer.site.templating import today

    _require_admin(actor)
    parsed = Parsed.of(data)
    try:
        location = await _location_for_update(db, actor, location_id)
    except NotFound:
        parsed.errors.raise_if_any()  # a mistake in the input is answered first, as before one round
        raise
    now = today()
    _check_change(location, parsed.value, parsed.errors, now)
    if parsed.value.name != location.name:
        await _check_name(db, parsed.value.name, parsed.errors, other_than=location.id)
    data = parsed.checked()
    if data.name is not None and data.name != location.name:
        location.name = data.name
    min_age = location.min_age if data.min_age is None else data.min_age
    max_age = location.max_age if data.max_age is None else data.max_age
    if (min_age, max_age) != (location.min_age, location.max_age):
        location.min_age, location.max_age = min_age, max_age
    if data.address is not None:
        location.address = data.address
    if data.neighbourhoods is not None and list(data.neighbourhoods) != list(location.neighbourhoods or []):
        location.neighbourhoods = list(data.neighbourhoods)
    if data.capacity:
        await _change_capacity(db, location, data.capacity, data.capacity_valid_from or now, now)
    if data.closure_days is not None:
        await _change_closure_days(db, location, data.closure_days)
    if data.active is not None:
        location.active = data.active
    await _flush(db, data.name, other_than=location_id)
    return location


# --- closures, managed by the location's coordinators (and the beheerder) --------------------------


async def closures_location(db: AsyncSession, actor: Actor, location_id: UUID) -> Location:
    """The location whose closures the actor manages: the beheerder any, a coordinator their own; a youth worker
    may look (Forbidden), anyone else finds nothing."""
    location = await get_location(db, actor, location_id)
    if not (actor.is_admin or actor.is_coordinator):
        raise Forbidden("Alleen de coördinator van deze locatie en de beheerder beheren de sluitingsdagen.")
    return location


async def save_closures(
    db: AsyncSession,
    actor: Actor,
    location_id: UUID,
    closures: Sequence[ClosureDayInput] | Parsed[dict[int, ClosureDayInput]],
    today: date,
) -> Location:
    """The closures that run today or later become exactly these; closures that ended before today stay (they
    are history, counted in reports). A closure may not end before today nor overlap one that has ended.
    ``closures``: a list, or the rows of the form as read (by number); every row is checked in one round."""
    await closures_location(db, actor, location_id)
    location = await _location_for_update(db, actor, location_id)
    parsed = closures if isinstance(closures, Parsed) else Parsed.of(dict(enumerate(closures)))
    problems = parsed.errors
    past = [row for row in location.closure_days if row.last_day < today]
    for number, closure in parsed.value.items():
        if problems.failed(f"first.{number}", f"last.{number}"):
            continue
        if closure.until < today:
            problems.add(
                f"last.{number}" if closure.last_day else f"first.{number}",
                "Deze sluiting ligt helemaal in het verleden; kies een datum vanaf vandaag.",
            )
        elif any(row.day <= closure.until and closure.day <= row.last_day for row in past):
            problems.add(f"first.{number}", "Deze periode overlapt een sluiting die al voorbij is; begin later.")
    closures = list(parsed.checked().values())
    kept = [ClosureDayInput(day=row.day, description=row.description, last_day=row.last_day) for row in past]
    await _change_closure_days(db, location, [*kept, *closures])
    await db.flush()
    return location
