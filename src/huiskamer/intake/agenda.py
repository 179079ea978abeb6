"""The coordinator's intake agenda: planned intake talks of their locations from today on, and one talk as an
iCalendar event (RFC 5545) for their own agenda.

Scope: only referrals of the coordinator's locations (``referrals.service.scoped_referrals``); a talk of another
location does not exist for them. What leaves the application in an ``.ics`` file carries no child data beyond
the first name: a calendar is synchronised to phones and mail servers outside the organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden, NotFound
from huiskamer.locations.models import Location
from huiskamer.referrals.models import Referral
from huiskamer.referrals.rules import Status
from huiskamer.referrals.service import scoped_referrals
from huiskamer.site.templating import AMSTERDAM

# How long an intake talk is put in the agenda; the coordinator moves its end in their own calendar.
TALK_LENGTH = timedelta(hours=1)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class PlannedIntake:
    referral_id: UUID
    child_name: str
    first_name: str
    at: datetime
    location_name: str
    location_address: str


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM)


def week_end(day: date) -> date:
    """The Sunday of the week of ``day``: "this week" ends there."""
    return day + timedelta(days=6 - day.weekday())


async def planned_intakes(
    db: AsyncSession, actor: Actor, today: date, *, until: date | None = None, limit: int = 200
) -> list[PlannedIntake]:
    """The planned intake talks of the coordinator's locations from the start of today on (through ``until``),
    the earliest first."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator heeft een intake-agenda.")
    query = scoped_referrals(actor).where(
        Referral.status == Status.INTAKE_PLANNED.value,
        Referral.intake_planned_at.is_not(None),
        Referral.intake_planned_at >= start_of(today),
    )
    if until is not None:
        query = query.where(Referral.intake_planned_at < start_of(until + timedelta(days=1)))
    found = (await db.scalars(query.order_by(Referral.intake_planned_at, Referral.id).limit(limit))).all()
    locations = await _locations(db, found)
    return [_planned(actor, referral, locations) for referral in found]


async def planned_intake(db: AsyncSession, actor: Actor, referral_id: UUID) -> PlannedIntake:
    """One planned intake talk of the coordinator's locations; any other referral, or one without a planned
    talk, does not exist (404)."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator heeft een intake-agenda.")
    referral = await db.scalar(
        scoped_referrals(actor).where(
            Referral.id == referral_id,
            Referral.status == Status.INTAKE_PLANNED.value,
            Referral.intake_planned_at.is_not(None),
        )
    )
    if referral is None:
        raise NotFound("Er is geen geplande intake bij deze aanmelding, of u heeft er geen toegang toe.")
    return _planned(actor, referral, await _locations(db, [referral]))


async def _locations(db: AsyncSession, referrals: Sequence[Referral]) -> dict[UUID, Location]:
    ids = {location_id for referral in referrals for location_id in referral.location_ids}
    if not ids:
        return {}
    return {location.id: location for location in await db.scalars(select(Location).where(Location.id.in_(ids)))}


def _planned(actor: Actor, referral: Referral, locations: dict[UUID, Location]) -> PlannedIntake:
    """The talk at the first preferred location of the coordinator's own (where they will hold it)."""
    assert referral.intake_planned_at is not None
    own = [i for i in referral.location_ids if i in (actor.location_ids or set())] or referral.location_ids
    first = locations.get(own[0]) if own else None
    return PlannedIntake(
        referral_id=referral.id,
        child_name=referral.child.full_name,
        first_name=referral.child.given_name,
        at=referral.intake_planned_at,
        location_name=first.name if first is not None else "",
        location_address=first.address if first is not None else "",
    )


# --- iCalendar (RFC 5545) ------------------------------------------------------------------------


def _escape(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets folded with CRLF and a space (RFC 5545 3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def to_ics(intake: PlannedIntake, *, dossier_url: str, now: datetime, host: str) -> bytes:
    """One VEVENT for the talk, times in UTC (every agenda shows them in its own zone); its UID stays the same
    for the referral, so a rescheduled talk replaces the old event when the file is opened again."""
    summary = f"Intakegesprek {intake.first_name}"
    if intake.location_name:
        summary += f" ({intake.location_name})"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Huiskamer//Intake-agenda//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:intake-{intake.referral_id}@{host}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(intake.at)}",
        f"DTEND:{_utc(intake.at + TALK_LENGTH)}",
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape('Het dossier in Huiskamer: ' + dossier_url)}",
        f"URL:{dossier_url}",
    ]
    where = ", ".join(part for part in (intake.location_name, intake.location_address) if part)
    if where:
        lines.append(f"LOCATION:{_escape(where)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
