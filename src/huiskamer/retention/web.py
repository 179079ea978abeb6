"""Retention pages: the beheerder's terms with the preview of the coming month and the requests for erasure;
on a child's access page, the hold (bewaarplicht) and the coordinator's request for erasure."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from huiskamer.audit import privacy
from huiskamer.audit.access import ACTIONS_NL
from huiskamer.auth import service as auth_service
from huiskamer.auth.guards import require_admin, require_coordinator, require_coordinator_or_admin
from huiskamer.errors import Conflict
from huiskamer.retention import service
from huiskamer.site.deps import CurrentActor, DbSession, form_data
from huiskamer.site.templating import page, today

CHILD = "/aanmeldingen/{referral_id:uuid}"


async def _terms_page(
    request: Request[Any, Any, Any],
    db: DbSession,
    actor: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Template:
    chosen = await service.terms(db)
    on = today()
    due = await service.due_children(db, service.coming_month(on))
    requests = await service.open_requests(db, actor)
    return page(
        request,
        "retention/terms.html",
        status_code=status_code,
        title="Bewaartermijnen",
        kinds=service.KINDS,
        values=values or {key: str(months) for key, months in chosen.items()},
        errors=errors or {},
        due=due,
        until=service.coming_month(on),
        requests=requests,
        notice=notice,
    )


@get("/beheer/bewaartermijnen", name="retention_terms", guards=[require_admin])
async def retention_terms(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    return await _terms_page(request, db_session, actor)


@post("/beheer/bewaartermijnen", name="retention_terms_save", guards=[require_admin])
async def retention_terms_save(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    chosen, errors = service.read_terms(data)
    if errors:
        values = {kind.key: data.get(kind.key) if isinstance(data.get(kind.key), str) else "" for kind in service.KINDS}
        return await _terms_page(request, db_session, actor, values=values, errors=errors, status_code=422)
    await service.save_terms(db_session, actor, chosen)
    await auth_service.flash(db_session, actor, "De bewaartermijnen zijn opgeslagen.")
    return Redirect("/beheer/bewaartermijnen", status_code=303)


@post(
    "/beheer/bewaartermijnen/verzoeken/{request_id:uuid}",
    name="erasure_decide",
    guards=[require_admin],
    opt={"access": "change", "access_what": "verzoek om verwijdering afgehandeld"},
)
async def erasure_decide(
    request: Request[Any, Any, Any], request_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    carry_out = data.get("besluit") == "uitvoeren"
    note, errors = service.read_reason(data, "toelichting")
    if data.get("besluit") not in {"uitvoeren", "afwijzen"}:
        errors = {"toelichting": "Kies: uitvoeren of afwijzen."}
    if errors:
        return await _terms_page(request, db_session, actor, errors=errors, status_code=422)
    try:
        await service.decide_erasure(db_session, actor, request_id, carry_out=carry_out, note=note)
    except Conflict as refused:
        await db_session.rollback()
        return await _terms_page(request, db_session, actor, status_code=409, notice=refused.message)
    done = "De gegevens van het kind zijn geanonimiseerd." if carry_out else "Het verzoek is afgewezen."
    await auth_service.flash(db_session, actor, done)
    return Redirect("/beheer/bewaartermijnen", status_code=303)


# --- on a child's access page -------------------------------------------------------------------------------------


async def child_privacy_page(
    request: Request[Any, Any, Any],
    db: DbSession,
    actor: Any,
    referral_id: UUID,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Template:
    child = await privacy.child_of(db, actor, referral_id)
    page_number = request.query_params.get("pagina")
    number = (
        int(page_number) if isinstance(page_number, str) and page_number.isdigit() and int(page_number) < 100_000 else 1
    )
    found = await privacy.access_of_child(db, child.child_id, page=max(number, 1))
    return page(
        request,
        "audit/child_access.html",
        status_code=status_code,
        title=f"Wie heeft het dossier van {child.name} ingezien",
        child=child,
        found=found,
        actions=ACTIONS_NL,
        role_name=privacy.role_name,
        holds=await service.holds_of(db, child.child_id),
        values=values or {},
        errors=errors or {},
        notice=notice,
    )


@post(f"{CHILD}/bewaarplicht", name="hold_place", guards=[require_coordinator_or_admin])
async def hold_place(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    reason, errors = service.read_reason(data, "reden_bewaarplicht")
    if errors:
        return await child_privacy_page(
            request,
            db_session,
            actor,
            referral_id,
            values={"reden_bewaarplicht": reason},
            errors=errors,
            status_code=422,
        )
    await service.place_hold(db_session, actor, referral_id, reason)
    await auth_service.flash(db_session, actor, "De bewaarplicht staat: de gegevens worden niet geanonimiseerd.")
    return Redirect(f"/aanmeldingen/{referral_id}/inzage", status_code=303)


@post(f"{CHILD}/bewaarplicht/{{hold_id:uuid}}/opheffen", name="hold_lift", guards=[require_coordinator_or_admin])
async def hold_lift(
    referral_id: FromPath[UUID], hold_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Redirect:
    await service.lift_hold(db_session, actor, referral_id, hold_id)
    await auth_service.flash(db_session, actor, "De bewaarplicht is opgeheven.")
    return Redirect(f"/aanmeldingen/{referral_id}/inzage", status_code=303)


@post(f"{CHILD}/verwijderverzoek", name="erasure_request", guards=[require_coordinator])
async def erasure_request(
    request: Request[Any, Any, Any], referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    data = await form_data(request)
    reason, errors = service.read_reason(data, "reden_verwijderen")
    if errors:
        return await child_privacy_page(
            request,
            db_session,
            actor,
            referral_id,
            values={"reden_verwijderen": reason},
            errors=errors,
            status_code=422,
        )
    try:
        await service.request_erasure(db_session, actor, referral_id, reason)
    except Conflict as refused:
        await db_session.rollback()
        return await child_privacy_page(
            request, db_session, actor, referral_id, status_code=409, notice=refused.message
        )
    await auth_service.flash(db_session, actor, "Het verzoek om verwijdering staat klaar voor de beheerder.")
    return Redirect(f"/aanmeldingen/{referral_id}/inzage", status_code=303)


routes = [retention_terms, retention_terms_save, erasure_decide, hold_place, hold_lift, erasure_request]
