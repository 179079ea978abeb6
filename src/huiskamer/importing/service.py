"""The import (``import.md``): a preview of what each row of a spreadsheet will make, then the rows that are fine
imported by the same rules and the same builders as the forms (referral, review, intake, waitlist or placement), so
that every rule, the capacity check, the audit trail and the access log apply.

A beheerder imports into any location, a coordinator into their own: the services run for them as a coordinator of
the locations they may import into. The rows go in chunks, one transaction each: what every row needs is read once
per chunk (the locations where it takes seats locked as ``placements.place`` locks them), each row is built by the
services' builders (``referrals.build_referral``, ``intake.write_intake``, ``placements.build_placement``...) and
checked by their checks, and the chunk is stored in a few flushes. A row the services refuse is reported and the
others go on; a chunk that fails as a whole is rolled back and its rows go through the services one by one, as the
forms call them (``_import_row``). A child with the same name and date of birth as one in Huiskamer is reported as
already present.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.auth.models import Role
from huiskamer.config import Settings
from huiskamer.errors import Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.importing.sheet import ParsedRow, Sheet, parse_row, plain
from huiskamer.intake import service as intake_service
from huiskamer.intake.models import GoalCatalogueItem
from huiskamer.intake.schemas import GoalInput, IntakeInput
from huiskamer.locations.models import Location
from huiskamer.placements import service as placements
from huiskamer.referrals import service as referrals
from huiskamer.referrals.models import Child
from huiskamer.referrals.rules import MoveRequest, Status
from huiskamer.referrals.schemas import ChildInput, ReferralInput
from huiskamer.validation import WEEKDAY_NAMES_NL
from huiskamer.waitlist import Urgency

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

NEW, PRESENT, REFUSED, IMPORTED = "nieuw", "al aanwezig", "geweigerd", "geïmporteerd"


@dataclass
class RowOutcome:
    number: int
    name: str
    outcome: str
    what: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    parsed: ParsedRow | None = None
    location_ids: tuple[UUID, ...] = ()


@dataclass
class Preview:
    rows: list[RowOutcome]
    unknown_columns: list[str]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)


def _may_import(actor: Actor) -> None:
    if not (actor.is_admin or actor.is_coordinator):
        raise Forbidden("Importeren is er voor de beheerder en coördinatoren.")


async def _locations(db: AsyncSession) -> dict[str, Location]:
    """Active locations by their name made plain, with and without the word "huiskamer"."""
    found: dict[str, Location] = {}
    for location in (await db.scalars(select(Location).where(Location.active.is_(True)))).all():
        key = plain(location.name)
        found[key] = location
        found.setdefault(key.removeprefix("huiskamer"), location)
    return found


async def preview(db: AsyncSession, actor: Actor, sheet: Sheet, today: date) -> Preview:
    """What each row will make, or why it is refused; writes nothing."""
    _may_import(actor)
    locations = await _locations(db)
    allowed = None if actor.is_admin else actor.location_ids
    parsed: list[RowOutcome] = []
    for number, cells in sheet.rows:
        row, errors = parse_row(cells, today)
        name = " ".join(
            part
            for part in (str(cells.get("Voornaam") or "").strip(), str(cells.get("Achternaam") or "").strip())
            if part
        )
        outcome = RowOutcome(number, name or "(geen naam)", REFUSED if errors else NEW, errors=dict(errors), parsed=row)
        if row is not None:
            _check_locations(outcome, row, locations, allowed)
            _check_dates(outcome, row, today)
        parsed.append(outcome)
    await _mark_present(db, parsed)
    await _check_capacity(db, parsed, locations, today)
    for outcome in parsed:
        if outcome.outcome == NEW and outcome.parsed is not None:
            outcome.what = _describe(outcome.parsed)
    return Preview(parsed, sheet.unknown_columns)


def _check_locations(outcome: RowOutcome, row: ParsedRow, locations: dict[str, Location], allowed: Any) -> None:
    found: list[UUID] = []
    for name in row.locations:
        location = locations.get(plain(name)) or locations.get(plain(name).removeprefix("huiskamer"))
        if location is None:
            outcome.errors["Locatie"] = f"Locatie ‘{name}’ bestaat niet in Huiskamer."
        elif allowed is not None and location.id not in allowed:
            outcome.errors["Locatie"] = f"U kunt niet importeren in ‘{location.name}’: dat is niet uw locatie."
        else:
            found.append(location.id)
    if outcome.errors:
        outcome.outcome = REFUSED
    outcome.location_ids = tuple(dict.fromkeys(found))


def _check_dates(outcome: RowOutcome, row: ParsedRow, today: date) -> None:
    if row.referred_on and row.waiting_since and row.referred_on > row.waiting_since:
        outcome.errors["Aangemeld op"] = "Aangemeld op ligt na Wacht sinds."
    if row.status == "placed" and row.start_date and (row.start_date - today).days > 2 * 365:
        outcome.errors["Startdatum"] = "Kies een startdatum binnen twee jaar."
    if outcome.errors:
        outcome.outcome = REFUSED


async def _mark_present(db: AsyncSession, rows: list[RowOutcome]) -> None:
    """Rows of a child already in Huiskamer (same name and date of birth), or earlier in the same file."""
    keys = {
        (referrals.match_key(r.parsed.given_name, r.parsed.family_name), r.parsed.date_of_birth): r
        for r in rows
        if r.parsed is not None
    }
    present: set[tuple[str, date]] = set()
    pairs = list(keys)
    for start in range(0, len(pairs), 400):
        chunk = pairs[start : start + 400]
        found = await db.execute(
            select(Child.match_key, Child.date_of_birth).where(tuple_(Child.match_key, Child.date_of_birth).in_(chunk))
        )
        present.update((key, born) for key, born in found.all())
    first_row: dict[tuple[str, date], int] = {}
    for row in rows:
        if row.parsed is None:
            continue
        key = (referrals.match_key(row.parsed.given_name, row.parsed.family_name), row.parsed.date_of_birth)
        if key in present:
            row.outcome, row.what = PRESENT, "Dit kind staat al in Huiskamer (zelfde naam en geboortedatum)."
        elif key in first_row and row.outcome != REFUSED:
            row.outcome = REFUSED
            row.errors["Voornaam"] = f"Dit kind staat al eerder in het bestand (rij {first_row[key]})."
        else:
            first_row.setdefault(key, row.number)


async def _check_capacity(
    db: AsyncSession, rows: list[RowOutcome], locations: dict[str, Location], today: date
) -> None:
    """Placements against each location's capacity per weekday, as a placement by hand, counting the rows above."""
    by_id = {location.id: location for location in locations.values()}
    taken: dict[tuple[UUID, date], Counter[str]] = {}
    from_file: dict[UUID, Counter[str]] = {}
    for row in rows:
        if row.outcome != NEW or row.parsed is None or row.parsed.status != "placed":
            continue
        location = by_id[row.location_ids[0]]
        start = row.parsed.start_date or today
        key = (location.id, start)
        if key not in taken:
            taken[key] = Counter(await placements.held_by_weekday(db, location.id, start, today))
        file_counts = from_file.setdefault(location.id, Counter())
        capacity = location.capacity_by_weekday()
        full = [d for d in row.parsed.weekdays if taken[key][d] + file_counts[d] + 1 > capacity.get(d, 0)]
        if full:
            days = ", ".join(WEEKDAY_NAMES_NL[d] for d in full)
            row.outcome = REFUSED
            row.errors["Dagen"] = f"Geen plaats meer op {days} bij {location.name} vanaf {start:%d-%m-%Y}."
            continue
        file_counts.update(row.parsed.weekdays)


def _describe(row: ParsedRow) -> str:
    days = ", ".join(WEEKDAY_NAMES_NL[d] for d in row.weekdays)
    if row.status == "placed":
        return f"Kind, aanmelding, intake en plaatsing op {days} vanaf {row.start_date:%d-%m-%Y}"
    assert row.waiting_since is not None
    return f"Kind, aanmelding, intake en wachtlijst ({days}) sinds {row.waiting_since:%d-%m-%Y}"


# --- importing ---------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    preview: Preview

    @property
    def imported(self) -> int:
        return self.preview.count(IMPORTED)

    @property
    def refused(self) -> int:
        return self.preview.count(REFUSED)

    @property
    def present(self) -> int:
        return self.preview.count(PRESENT)


# Rows per transaction of the fast path: big enough that a commit (and the audit chains' heads it moves) is paid
# once for many rows, small enough that the locations it locks are free again within a second.
CHUNK_ROWS = 200


async def run_import(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    sheet: Sheet,
    filename: str,
    today: date,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportResult:
    """Imports the rows the preview finds fine, by the services' own rules and builders: a chunk of rows per
    transaction, and a chunk that fails as a whole again row by row through the services (``chunk_rows`` 1: every
    row so)."""
    checked = await preview(db, actor, sheet, today)
    await db.rollback()
    locations = {location.id for location in (await db.scalars(select(Location))).all()}
    as_coordinator = replace(
        actor, role=Role.COORDINATOR, location_ids=frozenset(locations if actor.is_admin else actor.location_ids)
    )
    catalogue = {plain(item.name): item.code for item in (await db.scalars(select(GoalCatalogueItem))).all()}
    note = f"Geïmporteerd uit “{filename[:120]}” op {datetime.now(AMSTERDAM):%d-%m-%Y %H:%M} door {actor.name}"
    todo = [row for row in checked.rows if row.outcome == NEW and row.parsed is not None]
    for start in range(0, len(todo), max(chunk_rows, 1)):
        chunk = todo[start : start + max(chunk_rows, 1)]
        if chunk_rows > 1 and await _import_chunk(db, as_coordinator, chunk, catalogue, note, today):
            continue
        for row in chunk:
            try:
                await _import_row(db, as_coordinator, settings, row, catalogue, note, today)
            except (InvalidInput, Conflict, NotFound, Forbidden) as refused:
                await db.rollback()
                row.outcome = REFUSED
                row.errors = _messages(refused)
                continue
            row.outcome = IMPORTED
    return ImportResult(checked)


def _messages(problem: Exception) -> dict[str, str]:
    if isinstance(problem, InvalidInput):
        return {"": " ".join(str(message) for message in problem.errors.values())}
    return {"": getattr(problem, "message", str(problem))}


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=AMSTERDAM).astimezone(UTC)


@dataclass(frozen=True)
class _RowInput:
    """What the services are asked for one row: the referral, the intake, the placement (None: the waitlist)."""

    referral: ReferralInput
    submitted_at: datetime
    intake: IntakeInput
    seat: tuple[UUID, tuple[str, ...], date] | None


def _row_input(outcome: RowOutcome, catalogue: dict[str, str], today: date) -> _RowInput:
    row = outcome.parsed
    assert row is not None
    held_on = (row.waiting_since if row.status == "waitlisted" else row.start_date) or today
    held_on = min(held_on, today)
    referred_on = min(row.referred_on or held_on, held_on)
    referral = ReferralInput(
        child=ChildInput(
            row.given_name, row.family_name, row.date_of_birth, row.postcode, row.neighbourhood, row.school
        ),
        guardian_name=row.guardian_name,
        guardian_phone=row.guardian_phone or "",
        guardian_email=row.guardian_email,
        source=row.source,
        reason=row.reason,
        preferred_location_ids=outcome.location_ids,
        requested_weekdays=row.weekdays,
        intended_start=row.start_date or today,
    )
    goals = tuple(GoalInput(description=text[:300], code=catalogue.get(plain(text))) for text in row.goals)
    intake = IntakeInput(
        held_on=held_on,
        goals=goals,
        urgency=Urgency(row.urgency),
        urgency_reason=None if row.urgency == "normal" else "Overgenomen uit de eigen administratie.",
        requested_weekdays=row.weekdays,
        minimum_days=row.minimum_days,
        preferred_location_ids=outcome.location_ids,
        sibling_referral_ids=(),
        collection_persons=row.collection_persons,
        allergies=row.allergies,
        safety_notes=row.safety_notes,
        not_allowed_collectors=row.not_allowed_collectors,
    )
    seat = None
    if row.status == "placed":
        assert row.start_date is not None
        seat = (outcome.location_ids[0], row.weekdays, row.start_date)
    # The referral was made long ago, in the organisation's own administration: its history says so.
    return _RowInput(referral, _moment(referred_on), intake, seat)


async def _import_row(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    outcome: RowOutcome,
    catalogue: dict[str, str],
    note: str,
    today: date,
) -> None:
    """One row through the services, as the forms call them, in a transaction of its own."""
    asked = _row_input(outcome, catalogue, today)
    referral = await referrals.submit_referral(
        db, actor, settings, asked.referral, notify=False, submitted_at=asked.submitted_at, first_reason=note
    )
    await referrals.move(db, actor, settings, referral.id, MoveRequest(to=Status.IN_REVIEW), via_own_action=True)
    await intake_service.hold_intake(db, actor, settings, referral.id, asked.intake, today)
    if asked.seat is not None:
        location_id, weekdays, start = asked.seat
        request = placements.SeatRequest(referral.id, location_id, weekdays, start)
        await placements.place(db, actor, settings, request, today, already_started=True)
    else:
        await db.commit()


# --- the fast path: a chunk of rows per transaction ----------------------------------------------------------------


@dataclass
class _Loaded:
    """What every row of a chunk needs, read once per chunk: the active locations, the goal catalogue, and per
    location where a row takes seats the location (locked) and its live claims per weekday, with the chunk's own."""

    active: list[Location]
    active_ids: set[UUID]
    goals: Sequence[GoalCatalogueItem]
    locked: dict[UUID, Location]
    claims: dict[UUID, dict[str, list[tuple[date, date | None]]]]


async def _load_for_chunk(db: AsyncSession, asked: list[_RowInput], today: date) -> _Loaded:
    starts: dict[UUID, date] = {}
    for seat in (row.seat for row in asked if row.seat is not None):
        starts[seat[0]] = min(seat[2], starts.get(seat[0], seat[2]))
    # The locks first (on SQLite the first write of the transaction), in one order so that two imports never wait
    # for each other crosswise; then what is read under them.
    locked = {location_id: await placements.lock_location(db, location_id) for location_id in sorted(starts, key=str)}
    claims = {
        location_id: await placements.claims_by_weekday(db, location_id, start, today)
        for location_id, start in starts.items()
    }
    active = await referrals.active_locations(db)
    return _Loaded(active, {location.id for location in active}, await intake_service.catalogue(db), locked, claims)


def _build_row(
    actor: Actor, loaded: _Loaded, asked: _RowInput, note: str, today: date, now: datetime
) -> tuple[list[Any], list[Any], list[Any]]:
    """One row's records as the services make them, by their own rules and builders: what is stored first (the
    referral with its child and locations), what refers to it, and the seats (which refer to the placement)."""
    locations = referrals.locations_for(asked.referral, loaded.active)
    new = referrals.build_referral(
        actor, asked.referral, locations, now=now, submitted_at=asked.submitted_at, first_reason=note
    )
    referral = new.referral
    then = [
        *new.records,
        referrals.build_move(actor, referral, MoveRequest(to=Status.IN_REVIEW), via_own_action=True, now=now),
    ]
    intake_service.check_intake(actor, referral, asked.intake, loaded.active_ids)
    then.append(intake_service.write_intake(actor, referral, None, asked.intake, loaded.goals))
    then.extend(intake_service.waitlist_moves(actor, referral, now))
    # The referral is the importing coordinator's own, and they are no referrer: no mail (``mail_referrer``).
    assert referrals.mails_nobody(actor, referral)
    if asked.seat is None:
        return [referral], then, []
    location_id, weekdays, start = asked.seat
    request = placements.SeatRequest(referral.id, location_id, weekdays, start)
    placements.check_seat_scope(actor, request)
    placements.check_request(request, today, referral, already_started=True)
    placements.check_waiting(referral, "Alleen een kind op de wachtlijst kan direct worden geplaatst.")
    location = loaded.locked[location_id]
    claims = loaded.claims[location_id]
    placements.check_room(location, claims, weekdays, start)
    placed = placements.build_placement(actor, referral, location, weekdays, start, now=now)
    for claim in placed.claims:
        claims[claim.weekday].append((claim.start_date, claim.end_date))
    return [referral], [*then, placed.placement, placed.move], placed.claims


async def _import_chunk(
    db: AsyncSession, actor: Actor, rows: list[RowOutcome], catalogue: dict[str, str], note: str, today: date
) -> bool:
    """The rows in one transaction: loaded once, each row built by the services' builders (a row they refuse is
    reported and left out), stored in three flushes. False when the chunk failed as a whole and was rolled back:
    then its rows go through the services one by one, so that one bad row never costs the others."""
    now = datetime.now(UTC)
    built: list[tuple[RowOutcome, tuple[list[Any], list[Any], list[Any]]]] = []
    try:
        asked = [_row_input(row, catalogue, today) for row in rows]
        loaded = await _load_for_chunk(db, asked, today)
        for row, row_asked in zip(rows, asked, strict=True):
            try:
                built.append((row, _build_row(actor, loaded, row_asked, note, today, now)))
            except (InvalidInput, Conflict, NotFound, Forbidden) as refused:
                row.outcome, row.errors = REFUSED, _messages(refused)
        for phase in range(3):
            db.add_all([record for _row, records in built for record in records[phase]])
            await db.flush()
        await db.commit()
    except (SQLAlchemyError, InvalidInput, Conflict, NotFound, Forbidden):
        await db.rollback()
        for row in rows:
            row.outcome, row.errors = NEW, {}
        return False
    for row, _records in built:
        row.outcome = IMPORTED
    return True
