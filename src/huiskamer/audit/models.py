"""The audit trail: who changed (or viewed) what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDBase


class AuditEvent(UUIDBase):
    __tablename__ = "audit_events"

    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    # No foreign key: the trail must outlive anything it mentions.
    actor_id: Mapped[UUID | None] = mapped_column(default=None, index=True)
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(10))  # insert, update, delete, view
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_audit_events_record", "table_name", "record_id"),)
