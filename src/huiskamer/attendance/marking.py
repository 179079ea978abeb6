"""Marking a child's day: a tap (present, absent with or without notice, or taken back), the times of arrival
and leaving, and who collected the child.

Every tap is kept once by its id (``AttendanceTap``), made on the phone so that a tap queued without a
connection can arrive late, twice, or after a newer one from another phone: the record follows the tap with the
latest phone time (the tap id breaks a tie), and an older tap that arrives later is kept in the history and
changes nothing. A tap from a plain form or an API client without an id gets one, with the moment it arrived.

Marking takes the child's lock before it reads anything (a row lock on the placement in PostgreSQL; SQLite's
write lock, taken by a first write, for the whole database), so two phones tapping the same child take turns
and each writes the whole record it read: never a record that mixes two taps.

Scope: coordinators and youth workers of the location (``service.check_staff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Date, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import concerns, rules
from huiskamer.attendance.models import Attendance, AttendanceTap
from huiskamer.attendance.schemas import KEEP, MarkChange
from huiskamer.attendance.service import NOT_EXPECTED, ChildOnList, check_staff, child_row, status_counts
from huiskamer.audit.access import know_children
from huiskamer.audit.hook import CHANGES_NOTHING
from huiskamer.auth.actor import Actor
from huiskamer.db import one_writer_per_process
from huiskamer.errors import BUSY, Conflict, InvalidInput
from huiskamer.intake.models import Intake
from huiskamer.locations.models import ClosureDay
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Referral
from huiskamer.site.templating import AMSTERDAM

NOT_YET = "Aanwezig of afwezig zonder bericht kan pas op de dag zelf worden vastgelegd. Een ziekmelding vooraf kan wel."
OTHER_CHILD = "Deze tik is al vastgelegd, voor een ander kind of een andere dag."
CLOCK_SLACK = timedelta(minutes=5)  # a phone's clock runs a little ahead of the server's
OLDEST_TAP = timedelta(days=7)  # a phone offline for longer has a list nobody should trust any more


class PickupNeedsConfirmation(Conflict):
    """Someone not on the list of who may collect the child: the kinderwerker confirms before it is stored."""

    def __init__(self, check: rules.PickupCheck, given_name: str) -> None:
        super().__init__(check.warning(given_name))
        self.check = check


@dataclass(frozen=True)
class MarkResult:
    # The child's row as it now stands; None when the caller did not need it (``mark(answer_row=False)``) because
    # the record is exactly what the tap said.
    child: ChildOnList | None
    # The day's records by status after the tap (asked for by the API only: the page's script counts itself).
    counts: dict[str, int]
    concern: str | None  # the unexcused-absence concern: "raised", "withdrawn" or None
    # False: the tap was older than the one that stands (kept in the history), or the same tap arrived before.
    applied: bool = True
    repeated: bool = False
    pickup_warning: str | None = None

    @property
    def present(self) -> int:
        return self.counts.get("present", 0)

    @property
    def absent(self) -> int:
        return self.counts.get("absent_excused", 0) + self.counts.get("absent_unexcused", 0)


@dataclass(frozen=True)
class _Outcome:
    concern: str | None = None
    applied: bool = True
    repeated: bool = False
    pickup_warning: str | None = None


@dataclass(frozen=True)
class _TapsSoFar:
    """The taps stored for this child's day, and the one with this tap's id wherever it was stored."""

    seen: tuple[UUID, date, bool] | None  # (placement, day, applied) of a tap with the same id
    latest: tuple[datetime, UUID] | None


@dataclass(frozen=True)
class LockedPlacement:
    """What marking needs of a placement, read under the child's lock, and whether its location is closed. On
    SQLite the same statement reads the day's taps and whether a record exists (its snapshot is taken under the
    write lock); on PostgreSQL those are read after the lock, in statements of their own (a locking read's
    subqueries see the snapshot from before it waited)."""

    id: UUID
    referral_id: UUID
    location_id: UUID
    weekdays: list[str]
    start_date: date
    end_date: date | None
    closed: str | None  # the closure's description ("" when it has none); None: open that day
    child_id: UUID  # the child's, for the access log of the change (no lookup inside the writers' turn)
    taps: _TapsSoFar | None = None  # None: not read yet
    has_record: bool | None = None  # None: not read yet


_NO_TAP = UUID(int=0)  # a tap id nobody has: what the statements bind when the tap came without one


@cache
def _lock_statement(dialect: str):
    """Built once per database (SQLAlchemy keeps its cache key); a tap binds the placement, the location it was
    tapped at, the day and its id. Every subquery names what it looks for with a bound value: SQLite's RETURNING
    writes columns without their table, so a subquery correlated to the placement would compare a column with
    itself."""
    table, taps, records = Placement.__table__, AttendanceTap.__table__, Attendance.__table__
    day, placement_id = bindparam("day", type_=Date), bindparam("placement_id", type_=table.c.id.type)
    closed = (
        select(ClosureDay.description)
        .where(
            ClosureDay.location_id == bindparam("location_id", type_=table.c.location_id.type),
            ClosureDay.day <= day,
            ClosureDay.last_day >= day,
        )
        .limit(1)
        .scalar_subquery()
    )
    # Each subquery reads one table, so that its unqualified columns (see above) can only be that table's.
    same = table.alias("same_placement")
    referral = select(same.c.referral_id).where(same.c.id == placement_id).scalar_subquery()
    referrals = Referral.__table__
    child = select(referrals.c.child_id).where(referrals.c.id == referral).scalar_subquery()
    columns = [table.c.id, table.c.referral_id, table.c.location_id, table.c.weekdays, table.c.start_date,
               table.c.end_date, closed.label("closed"), child.label("child_id")]  # fmt: skip
    if dialect == "postgresql":
        return select(*columns).where(table.c.id == placement_id).with_for_update(of=table)
    mine = (taps.c.placement_id == placement_id) & (taps.c.day == day)
    latest = select(taps.c.tapped_at).where(mine).order_by(taps.c.tapped_at.desc(), taps.c.id.desc())
    seen = bindparam("tap_id", type_=taps.c.id.type)
    columns += [
        latest.limit(1).scalar_subquery().label("latest_at"),
        select(taps.c.id).where(mine).order_by(taps.c.tapped_at.desc(), taps.c.id.desc()).limit(1)
        .scalar_subquery().label("latest_id"),
        select(taps.c.placement_id).where(taps.c.id == seen).scalar_subquery().label("seen_placement"),
        select(taps.c.day).where(taps.c.id == seen).scalar_subquery().label("seen_day"),
        select(taps.c.applied).where(taps.c.id == seen).scalar_subquery().label("seen_applied"),
        select(records.c.id).where(records.c.placement_id == placement_id, records.c.day == day)
        .scalar_subquery().label("record_id"),
    ]  # fmt: skip
    return (
        update(table)
        .where(table.c.id == placement_id)
        .values(location_id=table.c.location_id, updated_at=table.c.updated_at)
        .returning(*columns)
        .execution_options(**{CHANGES_NOTHING: True})  # a lock, no change for the audit trail
    )


async def lock_placement(
    db: AsyncSession, placement_id: UUID, location_id: UUID, day: date, tap_id: UUID | None = None
) -> LockedPlacement | None:
    """The placement, read under the child's lock: everyone marking this child waits here for the one before.
    One statement on both databases, with the closure of ``location_id`` (where it is tapped) on ``day``.

    PostgreSQL: a row lock on the placement (SELECT ... FOR UPDATE). SQLite: a write to the placement row
    (changing nothing, not even ``updated_at``) takes the database's write lock at once, as BEGIN IMMEDIATE would,
    and returns the row (with the day's taps and whether there is a record); it must be the first write of the
    transaction, so that everything read after it is read under the lock.
    """
    connection = await db.connection()
    statement = _lock_statement(connection.dialect.name)
    values = {"placement_id": placement_id, "location_id": location_id, "day": day, "tap_id": tap_id or _NO_TAP}
    row = (await connection.execute(statement, values)).first()
    if row is None:
        return None
    know_children(db, [(row.referral_id, row.child_id)])
    if connection.dialect.name == "postgresql":
        return LockedPlacement(*row)
    seen = (row.seen_placement, row.seen_day, row.seen_applied) if row.seen_placement is not None else None
    latest = (row.latest_at, row.latest_id) if row.latest_id is not None else None
    return LockedPlacement(*row[:8], taps=_TapsSoFar(seen, latest), has_record=row.record_id is not None)


def _check_tap_moment(change: MarkChange, now: datetime) -> None:
    if change.tapped_at is None:
        return
    if change.tapped_at > now + CLOCK_SLACK:
        raise InvalidInput({"tapped_at": "Het moment van de tik ligt in de toekomst: kijk de klok van de telefoon na."})
    if change.tapped_at < now - OLDEST_TAP:
        raise InvalidInput({"tapped_at": "Deze tik is ouder dan 7 dagen en wordt niet meer verwerkt."})


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


def _apply(record: Attendance, change: MarkChange, day: date, moment: datetime) -> None:
    """The rules of one record: a reason only with notice, times only for a child that is there, arrival at the
    moment of the first 'present' tap on the day itself, and the moment of the tap as the leaving time for the
    one-tap 'collected by' button."""
    on_the_day = moment.astimezone(AMSTERDAM).date() == day
    if change.status is not None and change.status != record.status:
        record.status = change.status
        if change.status != "present":
            record.arrived_at = record.left_at = record.collected_by = None
        elif on_the_day and record.arrived_at is None:
            record.arrived_at = moment
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
        if not on_the_day:
            raise InvalidInput({"left_at": "Vul de tijd van vertrek in."})
        record.left_at = moment


@cache
def _taps_statement():
    taps = AttendanceTap.__table__
    mine = (taps.c.placement_id == bindparam("placement_id")) & (taps.c.day == bindparam("day", type_=Date))
    return select(taps.c.id, taps.c.placement_id, taps.c.day, taps.c.applied, taps.c.tapped_at).where(
        mine | (taps.c.id == bindparam("tap_id"))
    )


async def _taps_so_far(db: AsyncSession, placement: LockedPlacement, day: date, tap_id: UUID | None) -> _TapsSoFar:
    """The child's taps of the day (a handful) and, by its id, this tap if it came before: one query, unless the
    lock read them already."""
    if placement.taps is not None:
        return placement.taps
    placement_id = placement.id
    connection = await db.connection()
    values = {"placement_id": placement_id, "day": day, "tap_id": tap_id or _NO_TAP}
    seen, latest = None, None
    for row in (await connection.execute(_taps_statement(), values)).all():
        if row.id == tap_id:
            seen = (row.placement_id, row.day, row.applied)
        if row.placement_id == placement_id and row.day == day and rules.stands_after(row.tapped_at, row.id, latest):
            latest = (row.tapped_at, row.id)
    return _TapsSoFar(seen, latest)


async def _keep_tap(db: AsyncSession, tap: dict[str, Any]) -> None:
    """The tap into the day's history (Core: it is not audited, it is the history itself)."""
    connection = await db.connection()
    await connection.execute(_TAP_INSERT, tap)


_TAP_INSERT = insert(AttendanceTap.__table__)


async def _pickup_check(db: AsyncSession, placement: LockedPlacement, collector: str) -> rules.PickupCheck | None:
    lists = (
        await db.execute(
            select(Intake.collection_persons, Intake.not_allowed_collectors).where(
                Intake.referral_id == placement.referral_id
            )
        )
    ).first()
    allowed, not_allowed = (lists[0] or [], lists[1] or []) if lists else ([], [])
    return rules.check_pickup(collector, allowed, not_allowed)


@dataclass(frozen=True)
class _Written:
    status_before: str
    collected_before: str | None
    record: Attendance | None  # None: the day is "unknown" again

    @property
    def status_after(self) -> str:
        return self.record.status if self.record is not None else "unknown"

    @property
    def new_collector(self) -> str | None:
        """Who collected the child, when this tap named someone else than before."""
        collector = self.record.collected_by if self.record is not None else None
        return collector if collector and collector != self.collected_before else None


async def _write_record(
    db: AsyncSession,
    actor: Actor,
    placement: LockedPlacement,
    day: date,
    change: MarkChange,
    today: date,
    now: datetime,
    moment: datetime,
) -> _Written:
    """Applies the tap to the day's record (made, changed or removed), as read under the child's lock."""
    record = None
    if placement.has_record is not False:  # the day's first tap needs no read: there is nothing to read
        record = await db.scalar(
            select(Attendance).where(Attendance.placement_id == placement.id, Attendance.day == day)
        )
    before = record.status if record is not None else "unknown"
    collected_before = record.collected_by if record is not None else None
    if change.status == "unknown":
        if record is not None:
            await db.delete(record)
        return _Written(before, collected_before, None)
    if record is None:
        if change.status is None:
            raise Conflict("Markeer het kind eerst als aanwezig.")
        # No status yet: _apply sets it as for any change of status (and the arrival with it).
        record = Attendance(
            placement_id=placement.id,
            referral_id=placement.referral_id,
            location_id=placement.location_id,
            day=day,
            recorded_by_id=actor.id,
        )
        db.add(record)
    _apply(record, change, day, moment)
    _check_times(record, day, today, now)
    if db.is_modified(record) or record in db.new:
        record.recorded_by_id = actor.id
    return _Written(before, collected_before, record)


async def _mark_once(
    db: AsyncSession,
    actor: Actor,
    location_id: UUID,
    day: date,
    placement_id: UUID,
    change: MarkChange,
    today: date,
    now: datetime,
    base_url: str,
) -> _Outcome:
    placement = await lock_placement(db, placement_id, location_id, day, change.tap_id)
    if placement is None or placement.location_id != location_id or placement.closed is not None:
        raise Conflict(NOT_EXPECTED)
    if not rules.is_expected_on(placement, day):
        raise Conflict(NOT_EXPECTED)
    if day > today and change.status in ("present", "absent_unexcused"):
        raise Conflict(NOT_YET)
    so_far = await _taps_so_far(db, placement, day, change.tap_id)
    if so_far.seen is not None:
        if so_far.seen[:2] != (placement.id, day):
            raise Conflict(OTHER_CHILD)
        return _Outcome(applied=so_far.seen[2], repeated=True)
    moment = change.tapped_at or now
    tap = {
        "id": change.tap_id or uuid4(),
        "placement_id": placement.id,
        "day": day,
        "tapped_at": moment,
        "received_at": now,
        "recorded_by_id": actor.id,
        "change": change.as_json(),
    }
    if not rules.stands_after(moment, tap["id"], so_far.latest):
        await _keep_tap(db, {**tap, "applied": False})
        return _Outcome(applied=False)
    written = await _write_record(db, actor, placement, day, change, today, now, moment)
    warning = None
    if written.new_collector is not None:
        check = await _pickup_check(db, placement, written.new_collector)
        if check is not None:
            given_name = await concerns.given_name_of(db, placement.referral_id)
            if not change.pickup_confirmed:
                raise PickupNeedsConfirmation(check, given_name)
            warning = check.warning(given_name)
            collected_at = written.record.left_at if written.record and written.record.left_at else moment
            await concerns.raise_pickup(db, actor, placement, check, given_name, collected_at, now, base_url=base_url)
    await _keep_tap(db, {**tap, "applied": True})
    await db.flush()
    outcome = None
    before, after = written.status_before, written.status_after
    if "absent_unexcused" in (before, after) and before != after:
        outcome = await concerns.review_unexcused_absence(db, placement, day, now)
    return _Outcome(concern=outcome, pickup_warning=warning)


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
    base_url: str = "",
    with_counts: bool = False,
    answer_row: bool = True,
) -> MarkResult:
    """Records a tap (or the times of arrival and leaving) for one expected child: one record per child and day,
    following the latest tap; the same tap id twice is stored once. A child not expected there that day is
    refused (409). A change to or from 'absent without notice' raises or withdraws the concern for repeated
    unexcused absence; a pick-up by someone not on the list raises a pick-up concern at once. With
    ``answer_row=False`` the child's row is read only when it differs from what the tap said (the phone shows the
    tap already): an older tap, a concern, a pick-up warning."""
    check_staff(actor, location_id)
    _check_tap_moment(change, now)
    for attempt in (1, 2):
        try:
            async with one_writer_per_process(db):
                outcome = await _mark_once(db, actor, location_id, day, placement_id, change, today, now, base_url)
                await db.commit()
            break
        except IntegrityError as error:
            # Two taps with the same id for different children at once: the other one is stored now.
            await db.rollback()
            if attempt == 2:
                raise Conflict(BUSY) from error
        except OperationalError as error:  # the write lock did not come in time: tell the phone, never a 500
            await db.rollback()
            raise Conflict(BUSY) from error
        except (Conflict, InvalidInput):
            await db.rollback()
            raise
    as_tapped = outcome.applied and outcome.concern is None and outcome.pickup_warning is None
    child = None
    if answer_row or not as_tapped:
        child = await child_row(db, location_id, day, placement_id)
        if child is None:  # cannot happen: it was expected a moment ago
            raise Conflict(NOT_EXPECTED)
    return MarkResult(
        child=child,
        counts=await status_counts(db, location_id, day) if with_counts else {},
        concern=outcome.concern,
        applied=outcome.applied,
        repeated=outcome.repeated,
        pickup_warning=outcome.pickup_warning,
    )
