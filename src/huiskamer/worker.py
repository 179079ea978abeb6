"""The background worker: delivers the e-mail outbox and tidies up, on a schedule.

It runs inside every `huiskamer serve` process and as `huiskamer worker`. All state is in the database and
every job claims its rows there, so several copies can run at once without doing work twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from huiskamer.auth.models import UserSession
from huiskamer.config import Settings
from huiskamer.mail.service import deliver_due

logger = logging.getLogger("huiskamer.worker")

Job = Callable[[async_sessionmaker[AsyncSession], Settings], Awaitable[object]]


async def send_mail(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    return await deliver_due(sessions, settings.smtp)


async def forget_expired_sessions(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
    """Sessions past their end, and the forms kept for after a log-in that nobody came back for within the hour."""
    from huiskamer.auth.kept_forms import forget_old

    async with sessions() as db:
        await db.execute(delete(UserSession).where(UserSession.expires_at < datetime.now(UTC)))
        await db.commit()
        await forget_old(db)


async def expire_offers(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    from huiskamer.placements.service import expire_offers as expire
    from huiskamer.site.templating import today

    async with sessions() as db:
        return await expire(db, settings, today())


async def close_ended_placements(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    from huiskamer.placements.service import close_ended_placements as close
    from huiskamer.site.templating import today

    async with sessions() as db:
        return await close(db, settings, today())


PRUNE_EVERY = 3600.0  # seconds: kept reports age in days, no need to look every round
_pruned_at: dict[str, float] = {}


async def prune_report_cache(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> tuple[int, int]:
    """Forgets kept reports nobody looked at for weeks, and the changes that can no longer make one stale."""
    from huiskamer.reports.cache import prune

    if time.monotonic() - _pruned_at.get("reports", -PRUNE_EVERY) < PRUNE_EVERY:
        return 0, 0
    async with sessions() as db:
        pruned = await prune(db)
    _pruned_at["reports"] = time.monotonic()
    return pruned


async def check_audit_chains(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
    """Once a day: the chains of the audit trail and the access log intact? The outcome is in the security log."""
    from huiskamer.audit.chain import daily_check

    if time.monotonic() - _pruned_at.get("chains", -PRUNE_EVERY) < PRUNE_EVERY:
        return
    async with sessions() as db:
        await daily_check(db)
    _pruned_at["chains"] = time.monotonic()


async def apply_retention(sessions: async_sessionmaker[AsyncSession], _settings: Settings) -> None:
    """Anonymises what passed its retention term, removes log entries past theirs (``retention.service``)."""
    from huiskamer.retention.service import run
    from huiskamer.site.templating import today

    if time.monotonic() - _pruned_at.get("retention", -PRUNE_EVERY) < PRUNE_EVERY:
        return
    async with sessions() as db:
        result = await run(db, today())
    if result.anonymised or result.access_log_removed or result.security_log_removed:
        logger.info("Bewaartermijnen: %s", result)
    _pruned_at["retention"] = time.monotonic()


JOBS: list[Job] = [
    send_mail,
    expire_offers,
    close_ended_placements,
    forget_expired_sessions,
    prune_report_cache,
    check_audit_chains,
    apply_retention,
]


async def run_once(engine: AsyncEngine, settings: Settings) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    for job in JOBS:
        try:
            await job(sessions, settings)
        except Exception:  # one failing job must not stop the others or the loop
            logger.exception("Taak %s mislukte", job.__name__)


async def run_forever(engine: AsyncEngine, settings: Settings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await run_once(engine, settings)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.worker_interval_seconds)


@contextlib.asynccontextmanager
async def running_in_background(engine: AsyncEngine, settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_forever(engine, settings, stop))
    try:
        yield
    finally:
        stop.set()
        await task
