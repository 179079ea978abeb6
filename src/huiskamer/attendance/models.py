"""Attendance per child and day, and the concerns (signalen) raised for the coordinator."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDAuditBase

ATTENDANCE_STATUSES = ("present", "absent_excused", "absent_unexcused")
ABSENCE_REASONS = ("ill", "family", "other")
CONCERN_KINDS = ("unexcused_absence", "observation")
CONCERN_STATUSES = ("open", "resolved", "withdrawn")


class Attendance(UUIDAuditBase):
    """What a kinderwerker recorded for one placed child on one day; no row means "unknown".

    ``referral_id`` and ``location_id`` repeat the placement's, so that day lists, concerns and reports read
    one table through one index instead of joining placements for every row.
    """

    __tablename__ = "attendance"
    __audited__ = True

    placement_id: Mapped[UUID] = mapped_column(ForeignKey("placements.id"))
    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id"))
    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id"))
    day: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    absence_reason: Mapped[str | None] = mapped_column(String(10), default=None)
    absence_note: Mapped[str | None] = mapped_column(Text, default=None)
    arrived_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    left_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    collected_by: Mapped[str | None] = mapped_column(String(120), default=None)
    recorded_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("placement_id", "day", name="uq_attendance_placement_day"),
        Index("ix_attendance_location_day", "location_id", "day", "status"),
        Index("ix_attendance_referral_day", "referral_id", "day", "status"),
        CheckConstraint("status IN ('present', 'absent_excused', 'absent_unexcused')", name="attendance_status_known"),
    )


class Concern(UUIDAuditBase):
    """A signaal for the coordinator: raised by the system (unexcused absence) or by a kinderwerker."""

    __tablename__ = "concerns"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id"))
    placement_id: Mapped[UUID | None] = mapped_column(ForeignKey("placements.id"), default=None)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default="open")
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    # None: raised by the system.
    raised_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    resolved_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    resolution_note: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (Index("ix_concerns_location_status", "location_id", "status", "raised_at"),)
