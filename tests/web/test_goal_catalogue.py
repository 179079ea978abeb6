"""The goal catalogue is kept by the beheerder: list, add, change, make inactive (never delete); every change is in
the audit trail; an inactive goal is no longer offered at the intake; nobody else can reach these pages."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from huiskamer.audit.models import AuditEvent
from huiskamer.intake.models import GoalCatalogueItem
from tests.factories import api, csrf_token, in_session, login_as, make_user, post_form
from tests.web.waitlist_helpers import as_coordinator_a, make_cast, referral_in_review, text_of

GOAL = {
    "name": "Weerbaarheid",
    "description": "Nee durven zeggen tegen groepsdruk.",
    "kind": "social_skill",
    "dimension": "mentaal_welbevinden",
    "position": "3",
    "active": "on",
}


FIELDS = ("code", "name", "description", "kind", "dimension", "active", "position")


@pytest.fixture(autouse=True)
def catalogue_restored(test_settings):
    """The catalogue is reference data that survives between tests: put it back as it was."""

    async def snapshot(session):
        items = await session.scalars(select(GoalCatalogueItem))
        return {item.id: {f: getattr(item, f) for f in FIELDS} for item in items}

    before = in_session(test_settings, snapshot)
    yield

    async def restore(session):
        await session.execute(delete(GoalCatalogueItem).where(GoalCatalogueItem.id.not_in(list(before))))
        for item_id, values in before.items():
            await session.execute(update(GoalCatalogueItem).where(GoalCatalogueItem.id == item_id).values(**values))

    in_session(test_settings, restore)


def catalogue_size(settings) -> int:
    return in_session(settings, lambda s: s.scalar(select(func.count()).select_from(GoalCatalogueItem)))


def goal_by_name(settings, name: str) -> GoalCatalogueItem | None:
    async def work(session):
        return await session.scalar(select(GoalCatalogueItem).where(GoalCatalogueItem.name == name))

    return in_session(settings, work)


def audit_changes(settings, record_id: UUID) -> list[tuple[str, dict]]:
    async def work(session):
        rows = await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.table_name == "goal_catalogue", AuditEvent.record_id == str(record_id))
            .order_by(AuditEvent.at)
        )
        return [(event.action, event.changes) for event in rows]

    return in_session(settings, work)


def as_admin(settings, client):
    return login_as(settings, client, make_user(settings, "admin"))


def test_the_beheerder_sees_the_catalogue_with_kinds_and_dimensions(test_settings, client):
    as_admin(test_settings, client)
    page = client.get("/beheer/doelen")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Minder snel boos worden" in text and "Omgaan met geld" in text
    assert "Sociale vaardigheid" in text and "Thema" in text and "Mentaal welbevinden" in text
    assert 'href="/beheer/doelen"' in page.text  # in the beheerder's menu


def test_a_new_goal_is_added_audited_and_offered_at_the_intake(test_settings, client, make_client):
    as_admin(test_settings, client)
    response = post_form(client, "/beheer/doelen/nieuw", GOAL)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Doel ‘Weerbaarheid’ is toegevoegd." in page.text
    item = goal_by_name(test_settings, "Weerbaarheid")
    assert item is not None and item.code == "weerbaarheid" and item.position == 3 and item.active
    assert [action for action, _ in audit_changes(test_settings, item.id)] == ["insert"]
    cast = make_cast(test_settings)
    coordinator = make_client()
    rid = referral_in_review(coordinator, cast, "Noor")
    as_coordinator_a(coordinator, cast)
    assert "Weerbaarheid" in coordinator.get(f"/aanmeldingen/{rid}/intake").text


def test_a_goal_with_mistakes_keeps_what_was_typed(test_settings, client):
    as_admin(test_settings, client)
    size = catalogue_size(test_settings)
    response = post_form(client, "/beheer/doelen/nieuw", {**GOAL, "name": "", "dimension": "geluk", "position": "x"})
    assert response.status_code == 422
    html = response.text
    assert "Vul de naam van het doel in." in html
    assert "Kies een geldige waarde voor de dimensie van Positieve Gezondheid." in html
    assert "De volgorde moet een heel getal zijn." in html
    assert "Nee durven zeggen tegen groepsdruk.</textarea>" in html
    assert 'id="veld-kind-social_skill" name="kind" value="social_skill" checked' in html
    assert catalogue_size(test_settings) == size


def test_a_second_goal_with_the_same_name_is_refused(test_settings, client):
    as_admin(test_settings, client)
    response = post_form(client, "/beheer/doelen/nieuw", {**GOAL, "name": "vriendjes maken"})
    assert response.status_code == 422
    assert "Er is al een doel met deze naam." in response.text


def test_changing_a_goal_keeps_its_code_and_is_audited(test_settings, client):
    as_admin(test_settings, client)
    item = goal_by_name(test_settings, "Vriendjes maken")
    form = client.get(f"/beheer/doelen/{item.id}")
    assert form.status_code == 200 and 'value="Vriendjes maken"' in form.text and "<code>friends</code>" in form.text
    changed = {**GOAL, "name": "Vriendschappen sluiten", "kind": "theme", "dimension": "meedoen"}
    response = post_form(client, f"/beheer/doelen/{item.id}", changed)
    assert response.status_code == 303
    after = goal_by_name(test_settings, "Vriendschappen sluiten")
    assert after.id == item.id and after.code == "friends" and after.kind == "theme"
    ((action, changes),) = audit_changes(test_settings, item.id)
    assert action == "update" and "name" in changes and "kind" in changes


def test_an_inactive_goal_is_kept_but_no_longer_offered_at_the_intake(test_settings, client, make_client):
    as_admin(test_settings, client)
    item = goal_by_name(test_settings, "Omgaan met geld")
    response = post_form(client, f"/beheer/doelen/{item.id}/actief", {}, form_page="/beheer/doelen")
    assert response.status_code == 303
    listing = client.get("/beheer/doelen")
    assert "wordt niet meer aangeboden bij de intake" in listing.text
    row = listing.text[listing.text.index("<strong>Omgaan met geld") :].split("</tr>")[0]
    assert "Inactief" in row and "Weer actief maken" in row
    assert not goal_by_name(test_settings, "Omgaan met geld").active
    cast = make_cast(test_settings)
    coordinator = make_client()
    rid = referral_in_review(coordinator, cast, "Noor")
    as_coordinator_a(coordinator, cast)
    assert "Omgaan met geld" not in coordinator.get(f"/aanmeldingen/{rid}/intake").text
    refused = coordinator.post(
        f"/api/v1/referrals/{rid}/intake",
        json={
            "held_on": "2026-01-05",
            "goals": [{"code": "money"}],
            "urgency": "normal",
            "requested_weekdays": ["mon"],
            "preferred_location_ids": [str(cast.a)],
            "collection_persons": [],
            "consent_data_processing": True,
        },
        headers=api(coordinator, cast.token_a),
    )
    assert refused.status_code == 422
    assert any(error["field"] == "goals.0.code" for error in refused.json()["errors"])
    # And back again.
    again = post_form(client, f"/beheer/doelen/{item.id}/actief", {"active": "on"}, form_page="/beheer/doelen")
    assert again.status_code == 303
    assert goal_by_name(test_settings, "Omgaan met geld").active


def test_nobody_but_the_beheerder_reaches_the_catalogue(test_settings, make_client):
    cast = make_cast(test_settings)
    item = goal_by_name(test_settings, "Samenwerken")
    size = catalogue_size(test_settings)
    for person in (cast.coordinator_a, cast.youth_worker_a, cast.referrer):
        browser = login_as(test_settings, make_client(), person)
        assert "/beheer/doelen" not in browser.get("/").text
        for url in ("/beheer/doelen", "/beheer/doelen/nieuw", f"/beheer/doelen/{item.id}"):
            assert browser.get(url).status_code == 403, url
        assert post_form(browser, "/beheer/doelen/nieuw", GOAL, form_page="/").status_code == 403
        assert post_form(browser, f"/beheer/doelen/{item.id}", GOAL, form_page="/").status_code == 403
        assert post_form(browser, f"/beheer/doelen/{item.id}/actief", {}, form_page="/").status_code == 403
    assert catalogue_size(test_settings) == size
    assert goal_by_name(test_settings, "Samenwerken").active


hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "on", "theme", "meedoen", "-1", "1000", "x" * 5000, "\x00", "<script>alert(1)</script>"]),
)


def test_nonsense_in_the_goal_form_gives_messages_never_a_500(test_settings, client):
    as_admin(test_settings, client)
    item = goal_by_name(test_settings, "Samenwerken")
    token = csrf_token(client, "/beheer/doelen/nieuw")
    fields = ["name", "description", "kind", "dimension", "position", "active"]

    @settings(max_examples=25, deadline=None)
    @given(form=st.dictionaries(st.sampled_from(fields), st.one_of(hostile, st.lists(hostile, max_size=2))))
    def check(form) -> None:
        for url in ("/beheer/doelen/nieuw", f"/beheer/doelen/{item.id}", f"/beheer/doelen/{item.id}/actief"):
            response = client.post(url, data={**form, "_csrf_token": token}, follow_redirects=False)
            assert response.status_code in (303, 422), (url, form, response.status_code, response.text[:300])
            if response.status_code == 422:
                assert "error-summary" in response.text
            assert "<script>alert(1)</script>" not in response.text

    check()
