"""Goal progress and evaluations: who may see a placed child, add an observation, and evaluate the goals.

Scope comes from placements: a kinderwerker sees the children with a current placement (not ended before today)
at one of their locations; a coordinator sees the children placed at their locations, also after the placement
ended (the history stays readable), and records only while it runs. Anyone else finds no child here (404).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.access import note_access
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import User
from huiskamer.db import commit_or_busy
from huiskamer.errors import Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.intake.models import Goal, Intake
from huiskamer.locations.models import Location
from huiskamer.organisation.service import current_settings
from huiskamer.placements.models import Placement
from huiskamer.placements.service import lock_location
from huiskamer.progress import rules
from huiskamer.progress.models import Evaluation, GoalEvaluation, ProgressNote
from huiskamer.progress.schemas import EvaluationInput, ProgressInput
from huiskamer.referrals.models import Child, Referral
from huiskamer.site.templating import dutch_date
from huiskamer.validation import Parsed
from huiskamer.waitlist import age_on

NOT_HERE = "Dit kind bestaat niet, of u heeft er geen toegang toe."
ENDED = "De plaatsing van dit kind is beëindigd: er kan niets meer bij."
# A second tap on "opslaan" (a double click, a retry after the network came back) stores nothing new.
REPEAT_WINDOW = timedelta(minutes=10)
MAX_EVALUATION_AHEAD = 2 * 12  # months: the next evaluation lies within two years


def _now() -> datetime:
    return datetime.now(UTC)


def _is_current(placement: Placement, today: date) -> bool:
    return placement.end_date is None or placement.end_date >= today


# --- scope ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildInScope:
    referral: Referral
    placement: Placement
    location: Location

    def is_current(self, today: date) -> bool:
        return _is_current(self.placement, today)


async def child_in_scope(db: AsyncSession, actor: Actor, referral_id: UUID, today: date) -> ChildInScope:
    """The child (its referral) with its placement at one of the actor's locations; otherwise 404.

    Of several placements in scope, the current one wins, then the latest.
    """
    if not (actor.is_youth_worker or actor.is_coordinator) or not actor.location_ids:
        raise NotFound(NOT_HERE)
    query = (
        select(Placement, Location)
        .join(Location, Location.id == Placement.location_id)
        .where(Placement.referral_id == referral_id, Placement.location_id.in_(actor.location_ids))
    )
    if actor.is_youth_worker:
        query = query.where(or_(Placement.end_date.is_(None), Placement.end_date >= today))
    rows = (await db.execute(query)).all()
    if not rows:
        raise NotFound(NOT_HERE)
    placement, location = max(rows, key=lambda row: (_is_current(row[0], today), row[0].start_date))
    referral = await db.get(Referral, referral_id)
    if referral is None:
        raise NotFound(NOT_HERE)
    return ChildInScope(referral, placement, location)


async def _goal_in_scope(db: AsyncSession, actor: Actor, goal_id: UUID, today: date) -> tuple[Goal, ChildInScope]:
    goal = await db.get(Goal, goal_id)
    if goal is None:
        raise NotFound("Dit doel bestaat niet, of u heeft er geen toegang toe.")
    try:
        scope = await child_in_scope(db, actor, goal.referral_id, today)
    except NotFound:
        raise NotFound("Dit doel bestaat niet, of u heeft er geen toegang toe.") from None
    return goal, scope


def _require_recorder(actor: Actor) -> None:
    if not (actor.is_youth_worker or actor.is_coordinator):
        raise Forbidden("Alleen kinderwerkers en coördinatoren leggen voortgang vast.")


# --- what the pages and the API show -------------------------------------------------------------


@dataclass(frozen=True)
class NoteView:
    id: UUID
    rating: int
    note: str
    observed_on: date
    recorded_by: str
    recorded_at: datetime

    @property
    def rating_label(self) -> str:
        return rules.RATINGS[self.rating]


@dataclass(frozen=True)
class GoalView:
    id: UUID
    description: str
    status: str
    set_on: date
    closed_on: date | None
    notes: tuple[NoteView, ...]  # oldest first

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def last(self) -> NoteView | None:
        return self.notes[-1] if self.notes else None

    @property
    def trend(self) -> rules.Trend:
        return rules.trend([note.rating for note in self.notes])


@dataclass(frozen=True)
class OutcomeView:
    goal_id: UUID
    goal: str
    outcome: str
    note: str | None

    @property
    def outcome_label(self) -> str:
        return rules.OUTCOME_NAMES_NL.get(self.outcome, self.outcome)


@dataclass(frozen=True)
class EvaluationView:
    id: UUID
    held_on: date
    held_by: str
    note: str | None
    next_evaluation_on: date | None
    outcomes: tuple[OutcomeView, ...]


@dataclass(frozen=True)
class PracticalView:
    """What a kinderwerker needs in the room, and nothing more: no reason, urgency, source or history."""

    referral_id: UUID
    first_name: str
    age: int
    location_id: UUID
    location_name: str
    weekdays: tuple[str, ...]
    placed_from: date
    placed_until: date | None
    collection_persons: tuple[str, ...]
    allergies: str | None
    safety_notes: str | None
    goals: tuple[GoalView, ...]
    can_record: bool
    not_allowed_collectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoordinatorView:
    practical: PracticalView
    full_name: str
    evaluations: tuple[EvaluationView, ...]  # newest first
    due_on: date | None
    due: rules.Due | None
    interval_months: int


async def _names(db: AsyncSession, ids: set[UUID]) -> dict[UUID, str]:
    if not ids:
        return {}
    rows = (await db.execute(select(User.id, User.name).where(User.id.in_(ids)))).all()
    return {row.id: row.name for row in rows}


async def _notes_by_goal(
    db: AsyncSession, goal_ids: Sequence[UUID], *, last_only: bool
) -> dict[UUID, tuple[NoteView, ...]]:
    if not goal_ids:
        return {}
    query = (
        select(ProgressNote)
        .where(ProgressNote.goal_id.in_(goal_ids))
        .order_by(ProgressNote.goal_id, ProgressNote.observed_on, ProgressNote.created_at)
    )
    notes = (await db.scalars(query)).all()
    names = await _names(db, {note.recorded_by_id for note in notes})
    grouped: dict[UUID, list[NoteView]] = {goal_id: [] for goal_id in goal_ids}
    for note in notes:
        grouped[note.goal_id].append(
            NoteView(
                note.id,
                note.rating,
                note.note or "",
                note.observed_on,
                names.get(note.recorded_by_id, "onbekend"),
                note.created_at,
            )
        )
    return {goal_id: tuple(items[-1:] if last_only else items) for goal_id, items in grouped.items()}


async def _goals(db: AsyncSession, referral_id: UUID, *, last_only: bool) -> tuple[GoalView, ...]:
    goals = (await db.scalars(select(Goal).where(Goal.referral_id == referral_id).order_by(Goal.position))).all()
    notes = await _notes_by_goal(db, [goal.id for goal in goals], last_only=last_only)
    return tuple(
        GoalView(goal.id, goal.description, goal.status, goal.set_on, goal.closed_on, notes.get(goal.id, ()))
        for goal in goals
    )


async def _practical(db: AsyncSession, scope: ChildInScope, today: date, *, last_only: bool) -> PracticalView:
    child: Child = scope.referral.child
    # The practical columns only: the whole intake would bring its goals along, which _goals reads anyway.
    practical = select(Intake.collection_persons, Intake.not_allowed_collectors, Intake.allergies, Intake.safety_notes)
    intake = (await db.execute(practical.where(Intake.referral_id == scope.referral.id))).first()
    return PracticalView(
        referral_id=scope.referral.id,
        first_name=child.given_name,
        age=age_on(child.date_of_birth, today),
        location_id=scope.location.id,
        location_name=scope.location.name,
        weekdays=tuple(scope.placement.weekdays),
        placed_from=scope.placement.start_date,
        placed_until=scope.placement.end_date,
        collection_persons=tuple(intake.collection_persons if intake else ()),
        not_allowed_collectors=tuple((intake.not_allowed_collectors or ()) if intake else ()),
        allergies=intake.allergies if intake else None,
        safety_notes=intake.safety_notes if intake else None,
        goals=await _goals(db, scope.referral.id, last_only=last_only),
        can_record=scope.is_current(today),
    )


async def _evaluations(db: AsyncSession, referral_id: UUID) -> tuple[EvaluationView, ...]:
    evaluations = (
        await db.scalars(
            select(Evaluation)
            .where(Evaluation.referral_id == referral_id)
            .order_by(Evaluation.held_on.desc(), Evaluation.created_at.desc())
        )
    ).all()
    if not evaluations:
        return ()
    rows = (
        await db.execute(
            select(GoalEvaluation, Goal.description, Goal.position)
            .join(Goal, Goal.id == GoalEvaluation.goal_id)
            .where(GoalEvaluation.evaluation_id.in_([e.id for e in evaluations]))
            .order_by(Goal.position)
        )
    ).all()
    outcomes: dict[UUID, list[OutcomeView]] = {e.id: [] for e in evaluations}
    for goal_evaluation, description, _position in rows:
        outcomes[goal_evaluation.evaluation_id].append(
            OutcomeView(goal_evaluation.goal_id, description, goal_evaluation.outcome, goal_evaluation.note)
        )
    names = await _names(db, {e.held_by_id for e in evaluations})
    return tuple(
        EvaluationView(
            e.id, e.held_on, names.get(e.held_by_id, "onbekend"), e.note, e.next_evaluation_on, tuple(outcomes[e.id])
        )
        for e in evaluations
    )


def _due(
    scope: ChildInScope, goals: Sequence[GoalView], evaluations: Sequence[EvaluationView], interval: int
) -> date | None:
    if not any(goal.is_active for goal in goals):
        return None
    last = evaluations[0] if evaluations else None
    return rules.evaluation_due_on(
        scope.placement.start_date,
        interval,
        last.held_on if last else None,
        last.next_evaluation_on if last else None,
    )


async def child_page(db: AsyncSession, actor: Actor, referral_id: UUID, today: date) -> PracticalView | CoordinatorView:
    """The child's page: the practical part for a kinderwerker; for the coordinator also the progress over time
    and the evaluations. Opening it is recorded in the audit trail."""
    scope = await child_in_scope(db, actor, referral_id, today)
    note_access(db, "kindpagina", referrals=[referral_id])
    if actor.is_youth_worker:
        return await _practical(db, scope, today, last_only=True)
    practical = await _practical(db, scope, today, last_only=False)
    evaluations = await _evaluations(db, referral_id)
    interval = (await current_settings(db)).evaluation_interval_months
    due_on = _due(scope, practical.goals, evaluations, interval) if practical.can_record else None
    return CoordinatorView(
        practical=practical,
        full_name=scope.referral.child.full_name,
        evaluations=evaluations,
        due_on=due_on,
        due=rules.due_state(due_on, today) if due_on else None,
        interval_months=interval,
    )


async def goal_progress(db: AsyncSession, actor: Actor, goal_id: UUID, today: date) -> tuple[GoalView, UUID]:
    """One goal with its observations, oldest first (for the API), and the child's referral id."""
    goal, scope = await _goal_in_scope(db, actor, goal_id, today)
    notes = await _notes_by_goal(db, [goal.id], last_only=False)
    view = GoalView(goal.id, goal.description, goal.status, goal.set_on, goal.closed_on, notes.get(goal.id, ()))
    return view, scope.referral.id


async def goal_view(db: AsyncSession, actor: Actor, goal_id: UUID, today: date) -> tuple[GoalView, bool]:
    """One goal as the child's page shows it to this actor (for the htmx swap), and whether they may record."""
    goal, scope = await _goal_in_scope(db, actor, goal_id, today)
    notes = await _notes_by_goal(db, [goal.id], last_only=actor.is_youth_worker)
    view = GoalView(goal.id, goal.description, goal.status, goal.set_on, goal.closed_on, notes.get(goal.id, ()))
    return view, scope.is_current(today)


# --- adding an observation -----------------------------------------------------------------------


async def add_progress(
    db: AsyncSession, actor: Actor, goal_id: UUID, data: ProgressInput | Parsed[ProgressInput], today: date
) -> ProgressNote:
    """A kinderwerker of the child's location, or its coordinator, records how a running goal goes (1 to 4);
    the same note sent again within a few minutes is stored once. One round: every message is raised at once."""
    parsed = Parsed.of(data)
    errors = parsed.errors
    try:
        _require_recorder(actor)
        goal, scope = await _goal_in_scope(db, actor, goal_id, today)
        if not scope.is_current(today):
            raise Conflict(ENDED)
        if goal.status != "active":
            raise Conflict("Dit doel is afgesloten: er kan geen voortgang meer bij.")
    except (Forbidden, NotFound, Conflict):
        errors.raise_if_any()  # a mistake in the input is answered first, as before one round
        raise
    if not errors.failed("observed_on"):
        observed_on = parsed.value.observed_on or today
        earliest = max(scope.placement.start_date, goal.set_on)
        if observed_on > today:
            errors.add("observed_on", "De datum kan niet in de toekomst liggen.")
        elif observed_on < earliest:
            errors.add("observed_on", f"Kies een datum vanaf {dutch_date(earliest, 'd MMMM y')}.")
    data = parsed.checked()
    observed_on = data.observed_on or today
    note_text = data.note or ""
    repeat = await db.scalar(
        select(ProgressNote)
        .where(
            ProgressNote.goal_id == goal.id,
            ProgressNote.recorded_by_id == actor.id,
            ProgressNote.observed_on == observed_on,
            ProgressNote.rating == data.rating,
            ProgressNote.note == note_text,
            ProgressNote.created_at >= _now() - REPEAT_WINDOW,
        )
        .limit(1)
    )
    if repeat is not None:
        return repeat
    note = ProgressNote(
        goal_id=goal.id,
        referral_id=goal.referral_id,
        rating=data.rating,
        note=note_text,
        observed_on=observed_on,
        recorded_by_id=actor.id,
    )
    db.add(note)
    await db.flush()
    return note


# --- the evaluation with the parents -------------------------------------------------------------


def _check_dates(data: EvaluationInput, scope: ChildInScope, today: date) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.held_on is None:
        return problems  # unreadable: its message is in data.errors
    if data.held_on > today:
        problems["held_on"] = "Het gesprek kan niet in de toekomst liggen."
    elif data.held_on < scope.placement.start_date:
        start = dutch_date(scope.placement.start_date, "d MMMM y")
        problems["held_on"] = f"Het gesprek ligt voor de plaatsing begon ({start})."
    if data.next_evaluation_on is not None:
        if data.next_evaluation_on <= data.held_on:
            problems["next_evaluation_on"] = "De volgende evaluatie ligt na dit gesprek."
        elif data.next_evaluation_on > rules.add_months(data.held_on, MAX_EVALUATION_AHEAD):
            problems["next_evaluation_on"] = "Kies een datum binnen twee jaar na dit gesprek."
    return problems


async def record_evaluation(
    db: AsyncSession, actor: Actor, referral_id: UUID, data: EvaluationInput, today: date
) -> Evaluation:
    """The coordinator records the evaluation with the parents: every running goal continues, is reached,
    adjusted (new wording, still running) or stopped; reached and stopped goals close on the date it was held.
    The next evaluation is the interval later unless another date is given (none once every goal is closed)."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator legt een evaluatie met de ouders vast.")
    scope = await child_in_scope(db, actor, referral_id, today)
    if not scope.is_current(today):
        raise Conflict(ENDED)
    # Two coordinators (or a double click) evaluating the same goals at once: the second waits and then sees
    # the goals as the first left them.
    await lock_location(db, scope.location.id)
    goals = (
        await db.scalars(
            select(Goal)
            .where(Goal.referral_id == referral_id, Goal.status == "active")
            .order_by(Goal.position)
            .execution_options(populate_existing=True)
        )
    ).all()
    problems = {**_check_dates(data, scope, today), **data.errors}
    held_on = data.held_on or today  # only to finish checking: with no date there are problems already
    by_id = {goal.id: goal for goal in goals}
    given = {outcome.goal_id: outcome for outcome in data.outcomes}
    for goal_id in given:
        if goal_id not in by_id:
            problems.setdefault(f"goals.{goal_id}.goal_id", "Dit is geen lopend doel van dit kind (meer).")
    changes: dict[UUID, rules.GoalAfter] = {}
    for goal in goals:
        outcome = given.get(goal.id)
        if outcome is None:
            problems.setdefault(f"goals.{goal.id}.outcome", "Kies wat er met dit doel gebeurt.")
            continue
        try:
            changes[goal.id] = rules.apply_outcome(
                goal.status, goal.description, outcome.outcome, held_on, outcome.description
            )
        except rules.OutcomeRefused as refused:
            problems.setdefault(f"goals.{goal.id}.description", str(refused))
    if problems:
        raise InvalidInput(problems)
    next_on = data.next_evaluation_on
    if next_on is None and rules.is_open_after({str(k): v.outcome for k, v in given.items()}):
        interval = (await current_settings(db)).evaluation_interval_months
        next_on = rules.next_evaluation_on(held_on, interval)
    evaluation = Evaluation(
        referral_id=referral_id, held_on=held_on, held_by_id=actor.id, note=data.note, next_evaluation_on=next_on
    )
    db.add(evaluation)
    await db.flush()
    for goal in goals:
        after = changes[goal.id]
        outcome = given[goal.id]
        # An adjusted goal keeps its history under its new wording; the old wording stays with this evaluation.
        note = f"Eerder: {goal.description}" if outcome.outcome == "adjusted" else None
        db.add(GoalEvaluation(evaluation_id=evaluation.id, goal_id=goal.id, outcome=outcome.outcome, note=note))
        goal.status, goal.description, goal.closed_on = after.status, after.description, after.closed_on
    await commit_or_busy(db)
    return evaluation


async def evaluations_of(db: AsyncSession, actor: Actor, referral_id: UUID, today: date) -> list[EvaluationView]:
    """The evaluations of a child in the coordinator's scope, newest first."""
    if not actor.is_coordinator:
        raise Forbidden("Evaluaties zijn er voor coördinatoren.")
    await child_in_scope(db, actor, referral_id, today)
    return list(await _evaluations(db, referral_id))


async def evaluation_form(db: AsyncSession, actor: Actor, referral_id: UUID, today: date) -> CoordinatorView:
    """What the evaluation form needs: the child, its running goals with their progress, the last evaluation."""
    if not actor.is_coordinator:
        raise Forbidden("Alleen een coördinator legt een evaluatie met de ouders vast.")
    view = await child_page(db, actor, referral_id, today)
    assert isinstance(view, CoordinatorView)
    if not view.practical.can_record:
        raise Conflict(ENDED)
    return view


# --- evaluations due -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    referral_id: UUID
    child_name: str
    location_name: str
    placed_from: date
    last_held_on: date | None
    due_on: date
    due: rules.Due
    active_goals: int


async def evaluations_due(
    db: AsyncSession, actor: Actor, today: date, within: timedelta | None = rules.SOON, limit: int | None = None
) -> list[DueRow]:
    """The children placed at the coordinator's locations whose evaluation is overdue or due within ``within``
    (``None``: all of them), soonest first. Only children with a running goal need one."""
    if not actor.is_coordinator:
        raise Forbidden("Evaluaties zijn er voor coördinatoren.")
    current = and_(
        Placement.location_id.in_(actor.location_ids or {UUID(int=0)}),
        or_(Placement.end_date.is_(None), Placement.end_date >= today),
    )
    placed = (
        await db.execute(
            select(
                Placement.referral_id,
                Placement.start_date,
                Location.name,
                Child.given_name,
                Child.family_name,
            )
            .join(Location, Location.id == Placement.location_id)
            .join(Referral, Referral.id == Placement.referral_id)
            .join(Child, Child.id == Referral.child_id)
            .where(current)
            .order_by(Placement.start_date)
        )
    ).all()
    if not placed:
        return []
    in_scope = select(Placement.referral_id).where(current)
    active = dict(
        (
            await db.execute(
                select(Goal.referral_id, func.count())
                .where(Goal.referral_id.in_(in_scope), Goal.status == "active")
                .group_by(Goal.referral_id)
            )
        ).all()
    )
    last: dict[UUID, tuple[date, date | None]] = {}
    evaluations = await db.execute(
        select(Evaluation.referral_id, Evaluation.held_on, Evaluation.next_evaluation_on)
        .where(Evaluation.referral_id.in_(in_scope))
        .order_by(Evaluation.held_on, Evaluation.created_at)
    )
    for referral_id, held_on, next_on in evaluations:
        last[referral_id] = (held_on, next_on)  # the latest wins
    interval = (await current_settings(db)).evaluation_interval_months
    rows: dict[UUID, DueRow] = {}
    for referral_id, start, location_name, given_name, family_name in placed:
        if referral_id in rows or not active.get(referral_id):
            continue  # the earliest current placement counts; no running goal, nothing to evaluate
        held_on, next_on = last.get(referral_id, (None, None))
        due_on = rules.evaluation_due_on(start, interval, held_on, next_on)
        if due_on is None:
            continue
        state = rules.due_state(due_on, today, within or rules.SOON)
        if within is not None and state is rules.Due.LATER:
            continue
        rows[referral_id] = DueRow(
            referral_id,
            f"{given_name} {family_name}",
            location_name,
            start,
            held_on,
            due_on,
            state,
            int(active[referral_id]),
        )
    ordered = sorted(rows.values(), key=lambda row: (row.due_on, row.child_name))
    shown = ordered[:limit] if limit is not None else ordered
    note_access(db, "evaluaties te doen", referrals=[row.referral_id for row in shown])
    return shown


@dataclass(frozen=True)
class DueSummary:
    rows: list[DueRow]  # the first few, soonest first
    total: int
    overdue: int


async def due_soon(db: AsyncSession, actor: Actor, today: date, shown: int = 5) -> DueSummary:
    """For the coordinator's start page: the evaluations overdue or due soon, how many, and the first few."""
    rows = await evaluations_due(db, actor, today)
    overdue = sum(1 for row in rows if row.due is rules.Due.OVERDUE)
    return DueSummary(rows[:shown], len(rows), overdue)
