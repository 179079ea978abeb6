"""Holding the intake: goals, urgency, days, acceptable locations, siblings, practical and safety notes.
It puts the child on the waitlist of each acceptable location, waiting from the day of the conversation."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.config import Settings
from huiskamer.errors import Conflict, Forbidden, NotFound
from huiskamer.intake.models import Goal, GoalCatalogueItem, Intake, SiblingLink
from huiskamer.intake.schemas import IntakeInput
from huiskamer.locations.models import Location
from huiskamer.referrals import service as referrals
from huiskamer.referrals.models import Referral, ReferralEvent, ReferralLocation
from huiskamer.referrals.rules import MoveRequest, Status
from huiskamer.site.templating import AMSTERDAM, dutch_date
from huiskamer.validation import FieldErrors, Parsed

INTAKE_FROM = {Status.IN_REVIEW.value, Status.INTAKE_PLANNED.value, Status.INTAKE_DONE.value}


async def catalogue(db: AsyncSession, *, active_only: bool = True) -> Sequence[GoalCatalogueItem]:
    query = select(GoalCatalogueItem).order_by(GoalCatalogueItem.position, GoalCatalogueItem.name)
    if active_only:
        query = query.where(GoalCatalogueItem.active.is_(True))
    return (await db.scalars(query)).all()


async def catalogue_names(db: AsyncSession) -> dict[str, str]:
    return {item.code: item.name for item in await catalogue(db)}


async def intake_of(db: AsyncSession, referral_id: UUID) -> Intake | None:
    return await db.scalar(select(Intake).where(Intake.referral_id == referral_id))


async def sibling_ids(db: AsyncSession, referral_id: UUID) -> list[UUID]:
    return list(
        (await db.scalars(select(SiblingLink.sibling_referral_id).where(SiblingLink.referral_id == referral_id))).all()
    )


async def _active_ids(db: AsyncSession, ids: Sequence[UUID]) -> set[UUID]:
    return set((await db.scalars(select(Location.id).where(Location.id.in_(ids), Location.active.is_(True)))).all())


def check_intake(
    actor: Actor,
    referral: Referral,
    data: IntakeInput,
    active_ids: Collection[UUID],
    errors: FieldErrors | None = None,
) -> None:
    """The rules of an intake on the loaded referral: its status, the date, the acceptable locations (``active_ids``:
    those of them that are active). With ``errors`` the field rules add their messages there, skipping the fields
    that failed already (one round); without, the first broken rule raises."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator houdt het intakegesprek.")
    if referral.status not in INTAKE_FROM:
        raise Conflict(
            "Een intakegesprek kan worden vastgelegd als de aanmelding in behandeling is of de intake gepland is."
        )
    problems = FieldErrors() if errors is None else errors
    submitted_on = referral.submitted_at.astimezone(AMSTERDAM).date()
    if not problems.failed("held_on") and data.held_on < submitted_on:
        # An intake dated before the referral (1900-01-01, a typo in the year) would put the child on top of every
        # waitlist: the waiting time counts from the intake.
        submitted = dutch_date(submitted_on, "d MMMM y")
        problems.add("held_on", f"Het gesprek kan niet vóór de aanmelding ({submitted}) gehouden zijn.")
    ids = set(data.preferred_location_ids)
    if problems.failed("preferred_location_ids"):
        pass
    elif not ids <= set(active_ids):
        problems.add("preferred_location_ids", "Een gekozen locatie bestaat niet (meer).")
    elif not ids & actor.location_ids:
        problems.add("preferred_location_ids", "Kies minstens één van uw eigen locaties.")
    if errors is None:
        problems.raise_if_any()


async def _check_siblings(
    db: AsyncSession, actor: Actor, referral: Referral, ids: Sequence[UUID], errors: FieldErrors
) -> None:
    for sibling_id in ids:
        if sibling_id == referral.id:
            errors.add("sibling_referral_ids", "Een kind kan niet zijn eigen broer of zus zijn.")
            return
        try:
            await referrals.get_referral(db, actor, sibling_id, log_view=False)
        except (NotFound, Forbidden):  # the same answer, no hint
            errors.add("sibling_referral_ids", "Een gekozen broer of zus is niet gevonden.")
            return


async def _link_siblings(db: AsyncSession, referral: Referral, ids: Sequence[UUID]) -> None:
    """Links the brothers and sisters both ways (checked first by ``_check_siblings``)."""
    await db.execute(
        delete(SiblingLink).where(
            or_(SiblingLink.referral_id == referral.id, SiblingLink.sibling_referral_id == referral.id)
        )
    )
    now = datetime.now(UTC)
    for sibling_id in ids:
        db.add(SiblingLink(referral_id=referral.id, sibling_referral_id=sibling_id, created_at=now))
        db.add(SiblingLink(referral_id=sibling_id, sibling_referral_id=referral.id, created_at=now))


def _set_locations(referral: Referral, location_ids: Sequence[UUID]) -> None:
    """The acceptable locations in order of preference; rows are updated in place (one row per location)."""
    existing = {link.location_id: link for link in referral.locations}
    links = []
    for rank, location_id in enumerate(location_ids, 1):
        link = existing.get(location_id) or ReferralLocation(location_id=location_id)
        link.rank = rank
        links.append(link)
    referral.locations = links


def write_intake(
    actor: Actor, referral: Referral, intake: Intake | None, data: IntakeInput, items: Sequence[GoalCatalogueItem]
) -> Intake:
    """The intake (new, or ``intake`` replaced) with its goals as ``data`` says, and the referral's days and
    locations from it; the child waits from the day of the conversation. Checked first by ``check_intake``."""
    names = {item.code: item.name for item in items}
    dimensions = {item.code: item.dimension for item in items}
    if intake is None:
        intake = Intake(id=uuid4(), referral_id=referral.id)
    intake.held_on = data.held_on
    intake.held_by_id = actor.id
    intake.urgency = data.urgency.value
    intake.urgency_reason = data.urgency_reason
    intake.requested_weekdays = list(data.requested_weekdays)
    intake.minimum_days = data.minimum_days
    intake.consent_data_processing = True
    intake.collection_persons = list(data.collection_persons)
    intake.not_allowed_collectors = list(data.not_allowed_collectors)
    intake.allergies = data.allergies
    intake.safety_notes = data.safety_notes
    intake.goals = [
        Goal(
            referral_id=referral.id,
            code=goal.code,
            description=goal.description or names.get(goal.code or "", ""),
            dimension=dimensions.get(goal.code or ""),
            set_on=data.held_on,
            position=n,
        )
        for n, goal in enumerate(data.goals)
    ]
    _set_locations(referral, data.preferred_location_ids)
    referral.requested_weekdays = list(data.requested_weekdays)
    referral.waiting_since = data.held_on
    return intake


def waitlist_moves(actor: Actor, referral: Referral, now: datetime | None = None) -> list[ReferralEvent]:
    """After the intake: on to the waitlist (through 'intake done' when it was not yet), by the move rules."""
    steps = (
        [Status.WAITLISTED] if referral.status == Status.INTAKE_DONE.value else [Status.INTAKE_DONE, Status.WAITLISTED]
    )
    return [referrals.build_move(actor, referral, MoveRequest(to=step), via_own_action=True, now=now) for step in steps]


async def hold_intake(
    db: AsyncSession,
    actor: Actor,
    settings: Settings,
    referral_id: UUID,
    data: IntakeInput | Parsed[IntakeInput],
    today: date,
) -> tuple[Referral, Intake, bool]:
    """Records the intake (or replaces it while not yet waiting) and puts the child on the waitlist.

    One round: the rules are checked on every field that was read, and every message is raised at once.
    Returns the referral, the intake and whether the intake is new.
    """
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator houdt het intakegesprek.")
    parsed = Parsed.of(data)
    errors, entered = parsed.errors, parsed.value
    try:
        referral = await referrals.get_referral(db, actor, referral_id, log_view=False)
        check_intake(actor, referral, entered, await _active_ids(db, entered.preferred_location_ids), errors)
    except (NotFound, Conflict):
        errors.raise_if_any()  # a mistake in the input is answered first, as before one round
        raise
    if not errors.failed("sibling_referral_ids"):
        await _check_siblings(db, actor, referral, entered.sibling_referral_ids, errors)
    data = parsed.checked()
    await _link_siblings(db, referral, data.sibling_referral_ids)
    existing = await intake_of(db, referral.id)
    intake = write_intake(actor, referral, existing, data, await catalogue(db))
    if existing is None:
        db.add(intake)
    await db.flush()
    for event in waitlist_moves(actor, referral):
        db.add(event)
        await referrals.mail_referrer(db, settings, referral, actor)
    await db.flush()
    return referral, intake, existing is None
