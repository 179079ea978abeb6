"""Offers, placements, and the seats they hold per weekday."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDAuditBase, UUIDBase


class Offer(UUIDAuditBase):
    """A seat offered to a family; it holds the seats until accepted, declined or past ``respond_by``."""

    __tablename__ = "offers"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id"), index=True)
    weekdays: Mapped[list[str]] = mapped_column(JSON)
    start_date: Mapped[date]
    respond_by: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open accepted declined expired
    made_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    decline_reason: Mapped[str | None] = mapped_column(Text, default=None)


class Placement(UUIDAuditBase):
    """A child at one location on a set of weekdays from a start date (to an end date)."""

    __tablename__ = "placements"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id"), index=True)
    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id"), index=True)
    offer_id: Mapped[UUID | None] = mapped_column(ForeignKey("offers.id"), default=None)
    weekdays: Mapped[list[str]] = mapped_column(JSON)
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(default=None)
    end_reason_code: Mapped[str | None] = mapped_column(String(40), default=None)
    # Kept for closing the referral the day after a future end date (the internal text, and the one for the referrer).
    end_reason: Mapped[str | None] = mapped_column(Text, default=None)
    end_explanation: Mapped[str | None] = mapped_column(Text, default=None)
    placed_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),)


class SeatClaim(UUIDBase):
    """One weekday's seat held by a placement or an open offer; the capacity check counts these rows.

    An offer's claim lapses by itself after ``expires_on`` (its respond-by date), so capacity is right
    at read time even before the worker has marked the offer expired.
    """

    __tablename__ = "seat_claims"

    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id"))
    weekday: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date]
    end_date: Mapped[date | None] = mapped_column(default=None)
    expires_on: Mapped[date | None] = mapped_column(default=None)
    released_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    placement_id: Mapped[UUID | None] = mapped_column(ForeignKey("placements.id"), default=None, index=True)
    offer_id: Mapped[UUID | None] = mapped_column(ForeignKey("offers.id"), default=None, index=True)

    __table_args__ = (
        Index("ix_seat_claims_location_weekday", "location_id", "weekday", "released_at"),
        CheckConstraint("(placement_id IS NULL) <> (offer_id IS NULL)", name="one_owner"),
    )
