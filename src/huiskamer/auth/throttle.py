"""Slowing down guessers: a log-in attempt is counted before its password is checked, in one atomic statement.

Two counters per attempt, each over a window of ``login_block_minutes`` from its first attempt:

- the account *and* the source address: ``login_max_failures`` guesses, then that address waits. An attacker
  elsewhere slows themselves down, never the real user (ASVS 6.3.1: no lock-out an attacker can cause);
- the source address over all accounts: ``login_max_failures_per_address``, against one address trying a password
  on many accounts (a school's shared address stays well below it).

Counting first and checking the count the statement returned is what makes it hold under parallel requests: forty
attempts at once get forty different counts, and only those within the limit reach argon2. A successful log-in
clears its account's counter and takes its own attempt off the address's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from uuid import uuid4

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.models import LoginThrottle
from huiskamer.config import Settings

_WINDOW_TYPE = LoginThrottle.__table__.c.window_started_at.type


def account_key(email: str, address: str | None) -> str:
    return f"account:{email.strip().lower()[:254]}|{(address or '?')[:64]}"


def address_key(address: str | None) -> str:
    return f"address:{(address or '?')[:64]}"


async def _count(db: AsyncSession, key: str, now: datetime, window: timedelta) -> int:
    """Adds one attempt to the key's window (a new window when the last one ended) and returns the count."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    at = literal(now, _WINDOW_TYPE)
    expired = LoginThrottle.window_started_at < literal(now - window, _WINDOW_TYPE)
    statement = (
        insert(LoginThrottle)
        .values(id=uuid4(), key=key, failures=1, window_started_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case((expired, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case((expired, at), else_=LoginThrottle.window_started_at),
            },
        )
        .returning(LoginThrottle.failures)
    )
    return (await db.execute(statement)).scalar_one()


class Verdict(Enum):
    ALLOWED = "allowed"
    SLOWED_NOW = "slowed_now"  # the first attempt over a limit in its window
    SLOWED = "slowed"


async def count_attempt(
    db: AsyncSession, settings: Settings, email: str, address: str | None, now: datetime
) -> Verdict:
    """Counts this attempt; whether it may go on to the password check. The caller commits at once, so that
    parallel attempts see the count (on PostgreSQL the row stays locked until then)."""
    window = timedelta(minutes=settings.login_block_minutes)
    over = [
        count - limit
        for count, limit in (
            (await _count(db, account_key(email, address), now, window), settings.login_max_failures),
            (await _count(db, address_key(address), now, window), settings.login_max_failures_per_address),
        )
        if count > limit
    ]
    if not over:
        return Verdict.ALLOWED
    return Verdict.SLOWED_NOW if 1 in over else Verdict.SLOWED


async def succeeded(db: AsyncSession, email: str, address: str | None) -> None:
    await db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(email, address)))
    await db.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == address_key(address), LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
    )


async def count_account(db: AsyncSession, settings: Settings, key: str, now: datetime) -> Verdict:
    """Counts an attempt on one counter of its own (an account from every address together)."""
    count = await _count(db, key, now, timedelta(minutes=settings.login_block_minutes))
    if count <= settings.login_max_failures:
        return Verdict.ALLOWED
    return Verdict.SLOWED_NOW if count == settings.login_max_failures + 1 else Verdict.SLOWED


async def forget(db: AsyncSession, key: str) -> None:
    await db.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
