"""A form sent after its session ended keeps what was typed (issue 16.5).

Someone types a long intake or a concern, the session ends meanwhile (the idle timeout), they press send: the
authentication middleware keeps the form's fields here for the user of that (ended) session and sends them to the
log-in page. After logging in again as that user they land back on the form's page, where ``app.js`` fetches the
fields once (``GET /formulier/{id}``) and puts them back. Only on the server, only for that user, for an hour.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.models import KeptForm, User, UserSession
from huiskamer.auth.secrets import token_hash

KEPT_FOR = timedelta(hours=1)
MAX_KEPT_BYTES = 200_000  # a form of ours holds a few kilobytes; anything far larger is not kept
NEVER_KEPT = ("_csrf_token",)


def _keepable(fields: dict[str, Any]) -> dict[str, str | list[str]]:
    """The fields worth giving back: text only (no files), never the CSRF token nor a password."""
    kept: dict[str, str | list[str]] = {}
    for name, value in fields.items():
        if name in NEVER_KEPT or "password" in name.lower():
            continue
        values = value if isinstance(value, list) else [value]
        texts = [v for v in values if isinstance(v, str)]
        if texts:
            kept[name] = texts if isinstance(value, list) else texts[0]
    return kept


async def keep(db: AsyncSession, raw_session: str, action: str, fields: dict[str, Any]) -> UUID | None:
    """Keeps the fields for the user of the ended session the cookie names; None when there is nobody to give them
    back to (no such session: logged out, or never logged in) or nothing worth keeping."""
    if not raw_session or len(raw_session) > 200:
        return None
    user_id = await db.scalar(
        select(UserSession.user_id)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash(raw_session), User.active.is_(True))
    )
    kept = _keepable(fields)
    if user_id is None or not kept or len(json.dumps(kept)) > MAX_KEPT_BYTES:
        return None
    form = KeptForm(user_id=user_id, action=action[:500], fields=kept, created_at=datetime.now(UTC))
    db.add(form)
    await db.commit()
    return form.id


async def take(db: AsyncSession, user_id: UUID, form_id: UUID) -> KeptForm | None:
    """The kept form, once, for the user it was kept for (anyone else: None, as if it never existed)."""
    form = await db.scalar(
        select(KeptForm).where(
            KeptForm.id == form_id, KeptForm.user_id == user_id, KeptForm.created_at > datetime.now(UTC) - KEPT_FOR
        )
    )
    if form is not None:
        await db.delete(form)
    return form


async def forget_old(db: AsyncSession) -> None:
    await db.execute(delete(KeptForm).where(KeptForm.created_at < datetime.now(UTC) - KEPT_FOR))
    await db.commit()
