"""The Actor: who is asking (user, role, location scope). Every service method takes one."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from huiskamer.auth.models import ROLE_NAMES_NL, Role, User


@dataclass(frozen=True)
class Actor:
    id: UUID
    email: str
    name: str
    role: Role
    location_ids: frozenset[UUID] = field(default_factory=frozenset)
    organisation_id: UUID | None = None
    session_id: UUID | None = None

    @classmethod
    def of(cls, user: User, session_id: UUID | None = None) -> Actor:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=Role(user.role),
            location_ids=frozenset(user.location_ids),
            organisation_id=user.organisation_id,
            session_id=session_id,
        )

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_coordinator(self) -> bool:
        return self.role is Role.COORDINATOR

    @property
    def is_youth_worker(self) -> bool:
        return self.role is Role.YOUTH_WORKER

    @property
    def is_referrer(self) -> bool:
        return self.role is Role.REFERRER

    @property
    def role_name(self) -> str:
        return ROLE_NAMES_NL[self.role]

    @property
    def first_name(self) -> str:
        return self.name.split(" ")[0]

    def can_see_location(self, location_id: UUID) -> bool:
        """Admins see all locations; staff their own. (Referrers pick from a public list of names.)"""
        return self.is_admin or location_id in self.location_ids

    def own_locations(self, location_id: UUID | None = None) -> list[UUID]:
        """The staff member's own locations, or only ``location_id`` when asked for one; a location that is not
        theirs gives none, so a query filtered by this finds nothing there (a 404, never a 403)."""
        if location_id is not None:
            return [location_id] if location_id in self.location_ids else []
        return list(self.location_ids)
