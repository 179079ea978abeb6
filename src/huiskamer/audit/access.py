"""The access log (NEN 7513): who read, changed, exported or printed which child's data, when, in which role.

One mechanism records it, so that no page can forget it:

- every change of a row of a child's dossier, through the audit hook (``audit.hook``);
- every answered request whose path names a child's record (``{referral_id}``, ``{placement_id}``, ...), at the
  end of the request (``note_route``), as read for GET and change otherwise; a route says ``opt={"access": ...}``
  to name an export or a print, or ``None`` when its id is no child's (the goal catalogue);
- every list of children a service returns (the inbox, the waitlist, the day list...), by ``note_access``.

A test walks every route as every role and fails when a page shows a child's name without an entry. The notes wait
in the database session and are written when it commits (or at the end of the request, when it rolled back), in
the access log's chain (``audit.chain``); ids of referrals, placements and the like are resolved to the child then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from huiskamer.audit.models import AuditEvent

if TYPE_CHECKING:
    from huiskamer.audit.hook import AuditActor

ACTIONS_NL: dict[str, str] = {
    "read": "ingezien",
    "change": "gewijzigd",
    "export": "geëxporteerd",
    "print": "afgedrukt",
}
PENDING_ACCESS = "huiskamer_pending_access"
KNOWN_CHILDREN = "huiskamer_known_children"
PREPARED_ACCESS = "huiskamer_prepared_access"  # rows made before the commit (``prepare_pending``)

# What names a child's record, and how to get from it to the referral (and from there to the child).
_TO_REFERRAL: dict[str, tuple[str, str]] = {
    "placement": ("placements", "referral_id"),
    "offer": ("offers", "referral_id"),
    "goal": ("goals", "referral_id"),
    "concern": ("concerns", "referral_id"),
    "evaluation": ("evaluations", "referral_id"),
    "intake": ("intakes", "referral_id"),
}
ROUTE_PARAMETERS: dict[str, str] = {
    "referral_id": "referral",
    "placement_id": "placement",
    "offer_id": "offer",
    "goal_id": "goal",
    "concern_id": "concern",
}


@dataclass
class _Note:
    kind: str  # child, referral, placement, ...
    ref_id: UUID
    action: str
    what: str
    actor: AuditActor
    at: datetime
    event: AuditEvent | None = None
    child_id: UUID | None = field(default=None)


def _sync(session: Session | AsyncSession) -> Session:
    return session.sync_session if isinstance(session, AsyncSession) else session


def _notes(session: Session) -> list[_Note]:
    return session.info.setdefault(PENDING_ACCESS, [])


def note_access(
    session: Session | AsyncSession,
    what: str,
    *,
    action: str = "read",
    children: Iterable[UUID] = (),
    referrals: Iterable[UUID] = (),
    placements: Iterable[UUID] = (),
    pairs: Iterable[tuple[UUID, UUID]] = (),
) -> None:
    """Notes that the current person was shown (or exported, printed) these children's data, ``what`` saying where
    ("wachtlijst De Vaart"). ``pairs`` are (referral, child) where both are at hand: the child needs no looking up
    then, for this note nor for another of the same referral. Written when the session commits or at the end of
    the request."""
    from huiskamer.audit.hook import current_actor

    actor = current_actor()
    if actor.id is None:  # the system's own work (the worker, loading the demo) reads on nobody's behalf
        return
    sync = _sync(session)
    now = datetime.now(UTC)
    notes = _notes(sync)
    for kind, ids in (("child", children), ("referral", referrals), ("placement", placements)):
        notes.extend(_Note(kind, ref_id, action, what, actor, now) for ref_id in ids)
    for _referral_id, child_id in know_children(sync, pairs):
        notes.append(_Note("child", child_id, action, what, actor, now))


def know_children(session: Session | AsyncSession, pairs: Iterable[tuple[UUID, UUID]]) -> list[tuple[UUID, UUID]]:
    """(referral, child) pairs at hand: a note of the referral (a change of its dossier, a read) then needs no
    looking up at commit, when SQLite's writers' turn is held. Returns the pairs."""
    known = _sync(session).info.setdefault(KNOWN_CHILDREN, {})
    pairs = list(pairs)
    known.update(pairs)
    return pairs


def note_child_change(session: Session, event: AuditEvent, reference: tuple[str, UUID], actor: AuditActor) -> None:
    """From the audit hook: a row of a child's dossier changed; the event gets the child, the log a change."""
    from huiskamer.audit.service import table_label

    kind, ref_id = reference
    _notes(session).append(_Note(kind, ref_id, "change", table_label(event.table_name), actor, event.at, event))


def child_reference(obj: Any) -> tuple[str, UUID] | None:
    """Which child a row of a dossier belongs to, as (kind, id), from the row's own columns."""
    values = {name: getattr(obj, name, None) for name in ("id", "child_id", "referral_id", "evaluation_id")}
    values["concern_id"] = getattr(obj, "concern_id", None)
    return reference_from_values(obj.__tablename__, values)


def reference_from_values(table_name: str, values: Mapping[str, Any]) -> tuple[str, UUID] | None:
    if table_name == "children":
        return ("child", values["id"]) if values.get("id") else None
    for column, kind in (
        ("child_id", "child"),
        ("referral_id", "referral"),
        ("evaluation_id", "evaluation"),
        ("concern_id", "concern"),
    ):
        value = values.get(column)
        if value is not None:
            return kind, value if isinstance(value, UUID) else UUID(str(value))
    return None


def forget_changes(session: Session) -> None:
    """After a rollback: the changes were never made; the reads stay noted."""
    notes = session.info.get(PENDING_ACCESS)
    if notes:
        notes[:] = [note for note in notes if note.event is None]


def has_pending(session: Session) -> bool:
    return bool(session.info.get(PENDING_ACCESS) or session.info.get(PREPARED_ACCESS))


def note_route(session: AsyncSession, scope: Mapping[str, Any], status: int) -> None:
    """At the end of an answered request: the child's record its path names was read (GET) or changed."""
    if not 200 <= status < 400:
        return
    handler = scope.get("route_handler")
    opt = getattr(handler, "opt", None) or {}
    if "access" in opt and opt["access"] is None:
        return
    params = scope.get("path_params") or {}
    method = scope.get("method", "GET")
    action = opt.get("access") or ("read" if method in {"GET", "HEAD"} else "change")
    what = opt.get("access_what") or _route_words(scope)
    from huiskamer.audit.hook import current_actor

    actor = current_actor()
    if actor.id is None:
        return
    sync = session.sync_session
    now = datetime.now(UTC)
    for name, kind in ROUTE_PARAMETERS.items():
        value = params.get(name)
        if isinstance(value, UUID):
            _notes(sync).append(_Note(kind, value, action, what, actor, now))


def _route_words(scope: Mapping[str, Any]) -> str:
    path = str(scope.get("path_template") or scope.get("path") or "")
    for name in ROUTE_PARAMETERS:
        path = path.replace("{" + name + ":uuid}", "…").replace("{" + name + "}", "…")
    return path[:200]


@dataclass(frozen=True)
class AccessRow:
    """An access log row to insert: its values without place and hash, and its part of the hash that does not
    depend on the place (``chain.access_tail``), worked out before the chain's head is taken."""

    values: dict[str, Any]
    tail: str


def prepare_pending(session: Session) -> None:
    """Before the commit takes SQLite's writers' turn: the reads noted so far resolved to children and made into
    rows (a waitlist names a hundred children; this took half of the turn), so that the commit only gives them
    their places and hashes. Changes are left to the commit, which makes their audit events."""
    notes: list[_Note] = session.info.get(PENDING_ACCESS, [])
    reads = [note for note in notes if note.event is None]
    if not reads:
        return
    notes[:] = [note for note in notes if note.event is not None]
    _resolve(session, reads)
    prepared = session.info.setdefault(PREPARED_ACCESS, {})
    _add_rows(prepared, reads)


def take_pending(session: Session, events: list[AuditEvent]) -> list[AccessRow]:
    """At commit: resolves the noted records to children, gives the audit events their child, and returns one
    access log row per person, child and action (the first place it happened), as values to insert: a waitlist
    names a hundred children, and objects of the ORM would cost more than the page itself."""
    rows: dict[tuple[Any, UUID, str], AccessRow] = session.info.pop(PREPARED_ACCESS, {})
    notes: list[_Note] = session.info.pop(PENDING_ACCESS, [])
    if notes:
        _resolve(session, notes)
        for note in notes:
            if note.event is not None:
                note.event.child_id = note.child_id
        _add_rows(rows, notes)
    del events  # the events are updated through their notes
    return list(rows.values())


def _add_rows(rows: dict[tuple[Any, UUID, str], AccessRow], notes: list[_Note]) -> None:
    from huiskamer.audit.chain import access_tail

    for note in notes:
        if note.child_id is None or note.actor.id is None:
            continue
        key = (note.actor.id, note.child_id, note.action)
        if key in rows:
            continue
        values = {
            "id": uuid4(),
            "at": note.at,
            "user_id": note.actor.id,
            "user_label": note.actor.label,
            "role": note.actor.role,
            "child_id": note.child_id,
            "action": note.action,
            "what": note.what[:200],
        }
        rows[key] = AccessRow(values, access_tail(values))


def _resolve(session: Session, notes: list[_Note]) -> None:
    from huiskamer.db import metadata

    referral_of: dict[tuple[str, UUID], UUID] = {}
    for kind, (table_name, column) in _TO_REFERRAL.items():
        ids = {note.ref_id for note in notes if note.kind == kind}
        if not ids:
            continue
        table = metadata.tables[table_name]
        for chunk in _chunks(ids):
            for row_id, referral_id in session.execute(
                select(table.c.id, table.c[column]).where(table.c.id.in_(chunk))
            ):
                referral_of[(kind, row_id)] = referral_id
    child_of: dict[UUID, UUID] = dict(session.info.pop(KNOWN_CHILDREN, {}))
    referral_ids = {note.ref_id for note in notes if note.kind == "referral"} | set(referral_of.values())
    referral_ids -= child_of.keys()
    if referral_ids:
        referrals = metadata.tables["referrals"]
        for chunk in _chunks(referral_ids):
            child_of.update(
                session.execute(select(referrals.c.id, referrals.c.child_id).where(referrals.c.id.in_(chunk))).all()
            )
    for note in notes:
        if note.kind == "child":
            note.child_id = note.ref_id
        elif note.kind == "referral":
            note.child_id = child_of.get(note.ref_id)
        else:
            referral_id = referral_of.get((note.kind, note.ref_id))
            note.child_id = child_of.get(referral_id) if referral_id else None


def _chunks(ids: set[UUID], size: int = 500) -> Iterable[list[UUID]]:
    ordered = list(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
