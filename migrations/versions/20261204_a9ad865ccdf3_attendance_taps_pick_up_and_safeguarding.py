"""attendance taps, pick-up and safeguarding

Every tap of the day list is kept once by its id (attendance_taps), so that taps queued on a phone may arrive late,
twice or out of order; intakes name who may not collect a child; a safeguarding concern"s Meldcode steps.

Revision ID: a9ad865ccdf3
Revises: 81e9639891a1
Create Date: 2026-12-04 17:08:24.944149+00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "a9ad865ccdf3"
down_revision: str | None = "81e9639891a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance_taps",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("placement_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tapped_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("received_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("recorded_by_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_attendance_taps_placement_id_placements")
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_attendance_taps_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_taps")),
    )
    with op.batch_alter_table("attendance_taps", schema=None) as batch_op:
        batch_op.create_index("ix_attendance_taps_placement_day", ["placement_id", "day", "tapped_at"], unique=False)

    op.create_table(
        "concern_steps",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("concern_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("step BETWEEN 1 AND 5", name=op.f("ck_concern_steps_concern_steps_step_known")),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_concern_steps_concern_id_concerns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_concern_steps_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_steps")),
        sa.UniqueConstraint("concern_id", "step", name="uq_concern_steps_step"),
    )
    with op.batch_alter_table("concern_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_steps_concern_id"), ["concern_id"], unique=False)

    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_allowed_collectors", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.drop_column("not_allowed_collectors")

    with op.batch_alter_table("concern_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_steps_concern_id"))

    op.drop_table("concern_steps")
    with op.batch_alter_table("attendance_taps", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_taps_placement_day")

    op.drop_table("attendance_taps")
