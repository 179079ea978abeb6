"""The intake form's fields and the intake as the schema reads it (api-v1.md "Intake"), both ways.

The form asks for goals as ticked catalogue goals plus up to three in the child's own words (each may say which
catalogue goal it belongs to), for the locations as a first, second and third choice, and for brothers and
sisters as two choices. ``raw_intake`` turns that into the API's shape, so ``parse_intake_input`` validates both
alike; ``form_errors`` puts each of its messages next to the form field it is about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from huiskamer.intake.models import Intake
from huiskamer.referrals.models import Referral
from huiskamer.site.forms import typed_values
from huiskamer.site.templating import AMSTERDAM
from huiskamer.validation import as_list

OWN_GOALS = 3
PREFERENCES = 3
SIBLINGS = 2
TEXT_FIELDS = (
    "held_on",
    "urgency",
    "urgency_reason",
    "minimum_days",
    "collection_persons",
    "not_allowed_collectors",
    "allergies",
    "safety_notes",
)
LIST_FIELDS = ("goal_codes", "requested_weekdays")


def own_goal_fields(n: int) -> tuple[str, str]:
    return f"goal_own_{n}", f"goal_own_{n}_code"


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _strings(data: Mapping[str, Any], name: str) -> list[str]:
    return [value for value in as_list(data.get(name)) or [] if isinstance(value, str) and value]


@dataclass
class RawIntake:
    """The intake in the API's shape, and for each goal its form fields (to put messages back)."""

    data: dict[str, Any]
    goal_fields: list[tuple[str, str]] = field(default_factory=list)  # per goal: (description field, code field)


def raw_intake(form: Mapping[str, Any]) -> RawIntake:
    """The child's own words first (each with the catalogue goal it belongs to, if chosen), then the ticked goals."""
    goals: list[dict[str, str]] = []
    goal_fields: list[tuple[str, str]] = []
    ticked = list(dict.fromkeys(_strings(form, "goal_codes")))
    for n in range(1, OWN_GOALS + 1):
        text_name, code_name = own_goal_fields(n)
        text, code = _text(form, text_name).strip(), _text(form, code_name)
        if text:
            goals.append({"description": text, **({"code": code} if code else {})})
            goal_fields.append((text_name, code_name))
        elif code and code not in ticked:
            ticked.append(code)  # a catalogue goal chosen beside an empty line: as if it were ticked
    own_codes = {goal.get("code") for goal in goals}
    ticked = [code for code in ticked if code not in own_codes]
    goals += [{"code": code} for code in ticked]
    goal_fields += [("goal_codes", "goal_codes")] * len(ticked)
    data: dict[str, Any] = {name: _text(form, name) for name in TEXT_FIELDS}
    data["minimum_days"] = data["minimum_days"] or None
    data.update(
        goals=goals,
        requested_weekdays=_strings(form, "requested_weekdays"),
        preferred_location_ids=[p for n in range(1, PREFERENCES + 1) if (p := _text(form, f"preference_{n}"))],
        sibling_referral_ids=[s for n in range(1, SIBLINGS + 1) if (s := _text(form, f"sibling_{n}"))],
        collection_persons=_text(form, "collection_persons"),
        not_allowed_collectors=_text(form, "not_allowed_collectors"),
        consent_data_processing=_text(form, "consent_data_processing") or "off",
    )
    return RawIntake(data, goal_fields)


_GOAL = re.compile(r"^goals\.(\d+)(?:\.(code|description))?$")
_GROUPS = {"preferred_location_ids": "preferences", "sibling_referral_ids": "siblings"}


def form_errors(errors: Mapping[str, str], raw: RawIntake) -> dict[str, str]:
    """The schema's and the service's messages, keyed by the form field they belong to."""
    shown: dict[str, str] = {}
    for key, message in errors.items():
        match = _GOAL.match(key)
        if match:
            index, part = int(match.group(1)), match.group(2) or "description"
            fields = raw.goal_fields[index] if index < len(raw.goal_fields) else ("goals", "goals")
            target = fields[1] if part == "code" else fields[0]
        else:
            target = _GROUPS.get(key, key or "goals")
        shown.setdefault(target, message)
    return shown


def shown_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed, to put back into the form as it was."""
    values = typed_values(form, dates=("held_on",), ticked=("consent_data_processing",))
    for name in LIST_FIELDS:
        values[name] = _strings(form, name)  # without the empty choices
    return values


def first_values(
    referral: Referral,
    intake: Intake | None,
    sibling_ids: Sequence[UUID],
    catalogue_names: Mapping[str, str],
    today: date,
) -> dict[str, Any]:
    """The form as it opens: the earlier intake when there is one, otherwise what the referrer asked for, on the
    day the intake was planned (today when it was not planned or is still ahead: a talk is recorded once held)."""
    held_on = today
    if referral.intake_planned_at is not None:
        held_on = min(referral.intake_planned_at.astimezone(AMSTERDAM).date(), today)
    values: dict[str, Any] = {
        "held_on": held_on.isoformat(),
        "urgency": "normal",
        "requested_weekdays": list(referral.requested_weekdays or []),
        "goal_codes": [],
    }
    for n, location_id in enumerate(referral.location_ids[:PREFERENCES], 1):
        values[f"preference_{n}"] = str(location_id)
    for n, sibling_id in enumerate(sibling_ids[:SIBLINGS], 1):
        values[f"sibling_{n}"] = str(sibling_id)
    if intake is None:
        return values
    values.update(
        held_on=intake.held_on.isoformat(),
        urgency=intake.urgency,
        urgency_reason=intake.urgency_reason or "",
        requested_weekdays=list(intake.requested_weekdays),
        minimum_days=str(intake.minimum_days),
        collection_persons="\n".join(intake.collection_persons),
        not_allowed_collectors="\n".join(intake.not_allowed_collectors or ()),
        allergies=intake.allergies or "",
        safety_notes=intake.safety_notes or "",
        consent_data_processing=intake.consent_data_processing,
    )
    own = 0
    for goal in intake.goals:
        in_own_words = goal.code is None or goal.description != catalogue_names.get(goal.code)
        if in_own_words and own < OWN_GOALS:
            own += 1
            text_name, code_name = own_goal_fields(own)
            values[text_name], values[code_name] = goal.description, goal.code or ""
        elif goal.code:
            values["goal_codes"].append(goal.code)
    return values


def first_location(location_ids: Sequence[UUID], own: frozenset[UUID]) -> UUID | None:
    """The most preferred location that is the coordinator's own: where the waitlist is shown after the intake."""
    return next((location_id for location_id in location_ids if location_id in own), None)
