"""The audit trail (who changed what, when) and the access log (who read which child's data, NEN 7513).

Both are hash chains: each entry carries a hash over its content and the previous entry's hash, in the order of
``seq`` (``audit.chain``), so that a changed, deleted or inserted row shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from huiskamer.db import UUIDBase


class AuditEvent(UUIDBase):
    __tablename__ = "audit_events"

    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    # No foreign key: the trail must outlive anything it mentions.
    actor_id: Mapped[UUID | None] = mapped_column(default=None, index=True)
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(10))  # insert, update, delete, redact
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The child whose data changed (a row of a child's dossier), for the child's own history and least privilege.
    child_id: Mapped[UUID | None] = mapped_column(default=None, index=True)
    # The chain: position, a hash of ``changes`` and the entry's hash (over its content and the previous hash).
    seq: Mapped[int | None] = mapped_column(BigInteger, default=None, unique=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    chain_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set when retention or erasure replaced the values in ``changes``: the chain then vouches for the
    # ``content_hash`` of what was there, and a ``redact`` entry of the chain names the redaction.
    redacted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    __table_args__ = (Index("ix_audit_events_record", "table_name", "record_id"),)


class AccessLogEntry(UUIDBase):
    """One read, change, export or print of one child's personal data by one person (NEN 7513)."""

    __tablename__ = "access_log"

    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    user_id: Mapped[UUID | None] = mapped_column(default=None)
    user_label: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    child_id: Mapped[UUID]
    action: Mapped[str] = mapped_column(String(10))  # read, change, export, print
    # Where: the page, fragment, API call or export, in words ("dossier", "wachtlijst De Vaart").
    what: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int | None] = mapped_column(BigInteger, default=None, unique=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64), default=None)

    __table_args__ = (
        Index("ix_access_log_child_at", "child_id", "at"),
        Index("ix_access_log_user_at", "user_id", "at"),
        Index("ix_access_log_at", "at"),
    )


class ChainHead(UUIDBase):
    """The last entry of each chain: writers take this row's lock to append in order, and ``audit verify``
    compares the chain's end with it (a deleted last entry shows too)."""

    __tablename__ = "chain_heads"

    chain: Mapped[str] = mapped_column(String(20), unique=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    chain_hash: Mapped[str] = mapped_column(String(64))
    # Entries past their retention term are removed from the start of the chain: the chain then starts after
    # this place, from this hash (the last removed entry's).
    pruned_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned_hash: Mapped[str | None] = mapped_column(String(64), default=None)
