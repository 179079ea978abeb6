"""search children by name, the referrer's outcome, endings in the future

Two columns for the referrer's view and endings: ``referral_events.explanation`` (what the coordinator writes for
the referrer beside the internal reason) and ``placements.end_reason``/``end_explanation`` (kept until the
referral closes the day after a future end date).

The inbox, waitlists and lists search a child by any part of its name (``Child.match_key``, lower case and
without accents). A LIKE '%word%' cannot use a B-tree; on PostgreSQL a trigram index (pg_trgm) serves it. Where
the extension is not available (a managed database that forbids it) the search still works, reading the
narrow name index; the index is named in ``migrations/env.py`` so that ``alembic check`` leaves it alone.
SQLite needs nothing: it scans the (name, birthday) index, which holds the key.

Revision ID: b7c3e1d9a2f4
Revises: fe86263d7e09
Create Date: 2026-12-05 23:55:00.000000+00:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "b7c3e1d9a2f4"
down_revision: str | None = "fe86263d7e09"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_children_match_trgm"


@contextmanager
def _sqlite_triggers_kept(table: str) -> Iterator[None]:
    """SQLite's batch mode rebuilds a table to drop a column and loses its triggers (the report cache's, from
    20261204_5a7e2c0f9d41): put them back as they were."""
    bind = op.get_bind()
    kept = []
    if bind.dialect.name == "sqlite":
        kept = bind.execute(
            sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"), {"table": table}
        ).all()
    yield
    for name, sql in kept:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)


def upgrade() -> None:
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("explanation", sa.Text(), nullable=True))
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("end_explanation", sa.Text(), nullable=True))
    _trigram_index()


def _trigram_index() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
    if not available:
        return
    # A savepoint: a role that may not create extensions must not abort the whole upgrade.
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return
    savepoint.commit()
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON children USING gin (match_key gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    with _sqlite_triggers_kept("placements"):
        with op.batch_alter_table("placements", schema=None) as batch_op:
            batch_op.drop_column("end_explanation")
            batch_op.drop_column("end_reason")
    with op.batch_alter_table("referral_events", schema=None) as batch_op:
        batch_op.drop_column("explanation")
