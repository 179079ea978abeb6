"""What every benchmark needs to send requests as a user: an API token and a browser session, made through the
app's own services in the database being measured, and the pool of first and family names for made-up children
(the demo data's, ``huiskamer.demo.referrals``)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from huiskamer.audit.hook import AuditActor, acting_as
from huiskamer.auth import service as auth_service
from huiskamer.auth.models import User
from huiskamer.config import Settings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.demo.referrals import BOYS, FAMILY_NAMES, GIRLS

GIVEN_NAMES = GIRLS + BOYS

__all__ = ["FAMILY_NAMES", "GIVEN_NAMES", "credentials"]


async def credentials(url: str, settings: Settings, user_id: UUID) -> tuple[str, str]:
    """An API token and a browser session for the user."""
    engine = create_async_engine(url)
    install_sqlite_pragmas(engine.sync_engine)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            with acting_as(AuditActor(id=None, label="benchmark")):
                user = await db.get(User, user_id)
                assert user is not None
                token = await auth_service.create_api_token(db, user)
                session = await auth_service.start_session(db, settings, user)
                await db.commit()
        return token, session
    finally:
        await engine.dispose()
