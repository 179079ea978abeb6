"""Imports every table, so that metadata (and Alembic) know them all."""

from huiskamer.attendance.models import Attendance, AttendanceTap, Concern, ConcernStep
from huiskamer.audit.models import AuditEvent
from huiskamer.auth.models import (
    ApiToken,
    Invitation,
    KeptForm,
    LoginThrottle,
    Organisation,
    SecurityEvent,
    User,
    UserLocation,
    UserSession,
)
from huiskamer.intake.models import Goal, GoalCatalogueItem, Intake, SiblingLink
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from huiskamer.mail.models import OutboxEmail
from huiskamer.organisation.models import OrganisationSettings
from huiskamer.placements.models import Offer, Placement, SeatClaim
from huiskamer.progress.models import Evaluation, GoalEvaluation, ProgressNote
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation, ReferralMessage, ReferralRead
from huiskamer.reports.models import ATTENDANCE_MONTHS, REPORT_CACHE, REPORT_CHANGES, ReportStory
from huiskamer.retention.models import ErasureRequest, RetentionHold, RetentionTerm

__all__ = [
    "ATTENDANCE_MONTHS",
    "REPORT_CACHE",
    "REPORT_CHANGES",
    "ApiToken",
    "Attendance",
    "AttendanceTap",
    "AuditEvent",
    "Child",
    "ClosureDay",
    "Concern",
    "ConcernStep",
    "ErasureRequest",
    "Evaluation",
    "Goal",
    "GoalCatalogueItem",
    "GoalEvaluation",
    "Intake",
    "Invitation",
    "KeptForm",
    "Location",
    "LocationCapacity",
    "LoginThrottle",
    "Offer",
    "Organisation",
    "OrganisationSettings",
    "OutboxEmail",
    "Placement",
    "ProgressNote",
    "Referral",
    "ReferralEvent",
    "ReferralLocation",
    "ReferralMessage",
    "ReferralRead",
    "ReportStory",
    "RetentionHold",
    "RetentionTerm",
    "SeatClaim",
    "SecurityEvent",
    "SiblingLink",
    "User",
    "UserLocation",
    "UserSession",
]
