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
from huiskamer.intake.models import GoalCatalogueItem, Goal, Intake, SiblingLink
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.mail.models import OutboxEmail
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation, ReferralMessage, ReferralRead

__all__ = [
    "Goal",
    "GoalCatalogueItem",
    "Intake",
    "Offer",
    "Placement",
    "SeatClaim",
    "SiblingLink",
    "Child",
    "Referral",
    "ReferralEvent",
    "ReferralLocation",
    "ReferralMessage",
    "ReferralRead",
    "ApiToken",
    "AuditEvent",
    "ClosureDay",
    "Invitation",
    "Location",
    "LocationCapacity",
    "LoginThrottle",
    "Organisation",
    "OutboxEmail",
    "User",
    "UserLocation",
    "UserSession",
]
