"""Small factory helpers for test data: each says what it makes; nothing hidden in fixtures.

They write through the same services as the app, with an engine of their own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import itertools
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from huiskamer.audit.hook import AuditActor, acting_as, install_audit_hook
from huiskamer.auth import service as auth_service
from huiskamer.auth.models import User
from huiskamer.auth.secrets import hash_password_off_loop
from huiskamer.auth.users import create_user, parse_user_input
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity

PASSWORD = "een-goed-wachtwoord"
T = TypeVar("T")
_counter = itertools.count(1)


def in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    install_audit_hook()

    async def go() -> T:
        engine = create_async_engine(settings.database_url, poolclass=NullPool)
        install_sqlite_pragmas(engine.sync_engine)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                with acting_as(AuditActor(id=None, label="testfactory")):
                    result = await work(session)
                    await session.commit()
                return result
        finally:
            await engine.dispose()

    return run_coroutine(go())


def run_coroutine(coro: Awaitable[T]) -> T:
    """``asyncio.run``, also from a browser test where Playwright keeps a loop running in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


def make_location(
    settings: Settings,
    name: str | None = None,
    *,
    seats: Mapping[str, int] | None = None,
    neighbourhoods: tuple[str, ...] = ("Stedenwijk",),
    min_age: int = 4,
    max_age: int = 12,
    closure_days: tuple[Any, ...] = (),
) -> UUID:
    seats = dict(seats or {"mon": 20, "tue": 20, "wed": 10, "thu": 20, "fri": 20})

    async def work(session: AsyncSession) -> UUID:
        location = Location(
            name=name or f"Huiskamer {next(_counter)}",
            address="Teststraat 1, 1325 AB Almere",
            neighbourhoods=list(neighbourhoods),
            min_age=min_age,
            max_age=max_age,
        )
        location.capacities = [LocationCapacity(weekday=day, seats=n) for day, n in seats.items()]
        location.closure_days = [ClosureDay(day=day, description="Gesloten") for day in closure_days]
        session.add(location)
        await session.flush()
        return location.id

    return in_session(settings, work)


# argon2 costs about 0.25 s of CPU per hash on purpose, and most tests make several users with the same password:
# they share one hash per password and process (made by the app's own hashing, so logging in costs what it costs
# in production). That every hash has its own salt is tested in test_passwords.py, with the app's hashing itself.
_password_hashes: dict[str, str] = {}


async def _password_hash(password: str) -> str:
    if password not in _password_hashes:
        _password_hashes[password] = await hash_password_off_loop(password)
    return _password_hashes[password]


def make_user(
    settings: Settings,
    role: str,
    *,
    email: str | None = None,
    name: str | None = None,
    location_ids: tuple[UUID, ...] = (),
    organisation: tuple[str, str] | None = None,
    password: str | None = PASSWORD,
    active: bool = True,
) -> UUID:
    """A user (switched off when ``active`` is False); a referrer gets an organisation (a school) unless one is
    given."""
    number = next(_counter)
    raw: dict[str, Any] = {
        "email": email or f"{role}{number}@test.example",
        "name": name or f"Test {role} {number}",
        "role": role,
        "location_ids": [str(i) for i in location_ids],
    }
    if role == "referrer":
        org_name, org_type = organisation or (f"School {number}", "school")
        raw["organisation"] = {"name": org_name, "type": org_type}
    if not active:
        raw["active"] = False

    async def work(session: AsyncSession) -> UUID:
        user = await create_user(session, None, parse_user_input(raw, creating=True))
        if password is not None:
            # Set as the demo sets its accounts' passwords (the demo's own is one a person could no longer choose),
            # past the audit hook, so that a user made for a test has its creation in the audit trail and nothing
            # else: the password rules are tested where a person sets one (test_password_policy.py).
            hashed = await _password_hash(password)
            await session.execute(update(User).where(User.id == user.id).values(password_hash=hashed))
        return user.id

    return in_session(settings, work)


def email_of(settings: Settings, user_id: UUID) -> str:
    async def work(session: AsyncSession) -> str:
        user = await session.get(User, user_id)
        assert user is not None
        return user.email

    return in_session(settings, work)


def make_token(settings: Settings, user_id: UUID) -> str:
    async def work(session: AsyncSession) -> str:
        user = await session.scalar(select(User).where(User.id == user_id))
        assert user is not None
        return await auth_service.create_api_token(session, user)

    return in_session(settings, work)


def make_invitation(settings: Settings, user_id: UUID) -> str:
    async def work(session: AsyncSession) -> str:
        user = await session.get(User, user_id)
        assert user is not None
        return await auth_service.create_invitation(session, settings, user)

    return in_session(settings, work)


_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(client: Any, path: str = "/inloggen") -> str:
    """The CSRF token from a form page (the cookie is set on the same request)."""
    response = client.get(path)
    match = _CSRF.search(response.text)
    assert match, f"geen CSRF-token op {path} (status {response.status_code})"
    return match.group(1)


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client)
    return client.post(
        "/inloggen",
        data={"_csrf_token": token, "email": email, "password": password, "next": "/"},
        follow_redirects=False,
    )


def login_as(settings: Settings, client: Any, user_id: UUID) -> Any:
    response = login(client, email_of(settings, user_id))
    assert response.status_code == 303, response.text
    return client


def post_form(client: Any, path: str, data: Mapping[str, Any], *, form_page: str | None = None) -> Any:
    """Posts a form the way a browser does: with the CSRF token from the page that shows it."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={"_csrf_token": token, **data}, follow_redirects=False)


def api(client: Any, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Referrals that the tests put on a waitlist are submitted "long ago": their intakes are dated back (the waiting
# time counts from the intake), and an intake cannot be dated before its referral (issue 16.8).
SUBMITTED_LONG_AGO = timedelta(days=400)


def submitted_long_ago(settings: Settings, referral_id: UUID | str) -> None:
    from huiskamer.referrals.models import Referral

    async def work(session: AsyncSession) -> None:
        referral = await session.get(Referral, UUID(str(referral_id)))
        assert referral is not None
        referral.submitted_at -= SUBMITTED_LONG_AGO
        await session.commit()

    in_session(settings, work)


def error_next_to(page: str, field: str) -> str:
    """The message shown inside the field's own block (the form macros give it the id veld-<field>-fout)."""
    match = re.search(rf'id="veld-{re.escape(field.replace(".", "-"))}-fout">(.*?)</p>', page, re.S)
    assert match, f"geen foutmelding bij {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()
