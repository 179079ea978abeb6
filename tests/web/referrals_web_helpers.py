"""Helpers for the referral page tests: the cast of architecture.md, the referral form as a browser fills it in,
and a look into the database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.config import Settings
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralMessage
from huiskamer.site.templating import today
from tests.factories import csrf_token, in_session, login_as, make_location, make_user


def years_ago(years: int, *, days: int = 40) -> date:
    now = today()
    try:
        born = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        born = date(now.year - years, 2, 28)
    return born - timedelta(days=days)


@dataclass
class Cast:
    """Two locations, a coordinator of each, a youth worker of A, a beheerder, and two referrers."""

    settings: Settings
    location_a: UUID
    location_b: UUID
    coordinator_a: UUID
    coordinator_b: UUID
    youth_worker_a: UUID
    admin: UUID
    referrer_a: UUID
    referrer_b: UUID


def make_cast(settings: Settings) -> Cast:
    location_a = make_location(settings, "Huiskamer De Vaart", neighbourhoods=("Stedenwijk",))
    location_b = make_location(settings, "Huiskamer Kruidenhof", neighbourhoods=("Kruidenwijk",))
    return Cast(
        settings=settings,
        location_a=location_a,
        location_b=location_b,
        coordinator_a=make_user(settings, "coordinator", name="Fatima el Amrani", location_ids=(location_a,)),
        coordinator_b=make_user(settings, "coordinator", name="Jeroen Visser", location_ids=(location_b,)),
        youth_worker_a=make_user(settings, "youth_worker", location_ids=(location_a,)),
        admin=make_user(settings, "admin"),
        referrer_a=make_user(settings, "referrer", name="Marieke Smit", organisation=("De Regenboog", "school")),
        referrer_b=make_user(settings, "referrer", name="Ahmed Yilmaz", organisation=("GGD Flevoland", "ggd")),
    )


def browser(make_client: Any, settings: Settings, user_id: UUID) -> Any:
    """A logged-in browser of its own for this person."""
    return login_as(settings, make_client(), user_id)


def form_fields(location_ids: tuple[UUID, ...] | list[UUID] = (), **overrides: Any) -> dict[str, Any]:
    """The referral form as a referrer fills it in; an override of None leaves the field out (an unticked box)."""
    fields: dict[str, Any] = {
        "child.given_name": "Noor",
        "child.family_name": "Bakker",
        "child.date_of_birth": years_ago(8).isoformat(),
        "child.postcode": "1325 ab",
        "child.neighbourhood": "Stedenwijk",
        "child.school": "Basisschool De Regenboog",
        "guardian.name": "Mirjam Bakker",
        "guardian.phone": "06-12345678",
        "guardian.email": "m.bakker@example.nl",
        "source": "school",
        "reason": "Wordt snel boos op het schoolplein en heeft weinig vriendjes.",
        "preferred_location_ids": [str(i) for i in location_ids],
        "requested_weekdays": ["mon", "thu"],
        "intended_start": "",
        "guardian_informed": "on",
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def post(client: Any, path: str, data: dict[str, Any], **headers: str) -> Any:
    """Posts a form with the browser's CSRF token, taken from a page without side effects."""
    token = csrf_token(client, "/account")
    return client.post(path, data={"_csrf_token": token, **data}, headers=headers, follow_redirects=False)


_SENT = re.compile(r"^/aanmeldingen/([0-9a-f-]{36})/verstuurd$")


def submit_form(client: Any, location_ids: tuple[UUID, ...] | list[UUID] = (), **overrides: Any) -> str:
    """Submits the referral form and returns the new referral's id (from the redirect to the confirmation)."""
    response = post(client, "/aanmeldingen/nieuw", form_fields(location_ids, **overrides))
    assert response.status_code == 303, response.text[:2000]
    match = _SENT.match(response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def move(client: Any, referral_id: str, to: str, **fields: str) -> Any:
    """The coordinator's action form: fields are named after the status they move to."""
    named = {f"{to}.{name}": value for name, value in fields.items()}
    return post(client, f"/aanmeldingen/{referral_id}/status", {"to": to, **named})


def referral_in_db(settings: Settings, referral_id: str) -> Referral | None:
    async def work(session: AsyncSession) -> Referral | None:
        return await session.scalar(select(Referral).where(Referral.id == UUID(referral_id)))

    return in_session(settings, work)


def count(settings: Settings, model: type, *where: Any) -> int:
    async def work(session: AsyncSession) -> int:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return in_session(settings, work)


def count_referrals(settings: Settings) -> int:
    return count(settings, Referral)


def count_messages(settings: Settings, referral_id: str) -> int:
    return count(settings, ReferralMessage, ReferralMessage.referral_id == UUID(referral_id))


def count_children(settings: Settings) -> int:
    return count(settings, Child)


def put_in_status(settings: Settings, referral_id: str, status: str) -> None:
    """Puts a referral straight into a status that a later feature (intake, placement) brings it to."""

    async def work(session: AsyncSession) -> None:
        rid = UUID(referral_id)
        current = await session.scalar(select(Referral.status).where(Referral.id == rid))
        at = datetime.now(UTC) + timedelta(seconds=1)
        session.add(ReferralEvent(referral_id=rid, at=at, actor_label="test", from_status=current, to_status=status))
        await session.execute(update(Referral).where(Referral.id == rid).values(status=status, status_changed_at=at))

    in_session(settings, work)


def backdate(settings: Settings, referral_id: str, days: int) -> None:
    """Makes a referral look as if it was submitted ``days`` ago."""

    async def work(session: AsyncSession) -> None:
        at = datetime.now(UTC) - timedelta(days=days)
        await session.execute(
            update(Referral).where(Referral.id == UUID(referral_id)).values(submitted_at=at, status_changed_at=at)
        )

    in_session(settings, work)
