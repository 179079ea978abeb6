"""The day list and marking attendance: who is expected at a location on a date, with the practical facts a
kinderwerker needs, and one tap per child that is stored once, however often it arrives.

Scope: coordinators and youth workers of the location; anyone else does not see the location (404), other roles
may never (403). The day list reads the practical part of a child only: never the referral's reason, urgency,
source or history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import concerns, rules
from huiskamer.attendance.models import Attendance
from huiskamer.attendance.schemas import KEEP, MarkChange
from huiskamer.audit.hook import record_view
from huiskamer.auth.actor import Actor
from huiskamer.errors import BUSY, Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.intake.models import Goal, Intake
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral
from huiskamer.waitlist import age_on

NOT_EXPECTED = "Dit kind wordt op deze dag niet op deze locatie verwacht."
NOT_YET = "Aanwezig of afwezig zonder bericht kan pas op de dag zelf worden vastgelegd. Een ziekmelding vooraf kan wel."
CLOCK_SLACK = timedelta(minutes=5)  # a phone's clock runs a little ahead of the server's


@dataclass(frozen=True)
class ChildOnList:
    """One child on the day list: the practical part only, and what was recorded for the day."""

    placement_id: UUID
    referral_id: UUID
    given_name: str
    family_name: str
    age: int
    collection_persons: tuple[str, ...]
    allergies: str | None
    safety_notes: str | None
    goals: tuple[str, ...] = ()
    status: str = "unknown"
    absence_reason: str | None = None
    absence_note: str | None = None
    arrived_at: datetime | None = None
    left_at: datetime | None = None
    collected_by: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def short_name(self) -> str:
        """First name and initial, for the paper list on the wall."""
        initial = next((part[0] for part in self.family_name.split() if part[:1].isupper()), self.family_name[:1])
        return f"{self.given_name} {initial}." if initial else self.given_name

    @property
    def mark(self) -> rules.Mark:
        return rules.mark_of(self.status, self.absence_reason)


@dataclass(frozen=True)
class DayList:
    location_id: UUID
    location_name: str
    day: date
    capacity: int
    # The closure day's description ("" when it has none); None when the location is open.
    closed: str | None
    children: list[ChildOnList] = field(default_factory=list)
    # The weekdays with seats: the days worth stepping to with "previous" and "next".
    open_weekdays: frozenset[str] = frozenset()

    @property
    def expected(self) -> int:
        return len(self.children)

    def step(self, direction: int) -> date:
        """The previous (-1) or next (+1) date on a weekday with seats (the next calendar day if none has)."""
        day = self.day + timedelta(days=direction)
        for _ in range(7):
            if not self.open_weekdays or rules.weekday_of(day) in self.open_weekdays:
                return day
            day += timedelta(days=direction)
        return self.day + timedelta(days=direction)

    def count(self, status: str) -> int:
        return sum(1 for child in self.children if child.status == status)

    @property
    def present(self) -> int:
        return self.count("present")

    @property
    def absent(self) -> int:
        return self.count("absent_excused") + self.count("absent_unexcused")

    @property
    def unknown(self) -> int:
        return self.count("unknown")


@dataclass(frozen=True)
class MarkResult:
    child: ChildOnList
    # The day's records by status after the tap (for the counts at the top of the list).
    counts: dict[str, int]
    concern: str | None  # "raised", "withdrawn" or None

    @property
    def present(self) -> int:
        return self.counts.get("present", 0)

    @property
    def absent(self) -> int:
        return self.counts.get("absent_excused", 0) + self.counts.get("absent_unexcused", 0)


# --- scope ---------------------------------------------------------------------------------------------


def require_staff_role(actor: Actor) -> None:
    if not (actor.is_coordinator or actor.is_youth_worker):
        raise Forbidden("De daglijst is er voor kinderwerkers en coördinatoren van de locatie.")


def check_staff(actor: Actor, location_id: UUID) -> None:
    """Coordinators and youth workers of this location; for anyone else it does not exist."""
    require_staff_role(actor)
    if location_id not in actor.location_ids:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")


async def staff_locations(db: AsyncSession, actor: Actor) -> list[tuple[UUID, str]]:
    """The actor's own locations (id, name), by name: the ones they can open a day list of."""
    if not (actor.is_coordinator or actor.is_youth_worker) or not actor.location_ids:
        return []
    query = select(Location.id, Location.name).where(Location.id.in_(list(actor.location_ids))).order_by(Location.name)
    return [(row.id, row.name) for row in (await db.execute(query)).all()]


# --- reading the day list ------------------------------------------------------------------------------


async def _location_on(db: AsyncSession, location_id: UUID, day: date) -> tuple[str, int, str | None]:
    """The location's name, its seats on that weekday and whether it is closed: one query."""
    weekday = rules.weekday_of(day)
    seats = (
        select(LocationCapacity.seats)
        .where(LocationCapacity.location_id == Location.id, LocationCapacity.weekday == weekday)
        .scalar_subquery()
    )
    closed = (
        select(ClosureDay.description)
        .where(ClosureDay.location_id == Location.id, ClosureDay.day == day)
        .limit(1)
        .scalar_subquery()
    )
    row = (await db.execute(select(Location.name, seats, closed).where(Location.id == location_id))).first()
    if row is None:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    return row[0], row[1] or 0, row[2]


def _children_query(location_id: UUID, day: date):
    """The placements at the location that run on ``day``, with the child, the practical part of the intake and
    the attendance of that day: one query, one row per placement."""
    return (
        select(
            Placement.id,
            Placement.referral_id,
            Placement.weekdays,
            Placement.start_date,
            Placement.end_date,
            Child.given_name,
            Child.family_name,
            Child.date_of_birth,
            Intake.collection_persons,
            Intake.allergies,
            Intake.safety_notes,
            Attendance.status,
            Attendance.absence_reason,
            Attendance.absence_note,
            Attendance.arrived_at,
            Attendance.left_at,
            Attendance.collected_by,
        )
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Child, Child.id == Referral.child_id)
        .outerjoin(Intake, Intake.referral_id == Placement.referral_id)
        .outerjoin(Attendance, and_(Attendance.placement_id == Placement.id, Attendance.day == day))
        .where(
            Placement.location_id == location_id,
            Placement.start_date <= day,
            or_(Placement.end_date.is_(None), Placement.end_date >= day),
        )
    )


async def _goals_of(db: AsyncSession, referral_ids: Sequence[UUID]) -> dict[UUID, list[str]]:
    """The active goals of these children, in their order: one query."""
    if not referral_ids:
        return {}
    query = (
        select(Goal.referral_id, Goal.description)
        .where(Goal.referral_id.in_(list(referral_ids)), Goal.status == "active")
        .order_by(Goal.referral_id, Goal.position)
    )
    goals: dict[UUID, list[str]] = {}
    for referral_id, description in (await db.execute(query)).all():
        goals.setdefault(referral_id, []).append(description)
    return goals


async def _children(
    db: AsyncSession, location_id: UUID, day: date, placement_id: UUID | None = None
) -> list[ChildOnList]:
    query = _children_query(location_id, day)
    if placement_id is not None:
        query = query.where(Placement.id == placement_id)
    rows = [row for row in (await db.execute(query)).all() if rules.is_expected_on(row, day)]
    goals = await _goals_of(db, [row.referral_id for row in rows])
    children = [
        ChildOnList(
            placement_id=row.id,
            referral_id=row.referral_id,
            given_name=row.given_name,
            family_name=row.family_name,
            age=age_on(row.date_of_birth, day),
            collection_persons=tuple(row.collection_persons or ()),
            allergies=row.allergies,
            safety_notes=row.safety_notes,
            goals=tuple(goals.get(row.referral_id, ())),
            status=row.status or "unknown",
            absence_reason=row.absence_reason,
            absence_note=row.absence_note,
            arrived_at=row.arrived_at,
            left_at=row.left_at,
            collected_by=row.collected_by,
        )
        for row in rows
    ]
    return sorted(children, key=lambda child: (child.given_name.casefold(), child.family_name.casefold()))


async def day_list(db: AsyncSession, actor: Actor, location_id: UUID, day: date, *, log_view: bool = True) -> DayList:
    """The children expected at the location on ``day`` (none on a closure day), with what was recorded. Opening
    it is recorded in the audit trail (once per list: it shows allergies and safety notes of many children)."""
    check_staff(actor, location_id)
    name, capacity, closed = await _location_on(db, location_id, day)
    children = [] if closed is not None else await _children(db, location_id, day)
    if log_view and children:
        record_view(db.sync_session, table_name="locations", record_id=str(location_id), what=f"daglijst {day}")
    seats = select(LocationCapacity.weekday).where(
        LocationCapacity.location_id == location_id, LocationCapacity.seats > 0
    )
    open_weekdays = frozenset((await db.scalars(seats)).all())
    return DayList(location_id, name, day, capacity, closed, children, open_weekdays)


async def status_counts(db: AsyncSession, location_id: UUID, day: date) -> dict[str, int]:
    """How many children have each status recorded on the day: from the index alone."""
    query = (
        select(Attendance.status, func.count())
        .where(Attendance.location_id == location_id, Attendance.day == day)
        .group_by(Attendance.status)
    )
    return {status: count for status, count in (await db.execute(query)).all()}


# --- marking -------------------------------------------------------------------------------------------


async def _placement_locked(db: AsyncSession, placement_id: UUID) -> Placement | None:
    """The placement, locked on PostgreSQL so that two phones marking the same child take turns (the concern
    rule must count each absence once). SQLite takes its write lock at the first write and holds it to commit."""
    query = select(Placement).where(Placement.id == placement_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return await db.scalar(query.execution_options(populate_existing=True))


def _check_times(record: Attendance, day: date, today: date, now: datetime) -> None:
    problems: dict[str, str] = {}
    if record.status != "present" and (record.arrived_at or record.left_at or record.collected_by):
        problems["status"] = "Tijden en wie het kind ophaalde horen alleen bij een aanwezig kind."
    latest = now + CLOCK_SLACK
    if day == today:
        if record.arrived_at and record.arrived_at > latest:
            problems["arrived_at"] = "De tijd van aankomst ligt in de toekomst."
        if record.left_at and record.left_at > latest:
            problems["left_at"] = "De tijd van vertrek ligt in de toekomst."
    if record.arrived_at and record.left_at and record.left_at < record.arrived_at:
        problems.setdefault("left_at", "Het vertrek kan niet voor de aankomst liggen.")
    if record.collected_by and not record.left_at:
        problems.setdefault("left_at", "Vul de tijd van vertrek in.")
    if problems:
        raise InvalidInput(problems)


def _apply(record: Attendance, change: MarkChange, day: date, today: date, now: datetime) -> None:
    """The rules of one record: a reason only with notice, times only for a child that is there, arrival at the
    moment of the first 'present' tap today, and a leaving time of 'now' for the one-tap 'collected by' button."""
    if change.status is not None and change.status != record.status:
        record.status = change.status
        if change.status != "present":
            record.arrived_at = record.left_at = record.collected_by = None
        elif day == today and record.arrived_at is None:
            record.arrived_at = now
    if change.status is not None:
        record.absence_reason = change.absence_reason if record.status == "absent_excused" else None
        if record.status == "present":
            record.absence_note = None
    if change.absence_note is not KEEP:
        record.absence_note = change.absence_note if record.status == "absent_excused" else None
    if change.arrived_at is not KEEP:
        record.arrived_at = change.arrived_at
    if change.left_at is not KEEP:
        record.left_at = change.left_at
    if change.collected_by is not KEEP:
        record.collected_by = change.collected_by
    if change.left_now:
        if day != today:
            raise InvalidInput({"left_at": "Vul de tijd van vertrek in."})
        record.left_at = now
    _check_times(record, day, today, now)


async def _mark_once(
    db: AsyncSession,
    actor: Actor,
    location_id: UUID,
    day: date,
    placement_id: UUID,
    change: MarkChange,
    today: date,
    now: datetime,
) -> tuple[Placement, str | None]:
    placement = await _placement_locked(db, placement_id)
    _name, _seats, closed = await _location_on(db, location_id, day)
    if placement is None or placement.location_id != location_id or closed is not None:
        raise Conflict(NOT_EXPECTED)
    if not rules.is_expected_on(placement, day):
        raise Conflict(NOT_EXPECTED)
    if day > today and change.status in ("present", "absent_unexcused"):
        raise Conflict(NOT_YET)
    record = await db.scalar(select(Attendance).where(Attendance.placement_id == placement.id, Attendance.day == day))
    before = record.status if record is not None else "unknown"
    if change.status == "unknown":
        if record is not None:
            await db.delete(record)
            await db.flush()
    else:
        if record is None:
            if change.status is None:
                raise Conflict("Markeer het kind eerst als aanwezig.")
            record = Attendance(
                placement_id=placement.id,
                referral_id=placement.referral_id,
                location_id=placement.location_id,
                day=day,
                status=change.status,
                recorded_by_id=actor.id,
            )
            record.arrived_at = now if change.status == "present" and day == today else None
            db.add(record)
        _apply(record, change, day, today, now)
        if db.is_modified(record) or record in db.new:
            record.recorded_by_id = actor.id
        await db.flush()
    after = change.status if change.status is not None else before
    outcome = None
    if "absent_unexcused" in (before, after) and before != after:
        outcome = await concerns.review_unexcused_absence(db, placement, day, now)
    return placement, outcome


async def mark(
    db: AsyncSession,
    actor: Actor,
    location_id: UUID,
    day: date,
    placement_id: UUID,
    change: MarkChange,
    *,
    today: date,
    now: datetime,
) -> MarkResult:
    """Records a tap (or the times of arrival and leaving) for one expected child: stored once per child and day,
    so the same tap twice is one record; a child not expected there that day is refused (409). A change to or
    from 'absent without notice' raises or withdraws the concern for repeated unexcused absence."""
    check_staff(actor, location_id)
    for attempt in (1, 2):
        try:
            _placement, outcome = await _mark_once(db, actor, location_id, day, placement_id, change, today, now)
            await db.commit()
            break
        except IntegrityError as error:
            # Two phones inserted the same child's day at once (SQLite reads before its write lock): the other
            # one's record is there now, so once more as an update.
            await db.rollback()
            if attempt == 2:
                raise Conflict(BUSY) from error
        except OperationalError as error:  # the write lock did not come in time: tell the phone, never a 500
            await db.rollback()
            raise Conflict(BUSY) from error
    children = await _children(db, location_id, day, placement_id)
    child = children[0] if children else None
    if child is None:  # cannot happen: it was expected a moment ago
        raise Conflict(NOT_EXPECTED)
    return MarkResult(child=child, counts=await status_counts(db, location_id, day), concern=outcome)


async def child_on_list(
    db: AsyncSession, actor: Actor, location_id: UUID, day: date, placement_id: UUID
) -> ChildOnList:
    """One child's row of the day list (to show it again with a message next to it)."""
    check_staff(actor, location_id)
    children = await _children(db, location_id, day, placement_id)
    if not children:
        raise Conflict(NOT_EXPECTED)
    return children[0]
