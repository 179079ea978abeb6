"""Helpers for the intake, waitlist and placement page tests: a cast of people around two locations, referrals
taken into review through the API, intakes through the API (to fill a waitlist quickly), and reading pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import event
from sqlalchemy.engine import Engine

from huiskamer.site.templating import today
from tests.factories import api, login_as, make_location, make_token, make_user, submitted_long_ago


@dataclass
class Cast:
    """Location A (two seats a day) and B; a coordinator of each, a youth worker of A and a referrer."""

    settings: Any
    a: UUID
    b: UUID
    coordinator_a: UUID
    coordinator_b: UUID
    youth_worker_a: UUID
    referrer: UUID
    token_a: str
    token_referrer: str


def make_cast(settings: Any, *, seats: dict[str, int] | None = None, closure_days: tuple[Any, ...] = ()) -> Cast:
    a = make_location(
        settings,
        "Huiskamer Anemoon",
        seats=seats or {"mon": 2, "tue": 2, "wed": 2, "thu": 2, "fri": 2},
        neighbourhoods=("Stedenwijk",),
        closure_days=closure_days,
    )
    b = make_location(settings, "Huiskamer Berk", neighbourhoods=("Kruidenwijk",))
    coordinator_a = make_user(settings, "coordinator", location_ids=(a,))
    coordinator_b = make_user(settings, "coordinator", location_ids=(b,))
    youth_worker_a = make_user(settings, "youth_worker", location_ids=(a,))
    referrer = make_user(settings, "referrer")
    return Cast(
        settings,
        a,
        b,
        coordinator_a,
        coordinator_b,
        youth_worker_a,
        referrer,
        make_token(settings, coordinator_a),
        make_token(settings, referrer),
    )


def born(years: int, days: int = 30) -> str:
    now = today()
    return (date(now.year - years, now.month, min(now.day, 28)) - timedelta(days=days)).isoformat()


def referral_in_review(
    client: Any,
    cast: Cast,
    given: str,
    family: str = "Bakker",
    *,
    age: int = 8,
    location: UUID | None = None,
    postcode: str = "1325 AB",
    phone: str = "06-12345678",
    email: str | None = None,
) -> str:
    """A referral by the referrer for a child of ``age`` at location A (or ``location``), taken into review."""
    body = {
        "child": {
            "given_name": given,
            "family_name": family,
            "date_of_birth": born(age),
            "postcode": postcode,
            "neighbourhood": "Stedenwijk",
            "school": "De Regenboog",
        },
        "guardian": {"name": f"M. {family}", "phone": phone, **({"email": email} if email else {})},
        "source": "school",
        "reason": "Wordt snel boos op het schoolplein en heeft weinig vriendjes.",
        "guardian_informed": True,
        "preferred_location_ids": [str(location or cast.a)],
        "requested_weekdays": ["mon", "tue", "thu"],
    }
    response = client.post("/api/v1/referrals", json=body, headers=api(client, cast.token_referrer))
    assert response.status_code == 201, response.text
    rid = response.json()["id"]
    submitted_long_ago(cast.settings, rid)
    token = cast.token_a if location in (None, cast.a) else make_token(cast.settings, cast.coordinator_b)
    moved = client.post(f"/api/v1/referrals/{rid}/transitions", json={"to": "in_review"}, headers=api(client, token))
    assert moved.status_code == 200, moved.text
    return rid


def intake_by_api(client: Any, cast: Cast, rid: str, **overrides: Any) -> None:
    """Puts the referral on A's waitlist through the API, waiting since ``days_ago`` days (default 10)."""
    days_ago = overrides.pop("days_ago", 10)
    body: dict[str, Any] = {
        "held_on": (today() - timedelta(days=days_ago)).isoformat(),
        "goals": [{"code": "friends", "description": "Een vriendje maken in de groep"}],
        "urgency": "normal",
        "requested_weekdays": ["mon", "tue", "thu"],
        "preferred_location_ids": [str(cast.a)],
        "collection_persons": ["M. Bakker (moeder)"],
        "consent_data_processing": True,
        **overrides,
    }
    response = client.post(f"/api/v1/referrals/{rid}/intake", json=body, headers=api(client, cast.token_a))
    assert response.status_code in (200, 201), response.text


def waiting_child(client: Any, cast: Cast, given: str, **overrides: Any) -> str:
    family = overrides.pop("family", "Bakker")
    rid = referral_in_review(client, cast, given, family, age=overrides.pop("age", 8))
    intake_by_api(client, cast, rid, **overrides)
    return rid


def status_of(client: Any, cast: Cast, rid: str) -> str:
    return client.get(f"/api/v1/referrals/{rid}", headers=api(client, cast.token_a)).json()["status"]


def as_coordinator_a(client: Any, cast: Cast) -> Any:
    return login_as(cast.settings, client, cast.coordinator_a)


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first date with this weekday (0 = Monday) after ``after`` (default today)."""
    start = (after or today()) + timedelta(days=1)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def cell(html: str, day: date) -> str:
    """The text of the capacity table's cell for ``day`` (found by its Dutch label)."""
    from huiskamer.site.templating import dutch_date

    label = dutch_date(day, "EEEE d MMMM")
    match = re.search(rf'data-label="{re.escape(label)}">(.*?)</td>', html, re.S)
    assert match, f"geen cel voor {label}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class QueryCounter:
    """Counts the SQL statements every engine in this process runs while it is active."""

    def __init__(self) -> None:
        self.count = 0

    def _count(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(Engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(Engine, "before_cursor_execute", self._count)
