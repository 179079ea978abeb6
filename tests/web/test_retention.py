"""Retention and anonymisation: every report figure is the same before and after; nothing that names or reaches
the child is left in any text column; terms, holds and erasure on request work as the coordinator and beheerder
use them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, String, Text, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.audit.chain import check
from huiskamer.db import metadata
from huiskamer.placements.models import Placement, SeatClaim
from huiskamer.referrals.models import Child, Referral
from huiskamer.reports import figures
from huiskamer.reports.rules import Period
from huiskamer.retention import service
from huiskamer.site.templating import today
from tests.attendance_helpers import make_cast, place_child, signed_in
from tests.conftest import empty_database
from tests.factories import in_session, post_form
from tests.service.reports_helpers import add_crowd, build_world

# --- every figure the same, nothing left ------------------------------------------------------------------------

periods = st.builds(
    lambda year, month, months: Period(
        date(year, month, 1), service.add_months(date(year, month, 1), months) - timedelta(days=1)
    ),
    st.sampled_from([2023, 2024]),
    st.integers(1, 12),
    st.sampled_from([1, 3, 12]),
)


def _personal_texts(settings_: Any) -> dict[UUID, list[str]]:
    """What names or reaches each child: names, postcode, school, the guardian, the free texts of its dossier."""

    async def work(db: AsyncSession) -> dict[UUID, list[str]]:
        found: dict[UUID, list[str]] = {}
        rows = await db.execute(
            select(Child.id, Child.given_name, Child.family_name, Child.school, Referral.guardian_name,
                   Referral.guardian_phone, Referral.guardian_email, Referral.reason)
            .join(Referral, Referral.child_id == Child.id)
        )  # fmt: skip
        for child_id, *values in rows.all():
            found.setdefault(child_id, []).extend(v for v in values if v and len(v) > 3)
        return found

    return in_session(settings_, work)


def _every_text(sync_engine: Any, skip: set[str]) -> str:
    """Every text and JSON value of every table, as one string to search."""
    parts: list[str] = []
    with sync_engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                parts.extend(
                    json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value for value in row
                )
    return "\n".join(part for part in parts if part)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(crowd=st.integers(0, 12), chosen=st.lists(periods, min_size=1, max_size=4), scope_pick=st.integers(0, 2))
def test_every_figure_is_the_same_after_anonymisation_and_nothing_personal_is_left(
    test_settings, sync_engine, crowd, chosen, scope_pick
):
    empty_database(sync_engine)
    world = build_world(test_settings)
    if crowd:
        add_crowd(test_settings, world, children=crowd)
    scope = figures.Scope([(world.a,), (world.b,), None][scope_pick])
    personal = _personal_texts(test_settings)

    async def figures_of(db: AsyncSession) -> list[Any]:
        return [await figures.summary(db, scope, period, with_waitlist=False) for period in chosen] + [
            await figures.trends(db, scope, period) for period in chosen
        ]

    before = in_session(test_settings, figures_of)

    async def anonymise_all(db: AsyncSession) -> None:
        for child_id in (await db.scalars(select(Child.id))).all():
            await service.anonymise_child(db, child_id, reason="test")

    in_session(test_settings, anonymise_all)
    assert in_session(test_settings, figures_of) == before
    everything = _every_text(sync_engine, skip={"locations", "goal_catalogue"})
    left = {value for values in personal.values() for value in values if value in everything}
    assert left == set()
    assert all(report.broken is None for report in in_session(test_settings, check))


# --- terms, holds, erasure -------------------------------------------------------------------------------------


def _closed(settings_: Any, cast: Any, *, placed_until: date | None, closed_on: date, name: str) -> UUID:
    """A child whose one referral closed on ``closed_on`` (after a placement that ended ``placed_until``)."""

    async def work(db: AsyncSession) -> UUID:
        placed = await place_child(
            db,
            location_id=cast.a,
            coordinator_id=cast.coordinator_a,
            given_name=name,
            family_name="Termijn",
            start=(placed_until or closed_on) - timedelta(days=100),
            end=placed_until,
        )
        moment = datetime.combine(closed_on, datetime.min.time(), tzinfo=UTC)
        status = "closed" if placed_until else "rejected"
        await db.execute(
            update(Referral).where(Referral.id == placed.referral_id).values(status=status, status_changed_at=moment)
        )
        if placed_until is None:  # never placed: only the referral
            await db.execute(delete(SeatClaim).where(SeatClaim.placement_id == placed.placement_id))
            await db.execute(delete(Placement).where(Placement.id == placed.placement_id))
        return placed.referral_id

    return in_session(settings_, work)


def _name_of(settings_: Any, referral_id: UUID) -> str:
    async def work(db: AsyncSession) -> str:
        child = await db.scalar(
            select(Child).join(Referral, Referral.child_id == Child.id).where(Referral.id == referral_id)
        )
        return child.given_name

    return in_session(settings_, work)


def test_the_worker_anonymises_what_passed_its_term_and_a_hold_stops_it(test_settings, client):
    cast = make_cast(test_settings, with_tokens=False)
    on = today()
    old_rejection = _closed(test_settings, cast, placed_until=None, closed_on=on - timedelta(days=400), name="Oud")
    young_rejection = _closed(test_settings, cast, placed_until=None, closed_on=on - timedelta(days=300), name="Jong")
    long_ended = _closed(
        test_settings, cast, placed_until=on - timedelta(days=800), closed_on=on - timedelta(days=799), name="Lang"
    )
    recently_ended = _closed(
        test_settings, cast, placed_until=on - timedelta(days=600), closed_on=on - timedelta(days=599), name="Recent"
    )
    held = _closed(test_settings, cast, placed_until=None, closed_on=on - timedelta(days=500), name="Bewaard")

    signed_in(test_settings, client, cast.coordinator_a)
    refused = post_form(
        client,
        f"/aanmeldingen/{held}/bewaarplicht",
        {"reden_bewaarplicht": "x"},
        form_page=f"/aanmeldingen/{held}/inzage",
    )
    assert refused.status_code == 422 and "ten minste een paar woorden" in refused.text
    placed = post_form(
        client,
        f"/aanmeldingen/{held}/bewaarplicht",
        {"reden_bewaarplicht": "Melding bij Veilig Thuis gedaan; bewaren tot het onderzoek klaar is."},
        form_page=f"/aanmeldingen/{held}/inzage",
    )
    assert placed.status_code == 303
    assert "Melding bij Veilig Thuis" in client.get(f"/aanmeldingen/{held}/inzage").text

    client.cookies.clear()
    signed_in(test_settings, client, cast.admin)
    preview = client.get("/beheer/bewaartermijnen").text
    assert "Wordt geanonimiseerd" in preview and "Oud" not in preview  # no names for the beheerder

    async def due(db: AsyncSession) -> set[UUID]:
        return {r for item in await service.due_children(db, on) for r in item.referral_ids}

    assert in_session(test_settings, due) == {old_rejection, long_ended}

    async def run(db: AsyncSession) -> service.RunResult:
        return await service.run(db, on)

    assert in_session(test_settings, run).anonymised == 2
    assert _name_of(test_settings, old_rejection) == service.ANONYMOUS_NAME
    assert _name_of(test_settings, long_ended) == service.ANONYMOUS_NAME
    for kept in (young_rejection, recently_ended, held):
        assert _name_of(test_settings, kept) != service.ANONYMOUS_NAME
    assert in_session(test_settings, run).anonymised == 0  # nothing twice
    assert all(report.broken is None for report in in_session(test_settings, check))


def test_the_beheerder_sets_terms_with_their_reasons_and_bad_input_stays(test_settings, client):
    cast = make_cast(test_settings, with_tokens=False)
    signed_in(test_settings, client, cast.admin)
    page = client.get("/beheer/bewaartermijnen").text
    assert "NEN 7513" in page and 'value="60"' in page and 'value="12"' in page
    values = {"referral_not_placed": "6", "placement_records": "36", "access_log": "12", "security_log": "twaalf"}
    bad = post_form(client, "/beheer/bewaartermijnen", values)
    assert bad.status_code == 422
    assert "Ten minste 60 maanden" in bad.text and "als heel getal" in bad.text and 'value="36"' in bad.text
    values.update(access_log="72", security_log="12")
    assert post_form(client, "/beheer/bewaartermijnen", values).status_code == 303

    async def chosen(db: AsyncSession) -> dict[str, int]:
        return await service.terms(db)

    assert in_session(test_settings, chosen) == {
        "referral_not_placed": 6,
        "placement_records": 36,
        "access_log": 72,
        "security_log": 12,
    }
    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_a)
    assert client.get("/beheer/bewaartermijnen").status_code == 403


def test_erasure_is_asked_by_the_coordinator_and_carried_out_by_the_beheerder(test_settings, client):
    cast = make_cast(test_settings, with_tokens=False)
    on = today()
    referral = _closed(test_settings, cast, placed_until=None, closed_on=on - timedelta(days=10), name="Wissen")
    for who in (cast.youth_worker_a, cast.referrer):
        client.cookies.clear()
        signed_in(test_settings, client, who)
        answer = post_form(
            client,
            f"/aanmeldingen/{referral}/verwijderverzoek",
            {"reden_verwijderen": "Ouders vragen het."},
            form_page="/",
        )
        assert answer.status_code in {403, 404}
    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_b)
    other = post_form(
        client, f"/aanmeldingen/{referral}/verwijderverzoek", {"reden_verwijderen": "Ouders vragen het."}, form_page="/"
    )
    assert other.status_code == 404
    client.cookies.clear()
    signed_in(test_settings, client, cast.coordinator_a)
    asked = post_form(
        client,
        f"/aanmeldingen/{referral}/verwijderverzoek",
        {"reden_verwijderen": "De ouders vragen schriftelijk om verwijdering."},
        form_page=f"/aanmeldingen/{referral}/inzage",
    )
    assert asked.status_code == 303
    twice = post_form(
        client,
        f"/aanmeldingen/{referral}/verwijderverzoek",
        {"reden_verwijderen": "Nog een keer gevraagd."},
        form_page=f"/aanmeldingen/{referral}/inzage",
    )
    assert twice.status_code == 409 and "al een verzoek" in twice.text
    client.cookies.clear()
    signed_in(test_settings, client, cast.admin)
    page = client.get("/beheer/bewaartermijnen").text
    assert "De ouders vragen schriftelijk om verwijdering." in page
    request_id = page.split("/beheer/bewaartermijnen/verzoeken/")[1].split('"')[0]
    done = post_form(
        client,
        f"/beheer/bewaartermijnen/verzoeken/{request_id}",
        {"besluit": "uitvoeren", "toelichting": "Verzoek terecht, uitgevoerd."},
        form_page="/beheer/bewaartermijnen",
    )
    assert done.status_code == 303
    assert _name_of(test_settings, referral) == service.ANONYMOUS_NAME
    assert "Er staan geen verzoeken open" in client.get("/beheer/bewaartermijnen").text
