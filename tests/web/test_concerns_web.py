"""The coordinator's concerns: on the start page, the list with its filters, resolving with a note (a plain form
that really stores), who may see them; the beheerder's settings for the concern threshold and evaluations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from huiskamer.attendance.models import Concern
from huiskamer.organisation.models import OrganisationSettings
from tests.attendance_helpers import Cast, make_cast, rows_of, signed_in
from tests.factories import csrf_token, in_session


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings, with_tokens=False)


def observation(cast: Cast, text: str, location: str = "a", given_name: str = "Noor") -> Concern:
    child = cast.place(location, given_name=given_name)

    async def work(db) -> Concern:
        concern = Concern(
            referral_id=child.referral_id,
            location_id=cast.a if location == "a" else cast.b,
            placement_id=child.placement_id,
            kind="observation",
            status="open",
            text=text,
            raised_at=datetime.now(UTC),
            raised_by_id=cast.youth_worker_a,
        )
        db.add(concern)
        await db.flush()
        return concern

    return in_session(cast.settings, work)


def post(client: Any, path: str, data: dict[str, Any], form_page: str) -> Any:
    token = csrf_token(client, form_page)
    return client.post(path, data={"_csrf_token": token, **data}, follow_redirects=False)


def test_open_concerns_are_on_the_coordinators_start_page(client, cast):
    observation(cast, "Noor had een blauwe plek op haar arm.")
    observation(cast, "Iets bij een ander kind.", location="b", given_name="Elders")
    signed_in(cast.settings, client, cast.coordinator_a)
    html = client.get("/").text
    assert "Open signalen (1)" in html
    assert "Noor Bakker" in html and "Observatie van een kinderwerker" in html
    assert "Elders" not in html
    assert "Aanmeldingen" in html, "the rest of the start page stays"


def test_the_coordinator_resolves_a_concern_with_a_note(client, cast):
    concern = observation(cast, "Noor had een blauwe plek op haar arm.")
    signed_in(cast.settings, client, cast.coordinator_a)
    page = client.get("/signalen").text
    assert "Noor had een blauwe plek op haar arm." in page and f"/signalen/{concern.id}/afhandelen" in page
    empty = post(client, f"/signalen/{concern.id}/afhandelen", {"note": " "}, "/signalen")
    assert empty.status_code == 422
    assert "Vul een notitie over de afhandeling in." in empty.text and '<details class="action" open>' in empty.text
    done = post(
        client, f"/signalen/{concern.id}/afhandelen", {"note": "Moeder gebeld: gevallen met de fiets."}, "/signalen"
    )
    assert done.status_code == 303 and done.headers["location"] == "/signalen"
    [stored] = rows_of(cast.settings, Concern)
    assert stored.status == "resolved" and stored.resolution_note == "Moeder gebeld: gevallen met de fiets."
    assert stored.resolved_by_id == cast.coordinator_a
    assert "Er zijn geen open signalen." in client.get("/signalen").text
    resolved = client.get("/signalen?status=afgehandeld").text
    assert "Moeder gebeld: gevallen met de fiets." in resolved
    again = post(client, f"/signalen/{concern.id}/afhandelen", {"note": "Nog eens."}, "/signalen")
    assert again.status_code == 409 and "al afgehandeld" in again.text


def test_a_coordinator_of_b_neither_sees_nor_resolves_the_concerns_of_a(client, cast):
    concern = observation(cast, "Noor had een blauwe plek op haar arm.")
    signed_in(cast.settings, client, cast.coordinator_b)
    assert "blauwe plek" not in client.get("/signalen?status=alle").text
    assert post(client, f"/signalen/{concern.id}/afhandelen", {"note": "x"}, "/signalen").status_code == 404
    assert rows_of(cast.settings, Concern)[0].status == "open"


@pytest.mark.parametrize("who", ["youth_worker_a", "referrer", "admin"])
def test_only_coordinators_open_the_concerns(client, cast, who):
    concern = observation(cast, "Noor had een blauwe plek op haar arm.")
    signed_in(cast.settings, client, getattr(cast, who))
    assert client.get("/signalen").status_code == 403
    assert post(client, f"/signalen/{concern.id}/afhandelen", {"note": "x"}, "/account").status_code == 403


# --- the beheerder's settings -------------------------------------------------------------------


def stored_settings(cast: Cast) -> list[tuple[int, int, int]]:
    return [
        (row.unexcused_absence_threshold, row.unexcused_absence_window_days, row.evaluation_interval_months)
        for row in rows_of(cast.settings, OrganisationSettings)
    ]


def test_the_beheerder_changes_the_threshold_window_and_evaluation_interval(client, cast):
    signed_in(cast.settings, client, cast.admin)
    form = client.get("/beheer/instellingen").text
    assert 'value="3"' in form and 'value="30"' in form
    data = {
        "unexcused_absence_threshold": "4",
        "unexcused_absence_window_days": "60",
        "evaluation_interval_months": "6",
    }
    saved = post(client, "/beheer/instellingen", data, "/beheer/instellingen")
    assert saved.status_code == 303
    assert stored_settings(cast) == [(4, 60, 6)]
    assert "De instellingen zijn opgeslagen." in client.get("/beheer/instellingen").text
    post(client, "/beheer/instellingen", {**data, "unexcused_absence_threshold": "2"}, "/beheer/instellingen")
    assert stored_settings(cast) == [(2, 60, 6)], "one row, changed"


def test_wrong_settings_get_dutch_messages_and_keep_what_was_typed(client, cast):
    signed_in(cast.settings, client, cast.admin)
    data = {
        "unexcused_absence_threshold": "drie",
        "unexcused_absence_window_days": "0",
        "evaluation_interval_months": "",
    }
    response = post(client, "/beheer/instellingen", data, "/beheer/instellingen")
    assert response.status_code == 422
    assert "moet een heel getal zijn" in response.text
    assert "moet tussen 7 en 365 liggen" in response.text
    assert "Vul het aantal maanden tussen evaluaties in." in response.text
    assert 'value="drie"' in response.text
    bigger = {
        "unexcused_absence_threshold": "20",
        "unexcused_absence_window_days": "7",
        "evaluation_interval_months": "3",
    }
    response = post(client, "/beheer/instellingen", bigger, "/beheer/instellingen")
    assert response.status_code == 422 and "kan niet groter zijn dan het aantal dagen" in response.text
    assert stored_settings(cast) == []


@pytest.mark.parametrize("who", ["coordinator_a", "youth_worker_a", "referrer"])
def test_only_the_beheerder_opens_the_settings(client, cast, who):
    signed_in(cast.settings, client, getattr(cast, who))
    assert client.get("/beheer/instellingen").status_code == 403
    data = {"unexcused_absence_threshold": "1", "unexcused_absence_window_days": "7", "evaluation_interval_months": "1"}
    assert post(client, "/beheer/instellingen", data, "/account").status_code == 403
    assert stored_settings(cast) == []
