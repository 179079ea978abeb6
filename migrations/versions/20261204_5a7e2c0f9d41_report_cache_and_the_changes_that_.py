"""report cache and the changes that invalidate it

Two tables for ``reports.cache``: ``report_cache`` keeps the figures of periods that have ended, and
``report_changes`` says, per range of days, when a record that the reports count was last written there. Triggers
on every table the figures read keep ``report_changes`` up to date, whoever writes (see reports/models.py).

Revision ID: 5a7e2c0f9d41
Revises: a9ad865ccdf3
Create Date: 2026-12-04 20:46:00.049853+00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a7e2c0f9d41"
down_revision: str | None = "a9ad865ccdf3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per table: the columns whose change matters, whether inserts and deletes matter too, and the ranges of days a row
# touches: (first day, last day, and what follows the SELECT list: FROM/WHERE), over the row R. DAY(x) and
# NEXTDAY(x) are the UTC day of a timestamp and the day after it (its Amsterdam day is one of the two); FAR is the
# last day there is, FIRST the first.
TABLES: dict[str, tuple[tuple[str, ...], bool, list[tuple[str, str, str]]]] = {
    "attendance": (("status", "day", "location_id", "referral_id"), True, [("R.day", "R.day", "")]),
    "referrals": (
        ("submitted_at", "source", "child_id", "waiting_since"),
        True,
        [
            ("DAY(R.submitted_at)", "NEXTDAY(R.submitted_at)", ""),
            ("R.waiting_since", "FAR", "WHERE R.waiting_since IS NOT NULL"),
        ],
    ),
    "children": (
        ("neighbourhood",),
        False,
        [("DAY(r.submitted_at)", "NEXTDAY(r.submitted_at)", "FROM referrals r WHERE r.child_id = R.id")],
    ),
    "referral_locations": (
        ("location_id", "referral_id"),
        True,
        [("DAY(r.submitted_at)", "NEXTDAY(r.submitted_at)", "FROM referrals r WHERE r.id = R.referral_id")],
    ),
    "placements": (
        ("start_date", "end_date", "end_reason_code", "location_id", "weekdays", "referral_id"),
        True,
        [("R.start_date", "COALESCE(R.end_date, FAR)", "")],
    ),
    "goals": (
        ("set_on", "closed_on", "status", "dimension", "referral_id"),
        True,
        [("R.set_on", "R.set_on", ""), ("R.closed_on", "R.closed_on", "WHERE R.closed_on IS NOT NULL")],
    ),
    "intakes": (("held_on",), True, [("R.held_on", "FAR", "")]),
    "closure_days": (("day", "location_id"), True, [("R.day", "R.day", "")]),
    "location_capacities": (("weekday", "seats", "location_id"), True, [("FIRST", "FAR", "")]),
}
WORDS = {
    "sqlite": {
        "FAR": "'9999-12-31'",
        "FIRST": "'0001-01-01'",
        "DAY": r"date(\1)",
        "NEXTDAY": r"date(\1, '+1 day')",
        "now": "CAST(strftime('%s', 'now') AS INTEGER)",
        "today": "date('now')",
    },
    "postgresql": {
        "FAR": "DATE '9999-12-31'",
        "FIRST": "DATE '0001-01-01'",
        "DAY": r"(\1 AT TIME ZONE 'UTC')::date",
        "NEXTDAY": r"((\1 AT TIME ZONE 'UTC')::date + 1)",
        "now": "extract(epoch FROM clock_timestamp())::bigint",
        "today": "(clock_timestamp() AT TIME ZONE 'UTC')::date",
    },
}


def _expression(dialect: str, text: str, row: str) -> str:
    words = WORDS[dialect]
    text = re.sub(r"NEXTDAY\(([^()]*)\)", words["NEXTDAY"], text)
    text = re.sub(r"\bDAY\(([^()]*)\)", words["DAY"], text)
    text = text.replace("FAR", words["FAR"]).replace("FIRST", words["FIRST"])
    return re.sub(r"\bR\.", f"{row}.", text)


def _log(dialect: str, row: str, selects: list[tuple[str, str, str]]) -> str:
    """The statements that log a row's ranges (row: NEW or OLD); a range already logged gets the new moment, and
    its count of writes goes up (two writes in the same second differ in it).

    A range that starts today (UTC) or later is not logged: no kept figures reach that far (``reports.cache`` keeps
    only periods that ended days ago), and today's taps, the most frequent writes there are, then write nothing
    here (on PostgreSQL they would all queue for the one row of today)."""
    statements = []
    for first, last, rest in selects:
        low, high, tail = (_expression(dialect, part, row) for part in (first, last, rest))
        where = f"{tail} AND" if tail.startswith("WHERE") or " WHERE " in tail else f"{tail} WHERE"
        statements.append(
            "INSERT INTO report_changes (first_day, last_day, changed_at, writes) "
            f"SELECT DISTINCT {low}, {high}, {WORDS[dialect]['now']}, 1 {where} {low} < {WORDS[dialect]['today']} "
            "ON CONFLICT (first_day, last_day) DO UPDATE "
            "SET changed_at = excluded.changed_at, writes = report_changes.writes + 1;"
        )
    return " ".join(statements)


def _sqlite_triggers() -> list[str]:
    triggers = []
    for table, (columns, inserts, selects) in TABLES.items():
        if inserts:
            triggers.append(
                f"CREATE TRIGGER report_changes_{table}_insert AFTER INSERT ON {table} "
                f"BEGIN {_log('sqlite', 'NEW', selects)} END"
            )
            triggers.append(
                f"CREATE TRIGGER report_changes_{table}_delete AFTER DELETE ON {table} "
                f"BEGIN {_log('sqlite', 'OLD', selects)} END"
            )
        triggers.append(
            f"CREATE TRIGGER report_changes_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"BEGIN {_log('sqlite', 'OLD', selects)} {_log('sqlite', 'NEW', selects)} END"
        )
    return triggers


def _postgres_triggers() -> list[str]:
    statements = []
    for table, (columns, inserts, selects) in TABLES.items():
        old, new = _log("postgresql", "OLD", selects), _log("postgresql", "NEW", selects)
        statements.append(
            f"CREATE FUNCTION report_changes_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"    IF TG_OP IN ('UPDATE', 'DELETE') THEN {old} END IF;\n"
            f"    IF TG_OP IN ('INSERT', 'UPDATE') THEN {new} END IF;\n"
            "    RETURN NULL;\n"
            "END\n$$"
        )
        events = "INSERT OR DELETE OR " if inserts else ""
        statements.append(
            f"CREATE TRIGGER report_changes_{table} AFTER {events}UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION report_changes_{table}()"
        )
    return statements


def upgrade() -> None:
    op.create_table(
        "report_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=False),
        sa.Column("seen", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_report_cache")),
    )
    with op.batch_alter_table("report_cache", schema=None) as batch_op:
        batch_op.create_index("ix_report_cache_used_at", ["used_at"], unique=False)
    op.create_table(
        "report_changes",
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.Column("writes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("first_day", "last_day", name=op.f("pk_report_changes")),
    )
    with op.batch_alter_table("report_changes", schema=None) as batch_op:
        batch_op.create_index("ix_report_changes_changed_at", ["changed_at"], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _postgres_triggers() if postgres else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS report_changes_{table} ON {table}")
            op.execute(f"DROP FUNCTION report_changes_{table}()")
    else:
        for table, (_columns, inserts, _selects) in TABLES.items():
            for event in ("insert", "delete", "update") if inserts else ("update",):
                op.execute(f"DROP TRIGGER IF EXISTS report_changes_{table}_{event}")
    with op.batch_alter_table("report_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_report_changes_changed_at")
    op.drop_table("report_changes")
    with op.batch_alter_table("report_cache", schema=None) as batch_op:
        batch_op.drop_index("ix_report_cache_used_at")
    op.drop_table("report_cache")
