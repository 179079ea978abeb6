"""Writing e-mail to the outbox (in the caller's transaction) and delivering it with retries and back-off."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huiskamer.config import SmtpSettings
from huiskamer.mail.models import OutboxEmail

logger = logging.getLogger("huiskamer.mail")

MAX_ATTEMPTS = 12
# How long a worker holds the one e-mail it is sending: longer than a send can take (a few SMTP commands, each
# with the settings' timeout), so that no other worker takes it over halfway.
CLAIM_SECONDS = 300
BATCH = 20
CANDIDATES = 5  # due e-mails looked at per claim; another worker may have claimed the first ones


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(db: AsyncSession, to_address: str, subject: str, body: str) -> None:
    """Adds an e-mail to the outbox; it is sent only if the caller's transaction commits."""
    now = _now()
    db.add(OutboxEmail(to_address=to_address, subject=subject, body=body, created_at=now, next_attempt_at=now))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour between tries."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


async def _claim(db: AsyncSession, now: datetime) -> OutboxEmail | None:
    """Claims the next due e-mail for this worker, or None. A claim another worker made first is skipped.

    One e-mail at a time, right before it is sent: a claim on a whole batch could run out while earlier mails
    of the batch are still being sent to a slow server, and another worker would then send the rest again.
    """
    due = (
        await db.scalars(
            select(OutboxEmail.id)
            .where(
                OutboxEmail.sent_at.is_(None),
                OutboxEmail.attempts < MAX_ATTEMPTS,
                OutboxEmail.next_attempt_at <= now,
                or_(OutboxEmail.locked_until.is_(None), OutboxEmail.locked_until < now),
            )
            .order_by(OutboxEmail.next_attempt_at)
            .limit(CANDIDATES)
        )
    ).all()
    for email_id in due:
        result = await db.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == email_id,
                OutboxEmail.sent_at.is_(None),
                or_(OutboxEmail.locked_until.is_(None), OutboxEmail.locked_until < now),
            )
            .values(locked_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        if result.rowcount == 1:
            await db.commit()
            return await db.get(OutboxEmail, email_id, populate_existing=True)
    await db.commit()
    return None


def _message(smtp: SmtpSettings, email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = f"<{email.id}@huiskamer>"
    message.set_content(email.body)
    return message


async def _send(smtp: SmtpSettings, email: OutboxEmail) -> None:
    await aiosmtplib.send(
        _message(smtp, email),
        hostname=smtp.host,
        port=smtp.port,
        username=smtp.username or None,
        password=smtp.password or None,
        use_tls=smtp.security == "tls",
        start_tls=smtp.security == "starttls",
        timeout=smtp.timeout_seconds,
    )


async def deliver_due(sessions: async_sessionmaker[AsyncSession], smtp: SmtpSettings | None) -> int:
    """Sends what is due (at most a batch); returns how many went out. Without SMTP settings nothing is sent
    and nothing is lost."""
    if smtp is None:
        return 0
    sent = 0
    async with sessions() as db:
        for _ in range(BATCH):
            email = await _claim(db, _now())
            if email is None:
                break
            try:
                await _send(smtp, email)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                email.attempts += 1
                email.next_attempt_at = _now() + backoff(email.attempts)
                email.last_error = f"{type(error).__name__}: {error}"[:1000]
                email.locked_until = None
                logger.warning("E-mail %s niet verstuurd (poging %s): %s", email.id, email.attempts, error)
            else:
                email.attempts += 1
                email.sent_at = _now()
                # The outbox is a queue, not an archive: once sent, the text is in the recipient's mailbox and the
                # row keeps only who, what subject and when. An invitation's one-time link, still valid for days,
                # thus stays in the database only until it went out.
                email.body = ""
                email.last_error = None
                email.locked_until = None
                sent += 1
            await db.commit()
    return sent
