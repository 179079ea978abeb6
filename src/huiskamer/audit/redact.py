"""Redacting the audit trail when a child's data are anonymised (retention) or erased on request.

The trail records old and new values; once a child's record is anonymised those values must go too. Each redacted
entry keeps its place and its chain hash, which vouches for the hash of what was there (``content_hash``); its
values become ``REDACTED`` and ``redacted_at`` is set. One new entry of the chain (action ``redact``) names every
entry redacted, so that ``audit verify`` tells a redaction from a tampered row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.hook import PENDING_AUDIT, current_actor
from huiskamer.audit.models import AuditEvent

REDACTED = "(geanonimiseerd)"


def _redacted(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        key: [None if old is None else REDACTED, None if new is None else REDACTED]
        for key, (old, new) in (
            (key, value if isinstance(value, list) and len(value) == 2 else [None, value])
            for key, value in changes.items()
        )
    }


async def redact_audit_values(
    db: AsyncSession, table_name: str, record_ids: Iterable[Any], *, reason: str = "bewaartermijn verstreken"
) -> int:
    """Replaces the recorded values of every event of these rows; returns how many events were redacted."""
    ids = [str(record_id) for record_id in record_ids]
    if not ids:
        return 0
    now = datetime.now(UTC)
    redacted: list[str] = []
    for start in range(0, len(ids), 500):
        rows = (
            await db.execute(
                select(AuditEvent.id, AuditEvent.changes).where(
                    AuditEvent.table_name == table_name,
                    AuditEvent.record_id.in_(ids[start : start + 500]),
                    AuditEvent.redacted_at.is_(None),
                    AuditEvent.action != "redact",
                )
            )
        ).all()
        for event_id, changes in rows:
            await db.execute(
                update(AuditEvent)
                .where(AuditEvent.id == event_id)
                .values(changes=_redacted(changes or {}), redacted_at=now)
            )
            redacted.append(str(event_id))
    if redacted:
        actor = current_actor()
        note = AuditEvent(
            at=now,
            actor_id=actor.id,
            actor_label=actor.label,
            action="redact",
            table_name=table_name,
            record_id=ids[0] if len(ids) == 1 else f"{len(ids)} records",
            changes={"entries": redacted, "reden": reason},
        )
        db.sync_session.info.setdefault(PENDING_AUDIT, []).append(note)
    return len(redacted)
