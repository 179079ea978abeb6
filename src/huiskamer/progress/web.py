"""HTML pages: the child's page (practical part, a few taps per observation; for the coordinator the progress
over time and the evaluations), the evaluation form, and the list of evaluations due.

The rules live in ``progress.service`` and ``progress.rules``; these handlers read the form, call one of them and
render the answer. An observation posted by htmx comes back as the goal's card; without JavaScript as a page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator
from huiskamer.errors import Conflict, InvalidInput
from huiskamer.progress import rules, service
from huiskamer.progress.schemas import parse_evaluation, parse_progress
from huiskamer.progress.service import CoordinatorView, PracticalView
from huiskamer.site.deps import CurrentActor, DbSession, form_data
from huiskamer.site.forms import typed_values
from huiskamer.site.htmx import wants_fragment
from huiskamer.site.templating import dutch_date, page, today

# How far ahead the list of evaluations due looks: the choices of its filter (days; "alle" shows every child).
WITHIN_CHOICES = {
    "14": "te laat of binnen 2 weken",
    "30": "te laat of binnen 30 dagen",
    "60": "te laat of binnen 2 maanden",
    "90": "te laat of binnen 3 maanden",
    "alle": "alle geplaatste kinderen",
}
_GOAL_FIELD = re.compile(r"^goals\.([0-9a-fA-F-]{36})\.(outcome|description)$")


def _child_context(view: PracticalView | CoordinatorView) -> dict[str, Any]:
    if isinstance(view, CoordinatorView):
        return {"child": view.practical, "coordinator": view, "title": view.full_name}
    return {"child": view, "coordinator": None, "title": view.first_name}


def _common() -> dict[str, Any]:
    return {
        "ratings": rules.RATINGS,
        "outcome_names": rules.OUTCOME_NAMES_NL,
        "goal_status_names": rules.GOAL_STATUS_NAMES_NL,
        "Due": rules.Due,
        "today": today(),
    }


# --- the child's page ----------------------------------------------------------------------------


async def _child_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    referral_id: UUID,
    *,
    status_code: int = 200,
    failed_goal: UUID | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
) -> Template:
    view = await service.child_page(db_session, actor, referral_id, today())
    return page(
        request,
        "progress/child.html",
        status_code=status_code,
        **_child_context(view),
        **_common(),
        failed_goal=failed_goal,
        errors=errors or {},
        values=values or {},
        notice=notice,
    )


@get("/kinderen/{referral_id:uuid}", name="child_page")
async def child_page(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    return await _child_page(request, actor, db_session, referral_id)


async def _goal_card(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    goal_id: UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    saved: Any = None,
    notice: str | None = None,
) -> Template:
    goal, can_record = await service.goal_view(db_session, actor, goal_id, today())
    return page(
        request,
        "progress/_goal.html",
        status_code=status_code,
        goal=goal,
        can_record=can_record,
        is_coordinator=actor.is_coordinator,
        **_common(),
        errors=errors or {},
        values=values or {},
        saved=saved,
        notice=notice,
    )


@post("/doelen/{goal_id:uuid}/voortgang", name="goal_progress_add")
async def goal_progress_add(
    request: Request[Any, Any, Any], goal_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    fragment = wants_fragment(request)
    try:
        note = await service.add_progress(db_session, actor, goal_id, parse_progress(data), today())
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        errors = refused.errors if isinstance(refused, InvalidInput) else {}
        notice = refused.message if isinstance(refused, Conflict) else None
        status = 422 if isinstance(refused, InvalidInput) else 409
        if fragment:
            return await _goal_card(
                request,
                actor,
                db_session,
                goal_id,
                status_code=status,
                errors=errors,
                values=typed_values(data),
                notice=notice,
            )
        _goal, referral_id = await service.goal_progress(db_session, actor, goal_id, today())
        return await _child_page(
            request,
            actor,
            db_session,
            referral_id,
            status_code=status,
            failed_goal=goal_id,
            errors=errors,
            values=typed_values(data),
            notice=notice,
        )
    label = f"{note.rating} {rules.RATINGS[note.rating]}"
    if fragment:
        return await _goal_card(request, actor, db_session, goal_id, saved=note)
    await auth_service.flash(db_session, actor, f"Opgeslagen: {label}.")
    return Redirect(f"/kinderen/{note.referral_id}#doel-{goal_id}", status_code=303)


# --- the evaluation with the parents -------------------------------------------------------------


def _evaluation_input(data: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as the API sends them: goals.<id>.outcome and .description become a list of goals."""
    goals: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        match = _GOAL_FIELD.match(key)
        if match:
            goals.setdefault(match.group(1), {"goal_id": match.group(1)})[match.group(2)] = value
    return {
        "held_on": data.get("held_on"),
        "note": data.get("note"),
        "next_evaluation_on": data.get("next_evaluation_on"),
        "goals": list(goals.values()),
    }


async def _evaluation_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    referral_id: UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    notice: str | None = None,
) -> Template:
    view = await service.evaluation_form(db_session, actor, referral_id, today())
    shown = values if values is not None else {"held_on": today().isoformat()}
    return page(
        request,
        "progress/evaluation_form.html",
        status_code=status_code,
        title=f"Evaluatie {view.full_name}",
        coordinator=view,
        child=view.practical,
        **_common(),
        errors=errors or {},
        values=shown,
        notice=notice,
        next_if_today=rules.next_evaluation_on(today(), view.interval_months),
    )


@get("/kinderen/{referral_id:uuid}/evaluatie", name="evaluation_form", guards=[require_coordinator])
async def evaluation_form(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    return await _evaluation_page(request, actor, db_session, referral_id)


@post("/kinderen/{referral_id:uuid}/evaluatie", name="evaluation_submit", guards=[require_coordinator])
async def evaluation_submit(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    try:
        evaluation = await service.record_evaluation(
            db_session, actor, referral_id, parse_evaluation(_evaluation_input(data)), today()
        )
    except (InvalidInput, Conflict) as refused:
        await db_session.rollback()
        if isinstance(refused, InvalidInput):
            return await _evaluation_page(
                request,
                actor,
                db_session,
                referral_id,
                status_code=422,
                errors=refused.errors,
                values=typed_values(data, dates=("held_on", "next_evaluation_on")),
            )
        return await _child_page(request, actor, db_session, referral_id, status_code=409, notice=refused.message)
    message = "De evaluatie is vastgelegd."
    if evaluation.next_evaluation_on:
        message += f" De volgende is op {dutch_date(evaluation.next_evaluation_on, 'd MMMM y')}."
    await auth_service.flash(db_session, actor, message)
    return Redirect(f"/kinderen/{referral_id}#evaluaties", status_code=303)


# --- evaluations due -----------------------------------------------------------------------------


@get("/evaluaties", name="evaluations_due", guards=[require_coordinator])
async def evaluations_due(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, binnen: FromQuery[str | None] = None
) -> Template:
    errors: dict[str, str] = {}
    choice = binnen or "30"
    if choice not in WITHIN_CHOICES:
        errors["binnen"] = "Kies een periode uit de lijst."
        choice = "30"
    within = None if choice == "alle" else timedelta(days=int(choice))
    rows = await service.evaluations_due(db_session, actor, today(), within)
    return page(
        request,
        "progress/due.html",
        status_code=422 if errors else 200,
        title="Evaluaties",
        rows=rows,
        overdue=sum(1 for row in rows if row.due is rules.Due.OVERDUE),
        choice=choice,
        choices=list(WITHIN_CHOICES.items()),
        errors=errors,
        **_common(),
    )


routes = [child_page, goal_progress_add, evaluation_form, evaluation_submit, evaluations_due]
