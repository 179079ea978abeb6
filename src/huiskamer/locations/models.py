"""Locations (huiskamers), their capacity per weekday and their closure days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huiskamer.db import UUIDAuditBase, UUIDBase

# The date from which capacities count that were set before capacity had a date: "from the start".
ALWAYS = date(2000, 1, 1)
ONE_DAY = timedelta(days=1)

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

    def capacity_by_weekday(self, on: date | None = None) -> dict[str, int]:
        """The seats per weekday valid on ``on`` (default: today in Amsterdam)."""
        from huiskamer.validation import WEEKDAYS

        if on is None:
            from huiskamer.site.templating import today

            on = today()
        seats = {weekday: 0 for weekday in WEEKDAYS}
        since = {weekday: ALWAYS - ONE_DAY for weekday in WEEKDAYS}
        for capacity in self.capacities:
            if since[capacity.weekday] < capacity.valid_from <= on:
                seats[capacity.weekday] = capacity.seats
                since[capacity.weekday] = capacity.valid_from
        return seats

    def capacity_steps(self) -> dict[str, list[tuple[date, int]]]:
        """Per weekday, (valid from, seats) earliest first: each holds until the next one starts."""
        from huiskamer.validation import WEEKDAYS

        steps: dict[str, list[tuple[date, int]]] = {weekday: [] for weekday in WEEKDAYS}
        for capacity in sorted(self.capacities, key=lambda row: row.valid_from):
            steps[capacity.weekday].append((capacity.valid_from, capacity.seats))
        return steps

    def capacity_schedule(self) -> list[tuple[date, dict[str, int]]]:
        """Every date on which some weekday's capacity changes, with the seats of all weekdays from then on."""
        starts = sorted({capacity.valid_from for capacity in self.capacities})
        return [(start, self.capacity_by_weekday(start)) for start in starts]

    def closure_on(self, day: date) -> ClosureDay | None:
        """The closure that covers ``day``, if any."""
        return next(
            (closure for closure in self.closure_days if closure.day <= day <= (closure.last_day or closure.day)), None
        )


class LocationCapacity(UUIDBase):
    """Seats per weekday from a date on, until the next row of that weekday starts; before the first row (or
    without one) a weekday has no seats. Rows that came before capacity had dates count from ``ALWAYS``."""

    __tablename__ = "location_capacities"
    __audited__ = True

    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[str] = mapped_column(String(3))
    seats: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date] = mapped_column(default=ALWAYS, server_default=ALWAYS.isoformat())
    location: Mapped[Location] = relationship(back_populates="capacities")

    __table_args__ = (
        UniqueConstraint("location_id", "weekday", "valid_from", name="uq_location_capacities_valid_from"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
    )


class ClosureDay(UUIDBase):
    """The location is closed from ``day`` to ``last_day`` (both included; one day: the same date)."""

    __tablename__ = "closure_days"
    __audited__ = True

    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    # Left out: a one-day closure.
    last_day: Mapped[date] = mapped_column(default=lambda context: context.get_current_parameters()["day"])
    description: Mapped[str] = mapped_column(String(120), default="")
    location: Mapped[Location] = relationship(back_populates="closure_days")

    __table_args__ = (UniqueConstraint("location_id", "day"), CheckConstraint("last_day >= day", name="range_order"))

    @property
    def days(self) -> int:
        return ((self.last_day or self.day) - self.day).days + 1
