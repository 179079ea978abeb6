"""The referrer's view of their referral (api-v1.md second wave): what they submitted, read only; the outcome
of a rejection or closing with the explanation the coordinator wrote for them (never the internal reason); and
once placed the location and start date, without weekdays or an end reason. Still never the intake, goals,
urgency, attendance or progress. The portal page shows the same."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import api, login_as, make_token, make_user
from tests.web.placement_api_helpers import Cast, make_cast, next_weekday, waiting_child

FORBIDDEN = {"intake", "goals", "urgency", "urgency_reason", "attendance", "progress", "weekdays", "end_reason_code"}


@pytest.fixture
def cast(test_settings) -> Cast:
    return make_cast(test_settings)


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def as_referrer(client: Any, cast: Cast, rid: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/referrals/{rid}", headers=api(client, cast.referrer))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_referrer_sees_what_they_submitted_and_where_and_when_the_child_is_placed(client, cast):
    rid = waiting_child(client, cast, "Noor")
    body = as_referrer(client, cast, rid)
    assert body["submitted"]["child"]["given_name"] == "Noor"
    assert body["submitted"]["requested_weekdays"] == ["mon", "tue", "thu"]
    assert [loc["name"] for loc in body["submitted"]["preferred_locations"]] == ["Huiskamer Anemoon"]
    assert "placement" not in body and "outcome" not in body
    start = next_weekday(0, weeks=1)
    placed = client.post(
        "/api/v1/placements",
        json={"referral_id": rid, "location_id": str(cast.a), "weekdays": ["mon"], "start_date": start.isoformat()},
        headers=api(client, cast.coordinator_ab),
    )
    assert placed.status_code == 201, placed.text
    body = as_referrer(client, cast, rid)
    assert body["status"] == "placed"
    assert body["placement"] == {"location_name": "Huiskamer Anemoon", "start_date": start.isoformat()}
    assert not keys(body) & FORBIDDEN


def test_the_referrer_reads_the_outcome_with_the_explanation_but_never_the_internal_reason(client, cast):
    rid = waiting_child(client, cast, "Noor")
    moved = client.post(
        f"/api/v1/referrals/{rid}/transitions",
        json={
            "to": "closed",
            "reason_code": "moved_house",
            "reason": "Moeder belde: gezin vertrekt naar Lelystad, vader niet in beeld.",
            "explanation": "Het gezin is verhuisd; de plek is vrijgegeven.",
        },
        headers=api(client, cast.coordinator_ab),
    )
    assert moved.status_code == 200, moved.text
    response = client.get(f"/api/v1/referrals/{rid}", headers=api(client, cast.referrer))
    body = response.json()
    assert body["outcome"] == {
        "reason_code": "moved_house",
        "explanation": "Het gezin is verhuisd; de plek is vrijgegeven.",
    }
    assert "Lelystad" not in response.text and not keys(body) & FORBIDDEN


def test_the_portal_page_shows_the_outcome_and_what_was_submitted(make_client, test_settings):
    cast = make_cast(test_settings)
    referrer = make_user(test_settings, "referrer", organisation=("De Regenboog", "school"))
    cast = Cast(**{**cast.__dict__, "referrer": make_token(test_settings, referrer)})
    client = make_client()
    rid = waiting_child(client, cast, "Noor")
    client.post(
        f"/api/v1/referrals/{rid}/transitions",
        json={
            "to": "closed",
            "reason_code": "guardian_stopped",
            "reason": "intern geheim",
            "explanation": "Ouders stoppen.",
        },
        headers=api(client, cast.coordinator_ab),
    )
    login_as(test_settings, client, referrer)
    page = client.get(f"/aanmeldingen/{rid}")
    assert page.status_code == 200
    assert "Uitkomst" in page.text and "Ouders stoppen." in page.text and "intern geheim" not in page.text
    assert "Wat u heeft ingediend" in page.text and "Wordt snel boos op het schoolplein" in page.text
