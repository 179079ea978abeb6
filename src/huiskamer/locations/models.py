"""Locations (huiskamers), their capacity per weekday and their closure days."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huiskamer.db import UUIDAuditBase, UUIDBase

if TYPE_CHECKING:
    from huiskamer.auth.models import UserLocation


class Location(UUIDAuditBase):
    __tablename__ = "locations"
    __audited__ = True

    name: Mapped[str] = mapped_column(String(120), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    neighbourhoods: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_age: Mapped[int] = mapped_column(default=4)
    max_age: Mapped[int] = mapped_column(default=12)
    active: Mapped[bool] = mapped_column(default=True)

    capacities: Mapped[list[LocationCapacity]] = relationship(
        back_populates="location", cascade="all, delete-orphan", lazy="selectin", order_by="LocationCapacity.weekday"
    )
    closure_days: Mapped[list[ClosureDay]] = relationship(
        back_populates="location", cascade="all, delete-orphan", lazy="selectin", order_by="ClosureDay.day"
    )
    staff: Mapped[list[UserLocation]] = relationship(back_populates="location", lazy="raise", viewonly=True)

    __table_args__ = (CheckConstraint("min_age >= 0 AND min_age <= max_age", name="age_range"),)

    def capacity_by_weekday(self) -> dict[str, int]:
        from huiskamer.validation import WEEKDAYS

        seats = {weekday: 0 for weekday in WEEKDAYS}
        for capacity in self.capacities:
            seats[capacity.weekday] = capacity.seats
        return seats


class LocationCapacity(UUIDBase):
    """Seats per weekday; a weekday without a row has no seats."""

    __tablename__ = "location_capacities"
    __audited__ = True

    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[str] = mapped_column(String(3))
    seats: Mapped[int] = mapped_column(default=0)
    location: Mapped[Location] = relationship(back_populates="capacities")

    __table_args__ = (
        UniqueConstraint("location_id", "weekday"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
    )


class ClosureDay(UUIDBase):
    __tablename__ = "closure_days"
    __audited__ = True

    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    description: Mapped[str] = mapped_column(String(120), default="")
    location: Mapped[Location] = relationship(back_populates="closure_days")

    __table_args__ = (UniqueConstraint("location_id", "day"),)
