"""The referral as typed into the form or sent to the API, validated field by field (Dutch messages)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from huiskamer.auth.models import ORGANISATION_TYPES_NL
from huiskamer.referrals.rules import CLOSE_REASONS, REJECT_REASONS, MoveRequest, Status
from huiskamer.site.apidoc import (
    CloseReason,
    Doc,
    Email,
    ReferralStatus,
    RejectReason,
    Source,
    Weekday,
    optional_text,
    text,
)
from huiskamer.validation import (
    WEEKDAYS,
    FieldErrors,
    Parsed,
    as_list,
    as_object,
    read_bool,
    read_choice,
    read_date,
    read_email,
    read_phone,
    read_postcode,
    read_text,
)

SOURCES = ORGANISATION_TYPES_NL  # the referral sources of api-v1.md, with their Dutch names
MAX_REASON = 2000
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class ChildInput:
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    neighbourhood: str | None
    school: str | None


@dataclass(frozen=True)
class ReferralInput:
    child: ChildInput
    guardian_name: str
    guardian_phone: str
    guardian_email: str | None
    source: str | None
    reason: str
    preferred_location_ids: tuple[UUID, ...]
    requested_weekdays: tuple[str, ...]
    intended_start: date


def read_uuid_list(data: Mapping[str, Any], field: str, errors: FieldErrors, *, label: str) -> tuple[UUID, ...]:
    items = as_list(data.get(field))
    if items is None:
        errors.add(field, f"Kies {label} uit de lijst.")
        return ()
    ids: list[UUID] = []
    for item in items:
        try:
            ids.append(UUID(str(item)))
        except (ValueError, TypeError, AttributeError):
            errors.add(field, f"Kies {label} uit de lijst.")
            return ()
    return tuple(dict.fromkeys(ids))


def read_weekdays(data: Mapping[str, Any], field: str, errors: FieldErrors) -> tuple[str, ...]:
    items = as_list(data.get(field))
    if items is None or not all(isinstance(item, str) and item in WEEKDAYS for item in items):
        errors.add(field, "Kies de dagen uit de lijst (maandag tot en met zondag).")
        return ()
    if not items:
        errors.add(field, "Kies minstens één dag.")
        return ()
    return tuple(day for day in WEEKDAYS if day in items)


def _nested_ok(data: Mapping[str, Any], name: str, errors: FieldErrors) -> None:
    value = data.get(name)
    if value is not None and not isinstance(value, Mapping):
        errors.add(name, "Stuur deze gegevens als een object met velden.")


def parse_referral_input(raw: Any, *, today: date) -> Parsed[ReferralInput]:
    """Reads every field of the referral; the age against the locations is checked by the service, in the same
    round (``submit_referral`` raises once with every message)."""
    data = as_object(raw, "de aanmelding")
    errors = FieldErrors()
    _nested_ok(data, "child", errors)
    _nested_ok(data, "guardian", errors)
    given = read_text(data, "child.given_name", errors, label="de voornaam van het kind", max_length=100)
    family = read_text(data, "child.family_name", errors, label="de achternaam van het kind", max_length=100)
    born = read_date(data, "child.date_of_birth", errors, label="de geboortedatum")
    if born is not None and born > today:
        errors.add("child.date_of_birth", "De geboortedatum kan niet in de toekomst liggen.")
    if born is not None and born < today - timedelta(days=365 * 20):
        errors.add("child.date_of_birth", "Controleer de geboortedatum: dit kind zou ouder dan 20 jaar zijn.")
    postcode = read_postcode(data, "child.postcode", errors)
    neighbourhood = read_text(data, "child.neighbourhood", errors, label="de wijk", required=False, max_length=100)
    school = read_text(data, "child.school", errors, label="de school", required=False, max_length=160)
    guardian_name = read_text(data, "guardian.name", errors, label="de naam van de ouder/verzorger", max_length=160)
    guardian_phone = read_phone(data, "guardian.phone", errors)
    guardian_email = read_email(data, "guardian.email", errors, required=False)
    source = read_choice(data, "source", errors, label="wie het kind aanmeldt", choices=SOURCES, required=False)
    reason = read_text(data, "reason", errors, label="de reden van aanmelding", max_length=MAX_REASON, multiline=True)
    informed = read_bool(data, "guardian_informed", errors, label="ouders op de hoogte")
    if not informed and "guardian_informed" not in errors.errors:
        errors.add(
            "guardian_informed",
            "Een kind wordt nooit buiten de ouders om aangemeld. Bespreek de aanmelding eerst met de "
            "ouders/verzorgers en vink dit dan aan.",
        )
    preferred = read_uuid_list(data, "preferred_location_ids", errors, label="de locaties")
    weekdays = read_weekdays(data, "requested_weekdays", errors)
    start = read_date(data, "intended_start", errors, label="de gewenste startdatum", required=False) or today
    if start < today:
        start = today
    if start > today + timedelta(days=366):
        errors.add("intended_start", "Kies een startdatum binnen een jaar.")
    # A field that failed is None here (Parsed's rule): the service checks only the rules whose fields were read.
    value = ReferralInput(
        child=ChildInput(given, family, born, postcode, neighbourhood, school),  # type: ignore[arg-type]
        guardian_name=guardian_name,  # type: ignore[arg-type]
        guardian_phone=guardian_phone,  # type: ignore[arg-type]
        guardian_email=guardian_email,
        source=source,
        reason=reason,  # type: ignore[arg-type]
        preferred_location_ids=preferred,
        requested_weekdays=weekdays,
        intended_start=start,
    )
    return Parsed(value, errors)


def _parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp, or what a datetime-local input sends (taken as Amsterdam time)."""
    from zoneinfo import ZoneInfo

    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
    return parsed.astimezone(UTC)


def parse_move(raw: Any) -> MoveRequest:
    data = as_object(raw, "de aanmelding")
    errors = FieldErrors()
    to = read_choice(data, "to", errors, label="de nieuwe status", choices=[s.value for s in Status])
    reasons = {**CLOSE_REASONS, **REJECT_REASONS}
    code = read_choice(data, "reason_code", errors, label="een reden", choices=reasons, required=False)
    reason = read_text(data, "reason", errors, label="de toelichting", required=False, max_length=1000, multiline=True)
    explanation = read_text(
        data,
        "explanation",
        errors,
        label="de uitleg voor de verwijzer",
        required=False,
        max_length=1000,
        multiline=True,
    )
    planned_at = None
    if data.get("planned_at") not in (None, ""):
        planned_at = _parse_timestamp(data.get("planned_at"))
        if planned_at is None:
            errors.add("planned_at", "Vul een geldige datum en tijd in, zoals 2026-09-01T15:30+02:00.")
    errors.raise_if_any()
    assert to is not None
    return MoveRequest(to=Status(to), reason_code=code, reason=reason, planned_at=planned_at, explanation=explanation)


def parse_message(raw: Any) -> str:
    data = as_object(raw, "de aanmelding")
    errors = FieldErrors()
    text = read_text(data, "text", errors, label="een bericht", max_length=MAX_MESSAGE, multiline=True)
    errors.raise_if_any()
    assert text is not None
    return text


# --- the API's shapes, for the OpenAPI document (site.apidoc) --------------------------------------

# What ``read_postcode`` takes: four digits (no leading 0) and two letters (never SA, SD or SS), any case.
POSTCODE_PATTERN = r"^\s*[1-9][0-9]{3} ?([A-RT-Za-rt-z][A-Za-z]|[Ss][BCE-RT-Zbce-rt-z])\s*$"
Phone = Annotated[
    str,
    Doc(
        max_length=40,
        description="Een geldig Nederlands of internationaal telefoonnummer (libphonenumber), zoals 06-12345678.",
        format="phone",
    ),
]
Weekdays = Annotated[list[Weekday], Doc(min_items=1, max_items=7)]


class ChildIn(msgspec.Struct, kw_only=True):
    given_name: text(100)  # type: ignore[valid-type]
    family_name: text(100)  # type: ignore[valid-type]
    date_of_birth: date
    postcode: Annotated[str, Doc(max_length=20, pattern=POSTCODE_PATTERN)]
    neighbourhood: optional_text(100) | None = None  # type: ignore[valid-type]
    school: optional_text(160) | None = None  # type: ignore[valid-type]


class GuardianIn(msgspec.Struct, kw_only=True):
    name: text(160)  # type: ignore[valid-type]
    phone: Phone
    email: Email | None = None


class ReferralIn(msgspec.Struct, kw_only=True):
    """A referral. ``guardian_informed`` must be true; the child's date of birth lies in the past (at most 20 years)
    and its age must fit a location; ``intended_start`` (default today) lies within a year."""

    child: ChildIn
    guardian: GuardianIn
    reason: text(MAX_REASON)  # type: ignore[valid-type]
    guardian_informed: Literal[True]
    requested_weekdays: Weekdays
    source: Source | None = None
    preferred_location_ids: list[UUID] | None = None
    intended_start: date | None = None


class MoveIn(msgspec.Struct, kw_only=True):
    """A status change. ``rejected`` and ``closed`` need a ``reason_code`` of their own list; ``other`` a reason;
    ``intake_planned`` may carry ``planned_at``. ``explanation`` is a text for the referrer (they never see
    ``reason``)."""

    to: ReferralStatus
    reason_code: CloseReason | RejectReason | None = None
    reason: optional_text(1000) | None = None  # type: ignore[valid-type]
    explanation: optional_text(1000) | None = None  # type: ignore[valid-type]
    planned_at: datetime | None = None


class MessageIn(msgspec.Struct, kw_only=True):
    text: text(MAX_MESSAGE)  # type: ignore[valid-type]


class MessageOut(msgspec.Struct, kw_only=True):
    id: UUID
    at: datetime
    text: str


class HistoryEntry(msgspec.Struct, kw_only=True):
    status: ReferralStatus
    at: datetime
    by: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    planned_at: datetime | None = None


class MessageEntry(msgspec.Struct, kw_only=True):
    at: datetime
    text: str
    from_: Literal["referrer", "coordinator"] = msgspec.field(name="from")
    author: str | None = None


class ChildOut(msgspec.Struct, kw_only=True):
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    neighbourhood: str | None
    school: str | None


class GuardianOut(msgspec.Struct, kw_only=True):
    name: str
    phone: str
    email: str | None


class GoalOut(msgspec.Struct, kw_only=True):
    id: UUID
    code: str | None
    description: str
    dimension: str | None
    status: str
    set_on: date


class IntakeOut(msgspec.Struct, kw_only=True):
    id: UUID
    held_on: date
    urgency: Literal["normal", "elevated", "high"]
    urgency_reason: str | None
    goals: list[GoalOut]
    requested_weekdays: list[Weekday]
    minimum_days: int
    collection_persons: list[str]
    not_allowed_collectors: list[str]
    allergies: str | None
    safety_notes: str | None
    consent_data_processing: bool
    sibling_referral_ids: list[UUID]


class ReferralPlacement(msgspec.Struct, kw_only=True):
    """The coordinator sees the whole placement; the referrer only ``location_name`` and ``start_date``."""

    start_date: date
    id: UUID | msgspec.UnsetType = msgspec.UNSET
    referral_id: UUID | msgspec.UnsetType = msgspec.UNSET
    location_id: UUID | msgspec.UnsetType = msgspec.UNSET
    location_name: str | msgspec.UnsetType = msgspec.UNSET
    weekdays: list[Weekday] | msgspec.UnsetType = msgspec.UNSET
    end_date: date | msgspec.UnsetType | None = msgspec.UNSET
    end_reason_code: str | msgspec.UnsetType | None = msgspec.UNSET
    offer_id: UUID | msgspec.UnsetType | None = msgspec.UNSET


class SubmittedLocationOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str


class SubmittedOut(msgspec.Struct, kw_only=True):
    """What the referrer sent, read only."""

    child: ChildOut
    guardian: GuardianOut
    source: Source
    reason: str
    guardian_informed: bool
    preferred_location_ids: list[UUID]
    preferred_locations: list[SubmittedLocationOut]
    requested_weekdays: list[Weekday]


class OutcomeOut(msgspec.Struct, kw_only=True):
    """Why a referral was rejected or closed, as the referrer may read it (never the internal reason)."""

    reason_code: str | None
    explanation: str | None


class ReferralOut(msgspec.Struct, kw_only=True):
    """The referrer who submitted it sees status, dates and messages, what they submitted (``submitted``), the
    ``outcome`` of a rejection or closing and, once placed, the ``placement``'s location and start date; a
    coordinator sees the whole dossier (the fields from ``child`` on)."""

    id: UUID
    status: ReferralStatus
    status_label: str
    submitted_at: datetime
    history: list[HistoryEntry]
    messages: list[MessageEntry]
    child: ChildOut | msgspec.UnsetType = msgspec.UNSET
    guardian: GuardianOut | msgspec.UnsetType = msgspec.UNSET
    source: Source | msgspec.UnsetType = msgspec.UNSET
    reason: str | msgspec.UnsetType = msgspec.UNSET
    guardian_informed: bool | msgspec.UnsetType = msgspec.UNSET
    location_ids: list[UUID] | msgspec.UnsetType = msgspec.UNSET
    requested_weekdays: list[Weekday] | msgspec.UnsetType = msgspec.UNSET
    intake_planned_at: datetime | msgspec.UnsetType | None = msgspec.UNSET
    possible_duplicate_ids: list[UUID] | msgspec.UnsetType = msgspec.UNSET
    waiting_since: date | msgspec.UnsetType | None = msgspec.UNSET
    intake: IntakeOut | msgspec.UnsetType | None = msgspec.UNSET
    placement: ReferralPlacement | msgspec.UnsetType | None = msgspec.UNSET
    submitted: SubmittedOut | msgspec.UnsetType = msgspec.UNSET
    outcome: OutcomeOut | msgspec.UnsetType = msgspec.UNSET


class ReferralListItem(msgspec.Struct, kw_only=True):
    id: UUID
    status: ReferralStatus
    submitted_at: datetime
    status_changed_at: datetime | None
    unread: bool | int
    child_name: str | msgspec.UnsetType = msgspec.UNSET
    source: Source | msgspec.UnsetType = msgspec.UNSET
    possible_duplicate: bool | msgspec.UnsetType = msgspec.UNSET


class ReferralList(msgspec.Struct, kw_only=True):
    items: list[ReferralListItem]
    next: str | msgspec.UnsetType = msgspec.UNSET
