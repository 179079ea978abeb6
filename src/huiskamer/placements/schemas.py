"""Offers, placements and their answers as sent by the form or the API, validated per field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from huiskamer.placements.service import OfferRequest, SeatRequest
from huiskamer.referrals.rules import CLOSE_REASONS
from huiskamer.referrals.schemas import read_weekdays
from huiskamer.validation import FieldErrors, as_object, read_choice, read_date, read_text


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


def parse_seat_request(raw: Any, *, offer: bool) -> SeatRequest:
    data = as_object(raw)
    errors = FieldErrors()
    referral_id = _uuid(data, "referral_id", errors, "de aanmelding")
    location_id = _uuid(data, "location_id", errors, "de locatie")
    weekdays = read_weekdays(data, "weekdays", errors)
    start = read_date(data, "start_date", errors, label="de startdatum")
    respond_by = read_date(data, "respond_by", errors, label="de reactiedatum") if offer else None
    errors.raise_if_any()
    assert referral_id and location_id and start
    if offer:
        assert respond_by is not None
        return OfferRequest(referral_id, location_id, weekdays, start, respond_by)
    return SeatRequest(referral_id, location_id, weekdays, start)


def parse_decline(raw: Any) -> str | None:
    data = as_object(raw) if raw is not None else {}
    errors = FieldErrors()
    reason = read_text(data, "reason", errors, label="de reden", required=False, max_length=1000, multiline=True)
    errors.raise_if_any()
    return reason


def parse_end(raw: Any):
    data = as_object(raw)
    errors = FieldErrors()
    end = read_date(data, "end_date", errors, label="de einddatum")
    code = read_choice(data, "reason_code", errors, label="de reden van uitstroom", choices=CLOSE_REASONS)
    reason = read_text(data, "reason", errors, label="de toelichting", required=False, max_length=1000, multiline=True)
    if code == "other" and not reason:
        errors.add("reason", "Licht de reden 'anders' toe.")
    errors.raise_if_any()
    assert end and code
    return end, code, reason
