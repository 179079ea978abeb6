"""A tap, a time of arrival or leaving, an observation and a resolution as sent by a form or the API, validated per
field with a Dutch message. The form's buttons and the API's ``status`` end up as the same ``MarkChange``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from huiskamer.attendance.models import ABSENCE_REASONS
from huiskamer.attendance.rules import MARKS_BY_CODE
from huiskamer.errors import InvalidInput
from huiskamer.site.templating import AMSTERDAM
from huiskamer.validation import FieldErrors, as_object, parse_date, read_choice, read_text

STATUSES = ("unknown", "present", "absent_excused", "absent_unexcused")
NOTE_LENGTH = 300
COLLECTED_BY_LENGTH = 120
TEXT_LENGTH = 1000
_CLOCK = re.compile(r"\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*")


# How far from today a day list can be opened or marked: enough to correct last year's list or report an
# illness ahead, near enough to catch a typing error (2062 for 2026).
DAYS_BACK = timedelta(days=5 * 365)
DAYS_AHEAD = timedelta(days=365)


def read_day(value: Any, today: date, field: str = "date") -> date:
    """The date of a day list from a URL or a form; a message when it is no date or lies too far away."""
    day = parse_date(value) if isinstance(value, str) and len(value) <= 20 else None
    if day is None:
        raise InvalidInput({field: "Geef een datum als JJJJ-MM-DD, bijvoorbeeld 2026-09-07."})
    if not today - DAYS_BACK <= day <= today + DAYS_AHEAD:
        raise InvalidInput({field: "Kies een datum binnen vijf jaar terug en een jaar vooruit."})
    return day


class Keep(Enum):
    """A field that was not sent: it stays as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class MarkChange:
    """What one tap or one form changes about a child's day; ``status`` None keeps the status (times only)."""

    status: str | None
    absence_reason: str | None = None
    absence_note: str | Keep | None = KEEP
    arrived_at: datetime | Keep | None = KEEP
    left_at: datetime | Keep | None = KEEP
    collected_by: str | Keep | None = KEEP
    # The leaving time is "now" (a one-tap "collected by ..." button).
    left_now: bool = False


def _read_moment(data: Mapping[str, Any], field: str, day: date, errors: FieldErrors, label: str) -> Any:
    """A time on ``day``: "15:30" (in Amsterdam) or an RFC 3339 timestamp with offset on that date."""
    if field not in data:
        return KEEP
    value = data[field]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors.add(field, f"Vul {label} in als uu:mm, bijvoorbeeld 15:30.")
        return None
    clock = _CLOCK.fullmatch(value)
    if clock:
        return datetime.combine(day, time(int(clock.group(1)), int(clock.group(2))), tzinfo=AMSTERDAM)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.add(field, f"Vul {label} in als uu:mm, bijvoorbeeld 15:30.")
        return None
    if moment.tzinfo is None:
        errors.add(field, f"Geef bij {label} ook de tijdzone, bijvoorbeeld 2026-09-07T15:30:00+02:00.")
        return None
    if moment.astimezone(AMSTERDAM).date() != day:
        errors.add(field, f"{label.capitalize()} moet op dezelfde dag liggen.")
        return None
    return moment


def parse_mark(raw: Any, day: date, *, status_required: bool = True) -> MarkChange:
    """A tap or a change of times, from the API's JSON or from a form turned into the same fields."""
    data = as_object(raw)
    errors = FieldErrors()
    status = read_choice(data, "status", errors, label="de status", choices=STATUSES, required=status_required)
    reason = read_choice(
        data, "absence_reason", errors, label="de reden van afwezigheid", choices=ABSENCE_REASONS, required=False
    )
    if status == "absent_excused" and reason is None and "absence_reason" not in errors.errors:
        errors.add("absence_reason", "Kies de reden van afwezigheid: ziek, familie of anders.")
    if status is not None and status != "absent_excused" and reason is not None:
        errors.add("absence_reason", "Een reden hoort alleen bij ‘afwezig met bericht’.")
    note: Any = KEEP
    if "absence_note" in data:
        note = read_text(data, "absence_note", errors, label="de toelichting", required=False, max_length=NOTE_LENGTH)
    collected: Any = KEEP
    if "collected_by" in data:
        collected = read_text(
            data, "collected_by", errors, label="wie het kind ophaalde", required=False, max_length=COLLECTED_BY_LENGTH
        )
    arrived = _read_moment(data, "arrived_at", day, errors, "de tijd van aankomst")
    left = _read_moment(data, "left_at", day, errors, "de tijd van vertrek")
    errors.raise_if_any()
    return MarkChange(
        status=status,
        absence_reason=reason,
        absence_note=note,
        arrived_at=arrived,
        left_at=left,
        collected_by=collected,
    )


def parse_tap(data: Mapping[str, Any], day: date) -> MarkChange:
    """One of the day list's buttons (``mark``: present, ill, family, other, unexcused or unknown)."""
    code = data.get("mark")
    mark = MARKS_BY_CODE.get(code) if isinstance(code, str) else None
    if mark is None:
        raise InvalidInput({"mark": "Kies aanwezig, ziek, familie, anders of zonder bericht."})
    return parse_mark({"status": mark.status, "absence_reason": mark.absence_reason}, day)


OTHER_PERSON = "__anders__"


def parse_times_form(data: Mapping[str, Any], day: date) -> MarkChange:
    """The form of times: arrival and leaving as uu:mm, and who collected the child (a listed person, or someone
    else typed in). A one-tap button sends only ``collected_by`` and ``left_at=nu``."""
    fields: dict[str, Any] = {}
    left_now = data.get("left_at") == "nu"
    for name in ("arrived_at", "left_at"):
        if name in data and not (name == "left_at" and left_now):
            fields[name] = data[name]
    if "collected_by" in data:
        chosen = data["collected_by"]
        fields["collected_by"] = data.get("collected_by_other", "") if chosen == OTHER_PERSON else chosen
        if chosen == OTHER_PERSON and not (isinstance(fields["collected_by"], str) and fields["collected_by"].strip()):
            raise InvalidInput({"collected_by_other": "Vul in wie het kind ophaalde."})
    change = parse_mark(fields, day, status_required=False)
    if left_now:
        return MarkChange(status=None, collected_by=change.collected_by, arrived_at=change.arrived_at, left_now=True)
    return change


# --- concerns ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObservationInput:
    referral_id: UUID
    text: str
    location_id: UUID | None = None


def _uuid(data: Mapping[str, Any], field: str, errors: FieldErrors, *, required: bool) -> UUID | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            errors.add(field, "Kies het kind.")
        return None
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    errors.add(field, "Onbekende id.")
    return None


def parse_observation(raw: Any) -> ObservationInput:
    data = as_object(raw)
    errors = FieldErrors()
    referral_id = _uuid(data, "referral_id", errors, required=True)
    location_id = _uuid(data, "location_id", errors, required=False)
    text = read_text(data, "text", errors, label="uw observatie", max_length=TEXT_LENGTH, multiline=True)
    errors.raise_if_any()
    assert referral_id is not None and text is not None
    return ObservationInput(referral_id=referral_id, text=text, location_id=location_id)


def parse_observation_text(raw: Any) -> str:
    data = as_object(raw)
    errors = FieldErrors()
    text = read_text(data, "text", errors, label="uw observatie", max_length=TEXT_LENGTH, multiline=True)
    errors.raise_if_any()
    assert text is not None
    return text


def parse_resolution(raw: Any) -> str:
    data = as_object(raw)
    errors = FieldErrors()
    note = read_text(
        data, "note", errors, label="een notitie over de afhandeling", max_length=TEXT_LENGTH, multiline=True
    )
    errors.raise_if_any()
    assert note is not None
    return note
