"""attendance months for reports

Monthly attendance per child and location (``reports.models.ATTENDANCE_MONTHS``), kept up to date by triggers
on ``attendance`` in both databases, and filled from the attendance already recorded.

Revision ID: 81e9639891a1
Revises: 266c7310f802
Create Date: 2026-12-03 00:02:41.604402+00:00
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "81e9639891a1"
down_revision: str | None = "266c7310f802"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A record's days are added to its month's row (made if missing) and taken away from it again when the record
# is removed or changes its status, day, child or location. The columns a trigger watches on update are those;
# a change of times or a note fires nothing.
POSTGRES_FUNCTION = """
CREATE FUNCTION attendance_months_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE attendance_months
        SET present = present - (OLD.status = 'present')::int, absent = absent - (OLD.status <> 'present')::int
        WHERE location_id = OLD.location_id AND month = date_trunc('month', OLD.day)::date
            AND referral_id = OLD.referral_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO attendance_months (location_id, month, referral_id, present, absent)
        VALUES (NEW.location_id, date_trunc('month', NEW.day)::date, NEW.referral_id,
                (NEW.status = 'present')::int, (NEW.status <> 'present')::int)
        ON CONFLICT (location_id, month, referral_id) DO UPDATE
        SET present = attendance_months.present + EXCLUDED.present,
            absent = attendance_months.absent + EXCLUDED.absent;
    END IF;
    RETURN NULL;
END
$$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER attendance_months_sync
AFTER INSERT OR DELETE OR UPDATE OF status, day, location_id, referral_id ON attendance
FOR EACH ROW EXECUTE FUNCTION attendance_months_apply()
"""

_SQLITE_ADD = """
    INSERT INTO attendance_months (location_id, month, referral_id, present, absent)
    VALUES (NEW.location_id, date(NEW.day, 'start of month'), NEW.referral_id,
            NEW.status = 'present', NEW.status <> 'present')
    ON CONFLICT (location_id, month, referral_id) DO UPDATE
    SET present = present + excluded.present, absent = absent + excluded.absent;
"""
_SQLITE_TAKE = """
    UPDATE attendance_months
    SET present = present - (OLD.status = 'present'), absent = absent - (OLD.status <> 'present')
    WHERE location_id = OLD.location_id AND month = date(OLD.day, 'start of month')
        AND referral_id = OLD.referral_id;
"""
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER attendance_months_insert AFTER INSERT ON attendance BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER attendance_months_delete AFTER DELETE ON attendance BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER attendance_months_update AFTER UPDATE OF status, day, location_id, referral_id ON attendance "
    f"BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
)

FILL = """
INSERT INTO attendance_months (location_id, month, referral_id, present, absent)
SELECT location_id, {month}, referral_id,
       sum(CASE WHEN status = 'present' THEN 1 ELSE 0 END), sum(CASE WHEN status = 'present' THEN 0 ELSE 1 END)
FROM attendance GROUP BY location_id, {month}, referral_id
"""


def upgrade() -> None:
    op.create_table(
        "attendance_months",
        sa.Column("location_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("referral_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("absent", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_attendance_months_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_attendance_months_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "month", "referral_id", name=op.f("pk_attendance_months")),
    )
    with op.batch_alter_table("attendance_months", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendance_months_month", ["month", "referral_id", "present", "absent"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
        op.execute(FILL.format(month="date_trunc('month', day)::date"))
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute(FILL.format(month="date(day, 'start of month')"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER attendance_months_sync ON attendance")
        op.execute("DROP FUNCTION attendance_months_apply()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER attendance_months_{name}")
    with op.batch_alter_table("attendance_months", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_months_month")
    op.drop_table("attendance_months")
