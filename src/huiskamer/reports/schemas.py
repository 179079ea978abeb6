"""Reading a report's period and location from a query string or a form, with a Dutch message per field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from huiskamer.errors import InvalidInput, NotFound
from huiskamer.reports.rules import Period
from huiskamer.validation import FieldErrors, parse_date, read_text

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


def read_story(data: Mapping[str, Any]) -> str:
    """The story of a period: plain text, several lines allowed; empty removes it."""
    errors = FieldErrors()
    text = read_text(data, "text", errors, label="het verhaal", required=False, max_length=STORY_LENGTH, multiline=True)
    errors.raise_if_any()
    return text or ""


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput({field: message})
