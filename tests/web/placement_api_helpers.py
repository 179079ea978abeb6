"""Helpers for the intake and placement API tests: a cast around two locations with API tokens, referrals taken
into review and put on the waitlist through the API, the clock of the API, and row counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.models import AuditEvent
from huiskamer.config import Settings
from huiskamer.intake.models import Goal, Intake, SiblingLink
from huiskamer.locations.models import LocationCapacity
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.referrals.models import Referral, ReferralEvent, ReferralLocation
from huiskamer.site.templating import today
from tests.factories import api, in_session, make_location, make_token, make_user, submitted_long_ago


@dataclass
class Cast:
    """Location A (one seat on Monday, two on Tuesday and Thursday) and B; a coordinator of each, a coordinator
    of both, a youth worker of A, a referrer and a beheerder, each with an API token."""

    settings: Settings
    a: UUID
    b: UUID
    coordinator_a: str
    coordinator_b: str
    coordinator_ab: str
    youth_worker_a: str
    referrer: str
    admin: str


def make_cast(settings: Settings, seats_a: dict[str, int] | None = None) -> Cast:
    a = make_location(
        settings, "Huiskamer Anemoon", seats=seats_a or {"mon": 1, "tue": 2, "thu": 2}, neighbourhoods=("Stedenwijk",)
    )
    b = make_location(settings, "Huiskamer Berk", seats={"mon": 3, "wed": 3}, neighbourhoods=("Kruidenwijk",))

    def token(role: str, *locations: UUID) -> str:
        return make_token(settings, make_user(settings, role, location_ids=locations, password=None))

    return Cast(
        settings,
        a,
        b,
        coordinator_a=token("coordinator", a),
        coordinator_b=token("coordinator", b),
        coordinator_ab=token("coordinator", a, b),
        youth_worker_a=token("youth_worker", a),
        referrer=token("referrer"),
        admin=token("admin"),
    )


def born(years: int, days: int = 40) -> str:
    now = today()
    return (date(now.year - years, now.month, min(now.day, 28)) - timedelta(days=days)).isoformat()


def referral_in_review(
    client: Any, cast: Cast, given: str = "Noor", *, locations: tuple[UUID, ...] | None = None, age: int = 8
) -> str:
    """A referral by the referrer for a child of ``age`` at A (or ``locations``), taken into review by a
    coordinator of both locations."""
    body = {
        "child": {
            "given_name": given,
            "family_name": "Bakker",
            "date_of_birth": born(age),
            "postcode": "1325 AB",
            "neighbourhood": "Stedenwijk",
            "school": "De Regenboog",
        },
        "guardian": {"name": "M. Bakker", "phone": "06-12345678"},
        "source": "school",
        "reason": "Wordt snel boos op het schoolplein en heeft weinig vriendjes.",
        "guardian_informed": True,
        "preferred_location_ids": [str(i) for i in (locations or (cast.a,))],
        "requested_weekdays": ["mon", "tue", "thu"],
    }
    response = client.post("/api/v1/referrals", json=body, headers=api(client, cast.referrer))
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    submitted_long_ago(cast.settings, rid)
    moved = client.post(
        f"/api/v1/referrals/{rid}/transitions", json={"to": "in_review"}, headers=api(client, cast.coordinator_ab)
    )
    assert moved.status_code == 200, moved.text
    return rid


DROP = object()  # an override that leaves the field out


def intake_body(cast: Cast, **overrides: Any) -> dict[str, Any]:
    """The example of api-v1.md: held ten days ago, two goals, high urgency with its reason, at location A."""
    body: dict[str, Any] = {
        "held_on": (today() - timedelta(days=10)).isoformat(),
        "goals": [
            {"code": "anger", "description": "Minder snel boos worden als ik verlies"},
            {"description": "Een vriendje maken in de groep"},
        ],
        "urgency": "high",
        "urgency_reason": "Thuissituatie zeer onrustig, school maakt zich zorgen.",
        "requested_weekdays": ["mon", "tue", "thu"],
        "minimum_days": 2,
        "preferred_location_ids": [str(cast.a)],
        "sibling_referral_ids": [],
        "collection_persons": ["M. Bakker (moeder)", "opa Bakker"],
        "safety_notes": "Allergisch voor noten.",
        "consent_data_processing": True,
    }
    for key, value in overrides.items():
        if value is DROP:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def hold_intake(client: Any, cast: Cast, rid: str, token: str | None = None, **overrides: Any) -> Any:
    return client.post(
        f"/api/v1/referrals/{rid}/intake",
        json=intake_body(cast, **overrides),
        headers=api(client, token or cast.coordinator_ab),
    )


def waiting_child(client: Any, cast: Cast, given: str = "Noor", **overrides: Any) -> str:
    """A child on the waitlist through the API (normal urgency unless told otherwise)."""
    locations = overrides.get("preferred_location_ids")
    rid = referral_in_review(client, cast, given, locations=tuple(UUID(i) for i in locations) if locations else None)
    overrides = {"urgency": "normal", "urgency_reason": None, **overrides}
    response = hold_intake(client, cast, rid, **overrides)
    assert response.status_code == 201, response.text
    return rid


def next_weekday(weekday: int, weeks: int = 0) -> date:
    """The first date after today with this weekday (0 = Monday), ``weeks`` later."""
    start = today() + timedelta(days=1)
    return start + timedelta(days=(weekday - start.weekday()) % 7 + 7 * weeks)


def errors_of(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json().get("errors", [])}


TABLES = (
    Referral,
    ReferralEvent,
    ReferralLocation,
    Intake,
    Goal,
    SiblingLink,
    Offer,
    Placement,
    SeatClaim,
    LocationCapacity,
    AuditEvent,
)


def row_counts(settings: Settings) -> dict[str, int]:
    """How many rows each table of the issue holds (and the audit trail): nothing may be stored half."""

    async def work(session: AsyncSession) -> dict[str, int]:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model)) or 0 for model in TABLES
        }

    return in_session(settings, work)


def move_clock(monkeypatch: pytest.MonkeyPatch, days: int) -> date:
    """The API's "today" moves ``days`` ahead (the modules of this issue read it through their own name)."""
    later = today() + timedelta(days=days)
    import huiskamer.intake.api
    import huiskamer.placements.api

    monkeypatch.setattr(huiskamer.placements.api, "today", lambda: later)
    monkeypatch.setattr(huiskamer.intake.api, "today", lambda: later)
    return later
