"""Retention (AVG art. 5(1)(e)): terms per kind of record, holds (bewaarplicht) and requests for erasure."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDAuditBase


class RetentionTerm(UUIDAuditBase):
    """The beheerder's term for one kind of record, in months (a kind without a row keeps its default)."""

    __tablename__ = "retention_terms"
    __audited__ = True

    kind: Mapped[str] = mapped_column(String(40), unique=True)
    months: Mapped[int] = mapped_column(Integer)


class RetentionHold(UUIDAuditBase):
    """A duty to keep (bewaarplicht): while it stands the child's data are not anonymised, whatever the term."""

    __tablename__ = "retention_holds"
    __audited__ = True

    child_id: Mapped[UUID] = mapped_column(ForeignKey("children.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class ErasureRequest(UUIDAuditBase):
    """A family's request to erase the child's data (AVG art. 17): asked by the coordinator with a reason, carried
    out (or refused, with a reason) by the beheerder."""

    __tablename__ = "erasure_requests"
    __audited__ = True

    child_id: Mapped[UUID] = mapped_column(ForeignKey("children.id"), index=True)
    referral_id: Mapped[UUID] = mapped_column(ForeignKey("referrals.id"))
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="requested")  # requested, carried_out, refused
    decided_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)
