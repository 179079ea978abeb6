"""The intake conversation, the goal catalogue and the goals set with parent and child."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huiskamer.db import UUIDAuditBase, UUIDBase

# The six dimensions of Positieve Gezondheid, for reporting.
DIMENSIONS: dict[str, str] = {
    "lichaamsfuncties": "Lichaamsfuncties",
    "mentaal_welbevinden": "Mentaal welbevinden",
    "zingeving": "Zingeving",
    "kwaliteit_van_leven": "Kwaliteit van leven",
    "meedoen": "Meedoen",
    "dagelijks_functioneren": "Dagelijks functioneren",
}


class GoalCatalogueItem(UUIDAuditBase):
    """A goal from the organisation's catalogue (kept by the beheerder): a social skill or a theme."""

    __tablename__ = "goal_catalogue"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="social_skill")  # social_skill | theme
    dimension: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Intake(UUIDAuditBase):
    """What the coordinator agreed with parent and child; puts the child on the waitlist."""

    __tablename__ = "intakes"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), unique=True)
    held_on: Mapped[date]
    held_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    urgency: Mapped[str] = mapped_column(String(10))
    urgency_reason: Mapped[str | None] = mapped_column(Text, default=None)
    requested_weekdays: Mapped[list[str]] = mapped_column(JSON, default=list)
    minimum_days: Mapped[int] = mapped_column(Integer)
    consent_data_processing: Mapped[bool] = mapped_column(Boolean)
    collection_persons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Who may NOT collect the child (a parent without custody, say): a pick-up by one of them warns and raises a
    # concern at once.
    not_allowed_collectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    allergies: Mapped[str | None] = mapped_column(Text, default=None)
    safety_notes: Mapped[str | None] = mapped_column(Text, default=None)

    goals: Mapped[list[Goal]] = relationship(
        back_populates="intake", cascade="all, delete-orphan", lazy="selectin", order_by="Goal.position"
    )


class Goal(UUIDAuditBase):
    """A learning goal of one child, from the catalogue or in the child's own words."""

    __tablename__ = "goals"
    __audited__ = True

    intake_id: Mapped[UUID] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(40), default=None)
    description: Mapped[str] = mapped_column(String(300))
    dimension: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | reached | adjusted | stopped
    # The date of the evaluation that marked it reached or stopped (reports count goals reached per period).
    closed_on: Mapped[date | None] = mapped_column(default=None)
    set_on: Mapped[date]
    position: Mapped[int] = mapped_column(Integer, default=0)

    intake: Mapped[Intake] = relationship(back_populates="goals")


class SiblingLink(UUIDBase):
    """Brothers and sisters: stored both ways, so either child finds the other with one lookup."""

    __tablename__ = "sibling_links"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    sibling_referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))

    __table_args__ = (UniqueConstraint("referral_id", "sibling_referral_id"),)
