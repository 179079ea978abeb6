"""Offers and placements: taking seats under a database lock so that capacity is never exceeded, also when
several coordinators act at once through different server processes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.config import Settings
from huiskamer.db import commit_or_busy
from huiskamer.errors import BUSY, Conflict, Forbidden, NotFound
from huiskamer.locations.models import Location
from huiskamer.placements import rules
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.referrals import service as referrals
from huiskamer.referrals.models import Referral, ReferralEvent
from huiskamer.referrals.rules import MoveRequest, Status
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS, FieldErrors, Parsed


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SeatRequest:
    referral_id: UUID
    location_id: UUID
    weekdays: tuple[str, ...]
    start_date: date


@dataclass(frozen=True)
class OfferRequest(SeatRequest):
    respond_by: date


# --- the lock and the count ----------------------------------------------------------------------


async def lock_location(db: AsyncSession, location_id: UUID) -> Location:
    """Serialises everyone who takes seats at this location until this transaction ends.

    PostgreSQL: a row lock on the location. SQLite: a write to the location row takes the database's write
    lock at once (what BEGIN IMMEDIATE does), so nobody else can take a seat in between. It must be the first
    write of the transaction (reads before it are not part of it), and whatever was read before it is read
    again after it (``populate_existing``), because another process may have changed it in the meantime.
    """
    try:
        if db.get_bind().dialect.name == "postgresql":
            query = select(Location).where(Location.id == location_id).with_for_update()
            location = await db.scalar(query.execution_options(populate_existing=True))
        else:
            table = Location.__table__
            await db.execute(update(table).where(table.c.id == location_id).values(active=table.c.active))
            location = await db.get(Location, location_id, populate_existing=True)
    except OperationalError as error:  # the busy timeout ran out: tell the coordinator, never a 500
        await db.rollback()
        raise Conflict(BUSY) from error
    if location is None:
        raise NotFound("Deze locatie bestaat niet.")
    return location


async def _lock_referral(db: AsyncSession, referral: Referral) -> None:
    """Re-reads the referral after the location lock, locked itself on PostgreSQL.

    The location lock serialises one location; a child can be offered seats at two locations at once, and its
    status must change only once. (SQLite's write lock covers the whole database already.) A separate statement,
    because FOR UPDATE cannot go with the outer join that loads the child.
    """
    await db.execute(select(Referral.id).where(Referral.id == referral.id).with_for_update())
    await db.refresh(referral)


def _live_claims(location_id: UUID, from_date: date, today: date):
    return select(SeatClaim.weekday, SeatClaim.start_date, SeatClaim.end_date).where(
        SeatClaim.location_id == location_id,
        SeatClaim.released_at.is_(None),
        or_(SeatClaim.expires_on.is_(None), SeatClaim.expires_on >= today),
        or_(SeatClaim.end_date.is_(None), SeatClaim.end_date >= from_date),
    )


async def held_by_weekday(db: AsyncSession, location_id: UUID, from_date: date, today: date) -> dict[str, int]:
    """Per weekday, the seats held (placements and open offers) at the busiest moment from ``from_date`` on."""
    rows = (await db.execute(_live_claims(location_id, from_date, today))).all()
    intervals: dict[str, list[tuple[date, date | None]]] = {weekday: [] for weekday in WEEKDAYS}
    for weekday, start, end in rows:
        intervals[weekday].append((start, end))
    return {weekday: rules.peak_load(weekday, spans, from_date) for weekday, spans in intervals.items()}


async def claims_by_weekday(
    db: AsyncSession, location_id: UUID, from_date: date, today: date
) -> dict[str, list[tuple[date, date | None]]]:
    """Per weekday, the (start, end) of every live claim (placements and open offers) that runs on ``from_date``
    or later."""
    rows = (await db.execute(_live_claims(location_id, from_date, today))).all()
    intervals: dict[str, list[tuple[date, date | None]]] = {weekday: [] for weekday in WEEKDAYS}
    for weekday, start, end in rows:
        intervals[weekday].append((start, end))
    return intervals


async def free_by_weekday(db: AsyncSession, location: Location, from_date: date, today: date) -> dict[str, int]:
    """Per weekday, the seats free on every such day from ``from_date`` on: the capacity valid on each day less
    the seats held then, at the tightest day (never below 0)."""
    intervals = await claims_by_weekday(db, location.id, from_date, today)
    steps = location.capacity_steps()
    return {
        weekday: max(rules.first_short(weekday, intervals[weekday], steps[weekday], from_date)[0], 0)
        for weekday in WEEKDAYS
    }


def check_room(
    location: Location,
    claims: dict[str, list[tuple[date, date | None]]],
    weekdays: Sequence[str],
    start_date: date,
) -> None:
    """One more seat on each of ``weekdays`` from ``start_date`` on must fit the capacity valid on every day, with
    ``claims`` the live claims per weekday (``claims_by_weekday``, read under the location's lock)."""
    steps = location.capacity_steps()
    full = {}
    for weekday in weekdays:
        _least, short = rules.first_short(weekday, claims[weekday], steps[weekday], start_date, extra=1)
        if short is not None:
            full[weekday] = short
    if full:
        from huiskamer.site.templating import dutch_date

        names = ", ".join(WEEKDAY_NAMES_NL[weekday] for weekday in full)
        days = ", ".join(dutch_date(day) for day in full.values())
        raise Conflict(f"Geen plaats meer op {names} bij {location.name} vanaf die datum: vol op {days}.")


async def _check_capacity(
    db: AsyncSession, location: Location, weekdays: Sequence[str], start_date: date, today: date
) -> None:
    """One more seat on each of ``weekdays`` from ``start_date`` on must fit the capacity valid on every day."""
    check_room(location, await claims_by_weekday(db, location.id, start_date, today), weekdays, start_date)


def _claims(location_id: UUID, weekdays: Sequence[str], start: date, **owner: object) -> list[SeatClaim]:
    return [SeatClaim(location_id=location_id, weekday=weekday, start_date=start, **owner) for weekday in weekdays]


# How far ahead a seat can be given, answered or ended: far enough for any plan, near enough that a typing error
# (2062 for 2026) is caught, and an offer cannot hold a seat for ever.
MAX_START_AHEAD = timedelta(days=2 * 365)
MAX_RESPOND_AHEAD = timedelta(days=365)
MAX_END_AHEAD = timedelta(days=2 * 365)


def check_request(
    request: SeatRequest,
    today: date,
    referral: Referral | None,
    *,
    already_started: bool = False,
    errors: FieldErrors | None = None,
) -> None:
    """The dates, days and location of a seat request against the child (``None``: not loaded, that rule waits).
    With ``errors`` the messages are added there, skipping the fields that failed already (one round)."""
    problems = FieldErrors() if errors is None else errors
    if not problems.failed("weekdays") and not request.weekdays:
        problems.add("weekdays", "Kies minstens één dag.")
    if problems.failed("start_date"):
        pass
    elif request.start_date < today and not already_started:
        problems.add("start_date", "De startdatum kan niet in het verleden liggen.")
    elif request.start_date > today + MAX_START_AHEAD:
        problems.add("start_date", "Kies een startdatum binnen twee jaar.")
    if referral is not None and request.location_id not in referral.location_ids:
        problems.add("location_id", "Dit kind staat niet op de wachtlijst van deze locatie.")
    if not isinstance(request, OfferRequest) or problems.failed("respond_by"):
        pass
    elif request.respond_by < today:
        problems.add("respond_by", "De reactiedatum kan niet in het verleden liggen.")
    elif request.respond_by > today + MAX_RESPOND_AHEAD:
        problems.add("respond_by", "Kies een reactiedatum binnen een jaar.")
    if errors is None:
        problems.raise_if_any()


def check_seat_scope(actor: Actor, request: SeatRequest) -> None:
    """Only a coordinator takes seats, and only at their own locations."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator kan een plaats aanbieden of een kind plaatsen.")
    if request.location_id not in actor.location_ids:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")


def check_waiting(referral: Referral, not_waiting: str) -> None:
    if referral.status != Status.WAITLISTED.value:
        raise Conflict(not_waiting)


async def _referral_for_seat(db: AsyncSession, actor: Actor, request: SeatRequest) -> Referral:
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator kan een plaats aanbieden of een kind plaatsen.")
    referral = await referrals.get_referral(db, actor, request.referral_id, log_view=False)
    check_seat_scope(actor, request)
    return referral


async def _waiting_child_with_room(
    db: AsyncSession,
    actor: Actor,
    asked: SeatRequest | Parsed[SeatRequest],
    today: date,
    not_waiting: str,
    *,
    already_started: bool = False,
) -> tuple[Referral, Location, SeatRequest]:
    """The referral and the location, both locked, once the child is still waiting and every weekday asked for
    has room from the start date: what an offer and a direct placement both need before they take seats.
    One round: every rule on the fields that were read, then every message at once; also the checked request."""
    parsed = Parsed.of(asked)
    errors, entered = parsed.errors, parsed.value
    referral: Referral | None = None
    if not errors.failed("referral_id", "location_id"):
        try:
            referral = await _referral_for_seat(db, actor, entered)
        except (Forbidden, NotFound):
            errors.raise_if_any()  # a mistake in the input is answered first, as before one round
            raise
    check_request(entered, today, referral, already_started=already_started, errors=errors)
    request = parsed.checked()
    assert referral is not None  # read when both ids were: else there were messages
    location = await lock_location(db, request.location_id)
    await _lock_referral(db, referral)
    check_waiting(referral, not_waiting)
    await _check_capacity(db, location, request.weekdays, request.start_date, today)
    return referral, location, request


# --- use cases -----------------------------------------------------------------------------------


async def offer_seat(
    db: AsyncSession, actor: Actor, settings: Settings, asked: OfferRequest | Parsed[OfferRequest], today: date
) -> Offer:
    """Offers a waiting child seats; the open offer holds them until accepted, declined or past respond_by."""
    not_waiting = "Alleen een kind op de wachtlijst kan een plaats aangeboden krijgen."
    referral, location, checked = await _waiting_child_with_room(db, actor, asked, today, not_waiting)  # type: ignore[arg-type]
    assert isinstance(checked, OfferRequest)
    request = checked
    offer = Offer(
        referral_id=referral.id,
        location_id=location.id,
        weekdays=list(request.weekdays),
        start_date=request.start_date,
        respond_by=request.respond_by,
        status="open",
        made_by_id=actor.id,
    )
    db.add(offer)
    await db.flush()
    db.add_all(
        _claims(location.id, request.weekdays, request.start_date, offer_id=offer.id, expires_on=request.respond_by)
    )
    await referrals.move(db, actor, settings, referral.id, MoveRequest(to=Status.OFFERED), via_own_action=True)
    await commit_or_busy(db)
    return offer


@dataclass
class NewPlacement:
    placement: Placement
    claims: list[SeatClaim]
    move: ReferralEvent


def build_placement(
    actor: Actor,
    referral: Referral,
    location: Location,
    weekdays: Sequence[str],
    start_date: date,
    offer: Offer | None = None,
    now: datetime | None = None,
) -> NewPlacement:
    """The placement, the seats it holds and the referral's move to placed (by the move rules), on what was loaded
    and checked under the location's lock (no I/O)."""
    placement = Placement(
        id=uuid4(),
        referral_id=referral.id,
        location_id=location.id,
        offer_id=offer.id if offer else None,
        weekdays=list(weekdays),
        start_date=start_date,
        placed_by_id=actor.id,
    )
    claims = _claims(location.id, weekdays, start_date, placement_id=placement.id)
    move = referrals.build_move(actor, referral, MoveRequest(to=Status.PLACED), via_own_action=True, now=now)
    return NewPlacement(placement, claims, move)


async def _create_placement(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    referral: Referral,
    location: Location,
    weekdays: Sequence[str],
    start_date: date,
    offer: Offer | None = None,
) -> Placement:
    built = build_placement(actor, referral, location, weekdays, start_date, offer)
    db.add(built.placement)
    await db.flush()
    db.add_all(built.claims)
    db.add(built.move)
    await referrals.mail_referrer(db, settings, referral, actor)
    await db.flush()
    return built.placement


async def place(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    asked: SeatRequest | Parsed[SeatRequest],
    today: date,
    *,
    already_started: bool = False,
) -> Placement:
    """Places a waiting child directly; refused (409) when any of those weekdays is full from the start date.
    ``already_started``: a placement that runs already, brought in from an organisation's own records (the
    import); its start may lie in the past, everything else is checked the same."""
    not_waiting = "Alleen een kind op de wachtlijst kan direct worden geplaatst."
    referral, location, request = await _waiting_child_with_room(
        db, actor, asked, today, not_waiting, already_started=already_started
    )
    placement = await _create_placement(db, actor, settings, referral, location, request.weekdays, request.start_date)
    await commit_or_busy(db)
    return placement


def _check_answerable(offer: Offer, today: date) -> None:
    if offer.status != "open":
        raise Conflict("Op dit aanbod is al gereageerd.")
    if offer.respond_by < today:
        raise Conflict("Dit aanbod is verlopen: de reactiedatum is voorbij. Bied zo nodig opnieuw een plaats aan.")


async def _open_offer_locked(
    db: AsyncSession, actor: Actor, offer_id: UUID, today: date
) -> tuple[Offer, Referral, Location]:
    """The open offer in scope, read again under the location lock: two answers to one offer at the same
    moment (a double click, two coordinators) must not both go through."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator legt het antwoord van de familie vast.")
    offer = await db.get(Offer, offer_id)
    if offer is None or offer.location_id not in actor.location_ids:
        raise NotFound("Dit aanbod bestaat niet, of u heeft er geen toegang toe.")
    referral = await referrals.get_referral(db, actor, offer.referral_id, log_view=False)
    _check_answerable(offer, today)
    location = await lock_location(db, offer.location_id)
    await db.refresh(offer)
    await _lock_referral(db, referral)
    _check_answerable(offer, today)
    return offer, referral, location


async def _release_offer(db: AsyncSession, offer: Offer, status: str) -> None:
    now = _now()
    offer.status = status
    offer.decided_at = now
    await db.execute(
        update(SeatClaim).where(SeatClaim.offer_id == offer.id, SeatClaim.released_at.is_(None)).values(released_at=now)
    )


async def release_open_offers(db: AsyncSession, referral_id: UUID, status: str) -> None:
    """Frees the seats of this referral's open offers (when it is withdrawn)."""
    offers = (await db.scalars(select(Offer).where(Offer.referral_id == referral_id, Offer.status == "open"))).all()
    for offer in offers:
        await _release_offer(db, offer, status)


async def expire_offers(db: AsyncSession, settings: Settings, today: date) -> int:
    """Offers past their respond-by date lapse: seats free, the child back on the waitlist (waiting_since kept).

    Capacity counts are already right before this runs (an offer's claims lapse by date); this records it.
    """
    overdue = (await db.scalars(select(Offer).where(Offer.status == "open", Offer.respond_by < today))).all()
    expired = 0
    for offer in overdue:
        await lock_location(db, offer.location_id)
        # Every server process runs this job: another may have recorded this offer since we read the list.
        await db.refresh(offer)
        if offer.status != "open":
            await db.commit()
            continue
        await _release_offer(db, offer, "expired")
        expired += 1
        referral = await db.get(Referral, offer.referral_id)
        if referral is not None:
            await _lock_referral(db, referral)
        if referral is not None and referral.status == Status.OFFERED.value:
            await referrals.move_by_system(
                db,
                settings,
                referral,
                MoveRequest(to=Status.WAITLISTED, reason="Het aanbod is verlopen: er is niet op tijd gereageerd."),
            )
        await db.commit()
    return expired


async def accept_offer(db: AsyncSession, actor: Actor, settings: Settings, offer_id: UUID, today: date) -> Placement:
    """The family said yes: the offer's seats become a placement (they were held, so they are still free)."""
    offer, referral, location = await _open_offer_locked(db, actor, offer_id, today)
    await _release_offer(db, offer, "accepted")
    start = max(offer.start_date, today)
    await _check_capacity(db, location, offer.weekdays, start, today)
    placement = await _create_placement(db, actor, settings, referral, location, offer.weekdays, start, offer)
    await commit_or_busy(db)
    return placement


async def decline_offer(
    db: AsyncSession, actor: Actor, settings: Settings, offer_id: UUID, reason: str | None, today: date
) -> Offer:
    """The family said no: the seats are free again and the child waits on with its original waiting_since."""
    offer, referral, _location = await _open_offer_locked(db, actor, offer_id, today)
    await _release_offer(db, offer, "declined")
    offer.decline_reason = reason
    await referrals.move(
        db, actor, settings, referral.id, MoveRequest(to=Status.WAITLISTED, reason=reason), via_own_action=True
    )
    await commit_or_busy(db)
    return offer


async def withdraw_offer(
    db: AsyncSession, actor: Actor, settings: Settings, offer_id: UUID, reason: str | None, today: date
) -> Offer:
    """The coordinator takes back an offer made by mistake: its seats are free at once and the child waits on
    with its original waiting_since, as after a declined offer."""
    offer, referral, _location = await _open_offer_locked(db, actor, offer_id, today)
    await _release_offer(db, offer, "withdrawn")
    offer.decline_reason = reason
    note = "Aanbod ingetrokken door de coördinator" + (f": {reason}" if reason else ".")
    await referrals.move(
        db, actor, settings, referral.id, MoveRequest(to=Status.WAITLISTED, reason=note), via_own_action=True
    )
    await commit_or_busy(db)
    return offer


async def end_placement(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    placement_id: UUID,
    end_date: date,
    reason_code: str,
    reason: str | None = None,
    today: date | None = None,
    explanation: str | None = None,
    errors: FieldErrors | None = None,
) -> Placement:
    """Ends a placement with a closing reason (uitstroom): the seats free the day after ``end_date``; the referral
    closes at once when that day has passed, else it stays placed (the child on the day list) until it has and
    ``close_ended_placements`` closes it the day after. ``errors``: the messages of the fields as read
    (``parse_end``); the end date is checked in the same round, when it was read, and all are raised at once."""
    if today is None:
        from huiskamer.site.templating import today as amsterdam_today

        today = amsterdam_today()
    problems = FieldErrors() if errors is None else errors
    try:
        if not actor.is_coordinator:
            raise Forbidden("Alleen een coördinator kan een plaatsing beëindigen.")
        placement = await db.get(Placement, placement_id)
        if placement is None or placement.location_id not in actor.location_ids:
            raise NotFound("Deze plaatsing bestaat niet, of u heeft er geen toegang toe.")
        if placement.end_date is not None:
            raise Conflict("Deze plaatsing is al beëindigd.")
    except (Forbidden, NotFound, Conflict):
        problems.raise_if_any()  # a mistake in the input is answered first, as before one round
        raise
    if problems.failed("end_date"):
        pass
    elif end_date < placement.start_date:
        problems.add("end_date", "De einddatum kan niet voor de startdatum liggen.")
    elif end_date > today + MAX_END_AHEAD:
        problems.add("end_date", "Kies een einddatum binnen twee jaar.")
    problems.raise_if_any()
    closing = MoveRequest(to=Status.CLOSED, reason_code=reason_code, reason=reason, explanation=explanation)
    if end_date < today:
        await referrals.move(db, actor, settings, placement.referral_id, closing, via_own_action=True)
    else:
        # Checked now as the move will be later: a referral that is not placed cannot get a pending ending.
        referral = await referrals.get_referral(db, actor, placement.referral_id, log_view=False)
        if referral.status != Status.PLACED.value:
            raise Conflict("Deze aanmelding is niet (meer) geplaatst.")
    placement.end_date = end_date
    placement.end_reason_code = reason_code
    placement.end_reason = reason
    placement.end_explanation = explanation
    await db.execute(update(SeatClaim).where(SeatClaim.placement_id == placement.id).values(end_date=end_date))
    await commit_or_busy(db)
    return placement


async def close_ended_placements(db: AsyncSession, settings: Settings, today: date) -> int:
    """The day after a placement's end date its referral is closed with the reason given at the ending.

    Run by the worker every round (so within a minute after midnight); the day list and the capacity read the
    end date themselves, so they agree before this has run.
    """
    ended = (
        await db.execute(
            select(Placement.id, Placement.location_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .where(Placement.end_date < today, Referral.status == Status.PLACED.value)
        )
    ).all()
    closed = 0
    for placement_id, location_id in ended:
        await lock_location(db, location_id)
        placement = await db.get(Placement, placement_id, populate_existing=True)
        referral = await db.get(Referral, placement.referral_id) if placement else None
        if referral is not None:
            await _lock_referral(db, referral)
        # Every server process runs this job: another may have closed it since the list was read.
        if placement is None or referral is None or referral.status != Status.PLACED.value:
            await db.commit()
            continue
        request = MoveRequest(
            to=Status.CLOSED,
            reason_code=placement.end_reason_code,
            reason=placement.end_reason,
            explanation=placement.end_explanation,
        )
        await referrals.move_by_system(db, settings, referral, request)
        await db.commit()
        closed += 1
    return closed
