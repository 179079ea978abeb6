"""Concerns (signalen) for the coordinator: raised by the system when a child is absent without notice too often,
or by a kinderwerker with a short observation; resolved by the coordinator with a note.

The system raises one concern when the threshold is reached, not one per tap; a correction that brings the
absences below the threshold again withdraws it while it is still open. After the coordinator has resolved one,
only absences recorded after it was raised count towards the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from huiskamer.attendance import rules
from huiskamer.attendance.models import Attendance, Concern
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import User
from huiskamer.db import commit_or_busy
from huiskamer.errors import Conflict, Forbidden, NotFound
from huiskamer.locations.models import Location
from huiskamer.organisation.service import current_settings
from huiskamer.placements.models import Placement
from huiskamer.referrals.models import Child, Referral
from huiskamer.site.templating import dutch_date

AUTO = "unexcused_absence"
OBSERVATION = "observation"
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


async def review_unexcused_absence(db: AsyncSession, placement: Placement, day: date, now: datetime) -> str | None:
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


async def raise_observation(
    db: AsyncSession,
    actor: Actor,
    referral_id: UUID,
    text: str,
    *,
    today: date,
    now: datetime,
    location_id: UUID | None = None,
) -> Concern:
    """A kinderwerker (or coordinator) passes on what they saw about a child placed at one of their locations."""
    require_observer(actor)
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
        kind=OBSERVATION,
        status="open",
        text=text,
        raised_at=now,
        raised_by_id=actor.id,
    )
    db.add(concern)
    await commit_or_busy(db)
    return concern


# --- the coordinator's list and resolution -------------------------------------------------------------


@dataclass(frozen=True)
class ConcernRow:
    concern: Concern
    child_name: str
    location_name: str
    raised_by: str | None
    resolved_by: str | None

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
    """The concerns at the coordinator's locations, newest first (``status`` None: all)."""
    require_coordinator(actor)
    scope = actor.own_locations(location_id)
    raiser, resolver = aliased(User), aliased(User)
    query = (
        select(Concern, Child.given_name, Child.family_name, Location.name, raiser.name, resolver.name)
        .join(Referral, Referral.id == Concern.referral_id)
        .join(Child, Child.id == Referral.child_id)
        .join(Location, Location.id == Concern.location_id)
        .outerjoin(raiser, raiser.id == Concern.raised_by_id)
        .outerjoin(resolver, resolver.id == Concern.resolved_by_id)
        .where(Concern.location_id.in_(scope))
        .order_by(Concern.raised_at.desc(), Concern.id)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    )
    if status is not None:
        query = query.where(Concern.status == status)
    found = (await db.execute(query)).all()
    rows = [
        ConcernRow(concern, f"{given} {family}", location_name, raised_by, resolved_by)
        for concern, given, family, location_name, raised_by, resolved_by in found[:page_size]
    ]
    open_count = await db.scalar(select(func.count()).where(Concern.location_id.in_(scope), Concern.status == "open"))
    return ConcernPage(rows, len(found) > page_size, open_count or 0)


async def resolve_concern(db: AsyncSession, actor: Actor, concern_id: UUID, note: str, *, now: datetime) -> Concern:
    """The coordinator has acted on a concern and says how, in a note."""
    require_coordinator(actor)
    concern = await db.get(Concern, concern_id)
    if concern is None or concern.location_id not in actor.location_ids:
        raise NotFound("Dit signaal bestaat niet, of u heeft er geen toegang toe.")
    if concern.status != "open":
        raise Conflict("Dit signaal is al afgehandeld of vervallen.")
    concern.status = "resolved"
    concern.resolved_at = now
    concern.resolved_by_id = actor.id
    concern.resolution_note = note
    await commit_or_busy(db)
    return concern
