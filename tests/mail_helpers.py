"""E-mail in the tests: an SMTP server on loopback (aiosmtpd) that keeps what it receives, the worker's delivery run
as a separate process would run it, and the outbox as the database holds it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from huiskamer.config import Settings, SmtpSettings
from huiskamer.db import install_sqlite_pragmas
from huiskamer.mail.models import OutboxEmail
from huiskamer.mail.service import deliver_due
from tests.factories import in_session


class Inbox:
    """An aiosmtpd handler that keeps every message it receives (optionally slowly, like a busy relay)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.raw.append(envelope.content)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def body_of(mail: EmailMessage) -> str:
    return mail.get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(port: int, inbox: Inbox) -> Iterator[Inbox]:
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def smtp_settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", timeout_seconds=5)


@contextlib.asynccontextmanager
async def sessions_for(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on an engine of its own, as a separate worker process would have."""
    engine = create_async_engine(settings.database_url, poolclass=NullPool)
    install_sqlite_pragmas(engine.sync_engine)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


def deliver(settings: Settings, smtp: SmtpSettings | None) -> int:
    async def go() -> int:
        async with sessions_for(settings) as sessions:
            return await deliver_due(sessions, smtp)

    return asyncio.run(go())


def outbox(settings: Settings) -> list[OutboxEmail]:
    async def work(session: AsyncSession) -> list[OutboxEmail]:
        return list((await session.scalars(select(OutboxEmail).order_by(OutboxEmail.created_at))).all())

    return in_session(settings, work)
