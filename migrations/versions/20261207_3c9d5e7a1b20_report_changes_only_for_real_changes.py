"""report changes logged only for real changes

The report cache's update triggers (20261204_5a7e2c0f9d41, 20261205_fe86263d7e09) fired on every UPDATE that
named a watched column, also when it wrote the same value. On SQLite a tap takes the write lock with an update
that changes nothing (``placements SET location_id = location_id``, ``attendance.marking.lock_placement``), so
every tap logged its placement's whole span as changed: every kept report of a period since the placement began
went stale, and was counted and written again on the next view, all day long. Now an update logs only when one of
the watched columns differs (``IS NOT`` / ``IS DISTINCT FROM``, which see NULLs). Inserts and deletes log as before.

SQLite: each update trigger is made again from its own text, with a WHEN clause. PostgreSQL: the combined trigger
becomes one for inserts and deletes and one for updates with a WHEN clause (a WHEN that reads OLD cannot be on an
insert trigger); both call the same function.

Revision ID: 3c9d5e7a1b20
Revises: fd1456c7f827
Create Date: 2026-12-07 03:45:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9d5e7a1b20"
down_revision: str | None = "fd1456c7f827"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per table: the columns the figures read (as the triggers have them now), and whether inserts and deletes log too.
WATCHED: dict[str, tuple[tuple[str, ...], bool]] = {
    "attendance": (("status", "day", "location_id", "referral_id"), True),
    "referrals": (("submitted_at", "source", "child_id", "waiting_since"), True),
    "children": (("neighbourhood",), False),
    "referral_locations": (("location_id", "referral_id"), True),
    "placements": (("start_date", "end_date", "end_reason_code", "location_id", "weekdays", "referral_id"), True),
    "goals": (("set_on", "closed_on", "status", "dimension", "referral_id"), True),
    "intakes": (("held_on",), True),
    "closure_days": (("day", "last_day", "location_id"), True),
    "location_capacities": (("weekday", "seats", "location_id", "valid_from"), True),
}
JSON_COLUMNS = {("placements", "weekdays")}  # PostgreSQL's json has no equality: compared as text


def _changed(dialect: str, table: str, columns: Sequence[str]) -> str:
    if dialect == "sqlite":
        return " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
    parts = []
    for column in columns:
        cast = "::text" if (table, column) in JSON_COLUMNS else ""
        parts.append(f"OLD.{column}{cast} IS DISTINCT FROM NEW.{column}{cast}")
    return " OR ".join(parts)


def _sqlite_update_trigger(table: str) -> str:
    name = f"report_changes_{table}_update"
    found = op.get_bind().execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"), {"name": name}
    )
    sql = found.scalar_one()
    op.execute(f"DROP TRIGGER {name}")
    return sql


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, (columns, inserts) in WATCHED.items():
        when = _changed(dialect, table, columns)
        if dialect == "sqlite":
            sql = _sqlite_update_trigger(table)
            head, body = sql.split(" BEGIN ", 1)
            op.execute(f"{head} WHEN {when} BEGIN {body}")
            continue
        op.execute(f"DROP TRIGGER report_changes_{table} ON {table}")
        if inserts:
            op.execute(
                f"CREATE TRIGGER report_changes_{table} AFTER INSERT OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION report_changes_{table}()"
            )
        op.execute(
            f"CREATE TRIGGER report_changes_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION report_changes_{table}()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, (columns, inserts) in WATCHED.items():
        if dialect == "sqlite":
            sql = _sqlite_update_trigger(table)
            head, body = sql.split(" BEGIN ", 1)
            op.execute(f"{head.split(' WHEN ', 1)[0]} BEGIN {body}")
            continue
        op.execute(f"DROP TRIGGER report_changes_{table}_update ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS report_changes_{table} ON {table}")
        events = "INSERT OR DELETE OR " if inserts else ""
        op.execute(
            f"CREATE TRIGGER report_changes_{table} AFTER {events}UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION report_changes_{table}()"
        )
