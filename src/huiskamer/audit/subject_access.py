"""Subject access (AVG art. 15 and 20): everything held about one child and its guardians, in one download.

The rows are found from the database's own references, not from a list kept by hand: the child, its referrals,
and every table that refers to one of those (or to a row that does: a placement's attendance, an evaluation's goal
outcomes, a concern's steps), plus the child's history of changes and its access log. A table that refers to a
child's rows and is left out must say why in ``NOT_EXPORTED`` (a test holds every table to this).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_access
from huiskamer.audit.models import AccessLogEntry, AuditEvent
from huiskamer.audit.privacy import ChildInScope, child_of
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import User
from huiskamer.db import metadata

# Tables that refer to a child's rows but are not part of the export, and why.
NOT_EXPORTED: dict[str, str] = {
    "referral_reads": "wanneer een medewerker een aanmelding het laatst opende: intern, staat ook in het toegangslog",
    "seat_claims": "de bezetting van stoelen per weekdag: een afgeleide van de plaatsingen en aanbiedingen hierboven",
    "attendance_months": "maandtotalen voor de rapportage: een optelling van de aanwezigheid hierboven",
}
# Never exported whatever they refer to: hashes, keys and the chain's bookkeeping.
_NEVER_COLUMNS = frozenset({"match_key", "sa_orm_sentinel", "content_hash", "chain_hash", "seq"})


def _child_tables() -> list[tuple[Table, list[tuple[str, str]]]]:
    """Every table that refers to a row of the child's dossier: (table, [(column, referred table)]), in an order
    where a referred table comes first."""
    found: list[tuple[Table, list[tuple[str, str]]]] = []
    dossier = {"children"}
    for table in metadata.sorted_tables:
        if table.name == "children":
            continue
        links = [(fk.parent.name, fk.column.table.name) for fk in table.foreign_keys if fk.column.table.name in dossier]
        if links:
            found.append((table, links))
            dossier.add(table.name)
    return found


def referring_tables() -> set[str]:
    """The names of all tables that refer (directly or through another) to a child's rows."""
    return {table.name for table, _ in _child_tables()}


async def child_rows(db: AsyncSession, child_id: UUID) -> dict[str, set[str]]:
    """The ids of every row of the child's dossier, per table (for the audit trail's redaction)."""
    found, _ = await _gather(db, child_id)
    return {name: {str(row["id"]) for row in rows if "id" in row} for name, rows in found.items()}


async def _gather(db: AsyncSession, child_id: UUID) -> tuple[dict[str, list[dict[str, Any]]], dict[str, set[Any]]]:
    """Every table's rows that belong to the child, following the foreign keys from the child outwards."""
    ids: dict[str, set[Any]] = {"children": {child_id}}
    tables: dict[str, list[dict[str, Any]]] = {
        "children": await _rows(db, metadata.tables["children"], "id", {child_id})
    }
    for table, links in _child_tables():
        rows: dict[Any, dict[str, Any]] = {}
        for column, referred in links:
            wanted = ids.get(referred, set())
            if wanted:
                for row in await _rows(db, table, column, wanted):
                    rows[_key(table, row)] = row
        ids[table.name] = {row["id"] for row in rows.values() if "id" in row}
        tables[table.name] = list(rows.values())
    return tables, ids


@dataclass(frozen=True)
class Export:
    child: ChildInScope
    data: dict[str, Any]


async def collect(db: AsyncSession, actor: Actor, referral_id: UUID) -> Export:
    """Everything about the referral's child; for the coordinators of its locations and the beheerder. Recorded in
    the access log as an export."""
    child = await child_of(db, actor, referral_id)
    gathered, _ = await _gather(db, child.child_id)
    tables = {name: rows for name, rows in gathered.items() if name not in NOT_EXPORTED}
    history = (
        await db.scalars(select(AuditEvent).where(AuditEvent.child_id == child.child_id).order_by(AuditEvent.seq))
    ).all()
    access = (
        await db.scalars(
            select(AccessLogEntry).where(AccessLogEntry.child_id == child.child_id).order_by(AccessLogEntry.seq)
        )
    ).all()
    note_access(db, "inzageverzoek (export van alle gegevens)", action="export", children=[child.child_id])
    people = await _people(db, tables)
    data = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generated_by": actor.name,
        "child": _plain_row(tables["children"][0]),
        "guardians": _guardians(tables.get("referrals", [])),
        "tables": {name: [_plain_row(row) for row in rows] for name, rows in tables.items()},
        "people": people,
        "history_of_changes": [
            {
                "at": event.at.isoformat(),
                "by": event.actor_label.split(" <")[0],
                "action": event.action,
                "table": event.table_name,
                "record_id": event.record_id,
                "changes": event.changes,
            }
            for event in history
        ],
        "access_log": [
            {
                "at": entry.at.isoformat(),
                "user_name": entry.user_label.split(" <")[0],
                "role": entry.role,
                "action": entry.action,
                "what": entry.what,
            }
            for entry in access
        ],
        "not_included": dict(NOT_EXPORTED),
    }
    return Export(child, data)


def _key(table: Table, row: Mapping[str, Any]) -> Any:
    return row.get("id") or tuple(row.get(column.name) for column in table.primary_key.columns)


async def _rows(db: AsyncSession, table: Table, column: str, wanted: set[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    ordered = list(wanted)
    for start in range(0, len(ordered), 500):
        result = await db.execute(select(table).where(table.c[column].in_(ordered[start : start + 500])))
        found.extend({key: value for key, value in row._mapping.items() if key not in _NEVER_COLUMNS} for row in result)
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return None
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _plain_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key): _plain(value) for key, value in row.items()}


def _guardians(referrals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for referral in referrals:
        key = (
            referral.get("guardian_name") or "",
            referral.get("guardian_phone") or "",
            referral.get("guardian_email") or "",
        )
        seen.setdefault(
            key,
            {"name": key[0], "phone": key[1], "email": key[2] or None, "informed": referral.get("guardian_informed")},
        )
    return list(seen.values())


async def _people(db: AsyncSession, tables: Mapping[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The names of the staff and referrers the rows mention (who held the intake, who placed), by id."""
    user_ids = {
        value
        for rows in tables.values()
        for row in rows
        for key, value in row.items()
        if key.endswith("_by_id") or key in {"author_id", "user_id"}
        if isinstance(value, UUID)
    }
    if not user_ids:
        return {}
    rows = await db.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return {str(user_id): name for user_id, name in rows.all()}


def as_json(export: Export) -> bytes:
    return json.dumps(export.data, ensure_ascii=False, indent=2).encode()


def file_stem(export: Export, today: date) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in export.child.name.lower()).strip("-")
    return f"inzage-{safe}-{today.isoformat()}"


def as_zip(export: Export, pdf: bytes, today: date) -> bytes:
    stem = file_stem(export, today)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.json", as_json(export))
        archive.writestr(f"{stem}.pdf", pdf)
    return buffer.getvalue()
