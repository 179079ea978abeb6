"""The security log: failed and slowed-down log-ins and second steps, second factors added, removed and reset,
recovery codes used, API tokens made and revoked, accounts turned off and on again. Written by the auth services,
read by the beheerder (``/beheer/beveiliging``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.auth.models import SecurityEvent, SecurityEventKind, User
from huiskamer.errors import Forbidden

KIND_LABELS = {
    SecurityEventKind.LOGIN_FAILED: "Inloggen mislukt",
    SecurityEventKind.LOGIN_SLOWED: "Inloggen vertraagd (te veel pogingen)",
    SecurityEventKind.TOKEN_CREATED: "API-sleutel gemaakt",
    SecurityEventKind.TOKEN_REVOKED: "API-sleutel ingetrokken",
    SecurityEventKind.TOKENS_REVOKED: "Alle API-sleutels ingetrokken",
    SecurityEventKind.SECOND_FACTOR_FAILED: "Tweede stap mislukt",
    SecurityEventKind.SECOND_FACTOR_SLOWED: "Tweede stap vertraagd (te veel pogingen)",
    SecurityEventKind.SECOND_FACTOR_ADDED: "Tweede factor toegevoegd",
    SecurityEventKind.SECOND_FACTOR_REMOVED: "Tweede factor verwijderd",
    SecurityEventKind.SECOND_FACTOR_RESET: "Tweede factor opnieuw ingesteld door de beheerder",
    SecurityEventKind.RECOVERY_CODE_USED: "Herstelcode gebruikt",
    SecurityEventKind.RECOVERY_CODES_RENEWED: "Nieuwe herstelcodes gemaakt",
    SecurityEventKind.LOGIN: "Ingelogd",
    SecurityEventKind.AUDIT_READ: "Audittrail of toegangslog ingezien",
    SecurityEventKind.AUDIT_CHAIN_INTACT: "Controle audittrail en toegangslog: intact",
    SecurityEventKind.AUDIT_CHAIN_BROKEN: "Controle audittrail en toegangslog: BESCHADIGD",
    SecurityEventKind.ACCOUNT_DEACTIVATED: "Account uitgezet",
    SecurityEventKind.ACCOUNT_REACTIVATED: "Account weer aangezet",
}
PAGE_SIZE = 100


async def record(
    db: AsyncSession,
    kind: SecurityEventKind,
    *,
    user_id: UUID | None = None,
    email: str = "",
    address: str | None = None,
    detail: str = "",
) -> None:
    db.add(
        SecurityEvent(
            at=datetime.now(UTC),
            kind=kind.value,
            user_id=user_id,
            email=email[:254],
            address=(address or "")[:64],
            detail=detail[:300],
        )
    )


@dataclass(frozen=True)
class ShownEvent:
    at: datetime
    kind: str
    label: str
    email: str
    user_name: str | None
    address: str
    detail: str


async def latest(db: AsyncSession, actor: Actor, *, kind: str | None, page: int) -> tuple[list[ShownEvent], bool]:
    """The newest events first (of one kind when asked), a page at a time; whether there are more."""
    if not actor.is_admin:
        raise Forbidden
    query = (
        select(SecurityEvent, User.name)
        .outerjoin(User, User.id == SecurityEvent.user_id)
        .order_by(SecurityEvent.at.desc(), SecurityEvent.id)
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    )
    if kind:
        query = query.where(SecurityEvent.kind == kind)
    rows = (await db.execute(query)).all()
    shown = [
        ShownEvent(
            at=event.at,
            kind=event.kind,
            label=KIND_LABELS.get(SecurityEventKind(event.kind), event.kind),
            email=event.email,
            user_name=name,
            address=event.address,
            detail=event.detail,
        )
        for event, name in rows[:PAGE_SIZE]
    ]
    return shown, len(rows) > PAGE_SIZE
