"""The hash chains of the audit trail and the access log: tamper evidence.

Each entry has a place (``seq``, consecutive from 1) and a hash over its content and the previous entry's hash.
Entries get both when their transaction commits: the writer first takes the lock of the chain's head row (a row
lock on PostgreSQL, the write lock on SQLite), so that several workers append one after the other, and the lock
is held only for the inserts and the commit. ``verify`` recomputes every hash: a row changed, deleted or
inserted with plain SQL breaks the chain at that place. A plain SHA-256 chain does not stop someone who recomputes
every later hash; the daily check writes the head's hash to the security log, so that such a rewrite shows against
what was logged before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from sqlalchemy import Connection, case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from huiskamer.audit.models import AccessLogEntry, AuditEvent, ChainHead

if TYPE_CHECKING:
    from huiskamer.audit.access import AccessRow

AUDIT_CHAIN = "audit"
ACCESS_CHAIN = "access"
GENESIS = "0" * 64

_AUDIT_FIELDS = ("seq", "at", "actor_id", "actor_label", "action", "table_name", "record_id", "child_id")
_ACCESS_FIELDS = ("seq", "at", "user_id", "user_label", "role", "child_id", "action", "what")


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def content_hash(changes: Any) -> str:
    """The hash of an audit event's recorded values (kept when retention later redacts them)."""
    canonical = json.dumps(changes or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _link(previous: str, fields: Sequence[Any]) -> str:
    payload = json.dumps([_text(value) for value in fields], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{previous}\n{payload}".encode()).hexdigest()


def audit_hash(previous: str, row: Any, content: str) -> str:
    return _link(previous, [*(getattr(row, name) for name in _AUDIT_FIELDS), content])


def access_hash(previous: str, row: Any) -> str:
    """``row``: an entry as stored (its attributes), or the values of one about to be inserted (a mapping)."""
    if isinstance(row, Mapping):
        return _link(previous, [row[name] for name in _ACCESS_FIELDS])
    return _link(previous, [getattr(row, name) for name in _ACCESS_FIELDS])


def access_tail(values: Mapping[str, Any]) -> str:
    """What ``access_hash`` hashes of an entry after its place (``seq``, the first field), worked out before the
    place is known: ``access_hash_at`` then adds the place, giving the same hash byte for byte."""
    fields = [_text(values[name]) for name in _ACCESS_FIELDS[1:]]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))[1:]


def access_hash_at(previous: str, seq: int, tail: str) -> str:
    return hashlib.sha256(f"{previous}\n[{seq},{tail}".encode()).hexdigest()


# --- appending --------------------------------------------------------------------------------------------------


def _take_heads(session: Session, chains: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Locks the heads of ``chains`` for the rest of the transaction and returns each one's place and hash: one
    statement for both chains (a tap appends to both, inside SQLite's writers' turn, where every statement counts).
    PostgreSQL locks the rows in the order of their names, so that two writers never wait for each other crosswise;
    on SQLite an update that changes nothing takes the write lock (and RETURNING reads the heads with it)."""
    heads = ChainHead.__table__
    wanted = heads.c.chain.in_(chains)
    columns = (heads.c.chain, heads.c.seq, heads.c.chain_hash)
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = select(*columns).where(wanted).order_by(heads.c.chain).with_for_update()
    else:
        statement = update(heads).where(wanted).values(seq=heads.c.seq).returning(*columns)
    found = {row.chain: (int(row.seq), str(row.chain_hash)) for row in session.execute(statement)}
    for chain in chains:
        if chain not in found:  # the chain's first entry
            session.execute(heads.insert().values(id=uuid4(), chain=chain, seq=0, chain_hash=GENESIS, pruned_seq=0))
            found[chain] = (0, GENESIS)
    return found


def _move_heads(session: Session, moved: Mapping[str, tuple[int, str]]) -> None:
    heads = ChainHead.__table__
    if len(moved) == 1:
        [(chain, (seq, chain_hash))] = moved.items()
        session.execute(update(heads).where(heads.c.chain == chain).values(seq=seq, chain_hash=chain_hash))
        return
    seqs = {chain: seq for chain, (seq, _) in moved.items()}
    hashes = {chain: chain_hash for chain, (_, chain_hash) in moved.items()}
    session.execute(
        update(heads)
        .where(heads.c.chain.in_(list(moved)))
        .values(seq=case(seqs, value=heads.c.chain), chain_hash=case(hashes, value=heads.c.chain))
    )


def append(session: Session, events: Sequence[AuditEvent], rows: Sequence[AccessRow]) -> None:
    """Gives each new audit event and each new access log row (``access.take_pending``) its place and hash, in
    order, in its chain; the events join the session, the rows are inserted in one statement."""
    chains = [chain for chain, new in ((AUDIT_CHAIN, events), (ACCESS_CHAIN, rows)) if new]
    if not chains:
        return
    heads = _take_heads(session, chains)
    moved: dict[str, tuple[int, str]] = {}
    if events:
        seq, previous = heads[AUDIT_CHAIN]
        for event in events:
            seq += 1
            event.seq = seq
            event.content_hash = content_hash(event.changes)
            event.chain_hash = previous = audit_hash(previous, event, event.content_hash)
        session.add_all(events)
        moved[AUDIT_CHAIN] = (seq, previous)
    if rows:
        seq, previous = heads[ACCESS_CHAIN]
        values = []
        for row in rows:
            seq += 1
            previous = access_hash_at(previous, seq, row.tail)
            values.append({**row.values, "seq": seq, "chain_hash": previous})
        session.execute(insert(AccessLogEntry.__table__), values)
        moved[ACCESS_CHAIN] = (seq, previous)
    _move_heads(session, moved)


# --- verifying --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    chain: str
    seq: int | None
    entry_id: str
    problem: str

    def describe(self) -> str:
        name = "audittrail" if self.chain == AUDIT_CHAIN else "toegangslog"
        place = f"plaats {self.seq}" if self.seq is not None else "zonder plaats"
        return f"{name}: {place} (id {self.entry_id}): {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    chain: str
    entries: int
    head_seq: int
    head_hash: str
    broken: Break | None


def _walk(
    chain: str,
    rows: Iterable[Any],
    head: tuple[int, str] | None,
    hash_of: Any,
    content_ok: Any,
    start: tuple[int, str | None] = (0, None),
) -> ChainReport:
    previous, expected_seq, count = start[1] or GENESIS, start[0] + 1, 0
    for row in rows:
        count += 1
        if row.seq is None:
            return ChainReport(chain, count, 0, "", Break(chain, None, str(row.id), "staat buiten de keten"))
        if row.seq != expected_seq:
            problem = (
                f"plaats {expected_seq} ontbreekt (verwijderd?)"
                if row.seq > expected_seq
                else "dubbele plaats (ingevoegd?)"
            )
            return ChainReport(chain, count, 0, "", Break(chain, row.seq, str(row.id), problem))
        problem = content_ok(row)
        if problem is None and hash_of(previous, row) != row.chain_hash:
            problem = "de hash klopt niet (gewijzigd of ingevoegd?)"
        if problem:
            return ChainReport(chain, count, 0, "", Break(chain, row.seq, str(row.id), problem))
        previous, expected_seq = row.chain_hash, expected_seq + 1
    head_seq, head_hash = head or (0, GENESIS)
    if head_seq != expected_seq - 1 or head_hash != previous:
        problem = f"de keten eindigt bij plaats {expected_seq - 1}, het begin van de keten staat op {head_seq}"
        broken = Break(chain, expected_seq - 1, "-", problem + " (laatste regels verwijderd?)")
        return ChainReport(chain, count, head_seq, head_hash, broken)
    return ChainReport(chain, count, head_seq, head_hash, None)


def _rows(connection: Connection, columns: Sequence[Any], seq_column: Any) -> Iterator[Any]:
    # Rows without a place first (they break the chain), then in order; streamed in batches.
    result = connection.execution_options(yield_per=2000).execute(
        select(*columns).order_by(seq_column.is_not(None), seq_column)
    )
    yield from result


def verify(connection: Connection) -> list[ChainReport]:
    """Checks both chains; each report names the first broken entry, if any."""
    head_rows = list(connection.execute(select(ChainHead.__table__)))
    heads = {row.chain: (int(row.seq), row.chain_hash) for row in head_rows}
    starts = {row.chain: (int(row.pruned_seq or 0), row.pruned_hash) for row in head_rows}
    redacted_ids = _redacted_ids(connection)

    def audit_content(row: Any) -> str | None:
        if row.redacted_at is None:
            return None if content_hash(row.changes) == row.content_hash else "de vastgelegde waarden zijn gewijzigd"
        return None if str(row.id) in redacted_ids else "geanonimiseerd zonder vermelding in de keten"

    audit_rows = _rows(connection, [*AuditEvent.__table__.c], AuditEvent.__table__.c.seq)
    audit = _walk(
        AUDIT_CHAIN,
        audit_rows,
        heads.get(AUDIT_CHAIN),
        lambda previous, row: audit_hash(previous, row, row.content_hash),
        audit_content,
        starts.get(AUDIT_CHAIN, (0, None)),
    )
    access_rows = _rows(connection, [*AccessLogEntry.__table__.c], AccessLogEntry.__table__.c.seq)
    access = _walk(
        ACCESS_CHAIN,
        access_rows,
        heads.get(ACCESS_CHAIN),
        access_hash,
        lambda _row: None,
        starts.get(ACCESS_CHAIN, (0, None)),
    )
    return [audit, access]


def _redacted_ids(connection: Connection) -> set[str]:
    """The ids of entries that a ``redact`` entry of the chain says were redacted."""
    table = AuditEvent.__table__
    ids: set[str] = set()
    for (changes,) in connection.execute(select(table.c.changes).where(table.c.action == "redact")):
        ids.update(str(entry_id) for entry_id in (changes or {}).get("entries", []))
    return ids


async def check(db: AsyncSession) -> list[ChainReport]:
    """``verify`` on the session's connection."""
    connection = await db.connection()
    return await connection.run_sync(verify)


async def daily_check(db: AsyncSession) -> list[ChainReport] | None:
    """The worker's check, once a day (several workers: whoever is first): its outcome, with the heads' hashes,
    goes to the security log. None when today's check was done already."""
    from huiskamer.auth import security_log
    from huiskamer.auth.models import SecurityEvent, SecurityEventKind

    since = datetime.now(UTC) - timedelta(hours=23)
    kinds = [SecurityEventKind.AUDIT_CHAIN_INTACT.value, SecurityEventKind.AUDIT_CHAIN_BROKEN.value]
    done = await db.scalar(
        select(SecurityEvent.id).where(SecurityEvent.kind.in_(kinds), SecurityEvent.at >= since).limit(1)
    )
    if done is not None:
        return None
    reports = await check(db)
    broken = [report.broken for report in reports if report.broken]
    if broken:
        kind, detail = SecurityEventKind.AUDIT_CHAIN_BROKEN, "; ".join(b.describe() for b in broken)
    else:
        kind = SecurityEventKind.AUDIT_CHAIN_INTACT
        detail = "; ".join(f"{r.chain} {r.entries} regels, eind {r.head_hash[:16]}" for r in reports)
    await security_log.record(db, kind, detail=detail)
    await db.commit()
    return reports


async def prune_access_log(db: AsyncSession, before: datetime) -> int:
    """Removes the access log's entries from before ``before`` (their retention term passed), from the start of the
    chain only, and records where the chain now starts, so that ``verify`` goes on from there."""
    from sqlalchemy import delete, func

    table, heads = AccessLogEntry.__table__, ChainHead.__table__
    last = await db.scalar(select(func.max(table.c.seq)).where(table.c.at < before))
    if last is None:
        return 0
    # Under the head's lock: nobody appends while the start moves.
    await db.execute(update(heads).where(heads.c.chain == ACCESS_CHAIN).values(seq=heads.c.seq))
    last_hash = await db.scalar(select(table.c.chain_hash).where(table.c.seq == last))
    removed = (await db.execute(delete(table).where(table.c.seq <= last))).rowcount
    await db.execute(update(heads).where(heads.c.chain == ACCESS_CHAIN).values(pruned_seq=last, pruned_hash=last_hash))
    return int(removed or 0)
