"""One shared hook records every insert, update and delete of an audited table, in the same transaction.

A model opts in with ``__audited__ = True``; fields in ``__audit_masked__`` are recorded as changed without
their values (password hashes, token hashes). The actor comes from a context variable that the
authentication middleware (or the command line) sets, so no service can forget it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql.expression import Executable

from huiskamer.audit.models import AuditEvent

MASK = "•••"


@dataclass(frozen=True)
class AuditActor:
    id: UUID | None
    label: str


SYSTEM = AuditActor(id=None, label="systeem")
_current_actor: ContextVar[AuditActor] = ContextVar("audit_actor", default=SYSTEM)


def current_actor() -> AuditActor:
    return _current_actor.get()


@contextlib.contextmanager
def acting_as(actor: AuditActor) -> Iterator[None]:
    token = _current_actor.set(actor)
    try:
        yield
    finally:
        _current_actor.reset(token)


def set_actor(actor: AuditActor) -> None:
    """For middleware: the actor for the rest of this request's task."""
    _current_actor.set(actor)


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a column value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _is_audited(obj: Any) -> bool:
    return bool(getattr(type(obj), "__audited__", False))


def _column_changes(obj: Any, *, inserted: bool = False, deleted: bool = False) -> dict[str, list[Any]]:
    masked: frozenset[str] = getattr(type(obj), "__audit_masked__", frozenset())
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in {"created_at", "updated_at"}:
            continue
        if inserted or deleted:
            value = getattr(obj, key, None) if inserted else state.committed_state.get(key, getattr(obj, key, None))
            if value is None:
                continue
            shown = MASK if key in masked else _plain(value)
            changes[key] = [None, shown] if inserted else [shown, None]
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        changes[key] = [MASK, MASK] if key in masked else [_plain(old), _plain(new)]
    return changes


def _record_id(obj: Any) -> str:
    identity = inspect(obj).identity
    if identity:
        return str(identity[0])
    return str(getattr(obj, "id", ""))


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    actor = current_actor()
    now = datetime.now(UTC)
    events: list[AuditEvent] = []
    for action, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not _is_audited(obj):
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _column_changes(obj, inserted=action == "insert", deleted=action == "delete")
            if action == "update" and not changes:
                continue
            if action == "insert" and getattr(obj, "id", None) is None:
                # The id default runs at flush; give it now so the event can name the record.
                obj.id = uuid4()
            events.append(
                AuditEvent(
                    at=now,
                    actor_id=actor.id,
                    actor_label=actor.label,
                    action=action,
                    table_name=type(obj).__tablename__,
                    record_id=_record_id(obj),
                    changes=changes,
                )
            )
    session.add_all(events)


PENDING_VIEWS = "huiskamer_pending_views"


def record_view(session: Session, *, table_name: str, record_id: str, what: str = "") -> None:
    """Log that the current actor opened a dossier (reads are audited too).

    The event waits in the session until it commits (or, when the request's own transaction rolls back, until
    ``write_pending_views`` at the end of the request): written right away it would start a write transaction,
    and on SQLite hold the database's write lock through the rest of the request, rendering included.
    """
    actor = current_actor()
    session.info.setdefault(PENDING_VIEWS, []).append(
        AuditEvent(
            at=datetime.now(UTC),
            actor_id=actor.id,
            actor_label=actor.label,
            action="view",
            table_name=table_name,
            record_id=record_id,
            changes={"bekeken": what} if what else {},
        )
    )


PENDING_USES = "huiskamer_pending_uses"


def note_use(session: Session, statement: Executable) -> None:
    """A use to note (when a session or an API token was last used): no change anyone audits, and never a write
    transaction of its own in the middle of a request. It joins the request's own commit, or, when that rolls back,
    the short transaction at the end of the request (``write_pending_views``). On SQLite a burst of requests each
    writing it at once held every pooled connection while they waited for the write lock."""
    session.info.setdefault(PENDING_USES, []).append(statement)


def _views_join_the_commit(session: Session) -> None:
    session.add_all(session.info.get(PENDING_VIEWS, ()))
    for statement in session.info.pop(PENDING_USES, ()):
        session.execute(statement)


def _views_written(session: Session) -> None:
    session.info.pop(PENDING_VIEWS, None)


async def write_pending_views(session: AsyncSession) -> None:
    """Writes the views the request's own transaction did not commit (it rolled back, or failed), in a short
    transaction of their own: what was shown stays recorded."""
    if session.sync_session.info.get(PENDING_VIEWS) or session.sync_session.info.get(PENDING_USES):
        await session.commit()


def install_audit_hook() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "before_commit", _views_join_the_commit):
        event.listen(Session, "before_commit", _views_join_the_commit)
        event.listen(Session, "after_commit", _views_written)
