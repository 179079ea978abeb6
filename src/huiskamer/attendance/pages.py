"""What the day list pages show, shared by the day list's own pages and the youth worker's start page."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import rules
from huiskamer.attendance import service as attendance
from huiskamer.attendance.rules import STATUS_NAMES_NL
from huiskamer.attendance.schemas import OTHER_PERSON
from huiskamer.attendance.service import DayList
from huiskamer.auth.actor import Actor
from huiskamer.site.templating import today


def day_url(location_id: UUID, day: date | None = None, tail: str = "") -> str:
    url = f"/locaties/{location_id}/daglijst"
    if day is not None and (day != today() or tail):
        url += f"/{day.isoformat()}"
    return url + (f"/{tail}" if tail else "")


def page_context(day: date) -> dict[str, Any]:
    return {
        "marks": rules.MARKS,
        "undo": rules.UNDO,
        "status_names": STATUS_NAMES_NL,
        "reason_names": rules.ABSENCE_REASON_NAMES_NL,
        "other_person": OTHER_PERSON,
        "is_today": day == today(),
        "day_url": day_url,
    }


async def day_page_context(db_session: AsyncSession, actor: Actor, location_id: UUID, day: date) -> dict[str, Any]:
    """What the day list page shows (also on the youth worker's start page)."""
    listed = await attendance.day_list(db_session, actor, location_id, day)
    return {**page_context(day), "day": listed, "location_id": location_id, "on": day}


async def choices(
    db_session: AsyncSession, actor: Actor, locations: list[tuple[UUID, str]] | None = None
) -> list[DayList]:
    """Today's list of each of the actor's locations (for a choice and its counts)."""
    if locations is None:
        locations = await attendance.staff_locations(db_session, actor)
    found = []
    for location_id, _name in locations:
        found.append(await attendance.day_list(db_session, actor, location_id, today(), log_view=False))
    return found


async def today_context(db_session: AsyncSession, actor: Actor) -> dict[str, Any]:
    """Where a kinderwerker starts: today's day list of their one location, or today's lists of their locations
    to choose from (``choices``; with one location, that list alone). Each list is read once."""
    locations = await attendance.staff_locations(db_session, actor)
    if len(locations) == 1:
        context = await day_page_context(db_session, actor, locations[0][0], today())
        return {**context, "choices": [context["day"]]}
    return {"choices": await choices(db_session, actor, locations)}
