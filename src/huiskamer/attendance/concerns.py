"""Concerns (signalen) for the coordinator: raised by the system when a child is absent without notice too often,
or by a kinderwerker with a short observation; resolved by the coordinator with a note.

The system raises one concern when the threshold is reached, not one per tap; a correction that brings the
absences below the threshold again withdraws it while it is still open. After the coordinator has resolved one,
only absences recorded after it was raised count towards the next.

Urgent concerns (a pick-up by someone not on the list, a worry about the child's safety) come first in every
list and are sent at once by e-mail to the location's coordinators who asked for mail (without any child data).
A safeguarding concern follows the five steps of the Meldcode; it is closed only after the fifth, the decision.
Concerns are the staff's: a referrer never sees one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from huiskamer.attendance import rules
from huiskamer.attendance.models import URGENT_CONCERN_KINDS, Attendance, Concern, ConcernStep
from huiskamer.audit.access import note_access
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import Role, User, UserLocation
from huiskamer.db import commit_or_busy
from huiskamer.errors import Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.locations.models import Location
from huiskamer.mail.service import enqueue
from huiskamer.organisation.service import current_settings
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral
from huiskamer.site.templating import AMSTERDAM, dutch_date, dutch_datetime
from huiskamer.validation import FieldErrors


class PlacementIds(Protocol):
    """What a concern needs of a placement (a ``Placement``, or the marking's locked read of one)."""

    @property
    def id(self) -> UUID: ...

    @property
    def referral_id(self) -> UUID: ...

    @property
    def location_id(self) -> UUID: ...


AUTO = "unexcused_absence"
OBSERVATION = "observation"
PICKUP = "pickup"
SAFEGUARDING = "safeguarding"
# What a kinderwerker (or coordinator) can raise; the unexcused-absence concern is the system's.
RAISED_BY_STAFF = (OBSERVATION, SAFEGUARDING, PICKUP)
URGENT_SUBJECT = "Dringend signaal: {location}"
URGENT_BODY = (
    "Er is een dringend signaal voor u bij {location}: {kind}.\n"
    "Log in om het te lezen en op te volgen. In deze e-mail staan geen gegevens van het kind.\n\n{url}\n"
)
WITHDRAWN_NOTE = "Vervallen: de afwezigheid is gecorrigeerd, de drempel wordt niet meer gehaald."
PAGE_SIZE = 500


# --- the system's concern ------------------------------------------------------------------------------


async def _unexcused_days(
    db: AsyncSession, placement_id: UUID, recorded_after: datetime | None, around: tuple[date, date] | None = None
) -> list[date]:
    query = select(Attendance.day).where(
        Attendance.placement_id == placement_id, Attendance.status == "absent_unexcused"
    )
    if recorded_after is not None:
        query = query.where(Attendance.updated_at > recorded_after)
    if around is not None:
        query = query.where(Attendance.day.between(*around))
    return list((await db.scalars(query)).all())


async def review_unexcused_absence(db: AsyncSession, placement: PlacementIds, day: date, now: datetime) -> str | None:
    """After a change to or from 'absent without notice' on ``day``: raises the concern when the threshold is
    reached and none is open, withdraws the open one when it is no longer reached. Returns what it did.

    Once the coordinator has resolved a concern, the absences it was about have been talked through: only
    absences recorded after it was raised count towards the next one.
    """
    settings = await current_settings(db)
    threshold, window = settings.unexcused_absence_threshold, settings.unexcused_absence_window_days
    # Through the referral's index: a child has a handful of concerns, the organisation thousands.
    mine = (Concern.referral_id == placement.referral_id, Concern.placement_id == placement.id, Concern.kind == AUTO)
    open_concern = await db.scalar(select(Concern).where(*mine, Concern.status == "open").limit(1))
    # created_at, not raised_at: the concern row is written after the absence that raised it, so that absence
    # is never "recorded after" its own concern.
    handled = await db.scalar(select(func.max(Concern.created_at)).where(*mine, Concern.status == "resolved"))
    if open_concern is None:
        days = await _unexcused_days(db, placement.id, handled, rules.concern_window(day, window))
        if not rules.reaches_threshold(days, threshold, window):
            return None
        child = await db.scalar(
            select(Child.given_name)
            .join(Referral, Referral.child_id == Child.id)
            .where(Referral.id == placement.referral_id)
        )
        group = rules.busiest_window(days, window)
        db.add(
            Concern(
                referral_id=placement.referral_id,
                location_id=placement.location_id,
                placement_id=placement.id,
                kind=AUTO,
                status="open",
                text=rules.concern_text(child or "Dit kind", group, window, lambda d: dutch_date(d, "d MMMM")),
                raised_at=now,
            )
        )
        await db.flush()
        return "raised"
    if rules.reaches_threshold(await _unexcused_days(db, placement.id, handled), threshold, window):
        return None
    open_concern.status = "withdrawn"
    open_concern.resolved_at = now
    open_concern.resolution_note = WITHDRAWN_NOTE
    await db.flush()
    return "withdrawn"


# --- a kinderwerker's observation ----------------------------------------------------------------------


async def given_name_of(db: AsyncSession, referral_id: UUID) -> str:
    name = await db.scalar(
        select(Child.given_name).join(Referral, Referral.child_id == Child.id).where(Referral.id == referral_id)
    )
    return name or "Dit kind"


async def notify_coordinators(db: AsyncSession, concern: Concern, base_url: str) -> None:
    """An urgent concern by e-mail to the location's coordinators who asked for mail: where and what kind, never
    the child (they log in to read it)."""
    location = await db.scalar(select(Location.name).where(Location.id == concern.location_id))
    addresses = await db.scalars(
        select(User.email)
        .join(UserLocation, UserLocation.user_id == User.id)
        .where(
            UserLocation.location_id == concern.location_id,
            User.role == Role.COORDINATOR.value,
            User.active.is_(True),
            User.email_notifications.is_(True),
        )
    )
    kind = rules.CONCERN_KIND_NAMES_NL.get(concern.kind, concern.kind).lower()
    for address in addresses:
        enqueue(
            db,
            address,
            URGENT_SUBJECT.format(location=location),
            URGENT_BODY.format(location=location, kind=kind, url=f"{base_url}/signalen"),
        )


async def raise_pickup(
    db: AsyncSession,
    actor: Actor,
    placement: PlacementIds,
    check: rules.PickupCheck,
    given_name: str,
    collected_at: datetime,
    now: datetime,
    *,
    base_url: str,
) -> Concern:
    """A child was collected by someone not on the list of who may collect it: the coordinator hears at once."""
    when = dutch_datetime(collected_at, "d MMMM 'om' HH:mm")
    if check.not_allowed is not None:
        why = f"die op de lijst ‘mag niet ophalen’ staat ({check.not_allowed})"
    else:
        why = f"die niet op de lijst staat van wie {given_name} mag ophalen"
    concern = Concern(
        referral_id=placement.referral_id,
        location_id=placement.location_id,
        placement_id=placement.id,
        kind=PICKUP,
        status="open",
        text=f"{given_name} is op {when} opgehaald door {check.collector}, {why}. Vastgelegd door {actor.name}.",
        raised_at=now,
        raised_by_id=actor.id,
    )
    db.add(concern)
    await db.flush()
    await notify_coordinators(db, concern, base_url)
    return concern


async def raise_observation(
    db: AsyncSession,
    actor: Actor,
    referral_id: UUID,
    text: str,
    *,
    today: date,
    now: datetime,
    location_id: UUID | None = None,
    kind: str = OBSERVATION,
    base_url: str = "",
) -> Concern:
    """A kinderwerker (or coordinator) passes on what they saw about a child placed at one of their locations: an
    observation, or a worry about the child's safety (urgent, the Meldcode route)."""
    require_observer(actor)
    if kind not in RAISED_BY_STAFF:
        raise InvalidInput({"kind": "Kies observation, safeguarding of pickup."})
    query = (
        select(Placement)
        .where(
            Placement.referral_id == referral_id,
            Placement.location_id.in_(list(actor.location_ids)),
            (Placement.end_date.is_(None)) | (Placement.end_date >= today),
        )
        .order_by(Placement.start_date)
    )
    if location_id is not None:
        query = query.where(Placement.location_id == location_id)
    placement = (await db.scalars(query)).first()
    if placement is None:
        raise NotFound("Dit kind is niet geplaatst op uw locatie.")
    concern = Concern(
        referral_id=referral_id,
        location_id=placement.location_id,
        placement_id=placement.id,
        kind=kind,
        status="open",
        text=text,
        raised_at=now,
        raised_by_id=actor.id,
    )
    db.add(concern)
    if concern.urgent:
        await db.flush()
        await notify_coordinators(db, concern, base_url)
    await commit_or_busy(db)
    return concern


# --- the coordinator's list and resolution -------------------------------------------------------------


@dataclass(frozen=True)
class StepDone:
    step: int
    done_on: date
    note: str
    recorded_by: str


@dataclass(frozen=True)
class ConcernRow:
    concern: Concern
    child_name: str
    location_name: str
    raised_by: str | None
    resolved_by: str | None
    # The Meldcode steps taken so far, by number (safeguarding concerns only).
    steps: dict[int, StepDone] = field(default_factory=dict)

    @property
    def next_step(self) -> int | None:
        """The first Meldcode step not taken yet (None: all five are, or this is no safeguarding concern)."""
        if self.concern.kind != SAFEGUARDING:
            return None
        return next((step for step in rules.MELDCODE_STEP_NAMES_NL if step not in self.steps), None)

    @property
    def kind_name(self) -> str:
        return rules.CONCERN_KIND_NAMES_NL.get(self.concern.kind, self.concern.kind)

    @property
    def status_name(self) -> str:
        return rules.CONCERN_STATUS_NAMES_NL.get(self.concern.status, self.concern.status)


@dataclass(frozen=True)
class ConcernPage:
    rows: list[ConcernRow]
    has_next: bool
    open_count: int
    urgent_count: int = 0


def require_observer(actor: Actor) -> None:
    if not (actor.is_youth_worker or actor.is_coordinator):
        raise Forbidden("Alleen kinderwerkers en coördinatoren geven een signaal door.")


def require_coordinator(actor: Actor) -> None:
    if not actor.is_coordinator:
        raise Forbidden("Signalen zijn er voor de coördinator van de locatie.")


async def list_concerns(
    db: AsyncSession,
    actor: Actor,
    *,
    status: str | None = "open",
    location_id: UUID | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> ConcernPage:
    """The concerns at the coordinator's locations: open urgent ones first, then newest first (``status`` None:
    all)."""
    require_coordinator(actor)
    scope = actor.own_locations(location_id)
    raiser, resolver = aliased(User), aliased(User)
    urgent_first = case(
        (Concern.kind.in_(URGENT_CONCERN_KINDS) & (Concern.status == "open"), 0),
        else_=1,
    )
    query = (
        select(Concern, Child.given_name, Child.family_name, Location.name, raiser.name, resolver.name)
        .join(Referral, Referral.id == Concern.referral_id)
        .join(Child, Child.id == Referral.child_id)
        .join(Location, Location.id == Concern.location_id)
        .outerjoin(raiser, raiser.id == Concern.raised_by_id)
        .outerjoin(resolver, resolver.id == Concern.resolved_by_id)
        .where(Concern.location_id.in_(scope))
        .order_by(urgent_first, Concern.raised_at.desc(), Concern.id)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    )
    if status is not None:
        query = query.where(Concern.status == status)
    found = (await db.execute(query)).all()
    steps = await _steps_of(db, [row[0].id for row in found[:page_size] if row[0].kind == SAFEGUARDING])
    rows = [
        ConcernRow(concern, f"{given} {family}", location_name, raised_by, resolved_by, steps.get(concern.id, {}))
        for concern, given, family, location_name, raised_by, resolved_by in found[:page_size]
    ]
    note_access(db, "signalen", referrals=[row.concern.referral_id for row in rows])
    counts = (
        await db.execute(
            select(func.count(), func.count().filter(Concern.kind.in_(URGENT_CONCERN_KINDS))).where(
                Concern.location_id.in_(scope), Concern.status == "open"
            )
        )
    ).one()
    return ConcernPage(rows, len(found) > page_size, counts[0] or 0, counts[1] or 0)


async def _steps_of(db: AsyncSession, concern_ids: list[UUID]) -> dict[UUID, dict[int, StepDone]]:
    if not concern_ids:
        return {}
    query = (
        select(ConcernStep, User.name)
        .join(User, User.id == ConcernStep.recorded_by_id)
        .where(ConcernStep.concern_id.in_(concern_ids))
    )
    steps: dict[UUID, dict[int, StepDone]] = {}
    for step, who in (await db.execute(query)).all():
        steps.setdefault(step.concern_id, {})[step.step] = StepDone(step.step, step.done_on, step.note, who)
    return steps


async def _own_concern(db: AsyncSession, actor: Actor, concern_id: UUID) -> Concern:
    concern = await db.get(Concern, concern_id)
    if concern is None or concern.location_id not in actor.location_ids:
        raise NotFound("Dit signaal bestaat niet, of u heeft er geen toegang toe.")
    return concern


async def record_step(
    db: AsyncSession,
    actor: Actor,
    concern_id: UUID,
    step: int,
    done_on: date,
    note: str,
    *,
    today: date,
    errors: FieldErrors | None = None,
) -> ConcernStep:
    """The coordinator records a step of the Meldcode for a safeguarding concern: when it was taken and what came
    of it. Steps are taken in order; a step already recorded is corrected in place. ``errors``: the messages of
    the fields as read (``parse_step``); the step and date are checked in the same round, all raised at once."""
    problems = FieldErrors() if errors is None else errors
    try:
        require_coordinator(actor)
        concern = await _own_concern(db, actor, concern_id)
        if concern.kind != SAFEGUARDING:
            raise Conflict("Alleen een zorg om de veiligheid van een kind volgt de stappen van de Meldcode.")
        if concern.status != "open":
            raise Conflict("Dit signaal is al afgehandeld.")
    except (Forbidden, NotFound, Conflict):
        problems.raise_if_any()  # a mistake in the input is answered first, as before one round
        raise
    if not problems.failed("step") and step not in rules.MELDCODE_STEP_NAMES_NL:
        problems.add("step", "Kies een stap van 1 tot en met 5.")
    if problems.failed("done_on"):
        pass
    elif done_on > today:
        problems.add("done_on", "De datum van een stap kan niet in de toekomst liggen.")
    elif done_on < concern.raised_at.astimezone(AMSTERDAM).date():
        problems.add("done_on", "Een stap kan niet voor het signaal zijn gezet.")
    problems.raise_if_any()
    stored = await db.scalars(select(ConcernStep).where(ConcernStep.concern_id == concern.id))
    taken = {row.step: row for row in stored}
    missing = [earlier for earlier in range(1, step) if earlier not in taken]
    if missing:
        raise Conflict(f"Zet eerst stap {missing[0]}: {rules.MELDCODE_STEP_NAMES_NL[missing[0]].lower()}.")
    row = taken.get(step)
    if row is None:
        row = ConcernStep(concern_id=concern.id, step=step, done_on=done_on, note=note, recorded_by_id=actor.id)
        db.add(row)
    else:
        row.done_on, row.note, row.recorded_by_id = done_on, note, actor.id
    await commit_or_busy(db)
    return row


async def resolve_concern(db: AsyncSession, actor: Actor, concern_id: UUID, note: str, *, now: datetime) -> Concern:
    """The coordinator has acted on a concern and says how, in a note; a safeguarding concern only after the
    decision of the Meldcode (step 5)."""
    require_coordinator(actor)
    concern = await _own_concern(db, actor, concern_id)
    if concern.status != "open":
        raise Conflict("Dit signaal is al afgehandeld of vervallen.")
    if concern.kind == SAFEGUARDING:
        decided = await db.scalar(
            select(ConcernStep.id).where(ConcernStep.concern_id == concern.id, ConcernStep.step == 5)
        )
        if decided is None:
            raise Conflict("Werk eerst de stappen van de Meldcode af: het signaal sluit na stap 5, de beslissing.")
    concern.status = "resolved"
    concern.resolved_at = now
    concern.resolved_by_id = actor.id
    concern.resolution_note = note
    await commit_or_busy(db)
    return concern
