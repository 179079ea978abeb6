"""HTML page for the intake conversation: the coordinator records what was agreed with parent and child, and the
child goes on the waitlist. The rules are in ``intake.schemas`` and ``intake.service`` (the API uses the same)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator
from huiskamer.errors import Conflict, InvalidInput
from huiskamer.intake import form, service, siblings
from huiskamer.intake.choices import intake_choices, list_in_dutch, location_names
from huiskamer.intake.models import DIMENSIONS
from huiskamer.intake.schemas import parse_intake_input
from huiskamer.placements.pages import weekday_names
from huiskamer.referrals import service as referrals
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, form_data
from huiskamer.site.htmx import wants_fragment
from huiskamer.site.templating import page, today

URL = "/aanmeldingen/{referral_id:uuid}/intake"
SIBLINGS_URL = URL + "/broers-en-zussen"
SIBLING_SEARCH = "zoek_broer_zus"


def _chosen(values: dict[str, Any]) -> list[Any]:
    return [values.get(f"sibling_{n}") for n in range(1, form.SIBLINGS + 1)]


async def _form_page(
    request: Request[Any, Any, Any],
    actor: Actor,
    db_session: DbSession,
    referral_id: UUID,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
    sibling_search: object = None,
    chosen: dict[str, Any] | None = None,
    searched_siblings: bool = False,
) -> Template:
    """The form: as it opens (the earlier intake, or what the referrer asked), or with ``values`` as typed;
    ``chosen`` brothers and sisters instead of the linked ones, and the picker's search as typed."""
    choices = await intake_choices(db_session, actor, referral_id, today())
    names = {item.code: item.name for item in choices.catalogue}
    if values is None:
        values = form.first_values(choices.referral, choices.intake, choices.sibling_ids, names, today())
    values.update(chosen or {})
    picker = None
    if choices.can_hold_intake:  # the form is shown: its brothers and sisters to choose from
        picker = await siblings.sibling_picker(db_session, actor, choices.referral, sibling_search, _chosen(values))
    return page(
        request,
        "intake/form.html",
        status_code=status_code,
        title=f"Intakegesprek {choices.referral.child.full_name}",
        choices=choices,
        referral=choices.referral,
        child=choices.referral.child,
        values=values,
        errors=errors or {},
        notice=notice,
        goal_options=[(item.code, item.name) for item in choices.catalogue],
        dimensions=DIMENSIONS,
        own_goals=[form.own_goal_fields(n) for n in range(1, form.OWN_GOALS + 1)],
        preferences=range(1, form.PREFERENCES + 1),
        sibling_numbers=range(1, form.SIBLINGS + 1),
        weekday_names=weekday_names,
        picker=picker,
        sibling_search_field=SIBLING_SEARCH,
        searched_siblings=searched_siblings,
    )


@get(URL, name="intake_form", guards=[require_coordinator])
async def intake_form(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    return await _form_page(request, actor, db_session, referral_id)


@post(URL, name="intake_hold", guards=[require_coordinator])
async def intake_hold(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    posted = await form_data(request)
    raw = form.raw_intake(posted)
    try:
        parsed = parse_intake_input(raw.data, today=today(), catalogue=await service.catalogue_names(db_session))
        referral, _intake, _created = await service.hold_intake(
            db_session, actor, settings, referral_id, parsed, today()
        )
        data = parsed.value  # complete once the intake is held
    except InvalidInput as invalid:
        await db_session.rollback()
        return await _form_page(
            request,
            actor,
            db_session,
            referral_id,
            values=form.shown_values(posted),
            errors=form.form_errors(invalid.errors, raw),
            status_code=422,
            sibling_search=posted.get(SIBLING_SEARCH),
        )
    except Conflict as conflict:
        await db_session.rollback()
        return await _form_page(
            request,
            actor,
            db_session,
            referral_id,
            values=form.shown_values(posted),
            notice=conflict.message,
            status_code=409,
            sibling_search=posted.get(SIBLING_SEARCH),
        )
    location_id = form.first_location(data.preferred_location_ids, actor.location_ids)
    where = list_in_dutch(await location_names(db_session, data.preferred_location_ids))
    await auth_service.flash(
        db_session,
        actor,
        f"Het intakegesprek is vastgelegd: {referral.child.full_name} staat op de wachtlijst van {where}.",
    )
    target = f"/locaties/{location_id}/wachtlijst" if location_id else f"/aanmeldingen/{referral.id}"
    return Redirect(target, status_code=303)


# --- finding a brother or sister -----------------------------------------------------------------


@get(SIBLINGS_URL, name="intake_siblings", guards=[require_coordinator])
async def intake_siblings(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    zoek_broer_zus: FromQuery[str | None] = None,
    sibling_1: FromQuery[str | None] = None,
    sibling_2: FromQuery[str | None] = None,
) -> Template:
    """The choice of brothers and sisters as the coordinator types (htmx, with the choices made so far); without
    htmx the intake form with that search."""
    chosen = {"sibling_1": sibling_1 or "", "sibling_2": sibling_2 or ""}
    if not wants_fragment(request):
        return await _form_page(request, actor, db_session, referral_id, sibling_search=zoek_broer_zus, chosen=chosen)
    # The referral in scope (or 404); reading it is noted by its path, the children listed by the picker.
    referral = await referrals.get_referral(db_session, actor, referral_id, log_view=False)
    picker = await siblings.sibling_picker(db_session, actor, referral, zoek_broer_zus, _chosen(chosen))
    return page(
        request,
        "intake/_siblings.html",
        status_code=422 if picker.problem else 200,
        picker=picker,
        values=chosen,
        errors={},
        sibling_numbers=range(1, form.SIBLINGS + 1),
    )


@post(SIBLINGS_URL, name="intake_siblings_search", guards=[require_coordinator], opt={"access": "read"})
async def intake_siblings_search(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template:
    """Searching without JavaScript: the form's "Zoeken" button sends the whole form here, and it comes back as it
    was typed, with what the search found to choose from. Nothing is stored (the access log notes a read)."""
    posted = await form_data(request)
    return await _form_page(
        request,
        actor,
        db_session,
        referral_id,
        values=form.shown_values(posted),
        sibling_search=posted.get(SIBLING_SEARCH),
        searched_siblings=True,
    )


routes = [intake_form, intake_hold, intake_siblings, intake_siblings_search]
