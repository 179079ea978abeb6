"""Input and output shapes of a location, shared by the HTML form and the JSON API.

One parser reads both: the API sends ``capacity`` as an object and lists for ``neighbourhoods`` and
``closure_days``; the form sends ``capacity.mon`` … ``capacity.sun`` and two textareas (one value per line).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Annotated, Any
from uuid import UUID

import msgspec

from huiskamer.errors import NotFound
from huiskamer.locations.models import Location
from huiskamer.site.apidoc import Doc, optional_text, text
from huiskamer.validation import (
    WEEKDAY_NAMES_NL,
    WEEKDAYS,
    FieldErrors,
    Parsed,
    as_object,
    lines,
    parse_date,
    read_bool,
    read_int,
    read_string_list,
    read_text,
)

MAX_AGE = 18
MAX_SEATS = 500
MAX_CLOSURE_DAYS = 400
NAME_LENGTH = 120
ADDRESS_LENGTH = 200
DESCRIPTION_LENGTH = 120
FIRST_YEAR, LAST_YEAR = 2000, 2100

# What may stand between a date and its description on a line: "2026-12-25 - Eerste kerstdag".
_SEPARATOR = re.compile(r"^[\s:;,\-–—]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class ClosureDayInput:
    """A closure from ``day`` to ``last_day`` (None: the same day)."""

    day: date
    # None: no description was given (an API date string); a stored description then stays as it is.
    description: str | None = None
    last_day: date | None = None

    @property
    def until(self) -> date:
        return self.last_day or self.day


@dataclass(frozen=True)
class LocationInput:
    """A new location (every field set) or a change (``None``: leave as it is)."""

    name: str | None = None
    address: str | None = None
    neighbourhoods: tuple[str, ...] | None = None
    min_age: int | None = None
    max_age: int | None = None
    # Only the weekdays that were sent; on create the others get 0 seats.
    capacity: dict[str, int] | None = None
    closure_days: tuple[ClosureDayInput, ...] | None = None
    active: bool | None = None
    # From when the capacity given counts (None: from today).
    capacity_valid_from: date | None = None


def _read_neighbourhoods(data: Mapping[str, Any], errors: FieldErrors) -> tuple[str, ...] | None:
    raw = data.get("neighbourhoods")
    # The form's textarea: one neighbourhood per line (commas work too).
    values = {"neighbourhoods": lines(raw)} if isinstance(raw, str) else data
    names = read_string_list(values, "neighbourhoods", errors, label="de wijken", max_items=50, max_length=100)
    return None if names is None else tuple(names)


def _read_capacity(data: Mapping[str, Any], errors: FieldErrors) -> dict[str, int] | None:
    """Seats per weekday from ``{"capacity": {"mon": 20}}`` (API) or ``capacity.mon=20`` (form)."""
    nested = data.get("capacity")
    flat = {key[len("capacity.") :]: value for key, value in data.items() if key.startswith("capacity.")}
    if nested is None and not flat:
        return None
    if nested is not None and not isinstance(nested, Mapping):
        errors.add("capacity", 'Geef de plaatsen per weekdag op, bijvoorbeeld {"mon": 20, "tue": 20}.')
        return None
    given = {**flat, **(nested or {})}
    seats: dict[str, int] = {}
    for weekday, value in given.items():
        field = f"capacity.{weekday}"
        if weekday not in WEEKDAYS:
            errors.add(field, "Onbekende weekdag. Gebruik mon, tue, wed, thu, fri, sat of sun.")
            continue
        if isinstance(value, str) and not value.strip():
            seats[weekday] = 0  # an empty box in the form: no seats that day
            continue
        number = read_int(
            {field: value},
            field,
            errors,
            label=f"het aantal plaatsen op {WEEKDAY_NAMES_NL[weekday]}",
            minimum=0,
            maximum=MAX_SEATS,
        )
        if number is not None:
            seats[weekday] = number
    return {weekday: seats[weekday] for weekday in WEEKDAYS if weekday in seats}


def _clean_description(text: str) -> str | None:
    description = " ".join(unicodedata.normalize("NFC", _SEPARATOR.sub("", text)).split())
    if _CONTROL.search(description) or len(description) > DESCRIPTION_LENGTH:
        return None
    return description


_UNTIL = re.compile(r"^(t/m|tot en met|tot|[-–—])\s+(\S+)\s*(.*)$", re.IGNORECASE)
MAX_CLOSURE_LENGTH = 366


def _read_day(text: str) -> date | str:
    day = parse_date(text)
    if day is None:
        return "Dat is geen geldige datum. Schrijf bijvoorbeeld 2026-12-25 of 25-12-2026."
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return f"Het jaar {day.year} klopt niet: kies een datum tussen {FIRST_YEAR} en {LAST_YEAR}."
    return day


def closure_entry(first_text: str, last_text: str | None, description_text: str | None) -> ClosureDayInput | str:
    """One closure from its first day, its last day (None or empty: the same day) and its description; a Dutch
    message when it is none."""
    day = _read_day(first_text)
    if isinstance(day, str):
        return day
    last_day = None
    if last_text is not None and last_text.strip():
        last_day = _read_day(last_text)
        if isinstance(last_day, str):
            return f"Laatste dag: {last_day[0].lower()}{last_day[1:]}"
        if last_day < day:
            return "De laatste dag ligt voor de eerste dag."
        if (last_day - day).days >= MAX_CLOSURE_LENGTH:
            return "Een sluiting duurt hoogstens een jaar; deel een langere periode op."
    if description_text is None:
        return ClosureDayInput(day=day, last_day=last_day)
    description = _clean_description(description_text)
    if description is None:
        return f"De omschrijving mag hoogstens {DESCRIPTION_LENGTH} gewone tekens hebben."
    return ClosureDayInput(day=day, description=description, last_day=last_day)


_ISO_DATE = re.compile(r"(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}\Z")


def _closure_day(raw: Any, *, bare: str | None) -> ClosureDayInput | str:
    """One closure from ``"2026-12-25"``, ``"25-12-2026 Eerste kerstdag"``, ``"2027-02-15 t/m 2027-02-19
    Voorjaarsvakantie"`` or ``{"date", "last_date", "description"}``; a Dutch message when it is none. ``bare``
    is the description of a date that comes without one."""
    description_text: Any
    last_text: Any = None
    if isinstance(raw, Mapping):
        day_text, description_text = raw.get("date"), raw.get("description", bare)
        last_text = raw.get("last_date")
        if description_text is None and "description" in raw:
            description_text = ""
        if not isinstance(day_text, str) or not isinstance(last_text, str | None):
            return "Geef een datum als tekst, bijvoorbeeld 2026-12-25."
        # The object is the API's own form, as documented: ISO dates, and no last_date for a single day.
        if not all(_ISO_DATE.match(text) for text in (day_text, last_text) if text is not None):
            return "Geef een datum als jjjj-mm-dd, bijvoorbeeld 2026-12-25."
        if not isinstance(description_text, str | None):
            return "Geef de omschrijving als tekst."
    elif isinstance(raw, str):
        if not raw.strip():
            return "Vul een datum in, bijvoorbeeld 2026-12-25."
        first, *rest = raw.strip().split(maxsplit=1)
        day_text, description_text = first.rstrip(":;,"), rest[0] if rest else bare
        until = _UNTIL.match(description_text or "")
        if until is not None and parse_date(until.group(2).rstrip(":;,")) is not None:
            last_text = until.group(2).rstrip(":;,")
            description_text = until.group(3) or bare
    else:
        return "Geef een datum als tekst, bijvoorbeeld 2026-12-25."
    return closure_entry(day_text, last_text, description_text)


def _collapse(days: list[ClosureDayInput]) -> tuple[ClosureDayInput, ...]:
    """Duplicates collapse into one day; the first description that says something wins."""
    by_day: dict[date, ClosureDayInput] = {}
    for closure in days:
        known = by_day.get(closure.day)
        if known is None or (not known.description and closure.description):
            by_day[closure.day] = closure
    return tuple(sorted(by_day.values(), key=lambda closure: closure.day))


def _read_closure_days(data: Mapping[str, Any], errors: FieldErrors) -> tuple[ClosureDayInput, ...] | None:
    raw = data.get("closure_days")
    if raw is None:
        return None
    days: list[ClosureDayInput] = []
    if isinstance(raw, str):
        # The form's textarea: one date per line, optionally followed by a description.
        text_lines = raw.replace("\r\n", "\n").split("\n")
        for number, line in enumerate(text_lines, start=1):
            if not line.strip():
                continue
            found = _closure_day(line, bare="")
            if isinstance(found, str):
                shown = line.strip()[:40]
                errors.add("closure_days", f"Regel {number} (‘{shown}’): {found[0].lower()}{found[1:]}")
                return None
            days.append(found)
    elif isinstance(raw, list | tuple):
        for index, item in enumerate(raw):
            found = _closure_day(item, bare=None)
            if isinstance(found, str):
                errors.add(f"closure_days.{index}", found)
                continue
            days.append(found)
    else:
        errors.add("closure_days", 'Geef de sluitingsdagen als een lijst met datums, bijvoorbeeld ["2026-12-25"].')
        return None
    collapsed = _collapse(days)
    if len(collapsed) > MAX_CLOSURE_DAYS:
        errors.add("closure_days", f"Hoogstens {MAX_CLOSURE_DAYS} sluitingsdagen per keer.")
        return None
    return collapsed


def location_uuid(raw: str) -> UUID:
    """A location id from a URL; one that is no UUID names no location: 404, like any other unknown id."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound("Deze locatie bestaat niet, of u heeft er geen toegang toe.") from None


def parse_location_input(data: Any, *, creating: bool) -> Parsed[LocationInput]:
    """Reads a new location (name and ages required) or a change (only the fields that are sent); the service
    checks the name and the ages against what is stored in the same round."""
    data = as_object(data)
    errors = FieldErrors()

    def wanted(field: str) -> bool:
        return creating or field in data

    name = (
        read_text(data, "name", errors, label="de naam van de locatie", max_length=NAME_LENGTH)
        if wanted("name")
        else None
    )
    address = None
    if wanted("address"):
        address = read_text(data, "address", errors, label="het adres", required=False, max_length=ADDRESS_LENGTH)
        address = address or ""
    neighbourhoods = _read_neighbourhoods(data, errors) if wanted("neighbourhoods") else None
    min_age = max_age = None
    if wanted("min_age"):
        min_age = read_int(data, "min_age", errors, label="de laagste leeftijd", minimum=0, maximum=MAX_AGE)
    if wanted("max_age"):
        max_age = read_int(data, "max_age", errors, label="de hoogste leeftijd", minimum=0, maximum=MAX_AGE)
    if min_age is not None and max_age is not None and max_age < min_age:
        errors.add("max_age", "De hoogste leeftijd mag niet lager zijn dan de laagste leeftijd.")
    capacity = _read_capacity(data, errors)
    if creating:
        capacity = {weekday: (capacity or {}).get(weekday, 0) for weekday in WEEKDAYS}
    valid_from = None
    if data.get("capacity_valid_from") not in (None, ""):
        raw_from = data.get("capacity_valid_from")
        valid_from = parse_date(raw_from) if isinstance(raw_from, str) else None
        if valid_from is None:
            errors.add("capacity_valid_from", "Dat is geen geldige datum. Schrijf bijvoorbeeld 2027-01-01.")
        elif not FIRST_YEAR <= valid_from.year <= LAST_YEAR:
            errors.add("capacity_valid_from", f"Kies een datum tussen {FIRST_YEAR} en {LAST_YEAR}.")
            valid_from = None
    closure_days = _read_closure_days(data, errors)
    if creating and closure_days is None:
        closure_days = ()
    active = read_bool(data, "active", errors, label="actief", default=True) if wanted("active") else None
    # A field that failed is None here (Parsed's rule): the service checks only the rules whose fields were read.
    value = LocationInput(
        name=name,
        address=address,
        neighbourhoods=neighbourhoods,
        min_age=min_age,
        max_age=max_age,
        capacity=capacity,
        closure_days=closure_days,
        active=active,
        capacity_valid_from=valid_from,
    )
    return Parsed(value, errors)


# --- output ----------------------------------------------------------------------------------------


def location_json(location: Location) -> dict[str, Any]:
    """The API shape: the fields of api-v1.md plus address, active and closure_days."""
    return {
        "id": str(location.id),
        "name": location.name,
        "address": location.address,
        "neighbourhoods": list(location.neighbourhoods or []),
        "min_age": location.min_age,
        "max_age": location.max_age,
        "capacity": location.capacity_by_weekday(),
        "capacity_schedule": [
            {"valid_from": start.isoformat(), "capacity": seats} for start, seats in location.capacity_schedule()
        ],
        "active": location.active,
        "closure_days": [
            {
                "date": closure.day.isoformat(),
                "last_date": closure.last_day.isoformat(),
                "description": closure.description,
            }
            for closure in sorted(location.closure_days, key=lambda closure: closure.day)
        ],
    }


def closure_line(closure: Any) -> str:
    """A closure as one line of the form: ``2027-02-15 t/m 2027-02-19 Voorjaarsvakantie``."""
    until = f" t/m {closure.last_day.isoformat()}" if closure.last_day != closure.day else ""
    return f"{closure.day.isoformat()}{until} {closure.description}".strip()


def location_form_values(location: Location) -> dict[str, Any]:
    """What the edit form shows: the stored location in the same keys the form posts."""
    values: dict[str, Any] = {
        "name": location.name,
        "address": location.address,
        "neighbourhoods": "\n".join(location.neighbourhoods or []),
        "min_age": location.min_age,
        "max_age": location.max_age,
        "closure_days": "\n".join(closure_line(closure) for closure in location.closure_days),
        "active": location.active,
    }
    for weekday, seats in location.capacity_by_weekday().items():
        values[f"capacity.{weekday}"] = seats
    return values


def new_location_form_values() -> dict[str, Any]:
    """A new location starts as the usual huiskamer: ages 4 to 12, open on school days."""
    values: dict[str, Any] = {"min_age": 4, "max_age": 12, "active": True}
    for weekday in WEEKDAYS:
        values[f"capacity.{weekday}"] = 0
    return values


# --- the API's shapes, for the OpenAPI document (site.apidoc) --------------------------------------

# "More than -1": Litestar leaves out a minimum of 0 (it takes it for "no minimum").
Seats = Annotated[int, Doc(gt=-1, le=MAX_SEATS)]
Age = Annotated[int, Doc(gt=-1, le=MAX_AGE)]
Year2000To2100 = Annotated[str, Doc(pattern=r"^(20[0-9]{2}|2100)-", format="date")]


# A capacity change counts from today when no date is given: left out, null, or empty as the form sends it.
Today = Annotated[str, Doc(max_length=0, description="Leeg: vanaf vandaag.")]

# As the form sends a list: one value per line (a closure day: a date, then optionally its description).
Lines = Annotated[str, Doc(max_length=20_000, description="Eén waarde per regel, zoals het formulier ze stuurt.")]


class CapacityIn(msgspec.Struct, kw_only=True):
    """Seats per weekday; a weekday left out has 0 seats (on create) or keeps its seats (on a change)."""

    mon: Seats | msgspec.UnsetType = msgspec.UNSET
    tue: Seats | msgspec.UnsetType = msgspec.UNSET
    wed: Seats | msgspec.UnsetType = msgspec.UNSET
    thu: Seats | msgspec.UnsetType = msgspec.UNSET
    fri: Seats | msgspec.UnsetType = msgspec.UNSET
    sat: Seats | msgspec.UnsetType = msgspec.UNSET
    sun: Seats | msgspec.UnsetType = msgspec.UNSET


class ClosureDayIn(msgspec.Struct, kw_only=True):
    """A closure: one day (``date``), or a range up to and including ``last_date``."""

    date: Year2000To2100
    last_date: Year2000To2100 | None = None
    description: optional_text(DESCRIPTION_LENGTH) | None = None  # type: ignore[valid-type]


class LocationIn(msgspec.Struct, kw_only=True):
    """A new location; ``max_age`` is at least ``min_age``. A closure day is a date (2000-2100) or an object."""

    name: text(NAME_LENGTH)  # type: ignore[valid-type]
    min_age: Age
    max_age: Age
    address: optional_text(ADDRESS_LENGTH) | None = None  # type: ignore[valid-type]
    neighbourhoods: Annotated[list[optional_text(100)], Doc(max_items=50)] | Lines | None = None  # type: ignore[valid-type]
    capacity: CapacityIn | None = None
    capacity_valid_from: Year2000To2100 | Today | None = None
    closure_days: Annotated[list[Year2000To2100 | ClosureDayIn], Doc(max_items=MAX_CLOSURE_DAYS)] | Lines | None = None
    active: bool | None = True


class LocationChange(msgspec.Struct, kw_only=True):
    """Only the fields that are sent change. Lowering a capacity below the seats already taken: 409."""

    name: text(NAME_LENGTH) | msgspec.UnsetType = msgspec.UNSET  # type: ignore[valid-type]
    min_age: Age | msgspec.UnsetType = msgspec.UNSET
    max_age: Age | msgspec.UnsetType = msgspec.UNSET
    address: optional_text(ADDRESS_LENGTH) | None = None  # type: ignore[valid-type]
    neighbourhoods: Annotated[list[optional_text(100)], Doc(max_items=50)] | Lines | None = None  # type: ignore[valid-type]
    capacity: CapacityIn | None = None
    capacity_valid_from: Year2000To2100 | Today | None = None
    closure_days: Annotated[list[Year2000To2100 | ClosureDayIn], Doc(max_items=MAX_CLOSURE_DAYS)] | Lines | None = None
    active: bool | None = True


class ClosureDayOut(msgspec.Struct, kw_only=True):
    date: datetime.date
    last_date: datetime.date
    description: str


class CapacityStepOut(msgspec.Struct, kw_only=True):
    valid_from: datetime.date
    capacity: dict[str, int]


class LocationOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    address: str | None
    neighbourhoods: list[str]
    min_age: int
    max_age: int
    capacity: dict[str, int]
    capacity_schedule: list[CapacityStepOut]
    active: bool
    closure_days: list[ClosureDayOut]


# --- the closures page: a list of rows ------------------------------------------------------------

MAX_ROWS = 60


@dataclass(frozen=True)
class ClosureRow:
    """One row of the closures form as typed (kept on an error)."""

    first: str = ""
    last: str = ""
    description: str = ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def read_closure_rows(data: Any) -> list[ClosureRow]:
    """The rows the form sent (``first.N``, ``last.N``, ``description.N``), without the ones ticked to be removed
    and the ones left empty, then the ticked school holidays (``suggest``: ``first|last|description``)."""
    data = as_object(data)
    numbers = sorted(
        {int(key.split(".", 1)[1]) for key in data if key.startswith("first.") and key.split(".", 1)[1].isdigit()}
    )
    rows = []
    for number in numbers[:MAX_ROWS]:
        if data.get(f"remove.{number}"):
            continue
        row = ClosureRow(
            _text(data.get(f"first.{number}")).strip()[:40],
            _text(data.get(f"last.{number}")).strip()[:40],
            _text(data.get(f"description.{number}"))[: DESCRIPTION_LENGTH * 2],
        )
        if row.first or row.last or row.description.strip():
            rows.append(row)
    picked = data.get("suggest") or []
    for value in [picked] if isinstance(picked, str) else picked:
        first, _, rest = _text(value).partition("|")
        last, _, description = rest.partition("|")
        rows.append(ClosureRow(first, last, description[:DESCRIPTION_LENGTH]))
    return rows[:MAX_ROWS]


def parse_closure_rows(rows: list[ClosureRow]) -> Parsed[dict[int, ClosureDayInput]]:
    """Reads every row at once: a message per field (``first.N``, ``last.N``, ``description.N``), and no two
    closures that share a day. The value: each row that was read, by its number in the form (``save_closures``
    checks those against the stored closures in the same round)."""
    errors = FieldErrors()
    found: list[tuple[int, ClosureDayInput]] = []
    for number, row in enumerate(rows):
        if not row.first:
            errors.add(f"first.{number}", "Vul de eerste dag in, bijvoorbeeld 2027-02-15.")
            continue
        entry = closure_entry(row.first, row.last, row.description)
        if isinstance(entry, str):
            field = "last" if entry.startswith(("Laatste dag", "De laatste dag", "Een sluiting")) else "first"
            if entry.startswith("De omschrijving"):
                field = "description"
            message = entry.removeprefix("Laatste dag: ")
            errors.add(f"{field}.{number}", message[0].upper() + message[1:])
            continue
        found.append((number, entry))
    ordered = sorted(found, key=lambda item: item[1].day)
    for (_, before), (number, after) in pairwise(ordered):
        if after.day <= before.until:
            errors.add(
                f"first.{number}",
                f"Deze periode valt samen met de sluiting vanaf {before.day.strftime('%d-%m-%Y')}; "
                "pas een van beide aan of haal er een weg.",
            )
    return Parsed(dict(found), errors)


def closure_rows(closures: Any) -> list[ClosureRow]:
    """The stored closures as rows of the form."""
    return [
        ClosureRow(
            closure.day.isoformat(),
            "" if closure.last_day == closure.day else closure.last_day.isoformat(),
            closure.description,
        )
        for closure in closures
    ]
