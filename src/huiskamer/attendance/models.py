"""Attendance per child and day, and the concerns (signalen) raised for the coordinator."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDAuditBase, UUIDBase

ATTENDANCE_STATUSES = ("present", "absent_excused", "absent_unexcused")
ABSENCE_REASONS = ("ill", "family", "other")
CONCERN_KINDS = ("unexcused_absence", "observation", "pickup", "safeguarding")
# Shown on top of the coordinator's lists and sent by e-mail at once: a child's safety may be at stake today.
URGENT_CONCERN_KINDS = frozenset({"pickup", "safeguarding"})
# The five steps of the Meldcode huiselijk geweld en kindermishandeling, worked through for a safeguarding concern.
MELDCODE_STEPS = (1, 2, 3, 4, 5)
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


class AttendanceTap(UUIDBase):
    """One tap as a phone (or form, or API client) sent it, stored once by its id: the history of a child's day.

    The record of the day follows the tap with the latest ``tapped_at`` (the phone's clock; the greatest id breaks
    a tie), whatever the order in which taps arrive; an older tap that arrives later is kept here and changes
    nothing. ``id`` is the tap id the phone made (the server makes one for a tap that has none).
    """

    __tablename__ = "attendance_taps"

    placement_id: Mapped[UUID] = mapped_column(ForeignKey("placements.id"))
    day: Mapped[date]
    tapped_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    recorded_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    # What the tap said (status, reason, times, who collected), as JSON-safe values; absent keys were not sent.
    change: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Whether the record followed it (False: an older tap that arrived after a newer one, or refused).
    applied: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (Index("ix_attendance_taps_placement_day", "placement_id", "day", "tapped_at"),)


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

    @property
    def urgent(self) -> bool:
        return self.kind in URGENT_CONCERN_KINDS


class ConcernStep(UUIDAuditBase):
    """A step of the Meldcode that the coordinator took for a safeguarding concern: when, and what came of it."""

    __tablename__ = "concern_steps"
    __audited__ = True

    concern_id: Mapped[UUID] = mapped_column(ForeignKey("concerns.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    done_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("concern_id", "step", name="uq_concern_steps_step"),
        CheckConstraint("step BETWEEN 1 AND 5", name="concern_steps_step_known"),
    )
