"""Small helpers for the referral tests: a valid referral body, submitting through the API, counting rows, and
putting a referral in a status that a later feature (intake, placement) would bring it to."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.models import AuditEvent
from huiskamer.config import Settings
from huiskamer.mail.models import OutboxEmail
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation, ReferralMessage
from huiskamer.site.templating import today
from tests.factories import api, in_session, make_token, make_user


def years_ago(years: int, *, days: int = 0) -> date:
    now = today()
    try:
        born = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        born = date(now.year - years, 2, 28)
    return born - timedelta(days=days)


DROP = object()  # an override that leaves the field out


def referral_body(location_ids: list[Any] | tuple[Any, ...] = (), **overrides: Any) -> dict[str, Any]:
    """The example of api-v1.md, for a child of eight; ``child__given_name="X"`` changes a nested field."""
    body: dict[str, Any] = {
        "child": {
            "given_name": "Noor",
            "family_name": "Bakker",
            "date_of_birth": years_ago(8, days=40).isoformat(),
            "postcode": "1325 AB",
            "neighbourhood": "Stedenwijk",
            "school": "De Regenboog",
        },
        "guardian": {"name": "M. Bakker", "phone": "06-12345678", "email": "m.bakker@example.nl"},
        "source": "school",
        "reason": "Wordt snel boos op het schoolplein, heeft weinig vriendjes.",
        "guardian_informed": True,
        "preferred_location_ids": [str(i) for i in location_ids],
        "requested_weekdays": ["mon", "tue", "thu"],
    }
    body = copy.deepcopy(body)
    for key, value in overrides.items():
        parts = key.split("__")
        target = body
        for part in parts[:-1]:
            target = target[part]
        if value is DROP:
            target.pop(parts[-1], None)
        else:
            target[parts[-1]] = value
    return body


def submit(client: Any, token: str, location_ids: list[Any] | tuple[Any, ...] = (), **overrides: Any) -> str:
    response = client.post(
        "/api/v1/referrals", json=referral_body(location_ids, **overrides), headers=api(client, token)
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def errors_of(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


TABLES = (Child, Referral, ReferralLocation, ReferralEvent, ReferralMessage, OutboxEmail)


def row_counts(settings: Settings) -> dict[str, int]:
    """How many rows each referral table (and the outbox) holds: nothing may be stored half."""

    async def work(session: AsyncSession) -> dict[str, int]:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model)) or 0 for model in TABLES
        }

    return in_session(settings, work)


def audit_count(settings: Settings) -> int:
    async def work(session: AsyncSession) -> int:
        return await session.scalar(select(func.count()).select_from(AuditEvent)) or 0

    return in_session(settings, work)


# The way a later feature takes a referral on, step by step; each step is a move of rules.MOVES.
PATH_TO = {
    "in_review": ["in_review"],
    "intake_planned": ["in_review", "intake_planned"],
    "intake_done": ["in_review", "intake_done"],
    "waitlisted": ["in_review", "intake_done", "waitlisted"],
    "offered": ["in_review", "intake_done", "waitlisted", "offered"],
    "placed": ["in_review", "intake_done", "waitlisted", "placed"],
}


def put_in_status(settings: Settings, referral_id: str, status: str) -> None:
    """Moves the referral directly in the database, with a valid history (intake and placement come later)."""

    async def work(session: AsyncSession) -> None:
        rid = UUID(referral_id)
        current, at = (
            await session.execute(select(Referral.status, Referral.submitted_at).where(Referral.id == rid))
        ).one()
        for step in PATH_TO[status]:
            at += timedelta(microseconds=100)  # between the submission and whatever the test does next
            session.add(ReferralEvent(referral_id=rid, at=at, actor_label="test", from_status=current, to_status=step))
            current = step
        await session.execute(update(Referral).where(Referral.id == rid).values(status=status, status_changed_at=at))

    in_session(settings, work)


def status_in_db(settings: Settings, referral_id: str) -> str:
    async def work(session: AsyncSession) -> str:
        return await session.scalar(select(Referral.status).where(Referral.id == UUID(referral_id)))

    return in_session(settings, work)


def token_for(settings: Settings, role: str, **user: Any) -> str:
    """An API token for a new user; API users need no password (and hashing one is slow)."""
    return make_token(settings, make_user(settings, role, password=None, **user))
