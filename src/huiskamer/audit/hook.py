"""One shared hook records every insert, update and delete of an audited table, in the same transaction.

A model opts in with ``__audited__ = True``; fields in ``__audit_masked__`` are recorded as changed without
their values (password hashes, token hashes). The actor comes from a context variable that the
authentication middleware (or the command line) sets, so no service can forget it.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import event, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.expression import Executable

from huiskamer.audit import access, chain
from huiskamer.audit.access import child_reference
from huiskamer.audit.models import AuditEvent

MASK = "•••"


@dataclass(frozen=True)
class AuditActor:
    id: UUID | None
    label: str
    role: str = ""


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


# Bookkeeping that changes on every log-in or use: no change anyone audits (log-ins are in the security log).
_NOT_AUDITED = frozenset({"created_at", "updated_at", "last_login_at", "last_used_at", "totp_last_step", "sign_count"})


# While anonymising (``retention``), what changed is recorded without the values: the old ones are what must go.
MASK_ALL: ContextVar[bool] = ContextVar("audit_mask_all", default=False)
ANONYMISED = "(geanonimiseerd)"


def _column_changes(obj: Any, *, inserted: bool = False, deleted: bool = False) -> dict[str, list[Any]]:
    changes = _raw_changes(obj, inserted=inserted, deleted=deleted)
    return _masked_all(changes) if MASK_ALL.get() else changes


def _masked_all(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        key: [None if old is None else ANONYMISED, None if new is None else ANONYMISED]
        for key, (old, new) in changes.items()
    }


def _raw_changes(obj: Any, *, inserted: bool = False, deleted: bool = False) -> dict[str, list[Any]]:
    masked: frozenset[str] = getattr(type(obj), "__audit_masked__", frozenset())
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _NOT_AUDITED:
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
    _recording(session, on=True)
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
            event = AuditEvent(
                at=now,
                actor_id=actor.id,
                actor_label=actor.label,
                action=action,
                table_name=type(obj).__tablename__,
                record_id=_record_id(obj),
                changes=changes,
            )
            events.append(event)
            reference = child_reference(obj)
            if reference:
                access.note_child_change(session, event, reference, actor)
    # Added at commit, when they get their place in the chain (``audit.chain``).
    session.info.setdefault(PENDING_AUDIT, []).extend(events)


PENDING_AUDIT = "huiskamer_pending_audit"
PENDING_USES = "huiskamer_pending_uses"


def note_use(session: Session, statement: Executable) -> None:
    """A use to note (when a session or an API token was last used): no change anyone audits, and never a write
    transaction of its own in the middle of a request. It joins the request's own commit, or, when that rolls back,
    the short transaction at the end of the request (``write_pending_views``). On SQLite a burst of requests each
    writing it at once held every pooled connection while they waited for the write lock."""
    session.info.setdefault(PENDING_USES, []).append(statement)


def commit_writes(session: Session) -> bool:
    """Whether a commit of the session now writes: changes not flushed yet, or what joins every commit (the uses,
    the audit events, the reads of children's data)."""
    info = session.info
    pending = info.get(PENDING_USES) or info.get(PENDING_AUDIT) or access.has_pending(session)
    return bool(pending or session.new or session.dirty or session.deleted)


def _before_commit(session: Session) -> None:
    """Everything the transaction has to record joins its commit: the uses, the audit events of the last changes,
    and the reads of children's data, each in its chain (``audit.chain``)."""
    for statement in session.info.pop(PENDING_USES, ()):
        session.execute(statement)
    if session.new or session.dirty or session.deleted:  # the last changes make their audit events now
        session.flush()
    events: list[AuditEvent] = session.info.pop(PENDING_AUDIT, [])
    entries = access.take_pending(session, events)
    chain.append(session, events, entries)


def _after_rollback(session: Session) -> None:
    # Changes rolled back were never made; the reads noted stay (what was shown stays recorded).
    session.info.pop(PENDING_AUDIT, None)
    access.forget_changes(session)


async def write_pending_views(session: AsyncSession) -> None:
    """Writes the reads the request's own transaction did not commit (it rolled back, or failed), in a short
    transaction of their own: what was shown stays recorded."""
    from huiskamer.db import commit_in_turn

    if commit_writes(session.sync_session):
        await commit_in_turn(session, writes=True)


# --- writes in bulk -------------------------------------------------------------------------------------------


def _audited_table(statement: Any) -> Any:
    from huiskamer.db import metadata

    name = getattr(getattr(statement, "table", None), "name", None)
    # The plain table: the statement's may carry the ORM entity, and a select of it would load objects.
    return metadata.tables[name] if name in audited_table_names() else None


@functools.cache
def audited_table_names() -> frozenset[str]:
    """Asked at every write statement (the bulk writes, the development guard): worked out once, and again when
    a model is mapped later (``_forget_audited_tables``)."""
    from huiskamer.db import orm_registry

    return frozenset(
        mapper.class_.__tablename__ for mapper in orm_registry.mappers if getattr(mapper.class_, "__audited__", False)
    )


@event.listens_for(Mapper, "instrument_class")
def _forget_audited_tables(_mapper: Mapper[Any], _class: type) -> None:
    audited_table_names.cache_clear()


def _bulk_write(execute_state: ORMExecuteState) -> Any:
    """An UPDATE or DELETE of many rows of an audited table (``update(Model).where(...)``) is recorded like a change
    through the ORM: each row it touches, with the values before and after. So no write path can skip the trail."""
    if not (execute_state.is_update or execute_state.is_delete):
        return None
    statement = execute_state.statement
    table = _audited_table(statement)
    if table is None:
        return None
    session = execute_state.session
    where = statement.whereclause
    query = select(table) if where is None else select(table).where(where)
    before = [dict(row._mapping) for row in session.execute(query)]
    _recording(session, on=True)
    try:
        result = execute_state.invoke_statement()
    finally:
        _recording(session, on=False)
    ids = [row["id"] for row in before]
    after: dict[Any, dict[str, Any]] = {}
    if execute_state.is_update:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in session.execute(select(table).where(table.c.id.in_(chunk))):
                after[row.id] = dict(row._mapping)
    _record_bulk(session, table, before, after, deleted=execute_state.is_delete)
    return result


def _record_bulk(
    session: Session, table: Any, before: list[dict[str, Any]], after: dict[Any, dict[str, Any]], *, deleted: bool
) -> None:
    actor = current_actor()
    now = datetime.now(UTC)
    model = next(m.class_ for m in _mappers() if m.local_table is table)
    masked: frozenset[str] = getattr(model, "__audit_masked__", frozenset())
    events = []
    for old in before:
        changes: dict[str, list[Any]] = {}
        new = after.get(old["id"], {})
        for key, value in old.items():
            if key in _NOT_AUDITED:
                continue
            if deleted:
                if value is not None:
                    changes[key] = [MASK if key in masked else _plain(value), None]
            elif key in new and new[key] != value:
                changes[key] = [MASK, MASK] if key in masked else [_plain(value), _plain(new[key])]
        if not changes:
            continue
        if MASK_ALL.get():
            changes = _masked_all(changes)
        event = AuditEvent(
            at=now,
            actor_id=actor.id,
            actor_label=actor.label,
            action="delete" if deleted else "update",
            table_name=table.name,
            record_id=str(old["id"]),
            changes=changes,
        )
        events.append(event)
        reference = access.reference_from_values(table.name, old)
        if reference:
            access.note_child_change(session, event, reference, actor)
    session.info.setdefault(PENDING_AUDIT, []).extend(events)


def _mappers() -> Any:
    from huiskamer.db import orm_registry

    return orm_registry.mappers


# --- the guard: no write of an audited table outside the record -------------------------------------------------

RECORDING = "huiskamer_recording"
CHANGES_NOTHING = "huiskamer_changes_nothing"


def _recording(session: Session, *, on: bool) -> None:
    """Marks the session's connection while the hook records what it writes (a flush, a bulk statement)."""
    session.connection().info[RECORDING] = on


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    _recording(session, on=False)


_WRITE = re.compile(r"^\s*(?:UPDATE|DELETE\s+FROM|INSERT\s+INTO)\s+\"?(\w+)", re.IGNORECASE)


def _guard(connection: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
    match = _WRITE.match(statement)
    if not match or connection.info.get(RECORDING):
        return
    # A lock taken by writing a row without changing it (SQLite has no SELECT ... FOR UPDATE) says so.
    if context is not None and context.execution_options.get(CHANGES_NOTHING):
        return
    if match.group(1) in audited_table_names():
        raise UnrecordedWrite(
            f"{match.group(1)} is written without passing the audit trail (plain SQL?): {statement[:120]}"
        )


class UnrecordedWrite(RuntimeError):
    """A write of a table with personal data that the audit trail did not see."""


def install_write_guard(sync_engine: Any) -> None:
    """In development and the tests: a write of an audited table that skipped the hook fails loudly, so that no
    new write path can leave the trail (production relies on the hook alone)."""
    if not event.contains(sync_engine, "before_cursor_execute", _guard):
        event.listen(sync_engine, "before_cursor_execute", _guard)


def install_audit_hook() -> None:
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        event.listen(Session, "do_orm_execute", _bulk_write)
