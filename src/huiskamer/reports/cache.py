"""Reports off the hot path: the figures of a period that ended days ago, kept in the database, so that every
worker and machine shares them and a second view costs a lookup instead of seconds of queries.

The figures (a summary, the months of a period) are kept by kind, scope and period, only for periods that ended
at least ``SETTLED_DAYS`` days ago: a recent one changes with every tap and is counted live. Triggers on every
table the figures read log, whoever writes, the ranges of days a write touched in ``report_changes``
(``reports.models``), with the moment and a count of writes per range. They log no range that starts today (UTC)
or later, which no kept period reaches: hence the days of margin, which also cover the hours between Amsterdam's
date and UTC's.

A kept entry holds while no range overlapping its period was written since it was counted. What was written
recently (within ``MARGIN`` seconds of the count, by the database's clock) is read just before counting, and
kept with the entry as ``seen`` (how many such ranges, how many writes): a later look finds the same, or
something was written. So a write whose transaction began before the count and committed after it is never
missed (no transaction here lives longer than the margin), and figures counted just after a big write (an
import, the demo) are kept at once. Entries not used for ``KEEP_DAYS`` days, and changes older than anything
kept, are pruned by the worker.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.reports.figures import GoalCounts, MonthFigures, Occupancy, Scope, Summary, WaitingDays
from huiskamer.reports.models import REPORT_CACHE, REPORT_CHANGES
from huiskamer.reports.rules import Period

T = TypeVar("T")
MARGIN = 600  # seconds: longer than any transaction of this app lives
SETTLED_DAYS = 2  # a period is kept once it ended this many days ago (see the triggers' "today" above)
KEEP_DAYS = 60
VERSION = "1"  # part of every key: a change to what is kept, or to how it is counted, starts afresh
_CACHE, _CHANGES = REPORT_CACHE.c, REPORT_CHANGES.c


async def database_now(db: AsyncSession) -> int:
    """Seconds since 1970 on the database's clock (the clock the triggers write with)."""
    if db.get_bind().dialect.name == "postgresql":
        return int(await db.scalar(select(func.extract("epoch", func.clock_timestamp()))))
    return int(await db.scalar(text("SELECT CAST(strftime('%s', 'now') AS INTEGER)")))


def key_of(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(part) for part in (VERSION, *parts)).encode()).hexdigest()


def _scope_key(scope: Scope) -> str:
    return "alle" if scope.location_ids is None else ",".join(sorted(str(i) for i in scope.location_ids))


async def _recent_changes(db: AsyncSession, period: Period, since: int | None = None) -> tuple[int, str]:
    """The database's clock (or ``since``, a moment read before) and what was written in the period's days since
    ``MARGIN`` seconds before it: how many ranges, how many writes. Both only grow, and every write adds to one."""
    now = await database_now(db) if since is None else since
    ranges, writes = (
        await db.execute(
            select(func.count(), func.coalesce(func.sum(_CHANGES.writes), 0)).where(
                _CHANGES.changed_at >= now - MARGIN,
                _CHANGES.first_day <= period.end,
                _CHANGES.last_day >= period.start,
            )
        )
    ).one()
    return now, f"{ranges}:{writes}"


async def _fresh_payload(db: AsyncSession, key: str) -> str | None:
    """The kept payload, if nothing it counted has changed since it was made."""
    columns = (_CACHE.payload, _CACHE.computed_at, _CACHE.used_at, _CACHE.first_day, _CACHE.last_day, _CACHE.seen)
    row = (await db.execute(select(*columns).where(_CACHE.key == key))).first()
    if row is None:
        return None
    _, seen = await _recent_changes(db, Period(row.first_day, row.last_day), since=row.computed_at)
    if seen != row.seen:
        return None
    if row.used_at < time.time() - 86_400:  # used today: marked once a day, so that views do not become writes
        await db.execute(update(REPORT_CACHE).where(_CACHE.key == key).values(used_at=int(time.time())))
        await db.commit()
    return row.payload


async def _keep(
    db: AsyncSession, key: str, kind: str, period: Period, computed_at: int, seen: str, payload: str
) -> None:
    """Keeps (or replaces) an entry, in a short transaction of its own: a report is read, not written, so the
    request holds no lock for it (SQLite's write lock would wait for the rest of the request)."""
    values = {
        "key": key,
        "kind": kind,
        "first_day": period.start,
        "last_day": period.end,
        "computed_at": computed_at,
        "used_at": computed_at,
        "seen": seen,
        "payload": payload,
    }
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(REPORT_CACHE).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[_CACHE.key],
        set_={name: statement.excluded[name] for name in ("computed_at", "used_at", "seen", "payload")},
    )
    await db.execute(statement)
    await db.commit()


async def remembered(
    db: AsyncSession,
    kind: str,
    scope: Scope,
    period: Period,
    today: date,
    count: Callable[[], Awaitable[T]],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
) -> T:
    """The figures ``count`` gives for the period: kept ones when the period has settled and nothing changed."""
    if period.end >= today - timedelta(days=SETTLED_DAYS):
        return await count()
    key = key_of(kind, _scope_key(scope), period.start, period.end)
    payload = await _fresh_payload(db, key)
    if payload is not None:
        return decode(json.loads(payload))
    computed_at, seen = await _recent_changes(db, period)  # before counting: what commits later shows
    figures = await count()
    await _keep(db, key, kind, period, computed_at, seen, json.dumps(encode(figures)))
    return figures


async def prune(db: AsyncSession) -> tuple[int, int]:
    """Forgets entries not used for KEEP_DAYS days, and changes older than every entry that is left (they can no
    longer make one stale). Returns how many of each."""
    now = await database_now(db)
    horizon = now - KEEP_DAYS * 86_400
    gone = (await db.execute(delete(REPORT_CACHE).where(_CACHE.used_at < horizon))).rowcount
    oldest = await db.scalar(select(func.min(_CACHE.computed_at)))
    limit = (oldest if oldest is not None else now) - MARGIN
    forgotten = (await db.execute(delete(REPORT_CHANGES).where(_CHANGES.changed_at < limit))).rowcount
    await db.commit()
    return gone or 0, forgotten or 0


# --- the figures as JSON ---------------------------------------------------------------------------------------


def _pairs(mapping: dict[Any, Any], value: Callable[[Any], Any] = lambda v: v) -> list[list[Any]]:
    # JSON keys are text: a list of pairs keeps None keys (no neighbourhood, no dimension) as they are.
    return [[key, value(item)] for key, item in mapping.items()]


def encode_summary(summary: Summary) -> dict[str, Any]:
    """A summary without today's waitlist (that is always counted live)."""
    return {
        "referrals_by_source": _pairs(summary.referrals_by_source),
        "referrals_by_neighbourhood": _pairs(summary.referrals_by_neighbourhood),
        "children_reached": summary.children_reached,
        "children_recorded": summary.children_recorded,
        "present": summary.present,
        "absent": summary.absent,
        "placements_started": summary.placements_started,
        "placements_ended": summary.placements_ended,
        "waiting_days": asdict(summary.waiting_days),
        "discharges_by_reason": _pairs(summary.discharges_by_reason),
        "goals_by_dimension": _pairs(summary.goals_by_dimension, asdict),
        "occupancy": _pairs(summary.occupancy, asdict),
    }


def decode_summary(data: dict[str, Any], scope: Scope, period: Period) -> Summary:
    return Summary(
        period=period,
        scope=scope,
        referrals_by_source=dict(data["referrals_by_source"]),
        referrals_by_neighbourhood=dict(data["referrals_by_neighbourhood"]),
        children_reached=data["children_reached"],
        children_recorded=data["children_recorded"],
        present=data["present"],
        absent=data["absent"],
        placements_started=data["placements_started"],
        placements_ended=data["placements_ended"],
        waiting_days=WaitingDays(**data["waiting_days"]),
        discharges_by_reason=dict(data["discharges_by_reason"]),
        goals_by_dimension={key: GoalCounts(**value) for key, value in data["goals_by_dimension"]},
        occupancy={key: Occupancy(**value) for key, value in data["occupancy"]},
        waitlist_now=0,
    )


def encode_months(months: list[MonthFigures]) -> list[dict[str, Any]]:
    return [
        {
            **{field.name: getattr(month, field.name) for field in fields(month) if field.name != "month"},
            "month": month.month.start.isoformat(),
            "end": month.month.end.isoformat(),
        }
        for month in months
    ]


def decode_months(data: list[dict[str, Any]]) -> list[MonthFigures]:
    out = []
    for item in data:
        counts = {key: value for key, value in item.items() if key not in ("month", "end")}
        period = Period(date.fromisoformat(item["month"]), date.fromisoformat(item["end"]))
        out.append(MonthFigures(month=period, **counts))
    return out
