"""The intake as typed into the form or sent to the API (api-v1.md "Intake"), validated per field."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from huiskamer.errors import InvalidInput
from huiskamer.referrals.schemas import read_uuid_list, read_weekdays
from huiskamer.site.apidoc import Doc, Weekday, optional_text
from huiskamer.text import folded_words
from huiskamer.validation import FieldErrors, Parsed, as_list, read_bool, read_choice, read_date, read_int, read_text
from huiskamer.waitlist import Urgency

MAX_GOALS = 8


@dataclass(frozen=True)
class GoalInput:
    description: str
    code: str | None


@dataclass(frozen=True)
class IntakeInput:
    held_on: date
    goals: tuple[GoalInput, ...]
    urgency: Urgency
    urgency_reason: str | None
    requested_weekdays: tuple[str, ...]
    minimum_days: int
    preferred_location_ids: tuple[UUID, ...]
    sibling_referral_ids: tuple[UUID, ...]
    collection_persons: tuple[str, ...]
    allergies: str | None
    safety_notes: str | None
    not_allowed_collectors: tuple[str, ...] = ()


def _persons(data: Mapping[str, Any], field: str, errors: FieldErrors, ask: str) -> tuple[str, ...]:
    """Names of people, one per line (a form's text area) or as a list (JSON): at most 10 of 120 characters."""
    raw = as_list(data.get(field))
    persons: list[str] = []
    if raw is None or not all(isinstance(p, str) for p in raw):
        errors.add(field, f"{ask}, één per regel.")
        return ()
    for line in raw:
        persons.extend(part for part in (" ".join(p.split()) for p in line.splitlines()) if part)
    if any(len(p) > 120 for p in persons) or len(persons) > 10:
        errors.add(field, "Hoogstens 10 namen van elk hoogstens 120 tekens.")
    elif any(unicodedata.category(ch) == "Cc" for p in persons for ch in p):
        errors.add(field, "De namen bevatten tekens die niet zijn toegestaan.")
    return tuple(persons)


def _goals(data: Mapping[str, Any], errors: FieldErrors, catalogue: Mapping[str, str]) -> tuple[GoalInput, ...]:
    """Goals as a list of {"code", "description"}: a catalogue code, the child's own words, or both."""
    items = as_list(data.get("goals"))
    if items is None:
        errors.add("goals", "Stuur de doelen als een lijst.")
        return ()
    goals: list[GoalInput] = []
    for index, item in enumerate(items[: MAX_GOALS + 1]):
        field = f"goals.{index}"
        if not isinstance(item, Mapping):
            errors.add(field, "Elk doel heeft een omschrijving of een code uit de lijst.")
            continue
        code = read_choice(item, "code", errors, label="een doel uit de lijst", choices=catalogue, required=False)
        if "code" in errors.errors:
            errors.add(f"{field}.code", errors.errors.pop("code"))
        description = read_text(item, "description", errors, label="het doel", required=False, max_length=300)
        if "description" in errors.errors:
            errors.add(f"{field}.description", errors.errors.pop("description"))
        if code is None and description is None:
            if f"{field}.code" not in errors.errors and f"{field}.description" not in errors.errors:
                errors.add(f"{field}.description", "Beschrijf het doel, of kies er een uit de lijst.")
            continue
        goals.append(GoalInput(description=description or catalogue[code or ""], code=code))
    if len(items) > MAX_GOALS:
        errors.add("goals", f"Kies hoogstens {MAX_GOALS} doelen: een paar goede doelen werken beter.")
    if not goals and not any(key.startswith("goals") for key in errors.errors):
        errors.add("goals", "Leg minstens één doel vast: wat wil het kind bij ons leren?")
    return tuple(goals)


def parse_intake_input(raw: Any, *, today: date, catalogue: Mapping[str, str]) -> Parsed[IntakeInput]:
    """Reads every field of the intake; ``hold_intake`` checks the rules on the referral in the same round.
    ``catalogue`` maps goal codes to their Dutch names."""
    if not isinstance(raw, Mapping):
        raise InvalidInput({"": "Stuur het intakegesprek als een object met velden."})
    data = raw
    errors = FieldErrors()
    held_on = read_date(data, "held_on", errors, label="de datum van het gesprek")
    if held_on is not None and held_on > today:
        errors.add("held_on", "Het gesprek kan niet in de toekomst gehouden zijn.")
    goals = _goals(data, errors, catalogue)
    urgency = read_choice(data, "urgency", errors, label="de urgentie", choices=[u.value for u in Urgency])
    urgency_reason = read_text(
        data,
        "urgency_reason",
        errors,
        label="de reden voor de urgentie",
        required=False,
        max_length=1000,
        multiline=True,
    )
    if urgency not in (None, Urgency.NORMAL.value) and not urgency_reason:
        errors.add("urgency_reason", "Licht toe waarom de urgentie hoger is dan normaal.")
    weekdays = read_weekdays(data, "requested_weekdays", errors)
    minimum = read_int(
        data, "minimum_days", errors, label="het minimum aantal dagen", minimum=1, maximum=7, required=False
    )
    if minimum is not None and weekdays and minimum > len(weekdays):
        errors.add("minimum_days", "Het minimum kan niet meer zijn dan het aantal gevraagde dagen.")
    locations = read_uuid_list(data, "preferred_location_ids", errors, label="de locaties")
    if not locations and "preferred_location_ids" not in errors.errors:
        errors.add("preferred_location_ids", "Kies minstens één locatie die voor het gezin past.")
    siblings = read_uuid_list(data, "sibling_referral_ids", errors, label="broers en zussen")
    persons = _persons(data, "collection_persons", errors, "Noem de mensen die het kind mogen ophalen")
    not_allowed = _persons(data, "not_allowed_collectors", errors, "Noem de mensen die het kind niet mogen ophalen")
    both = {folded_words(p) for p in persons} & {folded_words(p) for p in not_allowed}
    if both and "not_allowed_collectors" not in errors.errors:
        errors.add("not_allowed_collectors", "Iemand kan niet op beide lijsten staan: mag wel én mag niet ophalen.")
    allergies = read_text(data, "allergies", errors, label="allergieën", required=False, max_length=500, multiline=True)
    safety = read_text(
        data, "safety_notes", errors, label="de veiligheidsafspraken", required=False, max_length=1000, multiline=True
    )
    consent = read_bool(data, "consent_data_processing", errors, label="toestemming")
    if not consent and "consent_data_processing" not in errors.errors:
        errors.add(
            "consent_data_processing",
            "Zonder toestemming van de ouders voor het vastleggen van gegevens kan het kind niet op de wachtlijst.",
        )
    # A field that failed is None here (Parsed's rule): the service checks only the rules whose fields were read.
    value = IntakeInput(
        held_on=held_on,  # type: ignore[arg-type]
        goals=goals,
        urgency=Urgency(urgency) if urgency else None,  # type: ignore[arg-type]
        urgency_reason=urgency_reason,
        requested_weekdays=weekdays,
        minimum_days=minimum or len(weekdays),
        preferred_location_ids=locations,
        sibling_referral_ids=siblings,
        collection_persons=persons,
        allergies=allergies,
        safety_notes=safety,
        not_allowed_collectors=not_allowed,
    )
    return Parsed(value, errors)


# --- the API's shapes, for the OpenAPI document (site.apidoc) --------------------------------------

Persons = Annotated[list[optional_text(120)], Doc(max_items=10)]  # type: ignore[valid-type]


class GoalIn(msgspec.Struct, kw_only=True):
    """A goal: a code from the goal catalogue, the child's own words, or both."""

    code: str | None = None
    description: optional_text(300) | None = None  # type: ignore[valid-type]


class IntakeIn(msgspec.Struct, kw_only=True):
    """The intake: ``held_on`` not in the future, 1 to 8 goals, ``urgency_reason`` unless ``normal``,
    ``minimum_days`` at most the requested days (default all), at least one preferred location, consent given,
    nobody on both lists of who may and who may not collect the child."""

    held_on: date
    goals: Annotated[list[GoalIn], Doc(min_items=1, max_items=MAX_GOALS)]
    urgency: Literal["normal", "elevated", "high"]
    requested_weekdays: Annotated[list[Weekday], Doc(min_items=1, max_items=7)]
    preferred_location_ids: Annotated[list[UUID], Doc(min_items=1)]
    consent_data_processing: Literal[True]
    urgency_reason: optional_text(1000) | None = None  # type: ignore[valid-type]
    minimum_days: Annotated[int, Doc(ge=1, le=7)] | None = None
    sibling_referral_ids: list[UUID] | None = None
    collection_persons: Persons | None = None
    not_allowed_collectors: Persons | None = None
    allergies: optional_text(500) | None = None  # type: ignore[valid-type]
    safety_notes: optional_text(1000) | None = None  # type: ignore[valid-type]
