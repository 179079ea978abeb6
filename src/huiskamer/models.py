"""Imports every table, so that metadata (and Alembic) know them all."""

from huiskamer.audit.models import AuditEvent
from huiskamer.auth.models import (
    ApiToken,
    Invitation,
    LoginThrottle,
    Organisation,
    User,
    UserLocation,
    UserSession,
)
from huiskamer.intake.models import Goal, GoalCatalogueItem, Intake, SiblingLink
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.mail.models import OutboxEmail
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation, ReferralMessage, ReferralRead

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Child",
    "ClosureDay",
    "Goal",
    "GoalCatalogueItem",
    "Intake",
    "Invitation",
    "Location",
    "LocationCapacity",
    "LoginThrottle",
    "Offer",
    "Organisation",
    "OutboxEmail",
    "Placement",
    "Referral",
    "ReferralEvent",
    "ReferralLocation",
    "ReferralMessage",
    "ReferralRead",
    "SeatClaim",
    "SiblingLink",
    "User",
    "UserLocation",
    "UserSession",
]
