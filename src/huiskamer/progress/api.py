"""JSON API: progress on goals and the evaluations with the parents (api-v1.md "Attendance and progress").

``POST /api/v1/goals/{goal_id}/progress`` is the contract; the rest are extras: a goal's observations, a child's
practical view (what a kinderwerker may see), the evaluations of a child and the evaluations due.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath

from huiskamer.auth.guards import require_coordinator
from huiskamer.errors import InvalidInput
from huiskamer.progress import rules, service
from huiskamer.progress.schemas import (
    ChildOut,
    DueList,
    EvaluationIn,
    EvaluationList,
    EvaluationOut,
    GoalProgress,
    ProgressIn,
    ProgressOut,
    parse_evaluation,
    parse_progress,
)
from huiskamer.progress.service import CoordinatorView, EvaluationView, GoalView, NoteView, PracticalView
from huiskamer.site.apidoc import api_doc, query
from huiskamer.site.deps import CurrentActor, DbSession, json_body
from huiskamer.site.templating import today

MAX_WITHIN_DAYS = 366


async def require_team(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Kinderwerkers and coordinators; a referrer or beheerder may never see a child's progress (403)."""
    actor = connection.scope.get("user")
    if actor is None or not (actor.is_youth_worker or actor.is_coordinator):
        raise PermissionDeniedException("Voortgang is er voor kinderwerkers en coördinatoren.")


def note_json(note: NoteView) -> dict[str, Any]:
    return {
        "id": str(note.id),
        "rating": note.rating,
        "rating_label": note.rating_label,
        "note": note.note,
        "observed_on": note.observed_on.isoformat(),
        "recorded_by": note.recorded_by,
        "recorded_at": note.recorded_at.isoformat(),
    }


def goal_json(goal: GoalView) -> dict[str, Any]:
    return {
        "id": str(goal.id),
        "description": goal.description,
        "status": goal.status,
        "set_on": goal.set_on.isoformat(),
        "closed_on": goal.closed_on.isoformat() if goal.closed_on else None,
        "progress": [note_json(note) for note in goal.notes],
    }


def evaluation_json(evaluation: EvaluationView) -> dict[str, Any]:
    return {
        "id": str(evaluation.id),
        "held_on": evaluation.held_on.isoformat(),
        "held_by": evaluation.held_by,
        "note": evaluation.note,
        "next_evaluation_on": evaluation.next_evaluation_on.isoformat() if evaluation.next_evaluation_on else None,
        "goals": [
            {"goal_id": str(o.goal_id), "description": o.goal, "outcome": o.outcome, "note": o.note}
            for o in evaluation.outcomes
        ],
    }


def practical_json(view: PracticalView) -> dict[str, Any]:
    """Only the practical part: what a kinderwerker may see (no reason, urgency, source or history)."""
    return {
        "referral_id": str(view.referral_id),
        "given_name": view.first_name,
        "age": view.age,
        "location_id": str(view.location_id),
        "weekdays": list(view.weekdays),
        "placed_from": view.placed_from.isoformat(),
        "placed_until": view.placed_until.isoformat() if view.placed_until else None,
        "collection_persons": list(view.collection_persons),
        "not_allowed_collectors": list(view.not_allowed_collectors),
        "allergies": view.allergies,
        "safety_notes": view.safety_notes,
        "goals": [goal_json(goal) for goal in view.goals],
    }


@post(
    "/api/v1/goals/{goal_id:uuid}/progress",
    name="api_goal_progress_add",
    tags=["progress"],
    guards=[require_team],
    **api_doc(ProgressOut, status=201, body=ProgressIn, errors=(403, 404, 409, 422)),
)
async def add_progress(
    request: Request[Any, Any, Any], goal_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    data = parse_progress(await json_body(request))
    note = await service.add_progress(db_session, actor, goal_id, data, today())
    return {
        "id": str(note.id),
        "goal_id": str(note.goal_id),
        "referral_id": str(note.referral_id),
        "rating": note.rating,
        "rating_label": rules.RATINGS[note.rating],
        "note": note.note,
        "observed_on": note.observed_on.isoformat(),
    }


@get(
    "/api/v1/goals/{goal_id:uuid}/progress",
    name="api_goal_progress",
    tags=["progress"],
    guards=[require_team],
    **api_doc(GoalProgress, errors=(403, 404)),
)
async def goal_progress(goal_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    goal, referral_id = await service.goal_progress(db_session, actor, goal_id, today())
    body = goal_json(goal)
    progress = body.pop("progress")
    return {"goal_id": body.pop("id"), "referral_id": str(referral_id), **body, "items": progress}


@get(
    "/api/v1/children/{referral_id:uuid}",
    name="api_child",
    tags=["progress"],
    guards=[require_team],
    **api_doc(ChildOut, errors=(403, 404)),
)
async def child(referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    view = await service.child_page(db_session, actor, referral_id, today())
    if isinstance(view, CoordinatorView):
        return {
            **practical_json(view.practical),
            "child_name": view.full_name,
            "evaluations": [evaluation_json(e) for e in view.evaluations],
            "next_evaluation_on": view.due_on.isoformat() if view.due_on else None,
            "evaluation_due": view.due.value if view.due else None,
        }
    return practical_json(view)


@get(
    "/api/v1/referrals/{referral_id:uuid}/evaluations",
    name="api_evaluations",
    tags=["progress"],
    guards=[require_coordinator],
    **api_doc(EvaluationList, errors=(403, 404)),
)
async def evaluations(referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    found = await service.evaluations_of(db_session, actor, referral_id, today())
    return {"items": [evaluation_json(e) for e in found]}


@post(
    "/api/v1/referrals/{referral_id:uuid}/evaluations",
    name="api_evaluation_add",
    tags=["progress"],
    guards=[require_coordinator],
    **api_doc(EvaluationOut, status=201, body=EvaluationIn, errors=(403, 404, 409, 422)),
)
async def add_evaluation(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    data = parse_evaluation(await json_body(request))
    evaluation = await service.record_evaluation(db_session, actor, referral_id, data, today())
    found = await service.evaluations_of(db_session, actor, referral_id, today())
    return next(evaluation_json(e) for e in found if e.id == evaluation.id)


@get(
    "/api/v1/evaluations/due",
    name="api_evaluations_due",
    tags=["progress"],
    guards=[require_coordinator],
    **api_doc(DueList, errors=(403, 422)),
)
async def evaluations_due(
    actor: CurrentActor,
    db_session: DbSession,
    within_days: Annotated[
        str | None,
        query(
            f"Binnen zoveel dagen (0 tot {MAX_WITHIN_DAYS}; standaard binnenkort), of all.",
            pattern=r"^(all|0*[0-9]{1,3})$",
        ),
    ] = None,
) -> dict[str, Any]:
    within: timedelta | None = rules.SOON
    if within_days == "all":
        within = None
    elif within_days not in (None, ""):
        if not within_days.isdigit() or not 0 <= int(within_days) <= MAX_WITHIN_DAYS:
            raise InvalidInput({"within_days": f"Geef een aantal dagen van 0 tot {MAX_WITHIN_DAYS}, of 'all'."})
        within = timedelta(days=int(within_days))
    rows = await service.evaluations_due(db_session, actor, today(), within)
    return {
        "items": [
            {
                "referral_id": str(row.referral_id),
                "child_name": row.child_name,
                "location_name": row.location_name,
                "placed_from": row.placed_from.isoformat(),
                "last_evaluation_on": row.last_held_on.isoformat() if row.last_held_on else None,
                "due_on": row.due_on.isoformat(),
                "overdue": row.due is rules.Due.OVERDUE,
                "active_goals": row.active_goals,
            }
            for row in rows
        ]
    }


routes = [add_progress, goal_progress, child, evaluations, add_evaluation, evaluations_due]
