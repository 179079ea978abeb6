"""closure ranges and capacity from a date

Revision ID: fe86263d7e09
Revises: 482edf8f9136
Create Date: 2026-12-05 23:41:15.627060+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'fe86263d7e09'
down_revision: str | None = '482edf8f9136'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The report cache's triggers on these two tables (20261204_5a7e2c0f9d41): SQLite's batch mode rebuilds a table and
# drops its triggers, and the ranges they log change (a closure covers day to last_day, a capacity counts from
# valid_from). Made again here, for both databases.
_NOW = {"sqlite": "CAST(strftime('%s', 'now') AS INTEGER)", "postgresql": "extract(epoch FROM clock_timestamp())::bigint"}
_TODAY = {"sqlite": "date('now')", "postgresql": "(clock_timestamp() AT TIME ZONE 'UTC')::date"}
_FAR = {"sqlite": "'9999-12-31'", "postgresql": "DATE '9999-12-31'"}
_WATCHED = {
    "closure_days": (("day", "last_day", "location_id"), "{R}.day", "{R}.last_day"),
    "location_capacities": (("weekday", "seats", "location_id", "valid_from"), "{R}.valid_from", "FAR"),
}


# Before this revision: a closure was one day, a capacity counted from the start.
_BEFORE = {
    "closure_days": (("day", "location_id"), "{R}.day", "{R}.day"),
    "location_capacities": (("weekday", "seats", "location_id"), "FIRST", "FAR"),
}


def _log(dialect: str, table: str, row: str, watched: dict = _WATCHED) -> str:
    _columns, low, high = watched[table]
    first = "'0001-01-01'" if dialect == "sqlite" else "DATE '0001-01-01'"
    low = low.format(R=row).replace("FIRST", first)
    high = high.format(R=row).replace("FAR", _FAR[dialect])
    return (
        "INSERT INTO report_changes (first_day, last_day, changed_at, writes) "
        f"SELECT {low}, {high}, {_NOW[dialect]}, 1 WHERE {low} < {_TODAY[dialect]} "
        "ON CONFLICT (first_day, last_day) DO UPDATE "
        "SET changed_at = excluded.changed_at, writes = report_changes.writes + 1;"
    )


def _drop_report_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in _WATCHED:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS report_changes_{table} ON {table}")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS report_changes_{table}_{event}")


def _report_triggers(watched: dict = _WATCHED) -> None:
    dialect = op.get_bind().dialect.name
    for table, (columns, _low, _high) in watched.items():
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS report_changes_{table} ON {table}")
            op.execute(
                f"CREATE OR REPLACE FUNCTION report_changes_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                f"    IF TG_OP IN ('UPDATE', 'DELETE') THEN {_log(dialect, table, 'OLD', watched)} END IF;\n"
                f"    IF TG_OP IN ('INSERT', 'UPDATE') THEN {_log(dialect, table, 'NEW', watched)} END IF;\n"
                "    RETURN NULL;\n"
                "END\n$$"
            )
            op.execute(
                f"CREATE TRIGGER report_changes_{table} AFTER INSERT OR DELETE OR UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION report_changes_{table}()"
            )
            continue
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS report_changes_{table}_{event}")
        op.execute(
            f"CREATE TRIGGER report_changes_{table}_insert AFTER INSERT ON {table} BEGIN {_log(dialect, table, 'NEW', watched)} END"
        )
        op.execute(
            f"CREATE TRIGGER report_changes_{table}_delete AFTER DELETE ON {table} BEGIN {_log(dialect, table, 'OLD', watched)} END"
        )
        op.execute(
            f"CREATE TRIGGER report_changes_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"BEGIN {_log(dialect, table, 'OLD', watched)} {_log(dialect, table, 'NEW', watched)} END"
        )


def upgrade() -> None:
    # A closure becomes a range: every existing closure day is a one-day range (last day = first day).
    with op.batch_alter_table('closure_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_day', sa.Date(), nullable=True))
    op.execute('UPDATE closure_days SET last_day = day')
    with op.batch_alter_table('closure_days', schema=None) as batch_op:
        batch_op.alter_column('last_day', existing_type=sa.Date(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_closure_days_range_order'), 'last_day >= day')

    # Capacity gets a date from which it counts; the capacities there are count from the start.
    with op.batch_alter_table('location_capacities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), server_default='2000-01-01', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_location_capacities_location_id'), type_='unique')
        batch_op.create_unique_constraint('uq_location_capacities_valid_from', ['location_id', 'weekday', 'valid_from'])
    _report_triggers()


def downgrade() -> None:
    _drop_report_triggers()
    # Back to one capacity per weekday (the earliest) and one closure day per range (its first day).
    op.execute(
        'DELETE FROM location_capacities WHERE valid_from > (SELECT min(c.valid_from) FROM location_capacities c '
        'WHERE c.location_id = location_capacities.location_id AND c.weekday = location_capacities.weekday)'
    )
    with op.batch_alter_table('location_capacities', schema=None) as batch_op:
        batch_op.drop_constraint('uq_location_capacities_valid_from', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_location_capacities_location_id'), ['location_id', 'weekday'])
        batch_op.drop_column('valid_from')

    with op.batch_alter_table('closure_days', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_closure_days_range_order'), type_='check')
        batch_op.drop_column('last_day')
    _report_triggers(_BEFORE)
