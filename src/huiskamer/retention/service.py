"""Retention and anonymisation (AVG art. 5(1)(e) and 17).

A child's data are kept as long as one of its referrals needs them: a referral that never led to a placement until
its term after it closed, a placement's records until their term after the placement ended. When every referral of
the child has passed its term (and no hold stands), the worker anonymises the child: names, contact details,
postcode, school and every free text go, the date of birth is reduced to the year; what the reports count stays
(locations, sources, neighbourhood, dates, statuses, goal dimensions, attendance), so every figure of every past
period is the same before and after. The audit trail's values of the child's rows are redacted with it
(``audit.redact``). Erasure on request does the same at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.attendance.models import Attendance, AttendanceTap, Concern, ConcernStep
from huiskamer.audit import hook
from huiskamer.audit.chain import prune_access_log
from huiskamer.audit.redact import REDACTED, redact_audit_values
from huiskamer.audit.subject_access import child_rows
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import SecurityEvent
from huiskamer.errors import Conflict, Forbidden, NotFound
from huiskamer.intake.models import Goal, Intake
from huiskamer.placements.models import Offer, Placement
from huiskamer.progress.models import Evaluation, GoalEvaluation, ProgressNote
from huiskamer.referrals.models import Child, Referral, ReferralEvent, ReferralLocation, ReferralMessage
from huiskamer.retention.models import ErasureRequest, RetentionHold, RetentionTerm
from huiskamer.validation import FieldErrors

TERMINAL = ("closed", "rejected", "withdrawn")
ANONYMOUS_NAME = "(geanonimiseerd)"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    default_months: int
    minimum_months: int
    reason: str


KINDS: tuple[Kind, ...] = (
    Kind(
        "referral_not_placed",
        "Aanmelding die niet tot een plaatsing leidde",
        12,
        1,
        "Na het afsluiten (afgewezen, ingetrokken of afgesloten zonder plaatsing) nog nodig om vragen van de "
        "verwijzer of de ouders te beantwoorden en een nieuwe aanmelding van hetzelfde kind te herkennen; daarna "
        "niet meer.",
    ),
    Kind(
        "placement_records",
        "Gegevens van een plaatsing",
        24,
        1,
        "Intake, doelen, voortgang, aanwezigheid, evaluaties en signalen blijven na het einde van de plaatsing "
        "nodig voor de evaluatie met de ouders, de verantwoording aan de gemeente en een eventuele terugkeer van "
        "het kind.",
    ),
    Kind(
        "access_log",
        "Toegangslog (wie heeft wat ingezien)",
        60,
        60,
        "NEN 7513 vraagt het toegangslog ten minste vijf jaar te bewaren, zodat ouders en de functionaris "
        "gegevensbescherming kunnen nagaan wie de gegevens van een kind heeft ingezien.",
    ),
    Kind(
        "security_log",
        "Beveiligingslog",
        12,
        6,
        "Mislukte inlogpogingen en andere beveiligingsgebeurtenissen bevatten e-mailadressen en IP-adressen; een "
        "jaar is genoeg om misbruik te onderzoeken.",
    ),
)
KIND_BY_KEY = {kind.key: kind for kind in KINDS}
MAX_MONTHS = 240


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for last in (31, 30, 29, 28):
        with contextlib.suppress(ValueError):
            return date(year, month, min(day.day, last))
    return date(year, month, 28)


# --- the terms ---------------------------------------------------------------------------------------------------


async def terms(db: AsyncSession) -> dict[str, int]:
    """Months per kind: the beheerder's, else the default."""
    chosen = dict((await db.execute(select(RetentionTerm.kind, RetentionTerm.months))).all())
    return {kind.key: int(chosen.get(kind.key, kind.default_months)) for kind in KINDS}


def read_terms(data: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, str]]:
    errors = FieldErrors()
    found: dict[str, int] = {}
    for kind in KINDS:
        raw = data.get(kind.key)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text.isdigit() or len(text) > 4:
            errors.add(kind.key, "Vul een aantal maanden in, als heel getal.")
            continue
        months = int(text)
        if months < kind.minimum_months:
            unit = "maand" if kind.minimum_months == 1 else "maanden"
            errors.add(kind.key, f"Ten minste {kind.minimum_months} {unit}.")
        elif months > MAX_MONTHS:
            errors.add(kind.key, f"Hoogstens {MAX_MONTHS} maanden (twintig jaar).")
        else:
            found[kind.key] = months
    return found, errors.errors


async def save_terms(db: AsyncSession, actor: Actor, chosen: Mapping[str, int]) -> None:
    if not actor.is_admin:
        raise Forbidden
    existing = {row.kind: row for row in (await db.scalars(select(RetentionTerm))).all()}
    for key, months in chosen.items():
        row = existing.get(key)
        if row is None:
            db.add(RetentionTerm(kind=key, months=months))
        elif row.months != months:
            row.months = months
    await db.commit()


# --- which children are due --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    child_id: UUID
    due_on: date
    referral_ids: tuple[UUID, ...]
    locations: tuple[str, ...]
    last_day: date  # the referral closed or the placement ended


async def due_children(db: AsyncSession, until: date) -> list[Due]:
    """The children whose every referral has passed its term by ``until`` (none active, none held, not anonymised
    yet), soonest first."""
    chosen = await terms(db)
    ended = (
        select(Placement.referral_id, func.max(Placement.end_date).label("ended"), func.count().label("placements"))
        .group_by(Placement.referral_id)
        .subquery()
    )
    rows = await db.execute(
        select(
            Referral.child_id,
            Referral.id,
            Referral.status,
            Referral.status_changed_at,
            ended.c.ended,
            ended.c.placements,
        )
        .join(Child, Child.id == Referral.child_id)
        .outerjoin(ended, ended.c.referral_id == Referral.id)
        .where(Child.anonymised_at.is_(None), ~Child.id.in_(select(RetentionHold.child_id)))
    )
    per_child: dict[UUID, list[tuple[UUID, date | None, date | None]]] = {}
    for child_id, referral_id, status, changed_at, placement_end, placements in rows.all():
        last_day, due_on = _referral_due(status, changed_at, placement_end, placements or 0, chosen)
        per_child.setdefault(child_id, []).append((referral_id, last_day, due_on))
    found = []
    for child_id, referrals in per_child.items():
        if any(due_on is None for _, _, due_on in referrals):
            continue  # a referral still runs
        due_on = max(due for _, _, due in referrals if due is not None)
        if due_on <= until:
            last = max(day for _, day, _ in referrals if day is not None)
            found.append(Due(child_id, due_on, tuple(r for r, _, _ in referrals), (), last))
    found.sort(key=lambda due: due.due_on)
    return await _with_locations(db, found)


def _referral_due(
    status: str, changed_at: datetime, placement_end: date | None, placements: int, chosen: Mapping[str, int]
) -> tuple[date | None, date | None]:
    """(the last day, the day its term ends) of one referral; (None, None) while it runs."""
    if status not in TERMINAL:
        return None, None
    if placements:
        if placement_end is None:
            return None, None
        last = max(placement_end, changed_at.date())
        return last, add_months(last, chosen["placement_records"])
    last = changed_at.date()
    return last, add_months(last, chosen["referral_not_placed"])


async def _with_locations(db: AsyncSession, found: list[Due]) -> list[Due]:
    from huiskamer.locations.models import Location

    ids = [r for due in found for r in due.referral_ids]
    names: dict[UUID, list[str]] = {}
    for start in range(0, len(ids), 500):
        rows = await db.execute(
            select(ReferralLocation.referral_id, Location.name)
            .join(Location, Location.id == ReferralLocation.location_id)
            .where(ReferralLocation.referral_id.in_(ids[start : start + 500]))
            .order_by(ReferralLocation.rank)
        )
        for referral_id, name in rows.all():
            names.setdefault(referral_id, []).append(name)
    return [
        Due(
            due.child_id,
            due.due_on,
            due.referral_ids,
            tuple(dict.fromkeys(n for r in due.referral_ids for n in names.get(r, []))),
            due.last_day,
        )
        for due in found
    ]


# --- anonymising -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _values_not_recorded() -> Iterator[None]:
    """The anonymisation's own changes go into the audit trail as which fields changed, without the old values
    (which are what must go)."""
    token = hook.MASK_ALL.set(True)
    try:
        yield
    finally:
        hook.MASK_ALL.reset(token)


async def anonymise_child(db: AsyncSession, child_id: UUID, *, reason: str) -> None:
    """Anonymises one child, in the caller's transaction."""
    child = await db.get(Child, child_id)
    if child is None or child.anonymised_at is not None:
        return
    referrals = list((await db.scalars(select(Referral.id).where(Referral.child_id == child_id))).all())
    rows = await child_rows(db, child_id)  # every row of the dossier, for the audit trail's redaction
    now = datetime.now(UTC)
    with _values_not_recorded():
        await db.execute(
            update(Child)
            .where(Child.id == child_id)
            .values(
                given_name=ANONYMOUS_NAME,
                family_name="",
                postcode="",
                school=None,
                match_key="",
                date_of_birth=date(child.date_of_birth.year, 1, 1),
                anonymised_at=now,
            )
        )
        if referrals:
            await _clear_dossier(db, referrals)
        await db.execute(update(ErasureRequest).where(ErasureRequest.child_id == child_id).values(reason=REDACTED))
    for table_name, record_ids in rows.items():
        await redact_audit_values(db, table_name, record_ids, reason=reason)


async def _clear_dossier(db: AsyncSession, referrals: Sequence[UUID]) -> None:
    of = Referral.id.in_(referrals)
    await db.execute(
        update(Referral).where(of).values(reason="", guardian_name="", guardian_phone="", guardian_email=None)
    )
    await db.execute(
        update(ReferralEvent).where(ReferralEvent.referral_id.in_(referrals)).values(reason=None, explanation=None)
    )
    await db.execute(
        update(Placement).where(Placement.referral_id.in_(referrals)).values(end_reason=None, end_explanation=None)
    )
    await db.execute(update(ReferralMessage).where(ReferralMessage.referral_id.in_(referrals)).values(text=""))
    await db.execute(
        update(Intake)
        .where(Intake.referral_id.in_(referrals))
        .values(
            urgency_reason=None, collection_persons=[], not_allowed_collectors=[], allergies=None, safety_notes=None
        )
    )
    await db.execute(update(Goal).where(Goal.referral_id.in_(referrals)).values(description=""))
    await db.execute(update(ProgressNote).where(ProgressNote.referral_id.in_(referrals)).values(note=""))
    evaluations = select(Evaluation.id).where(Evaluation.referral_id.in_(referrals))
    await db.execute(update(Evaluation).where(Evaluation.referral_id.in_(referrals)).values(note=None))
    await db.execute(update(GoalEvaluation).where(GoalEvaluation.evaluation_id.in_(evaluations)).values(note=None))
    await db.execute(
        update(Attendance).where(Attendance.referral_id.in_(referrals)).values(absence_note=None, collected_by=None)
    )
    placements = select(Placement.id).where(Placement.referral_id.in_(referrals))
    await db.execute(update(AttendanceTap).where(AttendanceTap.placement_id.in_(placements)).values(change={}))
    concerns = select(Concern.id).where(Concern.referral_id.in_(referrals))
    await db.execute(update(Concern).where(Concern.referral_id.in_(referrals)).values(text="", resolution_note=None))
    await db.execute(update(ConcernStep).where(ConcernStep.concern_id.in_(concerns)).values(note=""))
    await db.execute(update(Offer).where(Offer.referral_id.in_(referrals)).values(decline_reason=None))


@dataclass(frozen=True)
class RunResult:
    anonymised: int
    access_log_removed: int
    security_log_removed: int


async def run(db: AsyncSession, today: date, *, dry_run: bool = False) -> RunResult:
    """The daily job: anonymises what passed its term, removes log entries past theirs. Commits."""
    due = await due_children(db, today)
    chosen = await terms(db)
    if dry_run:
        return RunResult(len(due), 0, 0)
    with hook.acting_as(hook.AuditActor(id=None, label="bewaartermijn (systeem)")):
        for item in due:
            await anonymise_child(db, item.child_id, reason="bewaartermijn verstreken")
            await db.commit()
        horizon = datetime.combine(add_months(today, -chosen["access_log"]), datetime.min.time(), tzinfo=UTC)
        removed = await prune_access_log(db, horizon)
        security_horizon = datetime.combine(add_months(today, -chosen["security_log"]), datetime.min.time(), tzinfo=UTC)
        gone = (await db.execute(delete(SecurityEvent).where(SecurityEvent.at < security_horizon))).rowcount
        await db.commit()
    return RunResult(len(due), removed, int(gone or 0))


# --- holds and erasure -------------------------------------------------------------------------------------------


async def _child_in_scope(db: AsyncSession, actor: Actor, referral_id: UUID) -> tuple[UUID, UUID]:
    from huiskamer.audit.privacy import child_of

    child = await child_of(db, actor, referral_id)
    return child.referral_id, child.child_id


async def holds_of(db: AsyncSession, child_id: UUID) -> list[RetentionHold]:
    return list(
        await db.scalars(select(RetentionHold).where(RetentionHold.child_id == child_id).order_by(RetentionHold.set_at))
    )


def read_reason(data: Mapping[str, Any], field: str = "reden") -> tuple[str, dict[str, str]]:
    raw = data.get(field)
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    if len(text) < 5:
        return text, {field: "Schrijf de reden op (ten minste een paar woorden)."}
    if len(text) > 1000:
        return text, {field: "Houd de reden korter dan 1000 tekens."}
    if any(ch < " " for ch in text):
        return text, {field: "De reden bevat tekens die niet in een tekst horen."}
    return text, {}


async def place_hold(db: AsyncSession, actor: Actor, referral_id: UUID, reason: str) -> None:
    _, child_id = await _child_in_scope(db, actor, referral_id)
    db.add(RetentionHold(child_id=child_id, reason=reason, set_by_id=actor.id, set_at=datetime.now(UTC)))
    await db.commit()


async def lift_hold(db: AsyncSession, actor: Actor, referral_id: UUID, hold_id: UUID) -> None:
    _, child_id = await _child_in_scope(db, actor, referral_id)
    hold = await db.scalar(select(RetentionHold).where(RetentionHold.id == hold_id, RetentionHold.child_id == child_id))
    if hold is None:
        raise NotFound
    await db.delete(hold)
    await db.commit()


async def request_erasure(db: AsyncSession, actor: Actor, referral_id: UUID, reason: str) -> None:
    if not actor.is_coordinator:
        raise Forbidden
    referral, child_id = await _child_in_scope(db, actor, referral_id)
    open_request = await db.scalar(
        select(ErasureRequest.id).where(ErasureRequest.child_id == child_id, ErasureRequest.status == "requested")
    )
    if open_request is not None:
        raise Conflict("Er staat al een verzoek om verwijdering open voor dit kind.")
    db.add(
        ErasureRequest(
            child_id=child_id,
            referral_id=referral,
            reason=reason,
            requested_by_id=actor.id,
            requested_at=datetime.now(UTC),
        )
    )
    await db.commit()


async def open_requests(db: AsyncSession, actor: Actor) -> list[ErasureRequest]:
    if not actor.is_admin:
        raise Forbidden
    return list(
        (
            await db.scalars(
                select(ErasureRequest).where(ErasureRequest.status == "requested").order_by(ErasureRequest.requested_at)
            )
        ).all()
    )


async def decide_erasure(db: AsyncSession, actor: Actor, request_id: UUID, *, carry_out: bool, note: str) -> None:
    """The beheerder carries the request out (the same anonymisation, at once) or refuses it with a reason. A hold
    on the child stops it: the duty to keep comes first (AVG art. 17(3))."""
    if not actor.is_admin:
        raise Forbidden
    request = await db.get(ErasureRequest, request_id)
    if request is None or request.status != "requested":
        raise NotFound("Dit verzoek bestaat niet of is al afgehandeld.")
    if carry_out and await holds_of(db, request.child_id):
        raise Conflict("Voor dit kind geldt een bewaarplicht; hef die eerst op of wijs het verzoek af.")
    request.status = "carried_out" if carry_out else "refused"
    request.decided_by_id = actor.id
    request.decided_at = datetime.now(UTC)
    request.decision_note = note
    await db.flush()
    if carry_out:
        await anonymise_child(db, request.child_id, reason="verwijderd op verzoek (AVG art. 17)")
    await db.commit()


def coming_month(today: date) -> date:
    return today + timedelta(days=31)
