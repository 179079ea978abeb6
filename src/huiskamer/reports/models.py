"""The story of a period (the *vertellen* beside the *tellen*): a short anonymised text for the municipality."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDAuditBase


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
