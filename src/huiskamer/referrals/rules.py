"""The life of a referral as pure rules: statuses, the moves between them, and what each move needs.

No I/O: the service asks these rules whether a move is allowed and what it must record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    INTAKE_PLANNED = "intake_planned"
    INTAKE_DONE = "intake_done"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    PLACED = "placed"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_NAMES_NL: dict[str, str] = {
    Status.SUBMITTED: "ingediend",
    Status.IN_REVIEW: "in behandeling",
    Status.INTAKE_PLANNED: "intake gepland",
    Status.INTAKE_DONE: "intake gehouden",
    Status.WAITLISTED: "wachtlijst",
    Status.OFFERED: "plaats aangeboden",
    Status.PLACED: "geplaatst",
    Status.CLOSED: "afgesloten",
    Status.REJECTED: "afgewezen",
    Status.WITHDRAWN: "ingetrokken",
}

TERMINAL: frozenset[Status] = frozenset({Status.CLOSED, Status.REJECTED, Status.WITHDRAWN})
# The referrals that wait for the coordinator (the inbox's "open"): from then on the waitlist, the offers and the
# placements pages follow the child.
AWAITING_COORDINATOR: frozenset[Status] = frozenset(
    {Status.SUBMITTED, Status.IN_REVIEW, Status.INTAKE_PLANNED, Status.INTAKE_DONE}
)

# Where each status may go (the coordinator's moves; withdrawal by the referrer is separate).
MOVES: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.IN_REVIEW, Status.REJECTED}),
    Status.IN_REVIEW: frozenset({Status.INTAKE_PLANNED, Status.INTAKE_DONE, Status.REJECTED}),
    Status.INTAKE_PLANNED: frozenset({Status.INTAKE_PLANNED, Status.INTAKE_DONE, Status.REJECTED}),
    Status.INTAKE_DONE: frozenset({Status.WAITLISTED, Status.REJECTED}),
    Status.WAITLISTED: frozenset({Status.OFFERED, Status.PLACED, Status.CLOSED}),
    Status.OFFERED: frozenset({Status.PLACED, Status.WAITLISTED, Status.CLOSED}),
    Status.PLACED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# Moves that carry data of their own (an intake, an offer, a placement) go through their own action,
# never through a bare status change.
NEEDS_OWN_ACTION: dict[Status, str] = {
    Status.INTAKE_DONE: "Leg het intakegesprek vast; daarmee komt de aanmelding op de wachtlijst.",
    Status.WAITLISTED: "Een kind komt op de wachtlijst door het intakegesprek vast te leggen.",
    Status.OFFERED: "Bied een plaats aan via de wachtlijst van de locatie.",
    Status.PLACED: "Plaats een kind via de wachtlijst of door een aanbod te laten accepteren.",
}

# An open offer or a placement holds seats: leaving those statuses goes through the action that frees them.
HOLDS_SEATS: dict[Status, str] = {
    Status.OFFERED: "Er staat een aanbod open. Leg eerst het antwoord van de familie vast.",
    Status.PLACED: "Beëindig de plaatsing met een einddatum en een reden; daarmee wordt de aanmelding afgesloten.",
}

WITHDRAWABLE: frozenset[Status] = frozenset(
    {Status.SUBMITTED, Status.IN_REVIEW, Status.INTAKE_PLANNED, Status.INTAKE_DONE, Status.WAITLISTED, Status.OFFERED}
)

CLOSE_REASONS: dict[str, str] = {
    "goals_reached": "doelen behaald",
    "moved_to_bso": "door naar de bso",
    "referred_to_youth_care": "doorverwezen naar jeugdhulp",
    "moved_house": "verhuisd",
    "aged_out": "te oud (12+)",
    "guardian_stopped": "ouders gestopt",
    "no_contact": "geen contact",
    "other": "anders",
}
REJECT_REASONS: dict[str, str] = {
    "outside_target_group": "buiten de doelgroep",
    "outside_area": "buiten het werkgebied",
    "needs_specialist_care": "specialistische zorg nodig",
    "no_consent": "geen toestemming",
    "duplicate": "dubbele aanmelding",
    "other": "anders",
}
REASONS_FOR: dict[Status, dict[str, str]] = {Status.CLOSED: CLOSE_REASONS, Status.REJECTED: REJECT_REASONS}


class MoveRefused(Exception):
    """The current status does not allow this move (409 in the API)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MoveRequest:
    to: Status
    reason_code: str | None = None
    reason: str | None = None
    planned_at: datetime | None = None
    # For a rejection or closing: a text for the referrer; ``reason`` is internal and never shown to them.
    explanation: str | None = None


def status_name(status: str) -> str:
    return STATUS_NAMES_NL.get(status, status)


def allowed_moves(current: Status) -> frozenset[Status]:
    return MOVES[current]


def coordinator_actions(current: Status) -> list[Status]:
    """The moves a coordinator can make with a plain status change, in the order of the life of a referral."""
    if current in HOLDS_SEATS:
        return []
    order = list(Status)
    return sorted((s for s in MOVES[current] if s not in NEEDS_OWN_ACTION), key=order.index)


# A planned intake lies ahead; a few minutes back is a clock that runs behind, not a date in the past.
PLANNING_GRACE = timedelta(minutes=5)


def check_move(
    current: Status,
    request: MoveRequest,
    *,
    via_own_action: bool = False,
    now: datetime | None = None,
    submitted_at: datetime | None = None,
) -> dict[str, str]:
    """Raises MoveRefused when the status does not allow the move; returns per-field problems of the request.
    ``now``: the moment of the move, against which a planned intake must lie ahead; ``submitted_at``: the
    referral's submission, before which no intake can lie (both left out in rules' tests that are about statuses
    only)."""
    if current in TERMINAL:
        raise MoveRefused(f"Deze aanmelding is {status_name(current)}; de status kan niet meer veranderen.")
    if request.to not in MOVES[current]:
        raise MoveRefused(f"Van '{status_name(current)}' kan een aanmelding niet naar '{status_name(request.to)}'.")
    if request.to in NEEDS_OWN_ACTION and not via_own_action:
        raise MoveRefused(NEEDS_OWN_ACTION[request.to])
    if current in HOLDS_SEATS and not via_own_action:
        raise MoveRefused(HOLDS_SEATS[current])
    problems: dict[str, str] = {}
    reasons = REASONS_FOR.get(request.to)
    if reasons is not None:
        if not request.reason_code:
            problems["reason_code"] = "Kies een reden."
        elif request.reason_code not in reasons:
            problems["reason_code"] = "Kies een reden uit de lijst."
        elif request.reason_code == "other" and not request.reason:
            problems["reason"] = "Licht de reden 'anders' toe."
    elif request.reason_code:
        problems["reason_code"] = "Bij deze stap hoort geen reden uit de lijst."
    if request.to is Status.INTAKE_PLANNED and request.planned_at is None:
        problems["planned_at"] = "Vul de datum en tijd van het intakegesprek in."
    elif request.planned_at is not None and now is not None and request.planned_at < now - PLANNING_GRACE:
        problems["planned_at"] = "Een intakegesprek plant u vooruit: kies een datum en tijd die nog moeten komen."
    elif request.planned_at is not None and submitted_at is not None and request.planned_at < submitted_at:
        problems["planned_at"] = "Het intakegesprek kan niet vóór de aanmelding liggen: kies een latere datum en tijd."
    return problems


def check_withdrawal(current: Status) -> None:
    if current is Status.PLACED:
        raise MoveRefused("Het kind is al geplaatst; intrekken kan niet meer. Stuur de coördinator een bericht.")
    if current not in WITHDRAWABLE:
        raise MoveRefused(f"Deze aanmelding is {status_name(current)}; intrekken kan niet meer.")
