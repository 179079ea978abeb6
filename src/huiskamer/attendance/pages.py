"""What the day list pages show, shared by the day list's own pages and the youth worker's start page."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance import rules
from huiskamer.attendance import service as attendance
from huiskamer.attendance.rules import STATUS_NAMES_NL
from huiskamer.attendance.service import ChildOnList, DayList
from huiskamer.auth.actor import Actor
from huiskamer.site.templating import today
from huiskamer.text import fold

# The filters above the list (?toon=): which statuses each one shows.
FILTERS: dict[str, frozenset[str]] = {
    "open": frozenset({"unknown"}),
    "aanwezig": frozenset({"present"}),
    "afwezig": frozenset({"absent_excused", "absent_unexcused"}),
}
# What daglijst.js needs to show a tap on its row before the server answers: the same words as the templates.
DAY_WORDS = {
    "status": STATUS_NAMES_NL,
    "reasons": rules.ABSENCE_REASON_NAMES_NL,
    "marks": {mark.code: [mark.status, mark.absence_reason] for mark in rules.MARKS_BY_CODE.values()},
}
OTHER_MARKS = tuple(mark for mark in rules.MARKS if mark.code != "present")


# Set on the pages a phone may keep for use without a connection (static/js/sw.js): today's day lists only,
# with whose list it is.
OFFLINE_HEADER = "X-Huiskamer-Offline"


def mark_for_offline(response: Template, actor: Actor | None, listed: DayList | None, status_code: int) -> Template:
    """Today's day list, answered in full, may be kept on the phone of the user it was made for."""
    if listed is not None and actor is not None and listed.day == today() and status_code == 200:
        response.headers[OFFLINE_HEADER] = f"{actor.id} {listed.day.isoformat()}"
    return response


def day_url(location_id: UUID, day: date | None = None, tail: str = "") -> str:
    url = f"/locaties/{location_id}/daglijst"
    if day is not None and (day != today() or tail):
        url += f"/{day.isoformat()}"
    return url + (f"/{tail}" if tail else "")


def page_context(day: date) -> dict[str, Any]:
    return {
        "other_marks": OTHER_MARKS,
        "day_words": DAY_WORDS,
        "is_today": day == today(),
        "day_url": day_url,
    }


def visible_children(children: list[ChildOnList], search: str = "", show: str = "alle") -> list[ChildOnList]:
    """The children that a search (every word in the name, case and accents ignored) and a filter leave; the
    page's script filters the same way as one types, without asking the server."""
    words = fold(search).split()
    statuses = FILTERS.get(show)
    return [
        child
        for child in children
        if (statuses is None or child.status in statuses) and all(word in child.search_key for word in words)
    ]


async def day_page_context(
    db_session: AsyncSession,
    actor: Actor,
    location_id: UUID,
    day: date,
    *,
    search: str | None = None,
    show: str | None = None,
) -> dict[str, Any]:
    """What the day list page shows (also on the youth worker's start page)."""
    listed = await attendance.day_list(db_session, actor, location_id, day)
    search = (search or "")[:60]
    show = show if show in FILTERS else "alle"
    return {
        **page_context(day),
        "day": listed,
        "location_id": location_id,
        "on": day,
        "visible": visible_children(listed.children, search, show),
        "shown": {"zoek": search, "toon": show},
    }


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


async def today_context(
    db_session: AsyncSession, actor: Actor, *, search: str | None = None, show: str | None = None
) -> dict[str, Any]:
    """Where a kinderwerker starts: today's day list of their one location, or today's lists of their locations
    to choose from (``choices``; with one location, that list alone). Each list is read once."""
    locations = await attendance.staff_locations(db_session, actor)
    if len(locations) == 1:
        context = await day_page_context(db_session, actor, locations[0][0], today(), search=search, show=show)
        return {**context, "choices": [context["day"]]}
    return {"choices": await choices(db_session, actor, locations)}
