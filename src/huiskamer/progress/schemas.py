"""A progress note and an evaluation as sent by a form or the API, validated per field (messages in Dutch)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from huiskamer.progress.rules import EVALUATION_OUTCOMES, OUTCOME_NAMES_NL, RATINGS
from huiskamer.site.apidoc import Doc, optional_text
from huiskamer.validation import FieldErrors, Parsed, as_object, read_choice, read_date, read_text

NOTE_MAX = 1000
GOAL_MAX = 300  # goals.description is a String(300)
MAX_GOALS = 50
RATING_MESSAGE = "Kies hoe het gaat: " + ", ".join(f"{n} {label}" for n, label in RATINGS.items()) + "."


@dataclass(frozen=True)
class ProgressInput:
    rating: int
    note: str | None = None
    observed_on: date | None = None  # None: today


@dataclass(frozen=True)
class GoalOutcome:
    goal_id: UUID
    outcome: str
    description: str | None = None  # the new wording, for "adjusted"


@dataclass(frozen=True)
class EvaluationInput:
    """What was sent, with the messages about what could not be read: the service adds its own (a running goal
    without an outcome) and refuses them all at once, so the form shows every mistake in one go."""

    held_on: date | None
    outcomes: tuple[GoalOutcome, ...]
    note: str | None = None
    next_evaluation_on: date | None = None  # None: the interval after held_on (or none when every goal closed)
    errors: dict[str, str] = field(default_factory=dict)


def _rating(value: Any, errors: FieldErrors) -> int | None:
    """1 to 4, as a number or the digit a form sends; nothing else (no 2.5, no true, no "drie")."""
    digit = isinstance(value, str) and re.fullmatch(r"\s*[1-4]\s*", value)
    if digit or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in RATINGS:
        return value
    errors.add("rating", RATING_MESSAGE)
    return None


def parse_progress(raw: Any) -> Parsed[ProgressInput]:
    """Reads every field of the note; ``add_progress`` checks the date against the goal in the same round."""
    data = as_object(raw)
    errors = FieldErrors()
    rating = _rating(data.get("rating"), errors)
    note = read_text(data, "note", errors, label="de observatie", required=False, max_length=NOTE_MAX, multiline=True)
    observed_on = read_date(data, "observed_on", errors, label="de datum", required=False)
    return Parsed(ProgressInput(rating, note, observed_on), errors)  # type: ignore[arg-type]


def _goal_id(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def parse_evaluation(raw: Any) -> EvaluationInput:
    """``goals`` is a list of ``{"goal_id", "outcome", "description"}``; a message about one goal goes to
    ``goals.<goal_id>.<field>`` (or ``goals.<index>.goal_id`` while the goal is not known). Refuses only a body
    that is no object; other messages travel in ``errors`` to the service."""
    data = as_object(raw)
    errors = FieldErrors()
    held_on = read_date(data, "held_on", errors, label="de datum van het gesprek")
    note = read_text(data, "note", errors, label="de notitie", required=False, max_length=4000, multiline=True)
    next_on = read_date(data, "next_evaluation_on", errors, label="de volgende evaluatie", required=False)
    outcomes: list[GoalOutcome] = []
    items = data.get("goals", [])
    if items is None:
        items = []
    if not isinstance(items, list) or len(items) > MAX_GOALS:
        errors.add("goals", "Stuur de doelen als een lijst met goal_id en outcome.")
        items = []
    seen: set[UUID] = set()
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors.add(f"goals.{index}", "Stuur elk doel als een object met goal_id en outcome.")
            continue
        goal_id = _goal_id(item.get("goal_id"))
        if goal_id is None:
            errors.add(f"goals.{index}.goal_id", "Onbekend doel.")
            continue
        prefix = f"goals.{goal_id}"
        if goal_id in seen:
            errors.add(f"{prefix}.goal_id", "Dit doel staat er twee keer in.")
            continue
        seen.add(goal_id)
        names = ", ".join(f"{OUTCOME_NAMES_NL[o]} ({o})" for o in EVALUATION_OUTCOMES)
        outcome = read_choice(item, "outcome", FieldErrors(), label="de uitkomst", choices=EVALUATION_OUTCOMES)
        if outcome is None:
            errors.add(f"{prefix}.outcome", f"Kies wat er met dit doel gebeurt: {names}.")
            continue
        local = FieldErrors()
        description = read_text(item, "description", local, label="het doel", required=False, max_length=GOAL_MAX)
        for name, message in local.errors.items():
            errors.add(f"{prefix}.{name}", message)
        outcomes.append(GoalOutcome(goal_id, outcome, description if outcome == "adjusted" else None))
    return EvaluationInput(held_on, tuple(outcomes), note, next_on, errors.errors)


# --- the API's shapes, for the OpenAPI document (site.apidoc) --------------------------------------


class ProgressIn(msgspec.Struct, kw_only=True):
    """A rating: 1 nog niet, 2 een beetje, 3 gaat goed, 4 behaald; ``observed_on`` defaults to today."""

    rating: Annotated[int, Doc(ge=1, le=4)]
    note: optional_text(NOTE_MAX) | None = None  # type: ignore[valid-type]
    observed_on: date | None = None


class ProgressOut(msgspec.Struct, kw_only=True):
    id: UUID
    goal_id: UUID
    referral_id: UUID
    rating: int
    rating_label: str
    note: str | None
    observed_on: date


class NoteOut(msgspec.Struct, kw_only=True):
    id: UUID
    rating: int
    rating_label: str
    note: str | None
    observed_on: date
    recorded_by: str | None
    recorded_at: datetime


class GoalProgress(msgspec.Struct, kw_only=True):
    goal_id: UUID
    referral_id: UUID
    description: str
    status: str
    set_on: date
    closed_on: date | None
    items: list[NoteOut]


class ChildGoal(msgspec.Struct, kw_only=True):
    id: UUID
    description: str
    status: str
    set_on: date
    closed_on: date | None
    progress: list[NoteOut]


class OutcomeOut(msgspec.Struct, kw_only=True):
    goal_id: UUID
    description: str
    outcome: Literal["continued", "reached", "adjusted", "stopped"]
    note: str | None


class EvaluationOut(msgspec.Struct, kw_only=True):
    id: UUID
    held_on: date
    held_by: str | None
    note: str | None
    next_evaluation_on: date | None
    goals: list[OutcomeOut]


class EvaluationList(msgspec.Struct, kw_only=True):
    items: list[EvaluationOut]


class ChildOut(msgspec.Struct, kw_only=True):
    """The practical part (what a kinderwerker may see); a coordinator also gets the name and the evaluations."""

    referral_id: UUID
    given_name: str
    age: int
    location_id: UUID
    weekdays: list[str]
    placed_from: date
    placed_until: date | None
    collection_persons: list[str]
    not_allowed_collectors: list[str]
    allergies: str | None
    safety_notes: str | None
    goals: list[ChildGoal]
    child_name: str | msgspec.UnsetType = msgspec.UNSET
    evaluations: list[EvaluationOut] | msgspec.UnsetType = msgspec.UNSET
    next_evaluation_on: date | msgspec.UnsetType | None = msgspec.UNSET
    evaluation_due: str | msgspec.UnsetType | None = msgspec.UNSET


class GoalOutcomeIn(msgspec.Struct, kw_only=True):
    goal_id: UUID
    outcome: Literal["continued", "reached", "adjusted", "stopped"]
    description: optional_text(GOAL_MAX) | None = None  # type: ignore[valid-type]


class EvaluationIn(msgspec.Struct, kw_only=True):
    """An evaluation with the parents: an outcome for every running goal of the child (``adjusted`` with the new
    wording)."""

    held_on: date
    goals: Annotated[list[GoalOutcomeIn], Doc(max_items=MAX_GOALS)] | None = None
    note: optional_text(4000) | None = None  # type: ignore[valid-type]
    next_evaluation_on: date | None = None


class DueItem(msgspec.Struct, kw_only=True):
    referral_id: UUID
    child_name: str
    location_name: str
    placed_from: date
    last_evaluation_on: date | None
    due_on: date
    overdue: bool
    active_goals: int


class DueList(msgspec.Struct, kw_only=True):
    items: list[DueItem]
