"""Offers, placements and their answers as sent by the form or the API, validated per field."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from huiskamer.placements.service import OfferRequest, SeatRequest
from huiskamer.referrals.rules import CLOSE_REASONS
from huiskamer.referrals.schemas import read_weekdays
from huiskamer.site.apidoc import CloseReason, Doc, Weekday, optional_text
from huiskamer.validation import FieldErrors, Parsed, as_object, read_choice, read_date, read_text


def _uuid(data: Mapping[str, Any], field: str, errors: FieldErrors, label: str) -> UUID | None:
    value = data.get(field)
    if value in (None, ""):
        errors.add(field, f"Kies {label}.")
        return None
    try:
        return UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        errors.add(field, f"Kies {label} uit de lijst.")
        return None


def parse_seat_request(raw: Any, *, offer: bool) -> Parsed[SeatRequest]:
    """Reads every field; the service checks the dates and the location against the child in the same round."""
    data = as_object(raw)
    errors = FieldErrors()
    referral_id = _uuid(data, "referral_id", errors, "de aanmelding")
    location_id = _uuid(data, "location_id", errors, "de locatie")
    weekdays = read_weekdays(data, "weekdays", errors)
    start = read_date(data, "start_date", errors, label="de startdatum")
    respond_by = read_date(data, "respond_by", errors, label="de reactiedatum") if offer else None
    # A field that failed is None here (Parsed's rule): the service checks only the rules whose fields were read.
    if offer:
        return Parsed(OfferRequest(referral_id, location_id, weekdays, start, respond_by), errors)  # type: ignore[arg-type]
    return Parsed(SeatRequest(referral_id, location_id, weekdays, start), errors)  # type: ignore[arg-type]


def parse_decline(raw: Any) -> str | None:
    data = as_object(raw) if raw is not None else {}
    errors = FieldErrors()
    reason = read_text(data, "reason", errors, label="de reden", required=False, max_length=1000, multiline=True)
    errors.raise_if_any()
    return reason


def parse_end(raw: Any) -> Parsed[tuple[date, str, str | None, str | None]]:
    """End date, reason code, reason and explanation as read; ``end_placement`` checks the end date against the
    placement in the same round (give it these ``errors``)."""
    data = as_object(raw)
    errors = FieldErrors()
    end = read_date(data, "end_date", errors, label="de einddatum")
    code = read_choice(data, "reason_code", errors, label="de reden van uitstroom", choices=CLOSE_REASONS)
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
    if code == "other" and not reason:
        errors.add("reason", "Licht de reden 'anders' toe.")
    return Parsed((end, code, reason, explanation), errors)  # type: ignore[arg-type]


# --- the API's shapes, for the OpenAPI document (site.apidoc) --------------------------------------


class SeatIn(msgspec.Struct, kw_only=True):
    """A seat on these weekdays at this location from ``start_date`` for a waitlisted referral. Full on any of
    those weekdays on any date from ``start_date`` on (open offers count as taken): 409."""

    referral_id: UUID
    location_id: UUID
    weekdays: Annotated[list[Weekday], Doc(min_items=1, max_items=7)]
    start_date: date


class OfferIn(SeatIn, kw_only=True):
    """As a placement, held until ``respond_by`` (the last date to answer) has passed."""

    respond_by: date


class DeclineIn(msgspec.Struct, kw_only=True):
    reason: optional_text(1000) | None = None  # type: ignore[valid-type]


class EndIn(msgspec.Struct, kw_only=True):
    """The last day; the seat is free from the day after. ``other`` needs a ``reason``. A future end date keeps
    the referral placed until it has passed; it closes by itself the day after. ``explanation`` is for the
    referrer (``reason`` stays internal)."""

    end_date: date
    reason_code: CloseReason
    reason: optional_text(1000) | None = None  # type: ignore[valid-type]
    explanation: optional_text(1000) | None = None  # type: ignore[valid-type]


class PlacementOut(msgspec.Struct, kw_only=True):
    id: UUID
    referral_id: UUID
    location_id: UUID
    weekdays: list[Weekday]
    start_date: date
    end_date: date | None
    end_reason_code: str | None
    offer_id: UUID | None


class OfferOut(msgspec.Struct, kw_only=True):
    id: UUID
    referral_id: UUID
    location_id: UUID
    weekdays: list[Weekday]
    start_date: date
    respond_by: date
    status: Literal["open", "accepted", "declined", "expired", "withdrawn"]


class PlacementList(msgspec.Struct, kw_only=True):
    items: list[PlacementOut]


class OfferList(msgspec.Struct, kw_only=True):
    items: list[OfferOut]


class ExplanationPart(msgspec.Struct, kw_only=True):
    factor: str
    points: int
    label: str


class WaitlistEntry(msgspec.Struct, kw_only=True):
    referral_id: UUID
    rank: int
    score: int
    waiting_since: date
    explanation: list[ExplanationPart]
    sentence: str
    requested_weekdays: list[Weekday]
    minimum_days: int


class Waitlist(msgspec.Struct, kw_only=True):
    """In rank order (rank 1 first); the points of an explanation add up to the score."""

    location_id: UUID
    date: datetime.date
    entries: list[WaitlistEntry]


class Proposal(msgspec.Struct, kw_only=True):
    referral_id: UUID
    weekdays: list[Weekday]


class Proposals(msgspec.Struct, kw_only=True):
    location_id: UUID
    start_date: date
    free_seats: dict[str, int]
    proposals: list[Proposal]
