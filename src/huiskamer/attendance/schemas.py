"""A tap, a time of arrival or leaving, an observation and a resolution as sent by a form or the API, validated per
field with a Dutch message. The form's buttons and the API's ``status`` end up as the same ``MarkChange``."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from huiskamer.attendance.models import ABSENCE_REASONS
from huiskamer.attendance.rules import MARKS_BY_CODE
from huiskamer.errors import InvalidInput
from huiskamer.site.apidoc import Doc, optional_text, text
from huiskamer.site.templating import AMSTERDAM
from huiskamer.validation import FieldErrors, Parsed, as_object, parse_date, read_choice, read_text

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
    # The leaving time is the moment of the tap (a one-tap "collected by ..." button).
    left_now: bool = False
    # The phone's id and clock for this tap (api-v1.md, "Attendance taps made offline"); None: made on arrival.
    tap_id: UUID | None = None
    tapped_at: datetime | None = None
    # Someone not on the list of who may collect the child was confirmed by the person tapping (the API stores
    # such a pick-up with a warning; a form asks first).
    pickup_confirmed: bool = False

    def as_json(self) -> dict[str, Any]:
        """What the tap said, for the record's history (fields it did not send are left out)."""
        said: dict[str, Any] = {}
        for name in ("status", "absence_reason", "absence_note", "arrived_at", "left_at", "collected_by"):
            value = getattr(self, name)
            if value is KEEP or (name in ("status", "absence_reason") and value is None):
                continue
            said[name] = value.isoformat() if isinstance(value, datetime) else value
        if self.left_now:
            said["left_now"] = True
        return said


def _read_tap(data: Mapping[str, Any], errors: FieldErrors) -> tuple[UUID | None, datetime | None]:
    """The tap's id (a UUID the phone made) and the phone's clock (RFC 3339 with offset); both optional."""
    tap_id = tapped_at = None
    raw_id = data.get("tap_id")
    if raw_id not in (None, ""):
        try:
            tap_id = UUID(raw_id) if isinstance(raw_id, str) and len(raw_id) <= 40 else None
        except ValueError:
            tap_id = None
        if tap_id is None:
            errors.add("tap_id", "Het id van de tik moet een UUID zijn.")
    raw_at = data.get("tapped_at")
    if raw_at not in (None, ""):
        try:
            readable = isinstance(raw_at, str) and len(raw_at) <= 40
            tapped_at = datetime.fromisoformat(raw_at.strip()) if readable else None
        except ValueError:
            tapped_at = None
        if tapped_at is None:
            errors.add("tapped_at", "Geef het moment van de tik als RFC 3339, bijvoorbeeld 2026-09-07T15:30:00+02:00.")
        elif tapped_at.tzinfo is None:
            errors.add("tapped_at", "Geef bij het moment van de tik ook de tijdzone, bijvoorbeeld +02:00 of Z.")
            tapped_at = None
    return tap_id, tapped_at


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


def parse_mark(raw: Any, day: date, *, status_required: bool = True, pickup_confirmed: bool = False) -> MarkChange:
    """A tap or a change of times, from the API's JSON or from a form turned into the same fields."""
    data = as_object(raw)
    errors = FieldErrors()
    tap_id, tapped_at = _read_tap(data, errors)
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
        tap_id=tap_id,
        tapped_at=tapped_at,
        pickup_confirmed=pickup_confirmed,
    )


TAP_FIELDS = ("tap_id", "tapped_at")


def parse_tap(data: Mapping[str, Any], day: date) -> MarkChange:
    """One of the day list's buttons (``mark``: present, ill, family, other, unexcused or unknown)."""
    code = data.get("mark")
    mark = MARKS_BY_CODE.get(code) if isinstance(code, str) else None
    if mark is None:
        raise InvalidInput({"mark": "Kies aanwezig, ziek, familie, anders of zonder bericht."})
    tap = {name: data[name] for name in TAP_FIELDS if name in data}
    return parse_mark({"status": mark.status, "absence_reason": mark.absence_reason, **tap}, day)


def parse_times_form(data: Mapping[str, Any], day: date) -> MarkChange:
    """The times and who collected the child. A one-tap button of a person (``pickup``) records that person and
    the moment of the tap as the leaving time; "Opslaan" sends arrival and leaving as uu:mm and, in
    ``collected_by``, whoever collected the child (without a leaving time: the moment of the tap). Someone not on
    the list of who may collect the child is stored only when ``confirm_pickup`` says the kinderwerker saw the
    warning."""
    fields: dict[str, Any] = {name: data[name] for name in TAP_FIELDS if name in data}
    pickup = data.get("pickup")
    if isinstance(pickup, str) and pickup.strip():
        fields["collected_by"] = pickup
    else:
        for name in ("arrived_at", "left_at", "collected_by"):
            if name in data:
                fields[name] = data[name]
    confirmed = data.get("confirm_pickup") in ("1", "ja", "on", "true")
    change = parse_mark(fields, day, status_required=False, pickup_confirmed=confirmed)
    # Someone collected the child and no time was typed: they left at the moment of the tap.
    left_untyped = change.left_at is KEEP or change.left_at is None
    if (isinstance(pickup, str) and pickup.strip()) or (isinstance(change.collected_by, str) and left_untyped):
        return replace(change, left_at=KEEP, left_now=True)
    return change


@dataclass(frozen=True)
class SheetAction:
    """What a button of the day list's one form asks: which child, a tap ("mark") or times ("times"), and the
    fields of that child's row, named as the per-child parsers read them."""

    placement_id: UUID
    kind: str
    fields: dict[str, Any]


# A row's fields in the day list's form, named "<letter>-<key>": short, as there are 60 to 70 rows.
ROW_FIELDS = {"a": "arrived_at", "l": "left_at", "c": "collected_by"}
NO_BUTTON = "Niet opgeslagen: er was geen kind gekozen. Tik op een knop bij een kind."


def read_short_id(key: str) -> UUID:
    """A placement id as the day list writes it (``templating.short_id``: 22 characters of base64url)."""
    try:
        if len(key) != 22:
            raise ValueError(key)
        return UUID(bytes=base64.urlsafe_b64decode(key + "=="))
    except ValueError:
        raise InvalidInput({"mark": NO_BUTTON}) from None


def read_sheet_action(data: Mapping[str, Any]) -> SheetAction:
    """The pressed button says which child and what: ``mark`` "<key>:<code>", ``pickup`` "<key>:<person>",
    ``times`` or ``confirm`` "<key>" (confirm: a collector not on the list, seen and confirmed), where the key is
    the child's placement id in short (``read_short_id``). A row's fields are named "<letter>-<key>"
    (``ROW_FIELDS``); a tap's id and moment come along as sent."""
    for name in ("mark", "pickup", "times", "confirm"):
        value = data.get(name)
        if isinstance(value, str) and value:
            break
    else:
        raise InvalidInput({"mark": NO_BUTTON})
    key, _, rest = value.partition(":")
    placement_id = read_short_id(key)
    fields: dict[str, Any] = {name: data[name] for name in TAP_FIELDS if name in data}
    if name == "mark":
        return SheetAction(placement_id, "mark", {**fields, "mark": rest})
    if name == "pickup":
        return SheetAction(placement_id, "times", {**fields, "pickup": rest})
    for letter, field in ROW_FIELDS.items():
        if f"{letter}-{key}" in data:
            fields[field] = data[f"{letter}-{key}"]
    if name == "confirm":
        fields["confirm_pickup"] = "1"
    return SheetAction(placement_id, "times", fields)


# --- concerns ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObservationInput:
    referral_id: UUID
    text: str
    location_id: UUID | None = None
    kind: str = "observation"


CONCERN_KINDS_RAISED = ("observation", "safeguarding", "pickup")


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
    kind = read_choice(data, "kind", errors, label="het soort signaal", choices=CONCERN_KINDS_RAISED, required=False)
    text = read_text(data, "text", errors, label="uw observatie", max_length=TEXT_LENGTH, multiline=True)
    errors.raise_if_any()
    assert referral_id is not None and text is not None
    return ObservationInput(referral_id=referral_id, text=text, location_id=location_id, kind=kind or "observation")


def parse_observation_text(raw: Any) -> tuple[str, str]:
    """The concern form of the day list: the kind (an observation, or a worry about the child's safety) and the
    text."""
    data = as_object(raw)
    errors = FieldErrors()
    kind = read_choice(
        data, "kind", errors, label="of het een zorg om de veiligheid is", choices=("observation", "safeguarding")
    )
    text = read_text(data, "text", errors, label="wat u zag of hoorde", max_length=TEXT_LENGTH, multiline=True)
    errors.raise_if_any()
    assert text is not None and kind is not None
    return kind, text


@dataclass(frozen=True)
class StepInput:
    step: int
    done_on: date
    note: str


def parse_step(raw: Any, today: date) -> Parsed[StepInput]:
    """A step of the Meldcode as the coordinator records it: its number, the day it was taken and a note, as read;
    ``record_step`` checks the date against the concern in the same round (give it these ``errors``)."""
    data = dict(as_object(raw))
    if isinstance(data.get("step"), int) and not isinstance(data.get("step"), bool):
        data["step"] = str(data["step"])  # JSON sends a number, a form a text
    errors = FieldErrors()
    step = read_choice(data, "step", errors, label="de stap", choices=("1", "2", "3", "4", "5"))
    done_on = parse_date(data.get("done_on")) if isinstance(data.get("done_on"), str | date) else None
    if done_on is None:
        errors.add("done_on", "Vul de datum in als JJJJ-MM-DD, bijvoorbeeld 2026-09-07.")
    elif done_on > today:
        errors.add("done_on", "De datum van een stap kan niet in de toekomst liggen.")
    note = read_text(data, "note", errors, label="wat u deed en wat eruit kwam", max_length=TEXT_LENGTH, multiline=True)
    # A field that failed is None here (Parsed's rule).
    return Parsed(StepInput(int(step) if step else None, done_on, note), errors)  # type: ignore[arg-type]


def parse_resolution(raw: Any) -> str:
    data = as_object(raw)
    errors = FieldErrors()
    note = read_text(
        data, "note", errors, label="een notitie over de afhandeling", max_length=TEXT_LENGTH, multiline=True
    )
    errors.raise_if_any()
    assert note is not None
    return note


# --- the API's shapes, for the OpenAPI document (site.apidoc) --------------------------------------

Moment = Annotated[
    str,
    Doc(
        max_length=40,
        description="uu:mm (in Amsterdam), or an RFC 3339 timestamp with offset, on the day of the list.",
    ),
]


class MarkIn(msgspec.Struct, kw_only=True):
    """A tap. ``absence_reason`` belongs to ``absent_excused`` only (and is required there). ``tap_id`` (a UUID
    made on the phone) stores the same tap once; ``tapped_at`` (the phone's clock, with offset, at most 5 minutes
    ahead and 7 days back): the latest tap stands. A child collected by someone not on the list is stored with a
    ``pickup_warning``."""

    status: Literal["unknown", "present", "absent_excused", "absent_unexcused"]
    absence_reason: Literal["ill", "family", "other"] | None = None
    absence_note: optional_text(NOTE_LENGTH) | None = None  # type: ignore[valid-type]
    arrived_at: Moment | None = None
    left_at: Moment | None = None
    collected_by: optional_text(COLLECTED_BY_LENGTH) | None = None  # type: ignore[valid-type]
    tap_id: UUID | None = None
    tapped_at: datetime | None = None


class DayEntry(msgspec.Struct, kw_only=True):
    placement_id: UUID
    referral_id: UUID
    child_name: str
    given_name: str
    age: int
    status: Literal["unknown", "present", "absent_excused", "absent_unexcused"]
    absence_reason: str | None
    absence_note: str | None
    arrived_at: datetime | None
    left_at: datetime | None
    collected_by: str | None
    collection_persons: list[str]
    not_allowed_collectors: list[str]
    allergies: str | None
    safety_notes: str | None
    goals: list[str]


class DayList(msgspec.Struct, kw_only=True):
    location_id: UUID
    date: date
    capacity: int
    expected: int
    present: int
    absent: int
    unknown: int
    closed: bool
    closure: str | None
    entries: list[DayEntry]


class MarkOut(DayEntry, kw_only=True):
    """The child's day as it stands after the tap."""

    location_id: UUID
    date: date
    present_count: int
    concern: Literal["raised", "withdrawn"] | None
    applied: bool
    pickup_warning: str | msgspec.UnsetType = msgspec.UNSET


class ObservationIn(msgspec.Struct, kw_only=True):
    """A concern about a placed child, raised by a kinderwerker or coordinator of its location."""

    referral_id: UUID
    text: text(TEXT_LENGTH)  # type: ignore[valid-type]
    location_id: UUID | None = None
    kind: Literal["observation", "safeguarding", "pickup"] | None = None


class StepIn(msgspec.Struct, kw_only=True):
    """A step of the Meldcode (1 to 5) for a safeguarding concern; ``done_on`` not in the future."""

    step: Annotated[int, Doc(ge=1, le=5)]
    done_on: date
    note: text(TEXT_LENGTH)  # type: ignore[valid-type]


class StepOut(msgspec.Struct, kw_only=True):
    concern_id: UUID
    step: int
    done_on: date
    note: str


class ResolutionIn(msgspec.Struct, kw_only=True):
    note: text(TEXT_LENGTH)  # type: ignore[valid-type]


class ConcernStep(msgspec.Struct, kw_only=True):
    step: int
    done_on: date
    note: str
    by: str | None


class ConcernOut(msgspec.Struct, kw_only=True):
    id: UUID
    referral_id: UUID
    location_id: UUID
    placement_id: UUID | None
    kind: Literal["unexcused_absence", "observation", "pickup", "safeguarding"]
    raised_at: datetime
    status: Literal["open", "resolved", "withdrawn"]
    text: str
    resolved_at: datetime | None
    resolution_note: str | None
    urgent: bool
    child_name: str | msgspec.UnsetType = msgspec.UNSET
    location_name: str | msgspec.UnsetType = msgspec.UNSET
    raised_by: str | msgspec.UnsetType | None = msgspec.UNSET
    steps: list[ConcernStep] | msgspec.UnsetType = msgspec.UNSET


class ConcernList(msgspec.Struct, kw_only=True):
    items: list[ConcernOut]
    next: str | msgspec.UnsetType = msgspec.UNSET
