"""Children, referrals (aanmeldingen), their history, messages and read markers."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from huiskamer.db import UUIDAuditBase, UUIDBase


class Child(UUIDAuditBase):
    """A child as referred. The same child referred twice is linked to one record by the coordinator."""

    __tablename__ = "children"
    __audited__ = True

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date]
    postcode: Mapped[str] = mapped_column(String(7))
    neighbourhood: Mapped[str | None] = mapped_column(String(100), default=None)
    school: Mapped[str | None] = mapped_column(String(160), default=None)
    # Lower-cased, accent-free "given family" for finding possible duplicates with an index.
    match_key: Mapped[str] = mapped_column(String(210))
    # Set when the coordinator confirmed that a same-name-same-birthday child is someone else.
    distinct_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when retention or erasure anonymised the child (``retention.service``): names, contact details, postcode,
    # school and free texts are gone, the date of birth is reduced to the year.
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    __table_args__ = (Index("ix_children_match", "match_key", "date_of_birth"),)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Referral(UUIDAuditBase):
    __tablename__ = "referrals"
    __audited__ = True

    child_id: Mapped[UUID] = mapped_column(ForeignKey("children.id"), index=True)
    submitted_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[UUID | None] = mapped_column(ForeignKey("organisations.id"), default=None)
    source: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    guardian_informed: Mapped[bool] = mapped_column(Boolean)
    guardian_name: Mapped[str] = mapped_column(String(160))
    guardian_phone: Mapped[str] = mapped_column(String(32))
    guardian_email: Mapped[str | None] = mapped_column(String(254), default=None)
    requested_weekdays: Mapped[list[str]] = mapped_column(JSON, default=list)
    no_location_preference: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    status_changed_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    intake_planned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # The day the intake put the child on the waitlist; kept when a family declines an offer.
    waiting_since: Mapped[date | None] = mapped_column(default=None)
    # Bumped on every change the referrer can see (status, message), for the unread marker.
    referrer_visible_change_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))

    child: Mapped[Child] = relationship(lazy="joined")
    locations: Mapped[list[ReferralLocation]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", lazy="selectin", order_by="ReferralLocation.rank"
    )

    __table_args__ = (
        Index("ix_referrals_submitter_submitted", "submitted_by_id", "submitted_at"),
        Index("ix_referrals_status_submitted", "status", "submitted_at"),
        # A coordinator's inbox counts and sorts their location's referrals by status and date: read from this
        # index alone, without fetching the (wide) rows (benchmarks/bench_referrals.py).
        Index("ix_referrals_id_status_submitted", "id", "status", "submitted_at"),
    )

    @property
    def location_ids(self) -> list[UUID]:
        return [link.location_id for link in self.locations]


class ReferralLocation(UUIDBase):
    """A location the referral is for: preferred by the referrer (in order), or derived from the neighbourhood."""

    __tablename__ = "referral_locations"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    location_id: Mapped[UUID] = mapped_column(ForeignKey("locations.id"))
    rank: Mapped[int] = mapped_column(Integer, default=1)
    referral: Mapped[Referral] = relationship(back_populates="locations")

    __table_args__ = (
        UniqueConstraint("referral_id", "location_id"),
        # The coordinator's inbox starts from their locations.
        Index("ix_referral_locations_location", "location_id", "referral_id"),
    )


class ReferralEvent(UUIDBase):
    """One step in the history: who moved the referral from which status to which, when and why."""

    __tablename__ = "referral_events"

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    actor_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_label: Mapped[str] = mapped_column(String(300))
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(40), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    # For a rejection or closing: what the coordinator wrote for the referrer (``reason`` stays internal).
    explanation: Mapped[str | None] = mapped_column(Text, default=None)
    planned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ReferralMessage(UUIDBase):
    """A short message between the coordinator and the referrer; never intake content."""

    __tablename__ = "referral_messages"
    __audited__ = True

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    author_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(160))
    from_referrer: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)


class ReferralRead(UUIDBase):
    """When a user last opened a referral: what changed since then is unread."""

    __tablename__ = "referral_reads"

    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))

    __table_args__ = (
        UniqueConstraint("user_id", "referral_id"),
        # When a coordinator last opened a referral (its messages read): looked up per referral, not per user.
        Index("ix_referral_reads_referral_seen", "referral_id", "seen_at"),
    )
