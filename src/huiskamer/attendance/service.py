"""The day list: who is expected at a location on a date, with the practical facts a kinderwerker needs and what
was recorded (marking a child's day is ``attendance.marking``).

Scope: coordinators and youth workers of the location; anyone else does not see the location (404), other roles
may never (403). The day list reads the practical part of a child only: never the referral's reason, urgency,
source or history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Date, and_, bindparam, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import rules
from huiskamer.attendance.models import Attendance, AttendanceTap
from huiskamer.audit.access import note_access
from huiskamer.auth.actor import Actor
from huiskamer.errors import Conflict, Forbidden, NotFound
from huiskamer.intake.models import Goal, Intake
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral
from huiskamer.site.templating import AMSTERDAM, short_id
from huiskamer.text import folded_words
from huiskamer.waitlist import age_on

NOT_EXPECTED = "Dit kind wordt op deze dag niet op deze locatie verwacht."


@dataclass(frozen=True)
class ChildOnList:
    """One child on the day list: the practical part only, and what was recorded for the day."""

    placement_id: UUID
    referral_id: UUID
    child_id: UUID
    given_name: str
    family_name: str
    age: int
    collection_persons: tuple[str, ...]
    allergies: str | None
    safety_notes: str | None
    goals: tuple[str, ...] = ()
    not_allowed_collectors: tuple[str, ...] = ()
    # The phone's moment of the tap that stands (None: nothing tapped yet): a phone that shows its own queued
    # taps on a list it kept shows only those that are later.
    tapped_at: datetime | None = None
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

    @property
    def search_key(self) -> str:
        """The name as the list's search box compares it: lower case, without accents ("ozt" finds Öztürk)."""
        return " ".join(folded_words(self.full_name))

    @property
    def absent(self) -> bool:
        return self.status in ("absent_excused", "absent_unexcused")

    @property
    def key(self) -> str:
        """The child's key in the day list's form: the placement id in 22 characters."""
        return short_id(self.placement_id)

    @property
    def arrived(self) -> str:
        return clock(self.arrived_at)

    @property
    def left(self) -> str:
        return clock(self.left_at)

    @property
    def status_line(self) -> str:
        """The status as the child's line says it (daglijst.js writes the same words for a tap not yet sent)."""
        if self.status == "present":
            if self.left_at:
                return f"weg {self.left}" + (f" met {self.collected_by}" if self.collected_by else "")
            return "aanwezig" + (f" sinds {self.arrived}" if self.arrived_at else "")
        if self.status == "absent_excused":
            return "afwezig: " + rules.ABSENCE_REASON_NAMES_NL.get(self.absence_reason or "", "met bericht")
        return rules.STATUS_NAMES_NL[self.status]


def clock(moment: datetime | None) -> str:
    """A time of the day in Amsterdam as uu:mm ("" for none): what a time field shows."""
    return moment.astimezone(AMSTERDAM).strftime("%H:%M") if moment else ""


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


async def location_of_placement(db: AsyncSession, actor: Actor, placement_id: UUID) -> UUID:
    """The location of a placement at one of the actor's locations; any other is not found (404)."""
    require_staff_role(actor)
    location = await db.scalar(
        select(Placement.location_id).where(
            Placement.id == placement_id, Placement.location_id.in_(list(actor.location_ids))
        )
    )
    if location is None:
        raise NotFound("Dit kind staat niet op de daglijst van uw locatie.")
    return location


async def staff_locations(db: AsyncSession, actor: Actor) -> list[tuple[UUID, str]]:
    """The actor's own locations (id, name), by name: the ones they can open a day list of."""
    if not (actor.is_coordinator or actor.is_youth_worker) or not actor.location_ids:
        return []
    query = select(Location.id, Location.name).where(Location.id.in_(list(actor.location_ids))).order_by(Location.name)
    return [(row.id, row.name) for row in (await db.execute(query)).all()]


# --- reading the day list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LocationDay:
    name: str
    seats: int
    closed: str | None
    open_weekdays: frozenset[str]


def _closure(location_id: Any, day: date):
    return (
        select(ClosureDay.description)
        .where(ClosureDay.location_id == location_id, ClosureDay.day <= day, ClosureDay.last_day >= day)
        .limit(1)
        .scalar_subquery()
    )


@cache
def _location_statement():
    """Built once: SQLAlchemy then keeps the statement's cache key, and every request only binds its values."""
    return (
        select(
            Location.name,
            _closure(Location.id, bindparam("day", type_=Date)),
            LocationCapacity.weekday,
            LocationCapacity.seats,
            LocationCapacity.valid_from,
        )
        .outerjoin(
            LocationCapacity,
            and_(
                LocationCapacity.location_id == Location.id,
                LocationCapacity.valid_from <= bindparam("day", type_=Date),
            ),
        )
        .where(Location.id == bindparam("location_id"))
    )


async def _location_on(db: AsyncSession, location_id: UUID, day: date) -> _LocationDay:
    """The location's name, its seats per weekday and whether it is closed on ``day``: one query."""
    connection = await db.connection()
    rows = (await connection.execute(_location_statement(), {"location_id": location_id, "day": day})).all()
    if not rows:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    # The capacity valid on that day: per weekday the latest row that started by then.
    seats = {
        row.weekday: row.seats or 0
        for row in sorted(rows, key=lambda row: row.valid_from or date.min)
        if row.weekday is not None
    }
    open_weekdays = frozenset(weekday for weekday, count in seats.items() if count > 0)
    return _LocationDay(rows[0][0], seats.get(rules.weekday_of(day), 0), rows[0][1], open_weekdays)


@cache
def _children_statement(dialect: str, one: bool):
    """The placements at the location (``location_id``) that run on ``day``, with the child, the practical part of
    the intake, the active goals and the attendance of that day: one query, one row per placement (``one``: only
    ``placement_id``'s). Built once per kind, so that SQLAlchemy keeps its cache key; a request binds its values
    and reads plain rows (no ORM loading for 70 rows of columns)."""
    day = bindparam("day", type_=Date)
    query = (
        select(
            Placement.id,
            Placement.referral_id,
            Referral.child_id,
            Placement.weekdays,
            Placement.start_date,
            Placement.end_date,
            Child.given_name,
            Child.family_name,
            Child.date_of_birth,
            Intake.collection_persons,
            Intake.not_allowed_collectors,
            Intake.allergies,
            Intake.safety_notes,
            Attendance.status,
            Attendance.absence_reason,
            Attendance.absence_note,
            Attendance.arrived_at,
            Attendance.left_at,
            Attendance.collected_by,
            select(func.max(AttendanceTap.tapped_at))
            .where(AttendanceTap.placement_id == Placement.id, AttendanceTap.day == day)
            .scalar_subquery()
            .label("tapped_at"),
            _active_goals(dialect).label("goals"),
        )
        .join(Referral, Referral.id == Placement.referral_id)
        .join(Child, Child.id == Referral.child_id)
        .outerjoin(Intake, Intake.referral_id == Placement.referral_id)
        .outerjoin(Attendance, and_(Attendance.placement_id == Placement.id, Attendance.day == day))
        .where(
            Placement.location_id == bindparam("location_id"),
            Placement.start_date <= day,
            or_(Placement.end_date.is_(None), Placement.end_date >= day),
        )
    )
    return query.where(Placement.id == bindparam("placement_id")) if one else query


GOAL_SEPARATOR = "\x1f"  # the unit separator: no goal's text holds it (control characters are refused)


def _active_goals(dialect: str):
    """The child's active goals in their order, as one text (``GOAL_SEPARATOR`` between them): a column of the
    day list's one query instead of a query of its own. PostgreSQL orders inside the aggregate; SQLite (3.40 has
    no ORDER BY there) aggregates an ordered subquery."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        return (
            select(func.string_agg(Goal.description, aggregate_order_by(literal(GOAL_SEPARATOR), Goal.position)))
            .where(Goal.referral_id == Placement.referral_id, Goal.status == "active")
            .scalar_subquery()
        )
    ordered = (
        select(Goal.description)
        .where(Goal.referral_id == Placement.referral_id, Goal.status == "active")
        .order_by(Goal.position)
        .correlate(Placement)
        .subquery()
    )
    return select(func.group_concat(ordered.c.description, GOAL_SEPARATOR)).scalar_subquery()


async def _children(
    db: AsyncSession, location_id: UUID, day: date, placement_id: UUID | None = None
) -> list[ChildOnList]:
    connection = await db.connection()
    query = _children_statement(connection.dialect.name, placement_id is not None)
    values = {"location_id": location_id, "day": day, "placement_id": placement_id}
    rows = [row for row in (await connection.execute(query, values)).all() if rules.is_expected_on(row, day)]
    children = [
        ChildOnList(
            placement_id=row.id,
            referral_id=row.referral_id,
            child_id=row.child_id,
            given_name=row.given_name,
            family_name=row.family_name,
            age=age_on(row.date_of_birth, day),
            collection_persons=tuple(row.collection_persons or ()),
            not_allowed_collectors=tuple(row.not_allowed_collectors or ()),
            allergies=row.allergies,
            safety_notes=row.safety_notes,
            goals=tuple(row.goals.split(GOAL_SEPARATOR)) if row.goals else (),
            status=row.status or "unknown",
            absence_reason=row.absence_reason,
            absence_note=row.absence_note,
            arrived_at=row.arrived_at,
            left_at=row.left_at,
            collected_by=row.collected_by,
            tapped_at=row.tapped_at,
        )
        for row in rows
    ]
    return sorted(children, key=lambda child: (child.given_name.casefold(), child.family_name.casefold()))


async def day_list(db: AsyncSession, actor: Actor, location_id: UUID, day: date, *, log_view: bool = True) -> DayList:
    """The children expected at the location on ``day`` (none on a closure day), with what was recorded. Opening
    it is recorded in the audit trail (once per list: it shows allergies and safety notes of many children)."""
    check_staff(actor, location_id)
    where = await _location_on(db, location_id, day)
    children = [] if where.closed is not None else await _children(db, location_id, day)
    if log_view and children:
        shown = [(child.referral_id, child.child_id) for child in children]
        note_access(db, f"daglijst {where.name} {day:%d-%m-%Y}", pairs=shown)
    return DayList(location_id, where.name, day, where.seats, where.closed, children, where.open_weekdays)


async def status_counts(db: AsyncSession, location_id: UUID, day: date) -> dict[str, int]:
    """How many children have each status recorded on the day: from the index alone."""
    query = (
        select(Attendance.status, func.count())
        .where(Attendance.location_id == location_id, Attendance.day == day)
        .group_by(Attendance.status)
    )
    return {status: count for status, count in (await db.execute(query)).all()}


async def child_row(db: AsyncSession, location_id: UUID, day: date, placement_id: UUID) -> ChildOnList | None:
    """One child's row of the day list, or None when the child is not expected there that day."""
    children = await _children(db, location_id, day, placement_id)
    return children[0] if children else None


async def child_on_list(
    db: AsyncSession, actor: Actor, location_id: UUID, day: date, placement_id: UUID
) -> ChildOnList:
    """One child's row of the day list (to show it again with a message next to it)."""
    check_staff(actor, location_id)
    child = await child_row(db, location_id, day, placement_id)
    if child is None:
        raise Conflict(NOT_EXPECTED)
    return child
