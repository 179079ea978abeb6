"""Reading a report's period and location from a query string or a form, with a Dutch message per field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

import msgspec

from huiskamer.errors import InvalidInput, NotFound
from huiskamer.reports.rules import Period
from huiskamer.validation import FieldErrors, Parsed, parse_date, read_text

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_YEARS = 5
STORY_LENGTH = 4000


def read_period(data: Mapping[str, Any], start_field: str, end_field: str) -> Period:
    """A period from two dates (``YYYY-MM-DD`` or as people type them); at most five years, from 2000 on."""
    errors = FieldErrors()
    found: dict[str, date] = {}
    for field, label in ((start_field, "de begindatum"), (end_field, "de einddatum")):
        raw = data.get(field)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors.add(field, f"Vul {label} in, bijvoorbeeld 2025-01-31.")
            continue
        parsed = parse_date(raw)
        if parsed is None:
            errors.add(field, f"{label.capitalize()} is geen geldige datum. Gebruik bijvoorbeeld 2025-01-31.")
        elif not FIRST_DAY <= parsed <= LAST_DAY:
            errors.add(field, f"Kies {label} tussen {FIRST_DAY.isoformat()} en {LAST_DAY.isoformat()}.")
        else:
            found[field] = parsed
    if start_field in found and end_field in found:
        start, end = found[start_field], found[end_field]
        if end < start:
            errors.add(end_field, "De einddatum ligt voor de begindatum.")
        elif (end - start).days >= MAX_YEARS * 366:
            errors.add(end_field, f"Kies een periode van hoogstens {MAX_YEARS} jaar.")
    errors.raise_if_any()
    return Period(found[start_field], found[end_field])


def read_location_id(raw: Any) -> UUID | None:
    """``None`` for every location in scope; an id that is no UUID names no location (404, like any other)."""
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "alle")):
        return None
    if not isinstance(raw, str):
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.")
    try:
        return UUID(raw.strip())
    except ValueError:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.") from None


def read_story(data: Mapping[str, Any]) -> Parsed[str]:
    """The story of a period: plain text, several lines allowed; empty removes it. ``save_story`` checks it for
    personal data and the location it belongs to in the same round."""
    errors = FieldErrors()
    text = read_text(data, "text", errors, label="het verhaal", required=False, max_length=STORY_LENGTH, multiline=True)
    return Parsed(text or "", errors)


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput({field: message})


# --- the API's shapes, for the OpenAPI document (site.apidoc) --------------------------------------


class WaitingDays(msgspec.Struct, kw_only=True):
    median: float | None
    p90: float | None


class GoalCounts(msgspec.Struct, kw_only=True):
    set: int
    reached: int


class Summary(msgspec.Struct, kw_only=True):
    """The contract's figures, then extras. A figure with nothing to count is null."""

    from_: date = msgspec.field(name="from")
    to: date
    location_ids: list[UUID]
    referrals_received: int
    referrals_by_source: dict[str, int]
    children_reached: int
    placements_started: int
    waiting_days: WaitingDays
    attendance_rate: float | None
    goals: GoalCounts
    discharges_by_reason: dict[str, int]
    waitlist_now: int
    placements_ended: int
    referrals_by_neighbourhood: dict[str, int]
    goals_by_dimension: dict[str, GoalCounts]
    occupancy_by_weekday: dict[str, float | None]
    waitlist_now_by_location: dict[str, int]
