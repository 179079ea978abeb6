"""The story of a period (the *vertellen* beside the *tellen*): a short anonymised text for the municipality."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Insert,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    cast,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.attendance.models import Attendance
from huiskamer.db import UUIDAuditBase, metadata

# The index the reports need on another part's table lives here, beside the reason for it: the days of a period
# outside its whole months (a custom period's first and last weeks) are read for every location from this index
# alone, without visiting the table (an index-only scan; benchmarks/bench_reports.py). One location's days use
# the attendance part's own (location_id, day, status); whole months come from ATTENDANCE_MONTHS below.
ATTENDANCE_BY_DAY = Index(
    "ix_attendance_day_referral_status", Attendance.day, Attendance.referral_id, Attendance.status
)

# Attendance per child, location and calendar month, kept by the database itself: triggers on ``attendance``
# (migration 81e9639891a1) add every record that is written, changed or removed, whoever writes it (the day
# list, the demo data, a test), in the same transaction. A year's figures then read about 450,000 monthly totals
# at a federation's scale instead of 3 million day records; only the days of a period outside its whole months
# come from the day records (``figures._attendance_units``). A row whose days were all removed stays, with
# zeros, and counts as nothing. The key serves one location's months; the second index a year of all locations,
# read from the index alone.
ATTENDANCE_MONTHS = Table(
    "attendance_months",
    metadata,
    Column("location_id", GUID, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Column("month", Date, primary_key=True),  # the first day of the calendar month
    Column("referral_id", GUID, ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True),
    Column("present", Integer, nullable=False),  # days recorded present
    Column("absent", Integer, nullable=False),  # days recorded absent, with or without notice
    Index("ix_attendance_months_month", "month", "referral_id", "present", "absent"),
)


# What the reports read, written: one row per range of days in which a record the reports count was written,
# changed or removed, with the moment (seconds since 1970, the database's clock) of the latest such write. Kept by
# triggers (migration 5a7e2c0f9d41) on every table the figures read, whoever writes: attendance (its day),
# referrals (the day they were submitted; from the waitlist date on, for the waiting time), children (their
# neighbourhood, at their referrals' days), referral_locations, placements (their whole span), goals (the days they
# were set and closed), intakes (from the intake on), closure days, and capacities (every day: seats count in
# every period). A kept report of a period is good while no range that overlaps it changed since it was made.
REPORT_CHANGES = Table(
    "report_changes",
    metadata,
    Column("first_day", Date, primary_key=True),
    Column("last_day", Date, primary_key=True),
    Column("changed_at", BigInteger, nullable=False),
    Column("writes", BigInteger, nullable=False),  # how many times it was logged: two in one second differ
    Index("ix_report_changes_changed_at", "changed_at"),
)

# Figures of a period that has ended, kept for every worker and machine (``reports.cache``): the key says what
# (kind, scope, period), ``first_day``/``last_day`` the days it counted.
REPORT_CACHE = Table(
    "report_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("computed_at", BigInteger, nullable=False),
    Column("used_at", BigInteger, nullable=False),
    # The recent changes of its days as they were when it was counted (``reports.cache._recent_changes``).
    Column("seen", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_report_cache_used_at", "used_at"),
)


def refill_attendance_months(dialect: str) -> Insert:
    """The statement that counts ATTENDANCE_MONTHS afresh from the day records, for an empty table after a bulk
    load that bypassed the triggers (the benchmarks' COPY). The migration that made the table keeps its own copy,
    as migrations do, so that it stays what it was."""
    if dialect == "postgresql":
        month = cast(func.date_trunc("month", Attendance.day), Date)
    else:
        month = func.date(Attendance.day, "start of month")
    present = Attendance.status == "present"
    counted = select(
        Attendance.location_id,
        month,
        Attendance.referral_id,
        func.count().filter(present),
        func.count().filter(~present),
    ).group_by(Attendance.location_id, month, Attendance.referral_id)
    columns = ["location_id", "month", "referral_id", "present", "absent"]
    return insert(ATTENDANCE_MONTHS).from_select(columns, counted)


class ReportStory(UUIDAuditBase):
    """Written by a coordinator for one of their locations, or by the beheerder for the whole organisation
    (``location_id`` empty), for one period; reports of a period show the stories written within it."""

    __tablename__ = "report_stories"
    __audited__ = True

    location_id: Mapped[UUID | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), default=None)
    period_start: Mapped[date]
    period_end: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("location_id", "period_start", "period_end", name="uq_report_stories_location_period"),
        Index("ix_report_stories_period", "period_start", "period_end"),
    )
